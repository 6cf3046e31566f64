"""Reply assessment benchmark: `python -m minqing.bench replies [--quick] [--write] [--dev]`.

On ../shared/data/tipdm2020c/messages_with_replies.xlsx (real messages and the government's real
replies): can the score tell a message's own reply from another message's reply? The rows are shuffled
with a fixed seed and split in half. The first half (`fit`) is all the method may learn from — the word
and shingle statistics of its ReplyCorpus — and the only half at which the weights were ever looked at;
the figures reported are those of the second half (`held out`), against a corpus that never saw it.

For each held-out message: its own reply (a positive), (a) the reply to a random other message and
(b) the reply to the most similar other message (character-bigram TF-IDF cosine of the messages: the
same kind of problem elsewhere — the hard case), each a negative. ROC AUC of the score over positives
and negatives, beside a plain baseline measured in the same run: the character-bigram TF-IDF cosine of
message and reply (fitted on the `fit` half). Then the share of own replies flagged as boilerplate with
20 examples each way, hollow replies, and the time per assessment (p50, p99). `--write` puts the
figures and examples into docs/replies.md between its `bench:replies` markers. `--dev` scores the two
development splits inside the fit half instead: where an idea is tried before the held-out half is run."""

from __future__ import annotations

import argparse
import os
import random
import re
import time
from pathlib import Path

import numpy as np

from ._report import log, percentile

SHARED_DATA = Path(os.environ.get("MINQING_SHARED_DATA") or Path(__file__).resolve().parents[4] / "shared" / "data")
FILE = SHARED_DATA / "tipdm2020c" / "messages_with_replies.xlsx"
OTHER_MESSAGES = [SHARED_DATA / "tipdm2020c" / n for n in ("messages_with_votes.xlsx", "messages_labeled.xlsx")]
DOCS = Path(__file__).resolve().parents[3] / "docs" / "replies.md"
SEED = 2026
GOALS = {"random": 0.98, "similar": 0.95}


def _auc(pos: list[float], neg: list[float]) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score([1] * len(pos) + [0] * len(neg), pos + neg))


def _interval(pos: list[float], neg: list[float], rounds: int = 1000) -> tuple[float, float]:
    """A 95% bootstrap interval of the AUC: messages drawn again with replacement, each with its own reply
    and its negative (how far the figure would move on another sample of the same kind of messages)."""
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(SEED)
    pos, neg, n = np.asarray(pos), np.asarray(neg), len(pos)
    labels = np.r_[np.ones(n), np.zeros(n)]
    aucs = [roc_auc_score(labels, np.r_[pos[i], neg[i]]) for i in (rng.integers(0, n, n) for _ in range(rounds))]
    return float(np.percentile(aucs, 2.5)), float(np.percentile(aucs, 97.5))


def _ceiling(own_misses: list[bool], neg_misses: list[bool], same_input: list[bool]) -> float:
    """The most a score can reach that ranks an own reply that misses its message (hollow, or off it) below
    any reply that answers it (as the flags must), every other pair in order: each such own reply loses to
    every negative that answers the message it is scored on; and a negative whose input is its own reply's —
    the most similar message answered with the very same text — scores as that own reply does whatever the
    function of message and reply, so it stands among the own replies that answer and beats half of them."""
    n = len(own_misses)
    saying = 1 - sum(own_misses) / n
    answers = sum(not m for m in neg_misses) / n
    ties = sum(s and not om and not nm for s, om, nm in zip(same_input, own_misses, neg_misses, strict=True)) / n
    return 1 - (1 - saying) * answers - ties * 0.5 * saying


def _negatives(texts: list[str], rng: random.Random) -> tuple[list[int], list[int]]:
    """For each message: a random other one, and the most similar other one (bigram TF-IDF cosine)."""
    from ..text.reply_model import most_similar

    n = len(texts)
    rand = [(i + rng.randrange(1, n)) % n for i in range(n)]
    return rand, [near[0] for near in most_similar(texts)]


def _other_messages(held_out: list[tuple[str, str, str]]) -> list[str]:
    """Messages of the other shared files (no replies) for the topic space, less any that is one of the
    held-out messages (a few dozen are in two files)."""
    from ..text.corpus import read_messages

    seen = {t for t, _x, _r in held_out if t} | {x[:50] for _t, x, _r in held_out if x}
    out = []
    for path in OTHER_MESSAGES:
        if path.exists():
            out += [f"{m.title} {m.text}" for m in read_messages(path) if m.title not in seen and m.text[:50] not in seen]
    return out


def _short(s: str, n: int = 90) -> str:
    s = re.sub(r"\s+", " ", s).strip().replace("|", "｜")
    return s[:n] + ("…" if len(s) > n else "")


def _split(quick: bool = False) -> tuple[list, list]:
    """The rows shuffled with the fixed seed: (fit half, held-out half)."""
    from ..text.reply_corpus import read_replies

    rows = read_replies(FILE)
    random.Random(SEED).shuffle(rows)
    if quick:
        rows = rows[:600]
    return rows[:len(rows) // 2], rows[len(rows) // 2:]


def _fitted(fit: list, unseen: list):
    """The corpus and the model learned from `fit` alone (the topic space also reads the other files'
    messages, less any of `unseen`)."""
    from ..text.reply_corpus import ReplyCorpus
    from ..text.reply_model import ReplyModel, learn

    corpus = ReplyCorpus.build((f"{t} {x}" for t, x, _r in fit), (r for _t, _x, r in fit))
    try:
        model = learn(fit, _other_messages(unseen))
        log(f"model learned on {len(fit)} pairs: {len(model.topics)} words in the topic space, weights {model.weights}")
    except ValueError as e:  # a file too small to learn from: relevance stands for topicality
        model = ReplyModel()
        log(f"no model learned ({e}): topicality is relevance")
    return corpus, model


def _assessed(test: list, corpus, model) -> dict:
    """Each message's own reply and its two negatives assessed; the own reply's time (wall, CPU) too."""
    from ..text.normalise import normalise
    from ..text.replies import assess_reply

    rand, similar = _negatives([normalise(f"{t} {x}") for t, x, _r in test], random.Random(SEED))
    out = {"own": [], "random": [], "similar": [], "times": [], "cpu": [], "js": {"random": rand, "similar": similar}}
    for i, (title, text, reply) in enumerate(test):
        t0, c0 = time.perf_counter(), time.process_time()
        out["own"].append(assess_reply(text, reply, title, corpus=corpus, model=model))
        out["times"].append((time.perf_counter() - t0) * 1000)
        out["cpu"].append((time.process_time() - c0) * 1000)
        for kind in ("random", "similar"):
            out[kind].append(assess_reply(text, test[out["js"][kind][i]][2], title, corpus=corpus, model=model))
    return out


def run_dev() -> str:
    """The two development splits on which every setting was chosen (docs/replies.md): the fit half cut
    in two (seed 7), each part scored against a corpus and a model learned on the other; the held-out
    half is not read except to keep its messages out of the topic space."""
    fit, held = _split()
    order = list(range(len(fit)))
    random.Random(7).shuffle(order)
    parts = [[fit[i] for i in order[:len(fit) // 2]], [fit[i] for i in order[len(fit) // 2:]]]
    out = ["| dev split | (a) random | (b) most similar | (a) own answering | (b) own answering |", "|---|---|---|---|---|"]
    rows = []
    for name, (train, test) in (("1", (parts[0], parts[1])), ("2", (parts[1], parts[0]))):
        a = _assessed(test, *_fitted(train, test + held))
        own = [x.score for x in a["own"]]
        saying = [i for i, x in enumerate(a["own"]) if not x.misses]
        figures = [_auc(own, [x.score for x in a[k]]) for k in ("random", "similar")]
        figures += [_auc([own[i] for i in saying], [a[k][i].score for i in saying]) for k in ("random", "similar")]
        rows.append(figures)
        out.append(f"| {name} | " + " | ".join(f"{f:.4f}" for f in figures) + " |")
    out.append("| mean | " + " | ".join(f"{sum(col) / len(col):.4f}" for col in zip(*rows, strict=True)) + " |")
    return "\n".join(out)


def run(quick: bool = False) -> tuple[str, dict]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from ..text.normalise import normalise

    fit, test = _split(quick)
    log(f"{len(fit) + len(test)} messages with replies: {len(fit)} to fit the corpus on, {len(test)} held out")
    corpus, model = _fitted(fit, test)
    done = _assessed(test, corpus, model)
    own, times, cpu, rand, similar = (done["own"], done["times"], done["cpu"], done["js"]["random"],
                                      done["js"]["similar"])
    messages = [normalise(f"{t} {x}") for t, x, _r in test]
    replies = [r for _t, _x, r in test]
    vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 2)).fit(
        [normalise(f"{t} {x}") for t, x, _r in fit] + [normalise(r) for _t, _x, r in fit])
    mv, rv = vec.transform(messages), vec.transform([normalise(r) for r in replies])
    cos = (mv @ rv.T).toarray()
    parts = {p: [getattr(x, p) for x in own] for p in ("score", "relevance", "completeness", "topic")}
    neg = {k: {p: [getattr(x, p) for x in done[k]] for p in parts} for k in ("random", "similar")}
    n = len(test)
    result = {"n": n, "fit": len(fit), "auc": {}, "baseline": {}, "parts": {}, "weights": model.weights,
              "bias": model.bias, "vocab": len(model.topics) if model.topics is not None else 0}
    saying = [i for i, a in enumerate(own) if not a.misses]  # own replies that say something of their message
    result["saying"] = len(saying) / n
    result["auc_saying"] = {k: _auc([parts["score"][i] for i in saying], [neg[k]["score"][i] for i in saying])
                            for k in ("random", "similar")}
    result["same_input"] = {k: [normalise(replies[j]) == normalise(replies[i]) for i, j in enumerate(done["js"][k])]
                            for k in ("random", "similar")}
    # hollow as the assessment flags it — which takes some answers in other words for hollow — and, a bound
    # that rests on no judgement of the score's, hollow only when it is formula with nothing to check or a line
    formula = [(a.boilerplate.flagged and not a.basis.present) or len(r.strip()) < 15 for a, r in zip(own, replies, strict=True)]
    result["formula"] = sum(formula) / n
    for key, hollow in (("ceiling", [a.misses for a in own]), ("ceiling_formula", formula)):
        result[key] = {k: _ceiling(hollow, [x.misses for x in done[k]], result["same_input"][k]) for k in ("random", "similar")}
    for kind, js in (("random", rand), ("similar", similar)):
        result["auc"][kind] = _auc(parts["score"], neg[kind]["score"])
        result.setdefault("interval", {})[kind] = _interval(parts["score"], neg[kind]["score"])
        result["baseline"][kind] = _auc([float(cos[i, i]) for i in range(n)], [float(cos[i, js[i]]) for i in range(n)])
        result["parts"][kind] = {p: _auc(parts[p], neg[kind][p]) for p in ("relevance", "completeness", "topic")}
    flagged = [(a, r) for a, r in zip(own, test, strict=True) if a.boilerplate.flagged]
    result.update(
        flagged=len(flagged) / n, hollow=sum(a.hollow for a in own) / n, off_message=sum(a.off_message for a in own) / n,
        basis=sum(a.basis.present for a in own) / n, p50=percentile(times, 50), p99=percentile(times, 99),
        cpu_p50=percentile(cpu, 50), cpu_p99=percentile(cpu, 99), load=os.getloadavg()[0],
        median_score=float(np.median([a.score for a in own])),
        pass_share={t: sum(a.score >= t for a in own) / n for t in (0.3, 0.4, 0.5)},
        shares=[a.boilerplate.share for a in own])
    rng = random.Random(SEED)
    unflagged = [(a, r) for a, r in zip(own, test, strict=True) if not a.boilerplate.flagged]
    examples = {"flagged": sorted(rng.sample(flagged, min(20, len(flagged))), key=lambda e: -e[0].boilerplate.share),
                "not": sorted(rng.sample(unflagged, min(20, len(unflagged))), key=lambda e: -e[0].boilerplate.share)}
    return _report(result, examples), result


def _report(r: dict, examples: dict) -> str:
    out = [f"Held-out half: {r['n']} messages (corpus fitted on the other {r['fit']}); seed {SEED}.", "",
           "| negative reply | minqing score AUC | 95% interval | goal | baseline: bigram TF-IDF cosine AUC | ratio | relevance alone | completeness alone | topic alone |",
           "|---|---|---|---|---|---|---|---|---|"]
    for kind, label in (("random", "(a) a random other message's"), ("similar", "(b) the most similar message's")):
        low, high = r["interval"][kind]
        out.append(f"| {label} | **{r['auc'][kind]:.3f}** | {low:.3f}–{high:.3f} | ≥ {GOALS[kind]:.2f} | {r['baseline'][kind]:.3f} | "
                   f"{r['auc'][kind] / r['baseline'][kind]:.3f} | {r['parts'][kind]['relevance']:.3f} | "
                   f"{r['parts'][kind]['completeness']:.3f} | {r['parts'][kind]['topic']:.3f} |")
    out += ["", "The topicality model learned on the fit half (text/reply_model.py): weights "
            + ", ".join(f"{k} {v:+.2f}" for k, v in r["weights"].items()) + f", bias {r['bias']:+.2f}; "
            f"topic space of {r['vocab']:,} words.",
            "", "The 95% interval: 1,000 bootstrap samples of the held-out messages, each with its own reply and its "
            "negative — how far the figure would move on another sample of the same kind of messages.",
            "", f"Over the {r['saying']:.1%} of messages whose own reply the assessment takes to answer them (neither hollow "
            f"nor off the message): AUC "
            f"{r['auc_saying']['random']:.3f} against a random other reply, {r['auc_saying']['similar']:.3f} against "
            "the most similar message's reply.",
            "", f"Ceiling of a score that ranks an own reply that misses its message below any reply that answers it "
            f"(the {1 - r['saying']:.1%} own replies hollow or off the message × the share of negatives that are neither "
            f"on the message they are scored on, all lost; a negative that is its own reply's very text — "
            f"{sum(r['same_input']['similar'])} of the most similar messages' replies, "
            f"{sum(r['same_input']['random'])} of the random ones — scores as that own reply, whatever the score, and "
            f"beats half the own replies that say something; every other pair won): {r['ceiling']['random']:.3f} "
            f"against a random other reply, {r['ceiling']['similar']:.3f} against the most similar message's reply. "
            f"The same with only the {r['formula']:.1%} own replies that are formula with nothing to check, or a line, "
            f"counted as missing (the flags above also take some answers in other words for missing): "
            f"{r['ceiling_formula']['random']:.3f} and {r['ceiling_formula']['similar']:.3f}."]
    shares = r["shares"]
    out += ["", f"Own replies: median score {r['median_score']:.3f}; score ≥ 0.3 / 0.4 / 0.5: "
            + " / ".join(f"{v:.1%}" for v in r["pass_share"].values())
            + f"; basis present {r['basis']:.1%}; hollow {r['hollow']:.1%}; off the message {r['off_message']:.1%}; "
            f"flagged boilerplate (≥ 60% formula) {r['flagged']:.1%}; boilerplate share median "
            f"{float(np.median(shares)):.2f}, p90 {percentile(shares, 90):.2f}.",
            f"Time per assessment (own reply, the corpus built): wall clock p50 {r['p50']:.1f} ms, p99 "
            f"{r['p99']:.1f} ms; CPU time p50 {r['cpu_p50']:.1f} ms, p99 {r['cpu_p99']:.1f} ms (goal < 20 ms; "
            f"load average {r['load']:.1f} on {os.cpu_count()} cores during the run).", ""]
    for key, title in (("flagged", "Flagged as boilerplate (20 of them, at random)"),
                       ("not", "Not flagged (20 at random)")):
        out += [f"**{title}** — share of formula · reply (first 90 characters) · the message's title", "",
                "| share | reply | message |", "|---|---|---|"]
        out += [f"| {a.boilerplate.share:.2f} | {_short(row[2])} | {_short(row[0], 40)} |" for a, row in examples[key]]
        out.append("")
    return "\n".join(out)


def _write(text: str) -> None:
    doc = DOCS.read_text(encoding="utf-8")
    start, end = "<!-- bench:replies -->", "<!-- /bench:replies -->"
    if start in doc and end in doc:
        doc = doc[:doc.index(start) + len(start)] + "\n" + text + "\n" + doc[doc.index(end):]
        DOCS.write_text(doc, encoding="utf-8")
        log(f"wrote the figures into {DOCS}")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m minqing.bench replies")
    parser.add_argument("--quick", action="store_true", help="600 rows instead of 2,500")
    parser.add_argument("--write", action="store_true", help="put the figures into docs/replies.md")
    parser.add_argument("--dev", action="store_true",
                        help="the two development splits inside the fit half (where settings are chosen) instead")
    args = parser.parse_args(argv)
    if not FILE.exists():
        raise SystemExit(f"skipped: {FILE} not found (set MINQING_SHARED_DATA)")
    if args.dev:
        print(run_dev())
        return
    text, _r = run(args.quick)
    print(text)
    if args.write and not args.quick:
        _write(text)
