"""Trials of new figures for the reply assessment on the dev splits, from cached figures (docs/replies.md,
"Tried in the eighth session").

    python benchmarks/reply_trials/trials.py build      # the figures of every pair, once (about a minute)
    python benchmarks/reply_trials/trials.py base       # the shipped eight figures: must equal `--dev`
    python benchmarks/reply_trials/trials.py reverse    # + how many ledger messages the reply fits better
    python benchmarks/reply_trials/trials.py local      # + the message's words rare among its neighbours
    python benchmarks/reply_trials/trials.py both

The dev splits are `python -m minqing.bench replies --dev`'s (the fit half cut in two with seed 7); the
weights are learned as `text/reply_model.learn` learns them (figures out of fold inside the training
part), then each part is scored with the weights of the other. The held-out half is never read, except to
keep its messages out of the topic space, as `--dev` does. The cache lives in $TMPDIR."""

from __future__ import annotations

import functools
import math
import os
import pickle
import random
import sys
import tempfile
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from minqing.bench import replies as bench
from minqing.text import reply_model as rm
from minqing.text.normalise import normalise
from minqing.text.replies import MAX_CHARS, assess_reply, content_of, final_score
from minqing.text.reply_corpus import ReplyCorpus

CACHE = Path(os.environ.get("TMPDIR", tempfile.gettempdir())) / "minqing-reply-trials.pkl"
NEIGHBOURS = 20


def _record(a, ti: int, ri: int, label: int, reply: str) -> dict:
    """What the score is made of besides the topicality: the reply's basis, formula, length and places."""
    return {"f": a.figures(), "basis": a.basis, "boiler": a.boilerplate, "chars": len(normalise(reply[:MAX_CHARS])),
            "far": bool(a.other_cities), "ti": ti, "ri": ri, "y": label}


def build() -> None:
    fit, held = bench._split()
    order = list(range(len(fit)))
    random.Random(7).shuffle(order)
    parts = [[fit[i] for i in order[:len(fit) // 2]], [fit[i] for i in order[len(fit) // 2:]]]
    out = []
    for train, test in ((parts[0], parts[1]), (parts[1], parts[0])):
        topics = rm.TopicSpace.build(rm.topic_docs([f"{t} {x}" for t, x, _r in train] + bench._other_messages(test + held),
                                                   [r for _t, _x, r in train]))
        plain = rm.ReplyModel(topics)
        rng = random.Random(rm.SEED)  # the pairs learn() draws, in its order
        o = list(range(len(train)))
        rng.shuffle(o)
        halves = [[train[i] for i in o[:len(o) // 2]], [train[i] for i in o[len(o) // 2:]]]
        learning = []
        for k, (known, scored) in enumerate(((halves[0], halves[1]), (halves[1], halves[0]))):
            corpus = ReplyCorpus.build((f"{t} {m}" for t, m, _r in known), (r for _t, _m, r in known))
            near = rm.most_similar([f"{t} {m}" for t, m, _r in scored], rm.SIMILAR)
            for i, (title, text, _r) in enumerate(scored):
                others = [(i + rng.randrange(1, len(scored))) % len(scored) for _ in range(rm.NEGATIVES)] + near[i]
                for j, label in [(i, 1)] + [(j, 0) for j in others]:
                    a = assess_reply(text, scored[j][2], title, corpus=corpus, model=plain)
                    r = _record(a, i, j, label, scored[j][2])
                    learning.append(r | {"fold": k})
        corpus = ReplyCorpus.build((f"{t} {x}" for t, x, _r in train), (r for _t, _x, r in train))
        rand, similar = bench._negatives([normalise(f"{t} {x}") for t, x, _r in test], random.Random(bench.SEED))
        tested = {"own": [], "random": [], "similar": []}
        for i, (title, text, reply) in enumerate(test):
            tested["own"].append(_record(assess_reply(text, reply, title, corpus=corpus, model=plain), i, i, 1, reply))
            for kind, js in (("random", rand), ("similar", similar)):
                a = assess_reply(text, test[js[i]][2], title, corpus=corpus, model=plain)
                tested[kind].append(_record(a, i, js[i], 0, test[js[i]][2]))
        out.append({"train": train, "test": test, "halves": halves, "learning": learning, "tested": tested})
    CACHE.write_bytes(pickle.dumps(out))


@functools.cache
def _cut(s: str) -> tuple[str, ...]:
    return tuple(content_of(normalise(s[:2000])))


@functools.cache
def _index(key: tuple) -> tuple:
    """Word TF-IDF over a ledger's messages (a part of a split, by key), and their vectors."""
    rows = _ledgers[key]
    docs = [" ".join(_cut(f"{t} {x}")) for t, x, _r in rows]
    v = TfidfVectorizer(analyzer=str.split, sublinear_tf=True).fit(docs)
    return v, v.transform(docs)


_ledgers: dict[tuple, list] = {}


def reverse(ledger: tuple, message: tuple, reply: tuple) -> dict[str, float]:
    """How many of the ledger's messages the reply fits better than this one (a precedent fits its own case)."""
    v, mat = _index(ledger)
    rv = v.transform([" ".join(_cut(reply[2]))])
    own = (rv @ v.transform([" ".join(_cut(f"{message[0]} {message[1]}"))]).T).toarray()[0, 0]
    sims = (mat @ rv.T).toarray()[:, 0]
    better = float((sims > own).sum())
    return {"rev": better / (better + 5), "revgap": float(max(0.0, sims.max() - own))}


def local(ledger: tuple, message: tuple, reply: tuple) -> dict[str, float]:
    """The share of the message's 12 words rarest among its NEIGHBOURS nearest ledger messages (what sets it
    apart from the same kind of problem elsewhere) that the reply holds."""
    v, mat = _index(ledger)
    rows = _ledgers[ledger]
    words = _cut(f"{message[0]} {message[1]}")
    sims = (mat @ v.transform([" ".join(words)]).T).toarray()[:, 0]
    near = [set(_cut(f"{rows[i][0]} {rows[i][1]}")) for i in np.argsort(-sims)[:NEIGHBOURS]]
    rarity = {w: math.log((NEIGHBOURS + 1) / (sum(w in n for n in near) + 1)) for w in set(words) if len(w) >= 2}
    top = sorted(rarity.items(), key=lambda kv: (-kv[1], kv[0]))[:12]
    total = sum(x for _w, x in top)
    text = normalise(reply[2][:2000])
    return {"local": sum(x for w, x in top if w in text) / total if total else 0.0}


TRIALS = {"base": None, "reverse": reverse, "local": local,
          "both": lambda *a: reverse(*a) | local(*a)}


def _split_aucs(si: int, s: dict, extra) -> list[float]:
    """One dev split: the weights learned on its training part's pairs, its other part scored."""
    _ledgers.update({("learn", si, 0): s["halves"][0], ("learn", si, 1): s["halves"][1], ("test", si): s["train"]})

    def row(r, ledger, rows):
        e = extra(ledger, rows[r["ti"]], rows[r["ri"]]) if extra else {}
        return [r["f"][f] for f in rm.FEATURES] + [e[k] for k in sorted(e)]
    x = [row(r, ("learn", si, r["fold"]), s["halves"][1 - r["fold"]]) for r in s["learning"]]
    lr = LogisticRegression(C=1.0, max_iter=5000).fit(x, [r["y"] for r in s["learning"]])

    def score(r):
        top = 1 / (1 + math.exp(-(lr.intercept_[0] + float(np.dot(lr.coef_[0], row(r, ("test", si), s["test"]))))))
        return final_score(top, r["basis"], r["boiler"], r["chars"], r["far"])[0]
    own = [score(r) for r in s["tested"]["own"]]
    aucs = []
    for kind in ("random", "similar"):
        neg = [score(r) for r in s["tested"][kind]]
        aucs.append(roc_auc_score([1] * len(own) + [0] * len(neg), own + neg))
    return aucs


def evaluate(extra=None) -> tuple[float, ...]:
    figures = []
    for si, s in enumerate(pickle.loads(CACHE.read_bytes())):
        figures.append(_split_aucs(si, s, extra))
        print(f"dev split {si + 1}: (a) {figures[-1][0]:.4f}  (b) {figures[-1][1]:.4f}")
    mean = tuple(sum(c) / len(c) for c in zip(*figures, strict=True))
    print(f"mean: (a) {mean[0]:.4f}  (b) {mean[1]:.4f}")
    return mean


def main(argv: list[str]) -> None:
    if argv == ["build"]:
        build()
    elif len(argv) == 1 and argv[0] in TRIALS:
        if not CACHE.exists():
            build()
        evaluate(TRIALS[argv[0]])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
