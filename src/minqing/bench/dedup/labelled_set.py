"""The labelled set: which source messages become originals, where they are raised, and the probes
made of each.

A seeded sample of originals from real messages (`messages_with_votes.xlsx`), each placed at a
village of the demo county (the village itself or one of its grids), and for each original a set of
probes —

- positives, at the SAME village: `exact` (a copy), `edited`, `traditional`, `paraphrase`
  (variants.py);
- negatives: `other-place` (the exact copy and one of the other variants at a DIFFERENT village —
  the same words about another place are another problem) and `unrelated` (a different message at
  the same village);
- beside the figures, not in them: `same-title`, real pairs of the file (two messages with the same
  title and different texts), the first loaded, the second probed at the same village.

The source file itself holds many voices on the same problem; two source messages with the same
title or sharing a third of their character 4-grams are "related": originals are pairwise unrelated
and unrelated negatives are unrelated to every original, so that the labels are right. Half of the
originals (seeded) are the "tune" half, the others the "test" half (scoring.py)."""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .variants import _SPACE, _clean, edit, edit_title, paraphrase, traditional

POSITIVE = ("exact", "edited", "traditional", "paraphrase")
NEGATIVE = ("other-place", "unrelated")
KINDS = POSITIVE + NEGATIVE  # the headline figures
# Real pairs from the source: two messages with the same title and different texts (mostly one
# problem posted twice, by the same or another citizen). Reported beside the figures, not in them:
# the label ("same title = same problem") is only mostly right.
EXTRA = ("same-title",)
ALL_KINDS = KINDS + EXTRA
RELATED_CONTAINMENT = 0.33  # two source messages sharing this share of 4-grams raise the same problem
MIN_CHARS = 15
_NOISE = re.compile(r"[\W_]+", re.UNICODE)


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


def read_source(path: Path) -> list[Message]:
    from ...text.corpus import read_messages

    return [Message(_SPACE.sub(" ", m.title).strip(), m.text) for m in read_messages(path)]


def _shingles(m: Message) -> frozenset[str]:
    from ...text.normalise import normalise

    s = _NOISE.sub("", normalise(f"{m.title} {m.text}").lower())
    return frozenset(s[i:i + 4] for i in range(len(s) - 3))


def related_pairs(messages: list[Message], containment: float = RELATED_CONTAINMENT) -> list[set[int]]:
    """For each message, the others that raise the same problem in the source file: the same
    normalised title, or sharing `containment` of the shorter one's character 4-grams."""
    from ...text.normalise import normalise

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
    from ...text.normalise import normalise

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
    from ...org.models import Level, Unit

    out = {}
    for v in villages:
        out[v] = [v] + sorted(Unit.objects.filter(parent__code=v, level=Level.GRID, active=True)
                              .values_list("code", flat=True))
    return out


def demo_villages() -> list[str]:
    from ...org.models import Level, Unit

    return sorted(Unit.objects.filter(level=Level.VILLAGE, active=True).values_list("code", flat=True))


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
