"""Duplicate detection benchmark (issue 4): `python -m minqing.bench dedup [--quick]`.

    python -m minqing.bench dedup [--quick] [--originals 300] [--background 100000] [--seed 2026]
                                  [--db sqlite|postgresql] [--source FILE.xlsx] [--json FILE] [--examples 5]

A labelled set is built from real messages (`messages_with_votes.xlsx`): a seeded sample of
originals, each placed at a village of the demo county (the village itself or one of its grids),
and for each original a set of probes —

- positives, at the SAME village: `exact` (a copy), `edited` (3–5 random edits: a greeting, changed
  digits, a clause deleted, words inserted, characters swapped or deleted), `traditional` (the copy
  in traditional script, OpenCC s2t), `paraphrase` (the title and 40–60% of the sentences, lightly
  edited, sometimes with a closing line);
- negatives: `other-place` (the exact copy and one of the other variants at a DIFFERENT village —
  the same words about another place are another problem) and `unrelated` (a different message at
  the same village);
- beside the figures, not in them: `same-title`, real pairs of the file (two messages with the same
  title and different texts), the first loaded, the second probed at the same village.

The source file itself holds many voices on the same problem; two source messages with the same
title or sharing a third of their character 4-grams are "related": originals are pairwise unrelated
and unrelated negatives are unrelated to every original, so that the labels are right.

The originals are loaded into a fresh ledger (after --background generated cases from unrelated
messages, bench/_data.py) through `intake.services.submit_voice` (as a county dispatcher, so they are
normalised, segmented and indexed exactly as in production); then each probe is submitted the same
way, `ledger.similar.duplicates_of(probe)` is called, and the probe is rolled back. Figures:
pair-level precision (returned pairs that are the probe's original) and recall (positive probes
whose original is returned), overall and per kind, beside baselines on the same probes: the exact
normalised text at the same place, and a plain word TF-IDF cosine (jieba words) at a fixed threshold,
without and with the place rule.

A threshold sweep runs on the same calls (every candidate's score is kept): the threshold is chosen
on a seeded half of the originals (tune) and reported on the other half (test), never on rows.
Method and figures: docs/duplicates.md."""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ._data import _SENTENCE, VOTES_FILE
from ._report import log

POSITIVE = ("exact", "edited", "traditional", "paraphrase")
NEGATIVE = ("other-place", "unrelated")
KINDS = POSITIVE + NEGATIVE  # the headline figures
# Real pairs from the source: two messages with the same title and different texts (mostly one
# problem posted twice, by the same or another citizen). Reported beside the figures, not in them:
# the label ("same title = same problem") is only mostly right.
EXTRA = ("same-title",)
ALL_KINDS = KINDS + EXTRA
TARGET_PRECISION, TARGET_RECALL = 0.95, 0.90
DEFAULT_ORIGINALS, QUICK_ORIGINALS = 300, 60
DEFAULT_BACKGROUND = 100_000
THRESHOLDS = [round(0.10 + 0.05 * i, 2) for i in range(13)]  # 0.10 … 0.70
TFIDF_AT = 0.5  # the plain baseline's fixed cosine threshold
LIMIT = 5  # duplicates_of's default: what the dispatcher is shown
RELATED_CONTAINMENT = 0.33  # two source messages sharing this share of 4-grams raise the same problem
# Background messages are left out more eagerly (a lost background message costs nothing; a real
# duplicate left in would count as a false match): a sixth of the 4-grams of the shorter one.
BACKGROUND_CONTAINMENT = 0.16
MIN_CHARS = 15
DEFAULT_DATA_DIR = Path(os.environ.get("MINQING_BENCH_DIR", "/tmp/minqing-bench"))
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/"
PG_DATABASE = "mqdedup"

GREETINGS = ("您好！", "领导您好，", "尊敬的领导：", "你好，我想反映一个问题。", "书记您好！")
FILLERS = ("真的", "非常", "一直", "实在", "确实", "现在", "特别")
CLOSINGS = ("谢谢！", "希望尽快解决。", "望领导重视。", "盼复。", "恳请相关部门尽快处理。")
_SPACE = re.compile(r"\s+")
_CLAUSE = re.compile(r"[^，,。！？!?；;]+[，,。！？!?；;]*")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_DIGIT = re.compile(r"\d")
_NOISE = re.compile(r"[\W_]+", re.UNICODE)


# ----------------------------------------------------------------------------------- the set
@dataclass
class Message:
    title: str
    text: str


@dataclass
class Original:
    message: Message
    unit: str  # unit code where it was raised (a village or one of its grids)
    village: str
    split: str  # "tune" | "test"


@dataclass
class Probe:
    kind: str
    original: int  # index into the originals
    title: str
    text: str
    unit: str
    village: str
    split: str

    @property
    def positive(self) -> bool:
        return self.kind in POSITIVE or self.kind in EXTRA


@dataclass
class Outcome:
    """What duplicates_of returned for one probe. `shipped`: original indexes as shipped (-1: a case
    not in the set); `scored`: every candidate at the same place with its score, best first."""

    probe: Probe
    shipped: list[int]
    scored: list[tuple[int, float]] = field(default_factory=list)
    ms: float = 0.0
    wrong: list[tuple[float, str]] = field(default_factory=list)  # (score, "title | text") of false matches


def read_source(path: Path) -> list[Message]:
    from ..text.corpus import read_messages

    return [Message(_SPACE.sub(" ", m.title).strip(), m.text) for m in read_messages(path)]


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text or "").strip()


def _shingles(m: Message) -> frozenset[str]:
    from ..text.normalise import normalise

    s = _NOISE.sub("", normalise(f"{m.title} {m.text}").lower())
    return frozenset(s[i:i + 4] for i in range(len(s) - 3))


def related_pairs(messages: list[Message], containment: float = RELATED_CONTAINMENT) -> list[set[int]]:
    """For each message, the others that raise the same problem in the source file: the same
    normalised title, or sharing `containment` of the shorter one's character 4-grams."""
    from ..text.normalise import normalise

    sh = [_shingles(m) for m in messages]
    index: dict[str, list[int]] = {}
    for i, s in enumerate(sh):
        for g in s:
            index.setdefault(g, []).append(i)
    limit = max(50, len(messages) // 20)  # boilerplate 4-grams ("有关部门") say nothing
    out: list[set[int]] = [set() for _ in messages]
    for i, s in enumerate(sh):
        shared: Counter = Counter()
        for g in s:
            others = index[g]
            if len(others) <= limit:
                shared.update(others)
        for j, n in shared.items():
            if j != i and n >= containment * max(1, min(len(s), len(sh[j]))):
                out[i].add(j)
    titles: dict[str, list[int]] = {}
    for i, m in enumerate(messages):
        t = _NOISE.sub("", normalise(m.title))
        if len(t) >= 4:
            titles.setdefault(t, []).append(i)
    for group in titles.values():
        for i in group:
            out[i].update(j for j in group if j != i)
    return out


def _usable(m: Message) -> bool:
    return len(_clean(m.text)) >= MIN_CHARS and len(m.text) <= 9000


def same_title_pairs(messages: list[Message], rel: list[set[int]]) -> list[tuple[int, int]]:
    """One pair per title that two messages share with different texts; no pair related to another."""
    from ..text.normalise import normalise

    groups: dict[str, list[int]] = {}
    for i, m in enumerate(messages):
        t = _NOISE.sub("", normalise(m.title))
        if len(t) >= 4 and _usable(m):
            groups.setdefault(t, []).append(i)
    pairs, taken = [], set()
    for _title, members in sorted(groups.items()):
        texts: dict[str, int] = {}
        for i in members:
            texts.setdefault(_NOISE.sub("", normalise(messages[i].text)), i)
        if len(texts) < 2:
            continue
        a, b = list(texts.values())[:2]
        if {a, b} & taken:
            continue
        pairs.append((a, b))
        taken |= {a, b} | rel[a] | rel[b]
    return pairs


def choose(messages: list[Message], n: int, rng: random.Random, reserved: set[int] = frozenset(),
           rel: list[set[int]] | None = None) -> tuple[list[int], list[int], list[set[int]]]:
    """(originals, unrelated pool, relation): n pairwise-unrelated messages, the messages unrelated
    to all of them, and each message's related ones. `reserved` messages (and their relatives) are
    neither."""
    ok = [i for i, m in enumerate(messages) if _usable(m)]
    rel = rel if rel is not None else related_pairs(messages)
    order = ok[:]
    rng.shuffle(order)
    chosen, blocked = [], set(reserved)
    for i in reserved:
        blocked |= rel[i]
    for i in order:
        if len(chosen) >= n:
            break
        if i in blocked:
            continue
        chosen.append(i)
        blocked.add(i)
        blocked |= rel[i]
    pool = [i for i in ok if i not in blocked]
    return chosen, pool, rel


def _units(villages: list) -> dict[str, list[str]]:
    """village code → codes of the village and its grids (all 'the same place')."""
    from ..org.models import Level, Unit

    out = {}
    for v in villages:
        out[v] = [v] + sorted(Unit.objects.filter(parent__code=v, level=Level.GRID, active=True)
                              .values_list("code", flat=True))
    return out


def demo_villages() -> list[str]:
    from ..org.models import Level, Unit

    return sorted(Unit.objects.filter(level=Level.VILLAGE, active=True).values_list("code", flat=True))


# ----------------------------------------------------------------------------------- variants
def _split_units(text: str) -> list[str]:
    sents = [s for s in _SENTENCE.findall(text) if s.strip()]
    if len(sents) >= 2:
        return sents
    return [c for c in _CLAUSE.findall(text) if c.strip()]


def _han_positions(s: str) -> list[int]:
    return [m.start() for m in _HAN.finditer(s)]


def edit(text: str, rng: random.Random, ops: int | None = None) -> str:
    """A citizen's re-typing of the same message: 3–5 of greeting, changed digits, a clause dropped,
    words inserted, neighbouring characters swapped, characters dropped."""
    t = _clean(text)

    def greet(s):
        return rng.choice(GREETINGS) + s

    def digits(s):
        if not _DIGIT.search(s):
            return s + rng.choice(CLOSINGS)
        return _DIGIT.sub(lambda m: str((int(m.group()) + rng.randint(1, 9)) % 10), s, count=2)

    def drop_clause(s):
        clauses = _CLAUSE.findall(s)
        if len(clauses) < 4:
            return drop_chars(s)
        del clauses[rng.randrange(1, len(clauses))]
        return "".join(clauses)

    def insert(s):
        for _ in range(2):
            pos = _han_positions(s)
            if pos:
                k = rng.choice(pos)
                s = s[:k] + rng.choice(FILLERS) + s[k:]
        return s

    def swap(s):
        for _ in range(2):
            pos = [p for p in _han_positions(s) if p + 1 < len(s) and _HAN.match(s[p + 1])]
            if pos:
                k = rng.choice(pos)
                s = s[:k] + s[k + 1] + s[k] + s[k + 2:]
        return s

    def drop_chars(s):
        for _ in range(3):
            pos = _han_positions(s)
            if len(pos) > 8:
                k = rng.choice(pos)
                s = s[:k] + s[k + 1:]
        return s

    chosen = rng.sample([greet, digits, drop_clause, insert, swap, drop_chars], ops or rng.randint(3, 5))
    for op in chosen:
        t = op(t)
    return t


def edit_title(title: str, rng: random.Random) -> str:
    if not title or rng.random() < 0.5:
        return title
    return edit(title, rng, ops=1)


def paraphrase(text: str, rng: random.Random) -> str:
    """The same complaint told shorter: sentences (clauses for a one-sentence message) drawn at random
    until 40–60% of the text is kept, in their order, lightly edited, sometimes with a closing line."""
    t = _clean(text)
    units = _split_units(t)
    out = t
    if len(units) >= 2:
        target = len(t) * rng.uniform(0.4, 0.6)
        order = list(range(len(units)))
        rng.shuffle(order)
        keep, kept = [], 0
        for i in order:
            if kept >= target:
                break
            keep.append(i)
            kept += len(units[i])
        if len(keep) == len(units):
            keep.pop()
        out = "".join(units[i] for i in sorted(keep))
    out = edit(out, rng, ops=rng.randint(1, 2))
    if rng.random() < 0.5:
        out += rng.choice(CLOSINGS)
    return out


_s2t = None


def traditional(text: str) -> str:
    global _s2t
    if _s2t is None:
        import opencc

        _s2t = opencc.OpenCC("s2t")
    return _s2t.convert(text)


def build_set(messages: list[Message], n: int, villages: dict[str, list[str]], seed: int = 2026,
              real_pairs: bool = True) -> tuple[list[Original], list[Probe], list[Message]]:
    """Originals, their probes (see the module's docstring) and every source message the set uses or
    that raises the same problem as one it uses. `villages`: village → its units. With `real_pairs`,
    the first message of each same-title pair is loaded too and the second is a "same-title" probe
    at the same village."""
    rng = random.Random(seed)
    rel = related_pairs(messages)
    pairs = same_title_pairs(messages, rel) if real_pairs else []
    chosen, pool, rel = choose(messages, n, rng, {i for pair in pairs for i in pair}, rel)
    used = set()
    if not pool:
        raise ValueError("no unrelated message left for the negatives: give more messages")
    names = sorted(villages)
    if len(names) < 2:
        raise ValueError("at least two villages are needed (one for the copies, one elsewhere)")
    halves = list(range(len(chosen)))
    rng.shuffle(halves)
    tune = set(halves[: len(chosen) // 2])
    originals, probes = [], []
    for k, i in enumerate(chosen):
        m = messages[i]
        village = rng.choice(names)
        split = "tune" if k in tune else "test"
        originals.append(Original(m, rng.choice(villages[village]), village, split))

        def here(kind, title, text, k=k, village=village, split=split):
            probes.append(Probe(kind, k, title, text, rng.choice(villages[village]), village, split))

        variants = {
            "exact": (m.title, m.text),
            "edited": (edit_title(m.title, rng), edit(m.text, rng)),
            "traditional": (traditional(m.title), traditional(m.text)),
            "paraphrase": (m.title, paraphrase(m.text, rng)),
        }
        for kind, (title, text) in variants.items():
            here(kind, title, text)
        # The same words at another village: half of the time a neighbour in the same township.
        others = [v for v in names if v != village]
        near = [v for v in others if v.rsplit("-", 1)[0] == village.rsplit("-", 1)[0]]
        for kind in ("exact", rng.choice(["edited", "traditional", "paraphrase"])):
            elsewhere = rng.choice(near if near and rng.random() < 0.5 else others)
            title, text = variants[kind]
            probes.append(Probe("other-place", k, title, text, rng.choice(villages[elsewhere]), elsewhere, split))
        j = rng.choice(pool)
        here("unrelated", messages[j].title, messages[j].text)
        used |= {i, j} | rel[i] | rel[j]
    for n_pair, (a, b) in enumerate(pairs):
        village = rng.choice(names)
        split = "tune" if n_pair % 2 else "test"
        originals.append(Original(messages[a], rng.choice(villages[village]), village, split))
        probes.append(Probe("same-title", len(originals) - 1, messages[b].title, messages[b].text,
                            rng.choice(villages[village]), village, split))
        used |= {a, b} | rel[a] | rel[b]
    return originals, probes, [messages[i] for i in sorted(used)]


# --------------------------------------------------------------------------------- background
def _pool_related(pool, used: list[Message], containment: float = RELATED_CONTAINMENT) -> set[int]:
    """Indexes of pool items (bench/_data.py's pre-segmented messages) that raise the same problem as
    a used message: same title, or sharing `containment` of the shorter one's 4-grams."""
    from ..text.normalise import normalise

    used_sh = [_shingles(m) for m in used]
    titles = {_NOISE.sub("", normalise(m.title)) for m in used}
    index: dict[str, list[int]] = {}
    for i, s in enumerate(used_sh):
        for g in s:
            index.setdefault(g, []).append(i)
    limit = max(50, len(used) // 20)
    out = set()
    for j, item in enumerate(pool):
        if len(_NOISE.sub("", item.title)) >= 4 and _NOISE.sub("", item.title) in titles:
            out.add(j)
            continue
        sh = _shingles(Message(item.title, "".join(s for s, _ in item.sentences)))
        shared: Counter = Counter()
        for g in sh:
            if len(index.get(g, ())) <= limit:
                shared.update(index.get(g, ()))
        if any(n >= containment * max(1, min(len(sh), len(used_sh[i]))) for i, n in shared.items()):
            out.add(j)
    return out


def generated_ledger(world, n: int, *, fast: bool = True, progress=log) -> dict:
    from . import _data

    return _data.load_ledger(world, n, fast=fast, log=progress)


def load_background(n: int, used: list[Message], seed: int, cache_dir: Path | None = None, progress=log,
                    fast: bool = True) -> dict:
    """`n` generated cases across the county (bench/_data.py: real sentences recombined, ~60% closed),
    from messages that do not raise the problem of any message of the labelled set, so that every
    match to them is a false one. Makes retrieval and the word statistics realistic."""
    from .. import clock
    from ._data import build_world, load_pool

    pool = load_pool(5000, cache_dir, log=progress)
    drop = _pool_related(pool, used, BACKGROUND_CONTAINMENT)
    keep = [p for j, p in enumerate(pool) if j not in drop]
    progress(f"background: {n:,} cases from {len(keep)} messages ({len(drop)} related to the set left out)")
    world = build_world(keep, clock.now(), seed=seed)
    return generated_ledger(world, n, fast=fast, progress=progress)


# ------------------------------------------------------------------------------------ running
def _submit(user, title: str, text: str, unit: str):
    from ..intake.services import submit_voice

    return submit_voice({"title": title, "text": text, "unit": unit, "channel": "phone",
                         "submitter": {"mode": "anonymous"}}, user).case


def load_originals(originals: list[Original], user) -> dict[int, int]:
    """Submit the originals; case id → original index. The word statistics are then rebuilt, as the
    hourly refresh would in a running system."""
    from ..ledger.similar import forget_term_stats, term_stats

    ids = {}
    for k, o in enumerate(originals):
        ids[_submit(user, o.message.title, o.message.text, o.unit).id] = k
    forget_term_stats()
    term_stats()
    return ids


def run_probes(probes: list[Probe], case_ids: dict[int, int], user, progress=None) -> list[Outcome]:
    """Each probe submitted, looked up with duplicates_of (as shipped, and with the threshold at 0
    to keep every candidate's score for the sweep), then rolled back."""
    from unittest import mock

    from django.db import transaction

    from ..errors import Invalid
    from ..ledger import similar

    out = []
    for n, p in enumerate(probes):
        with transaction.atomic():
            try:
                case = _submit(user, p.title, p.text, p.unit)
            except Invalid as e:  # a variant intake refuses (none with the shipped edits): left out, said
                log(f"  probe {n} ({p.kind}) refused by intake: {e}")
                continue
            started = time.perf_counter()
            shipped = similar.duplicates_of(case)
            ms = (time.perf_counter() - started) * 1000
            with mock.patch.object(similar, "DUPLICATE_AT", 0.0):
                every = similar.duplicates_of(case, limit=100_000)
            transaction.set_rollback(True)
        wrong = [(round(m.score, 4), f"{m.case.title[:30]} | {_clean(m.case.text)[:80]}") for m in shipped
                 if not (p.positive and case_ids.get(m.case.id) == p.original)]
        out.append(Outcome(p, [case_ids.get(m.case.id, -1) for m in shipped],
                           [(case_ids.get(m.case.id, -1), m.score) for m in every], ms, wrong))
        if progress and (n + 1) % 200 == 0:
            progress(f"  {n + 1}/{len(probes)} probes")
    return out


# ----------------------------------------------------------------------------------- scoring
def decide(outcome: Outcome, threshold: float | None = None, limit: int = LIMIT) -> list[int]:
    """The originals returned for a probe: as shipped, or at another threshold (same order, same limit)."""
    if threshold is None:
        return outcome.shipped
    return [k for k, s in outcome.scored if s >= threshold][:limit]


def metrics(pairs: list[tuple[Probe, list[int]]]) -> dict:
    """Pair-level precision (returned pairs that are the probe's original) and recall (positive
    probes whose original was returned), overall and per kind. For a negative kind, recall is None
    and `clean` is the share of probes with nothing returned. The EXTRA kinds are counted per kind
    only, never in the overall figures."""
    per = {k: {"n": 0, "returned": 0, "correct": 0, "found": 0, "clean": 0} for k in ALL_KINDS}
    for probe, returned in pairs:
        d = per[probe.kind]
        d["n"] += 1
        d["returned"] += len(returned)
        hit = probe.positive and probe.original in returned
        d["correct"] += returned.count(probe.original) if probe.positive else 0
        d["found"] += int(hit)
        d["clean"] += int(all(r == probe.original for r in returned) if probe.positive else not returned)
    kinds = {}
    for k, d in per.items():
        kinds[k] = {**d, "precision": d["correct"] / d["returned"] if d["returned"] else None,
                    "recall": (d["found"] / d["n"] if d["n"] else None) if k not in NEGATIVE else None,
                    "clean_rate": d["clean"] / d["n"] if d["n"] else None}
    returned = sum(per[k]["returned"] for k in KINDS)
    correct = sum(per[k]["correct"] for k in KINDS)
    positives = sum(per[k]["n"] for k in POSITIVE)
    found = sum(per[k]["found"] for k in POSITIVE)
    probes = sum(per[k]["n"] for k in KINDS)
    return {"probes": probes, "positives": positives, "negatives": probes - positives,
            "returned": returned, "correct": correct, "found": found,
            "precision": correct / returned if returned else 1.0,
            "recall": found / positives if positives else 0.0, "kinds": kinds}


def _f1(m: dict) -> float:
    p, r = m["precision"], m["recall"]
    return 2 * p * r / (p + r) if p + r else 0.0


def choose_threshold(rows: list[dict], precision: float = TARGET_PRECISION) -> float:
    """Highest recall with precision ≥ target (ties: the higher threshold); else the best F1."""
    ok = [r for r in rows if r["precision"] >= precision]
    if ok:
        return max(ok, key=lambda r: (r["recall"], r["threshold"]))["threshold"]
    return max(rows, key=lambda r: (_f1(r), r["threshold"]))["threshold"]


def sweep(outcomes: list[Outcome], thresholds=THRESHOLDS, split: str | None = None, decide_fn=decide) -> list[dict]:
    chosen = [o for o in outcomes if split is None or o.probe.split == split]
    rows = []
    for t in thresholds:
        m = metrics([(o.probe, decide_fn(o, t)) for o in chosen])
        rows.append({"threshold": t, "precision": m["precision"], "recall": m["recall"],
                     "returned": m["returned"], "found": m["found"],
                     "same_title_recall": m["kinds"]["same-title"]["recall"]})
    return rows


def diagnose(outcomes: list[Outcome], threshold: float) -> dict:
    """Why positives were missed: the original never came back from candidate retrieval (the rarest
    words' full-text query), it did but scored below the threshold, or it was crowded out of the
    top LIMIT by other matches."""
    out: dict[str, dict] = {}
    for o in outcomes:
        if not o.probe.positive or o.probe.original in o.shipped:
            continue
        d = out.setdefault(o.probe.kind, {"missed": 0, "not_retrieved": 0, "below_threshold": 0, "crowded_out": 0,
                                          "scores": []})
        d["missed"] += 1
        score = next((s for k, s in o.scored if k == o.probe.original), None)
        if score is None:
            d["not_retrieved"] += 1
        else:
            d["below_threshold" if score < threshold else "crowded_out"] += 1
            d["scores"].append(score)
    return out


def wrong_scores(outcomes: list[Outcome]) -> dict[str, list[float]]:
    """The best score of a wrong candidate per probe kind (how close the false matches come)."""
    out: dict[str, list[float]] = {}
    for o in outcomes:
        best = max((s for k, s in o.scored if not (o.probe.positive and k == o.probe.original)), default=None)
        if best is not None:
            out.setdefault(o.probe.kind, []).append(best)
    return out


# --------------------------------------------------------------------------------- baselines
def baseline_exact(originals: list[Original], probes: list[Probe]) -> list[tuple[Probe, list[int]]]:
    """The exact normalised text at the same place (what a simple system does)."""
    from ..text.normalise import normalise

    by_key: dict[tuple[str, str], list[int]] = {}
    for k, o in enumerate(originals):
        by_key.setdefault((o.village, normalise(o.message.text)), []).append(k)
    return [(p, by_key.get((p.village, normalise(p.text)), [])[:LIMIT]) for p in probes]


class TfidfBaseline:
    """A plain TF-IDF cosine over jieba words of the normalised title + text, fitted on the
    originals, with no place rule."""

    def __init__(self, originals: list[Original], probes: list[Probe]):
        from sklearn.feature_extraction.text import TfidfVectorizer

        from ..text.normalise import normalise
        from ..text.segment import words

        def doc(title, text):
            return words(normalise(f"{title} {text}"))

        vec = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True)
        self.X = vec.fit_transform([doc(o.message.title, o.message.text) for o in originals])
        self.Q = vec.transform([doc(p.title, p.text) for p in probes])
        self.villages = [o.village for o in originals]
        self.sims = (self.Q @ self.X.T).toarray()

    def decide(self, index: int, threshold: float, place: str | None = None) -> list[int]:
        row = self.sims[index]
        ks = [k for k in row.argsort()[::-1][:50] if row[k] >= threshold
              and (place is None or self.villages[k] == place)]
        return [int(k) for k in ks[:LIMIT]]


# ---------------------------------------------------------------------------------- the run
def run(messages: list[Message], n: int, user, seed: int = 2026, progress=log, background: int = 0,
        cache_dir: Path | None = None) -> dict:
    """Build the set, load it (after `background` generated cases) into the current database, probe,
    score. Returns the report."""
    from ..ledger.similar import DUPLICATE_AT

    started = time.perf_counter()
    villages = _units(demo_villages())
    originals, probes, used = build_set(messages, n, villages, seed)
    progress(f"dedup: {len(originals)} originals, {len(probes)} probes over {len(villages)} villages")
    if background:
        load_background(background, used, seed, cache_dir, progress)
    t = time.perf_counter()
    case_ids = load_originals(originals, user)
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    outcomes = run_probes(probes, case_ids, user, progress)
    probe_s = time.perf_counter() - t

    shipped = metrics([(o.probe, decide(o)) for o in outcomes])
    by_split = {s: metrics([(o.probe, decide(o)) for o in outcomes if o.probe.split == s]) for s in ("tune", "test")}
    tune_rows, test_rows = sweep(outcomes, split="tune"), sweep(outcomes, split="test")
    tuned_at = choose_threshold(tune_rows)
    tuned = metrics([(o.probe, decide(o, tuned_at)) for o in outcomes if o.probe.split == "test"])

    exact = metrics(baseline_exact(originals, probes))
    tf = TfidfBaseline(originals, probes)
    index = {id(p): i for i, p in enumerate(probes)}
    tfidf = metrics([(p, tf.decide(i, TFIDF_AT)) for i, p in enumerate(probes)])
    tfidf_place = metrics([(p, tf.decide(i, TFIDF_AT, p.village)) for i, p in enumerate(probes)])

    def tf_decide(o, t, place=False):
        i = index[id(o.probe)]
        return tf.decide(i, t, o.probe.village if place else None)

    tf_tune = sweep(outcomes, split="tune", decide_fn=tf_decide)
    tf_at = choose_threshold(tf_tune)
    tf_tuned = metrics([(o.probe, tf_decide(o, tf_at)) for o in outcomes if o.probe.split == "test"])
    lat = sorted(o.ms for o in outcomes)
    return {
        "originals": len(originals), "probes": len(probes), "villages": len(villages), "seed": seed,
        "background": background,
        "duplicate_at": DUPLICATE_AT, "seconds": {"load": load_s, "probes": probe_s,
                                                  "total": time.perf_counter() - started},
        "duplicates_of_ms": {"median": lat[len(lat) // 2], "max": lat[-1]} if lat else {},
        "methods": {
            f"minqing duplicates_of (shipped, ≥{DUPLICATE_AT})": shipped,
            f"minqing, threshold tuned on half (≥{tuned_at}), test half": tuned,
            "baseline: exact normalised text, same place": exact,
            f"baseline: TF-IDF cosine ≥{TFIDF_AT}, no place rule": tfidf,
            f"baseline: TF-IDF cosine ≥{TFIDF_AT} + same place": tfidf_place,
            f"baseline: TF-IDF tuned on half (≥{tf_at}), no place rule, test half": tf_tuned,
        },
        "split": by_split, "tuned_at": tuned_at,
        "sweep": {"tune": tune_rows, "test": test_rows},
        "misses": diagnose(outcomes, DUPLICATE_AT),
        "wrong_best": {k: _summary(v) for k, v in wrong_scores(outcomes).items()},
        "outcomes": outcomes,
    }


def _summary(values: list[float]) -> dict:
    v = sorted(values)
    return {"n": len(v), "median": v[len(v) // 2], "p95": v[max(0, math.ceil(0.95 * len(v)) - 1)], "max": v[-1]}


# ---------------------------------------------------------------------------------- printing
def _pct(v) -> str:
    return "—" if v is None else f"{v:.3f}"


def print_report(report: dict, examples: int = 5, out=sys.stdout) -> None:
    w = out.write
    w(f"\nminqing duplicate detection — {report['originals']} originals, {report['probes']} probes, "
      f"{report['villages']} villages, {report['background']:,} background cases, seed {report['seed']}; targets: precision ≥ {TARGET_PRECISION}, "
      f"recall ≥ {TARGET_RECALL}\n\n")
    head = ["method", "precision", "recall"] + list(ALL_KINDS)
    rows = []
    for name, m in report["methods"].items():
        cells = [name, _pct(m["precision"]), _pct(m["recall"])]
        for k in ALL_KINDS:
            d = m["kinds"][k]
            cells.append(f"{d['n'] - d['clean']}/{d['n']}" if k in NEGATIVE else _pct(d["recall"]))
        rows.append(cells)
    widths = [max(len(head[i]), *(len(r[i]) for r in rows)) for i in range(len(head))]
    w("  ".join(h.ljust(x) for h, x in zip(head, widths, strict=True)) + "\n")
    for r in rows:
        w("  ".join(c.ljust(x) for c, x in zip(r, widths, strict=True)) + "\n")
    w("(kind columns: recall for the positive kinds; probes with a false match / probes for the negatives;\n"
      " same-title: real pairs from the source, recall only, not in the precision/recall columns)\n")
    m = next(iter(report["methods"].values()))
    verdict = "PASS" if m["precision"] >= TARGET_PRECISION and m["recall"] >= TARGET_RECALL else "FAIL"
    w(f"\nshipped: precision {m['precision']:.3f}, recall {m['recall']:.3f} — {verdict}\n")
    w("\nper kind (shipped): kind, probes, returned pairs, correct pairs, precision, recall, clean\n")
    for k in ALL_KINDS:
        d = m["kinds"][k]
        w(f"  {k:<12} {d['n']:5d} {d['returned']:6d} {d['correct']:6d}  {_pct(d['precision']):>6}  "
          f"{_pct(d['recall']):>6}  {_pct(d['clean_rate']):>6}\n")
    for s, ms in report["split"].items():
        w(f"  {s} half: precision {ms['precision']:.3f}, recall {ms['recall']:.3f} ({ms['probes']} probes)\n")
    w(f"\nthreshold sweep (minqing scores; chosen on the tune half: {report['tuned_at']})\n")
    w("  threshold  tune P  tune R   test P  test R   same-title R (test)\n")
    for a, b in zip(report["sweep"]["tune"], report["sweep"]["test"], strict=True):
        w(f"  {a['threshold']:9.2f}  {a['precision']:.3f}  {a['recall']:.3f}    {b['precision']:.3f}  "
          f"{b['recall']:.3f}   {_pct(b['same_title_recall'])}\n")
    if report["misses"]:
        w("\nmissed positives (shipped): kind, missed, not retrieved by the full-text query, scored below, "
          "crowded out of the top 5\n")
        for k, d in report["misses"].items():
            sc = sorted(d["scores"])
            w(f"  {k:<12} {d['missed']:4d} {d['not_retrieved']:4d} {d['below_threshold']:4d} {d['crowded_out']:4d}"
              + (f"  scores median {sc[len(sc) // 2]:.3f} max {sc[-1]:.3f}" if sc else "") + "\n")
    if report["wrong_best"]:
        w("\nbest score of a wrong candidate at the same place, per kind: n, median, p95, max\n")
        for k, d in report["wrong_best"].items():
            w(f"  {k:<12} {d['n']:4d}  {d['median']:.3f}  {d['p95']:.3f}  {d['max']:.3f}\n")
    if examples:
        shown = [o for o in report["outcomes"] if o.probe.positive and o.probe.original not in o.shipped][:examples]
        shown += [o for o in report["outcomes"] if any(k != o.probe.original or not o.probe.positive
                                                       for k in o.shipped)][:examples]
        if shown:
            w("\nexamples (missed positives, then false matches):\n")
        for o in shown:
            p = o.probe
            top = [(k, round(v, 3)) for k, v in o.scored[:3]]
            w(f"  [{p.kind}] original #{p.original} returned {o.shipped} scores {top}: "
              f"{p.title[:30]} | {_clean(p.text)[:80]}\n")
            for score, what in o.wrong:
                w(f"      false match {score}: {what}\n")
    sec = report["seconds"]
    w(f"\nloaded in {sec['load']:.0f}s, probed in {sec['probes']:.0f}s; duplicates_of median "
      f"{report['duplicates_of_ms'].get('median', 0):.1f} ms\n")


# -------------------------------------------------------------------------------------- main
def parse(argv: list[str]):
    p = argparse.ArgumentParser(prog="python -m minqing.bench dedup", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help=f"{QUICK_ORIGINALS} originals")
    p.add_argument("--originals", type=int, default=None, help=f"originals sampled (default {DEFAULT_ORIGINALS})")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--background", type=int, default=None, help="generated cases loaded first, from messages "
                   "unrelated to the set (default 100000; --quick 0)")
    p.add_argument("--source", type=Path, default=VOTES_FILE)
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    p.add_argument("--pg-url", default=os.environ.get("MINQING_BENCH_PG_URL", DEFAULT_PG_URL))
    p.add_argument("--json", type=Path, default=None, help="also write the report (without outcomes) here")
    p.add_argument("--examples", type=int, default=5)
    args = p.parse_args(argv)
    args.originals = args.originals or (QUICK_ORIGINALS if args.quick else DEFAULT_ORIGINALS)
    if args.background is None:
        args.background = 0 if args.quick else DEFAULT_BACKGROUND
    return args


def fresh_database(args) -> None:
    """A fresh ledger of our own: MINQING_HOME under --data-dir (SQLite) or database mqdedup."""
    from urllib.parse import urlparse, urlunparse

    home = args.data_dir / f"dedup-{args.db}"
    home.mkdir(parents=True, exist_ok=True)
    os.environ["MINQING_HOME"] = str(home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")
    if args.db == "sqlite":
        os.environ.pop("MINQING_DATABASE_URL", None)
        for f in home.glob("minqing.sqlite3*"):
            f.unlink()
    else:
        from .ledger import _pg_admin

        _pg_admin(args.pg_url, [f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)',
                                f'CREATE DATABASE "{PG_DATABASE}"'])
        os.environ["MINQING_DATABASE_URL"] = urlunparse(urlparse(args.pg_url)._replace(path="/" + PG_DATABASE))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main(argv: list[str]) -> None:
    args = parse(argv)
    if not args.source.exists():
        print(f"dedup benchmark skipped: {args.source} not found (the shared TipDM data is needed)")
        return
    fresh_database(args)
    import logging

    logging.getLogger("minqing").setLevel(logging.ERROR)
    from ._data import setup_county

    users = setup_county()
    messages = read_source(args.source)
    log(f"dedup: {len(messages)} messages in {args.source.name}")
    report = run(messages, args.originals, users["dispatcher"], args.seed, background=args.background,
                 cache_dir=args.data_dir)
    print_report(report, args.examples)
    if args.json:
        data = {k: v for k, v in report.items() if k != "outcomes"}
        data["outcomes"] = [{**asdict(o.probe), "shipped": o.shipped, "wrong": o.wrong,
                             "scored": [(k, round(v, 4)) for k, v in o.scored[:5]]} for o in report["outcomes"]]
        args.json.write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
