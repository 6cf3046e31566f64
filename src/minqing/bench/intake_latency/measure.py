"""The measurement, for each of the real voices from the shared data (or the demo sample), each at a
village or grid of the demo county:

- the whole intake, `intake.services.submit_voice` (normalise, segment, keywords, classify, route,
  number, write, index);
- what the dispatcher is shown for the new case: `workflow.suggest.suggest` (category + unit),
  `ledger.similar.duplicates_of` and `ledger.similar.precedents_of` — each timed (wall clock and
  process CPU), and their sum;
- for the first `copies` voices, an edited copy submitted at the same place, to check that
  duplicates_of still finds the voice among the ledger's cases (retrieval at scale).

Each voice is rolled back, so the stored ledger stays as generated. Median and p99 (nearest rank)
are kept, the duplicates/precedents time split into its phases (`Phases`: segmenting and choosing
the rare words, the full-text candidate query, fetching and scoring the candidates), and the same
fixed CPU work timed after every voice, to tell the machine's own noise."""

from __future__ import annotations

import random
import time
from collections import defaultdict
from contextlib import contextmanager

from .._report import log, median, percentile


def read_voices(n: int, seed: int = 2026) -> list[tuple[str, str]]:
    """(title, text) of n real messages: the TipDM files with replies and with votes, else the demo sample."""
    from ...text.corpus import read_messages
    from .._data import TIPDM

    out: list[tuple[str, str]] = []
    for name in ("messages_with_replies.xlsx", "messages_with_votes.xlsx"):
        path = TIPDM / name
        if path.exists():
            out += [(m.title, m.text) for m in read_messages(path) if len(m.text.strip()) >= 10
                    and len(m.text) <= 9000]
    if not out:
        from ...demo.cases import demo_voices

        out = [(v.get("title", ""), v["text"]) for v in demo_voices()]
    rng = random.Random(seed)
    rng.shuffle(out)
    while len(out) < n:  # a small demo sample: repeat it
        out += out[: n - len(out)]
    return out[:n]


def village_units() -> list[str]:
    from ...org.models import Level, Unit

    return sorted(Unit.objects.filter(level__in=[Level.VILLAGE, Level.GRID], active=True, code__startswith="QS-")
                  .values_list("code", flat=True))


class Phases:
    """Time spent inside duplicates_of / precedents_of, by phase, per voice: choosing the words
    (segmenting + rare-term selection), the full-text candidate query, the rest (fetching the
    candidate rows and scoring them)."""

    def __init__(self):
        self.current: dict[str, float] = defaultdict(float)
        self.per_voice: list[dict[str, float]] = []

    @contextmanager
    def installed(self):
        from unittest import mock

        from ...ledger import similar

        def timed(name, fn):
            def wrapper(*a, **kw):
                t = time.perf_counter()
                try:
                    return fn(*a, **kw)
                finally:
                    self.current[name] += (time.perf_counter() - t) * 1000
            return wrapper

        with mock.patch.object(similar, "words", timed("words", similar.words)), \
                mock.patch.object(similar, "_candidate_rows", timed("candidates", similar._candidate_rows)), \
                mock.patch.object(similar, "bigrams", timed("bigrams", similar.bigrams)):
            yield

    def next_voice(self, total_ms: float) -> None:
        d = dict(self.current)
        d["fetch+score"] = max(0.0, total_ms - sum(d.values()))
        self.per_voice.append(d)
        self.current.clear()

    def summary(self) -> dict[str, dict[str, float]]:
        names = ["words", "candidates", "bigrams", "fetch+score"]
        return {n: {"median": median([v.get(n, 0.0) for v in self.per_voice]),
                    "p99": percentile([v.get(n, 0.0) for v in self.per_voice], 99)} for n in names} \
            if self.per_voice else {}


def measure(user, voices: list[tuple[str, str]], units: list[str], copies: int = 100, seed: int = 2026,
            progress=log) -> dict:
    """Per voice: submit_voice; suggest, duplicates_of, precedents_of for the new case; an edited copy
    (first `copies` voices) to check that duplicates_of finds it. Everything is rolled back."""
    from django.db import transaction

    from ...ledger.similar import duplicates_of, precedents_of
    from ...workflow.suggest import suggest
    from ..dedup.probes import submit
    from ..dedup.variants import edit

    rng = random.Random(seed)
    names = ("submit_voice", "suggest", "duplicates_of", "precedents_of", "suggest+duplicates+precedents")
    times: dict[str, list[float]] = {k: [] for k in names}
    cpu: dict[str, list[float]] = {k: [] for k in names}  # process CPU time: what the code costs, without
    # the waits of a busy machine (other processes on the CPUs, disk reads)
    phases = Phases()
    noise: list[float] = []  # the same fixed CPU work after every voice: how much the machine itself varies
    found, checked, dups, precs, suggested = 0, 0, 0, 0, 0
    slowest: list[tuple[float, int]] = []
    with phases.installed():
        for i, (title, text) in enumerate(voices):
            unit = rng.choice(units)
            with transaction.atomic():
                c0, t0 = time.process_time(), time.perf_counter()
                case = submit(user, title, text, unit)
                c1, t1 = time.process_time(), time.perf_counter()
                s = suggest(case.text_norm, case.title, case.unit)
                c2, t2 = time.process_time(), time.perf_counter()
                phases.current.clear()
                d = duplicates_of(case)
                c3, t3 = time.process_time(), time.perf_counter()
                p = precedents_of(case)
                c4, t4 = time.process_time(), time.perf_counter()
                phases.next_voice((t4 - t2) * 1000)
                if i < copies:
                    copy = submit(user, title, edit(text, rng), unit)
                    checked += 1
                    found += any(m.case.id == case.id for m in duplicates_of(copy))
                    phases.current.clear()
                transaction.set_rollback(True)
            times["submit_voice"].append((t1 - t0) * 1000)
            times["suggest"].append((t2 - t1) * 1000)
            times["duplicates_of"].append((t3 - t2) * 1000)
            times["precedents_of"].append((t4 - t3) * 1000)
            times["suggest+duplicates+precedents"].append((t4 - t1) * 1000)
            for k, (a, b) in zip(names, ((c0, c1), (c1, c2), (c2, c3), (c3, c4), (c1, c4)), strict=True):
                cpu[k].append((b - a) * 1000)
            slowest.append(((t4 - t1) * 1000, i))
            t5 = time.perf_counter()
            _fixed_work()
            noise.append((time.perf_counter() - t5) * 1000)
            dups += bool(d)
            precs += bool(p)
            suggested += s["category"] is not None
            if (i + 1) % 50 == 0:
                progress(f"  {i + 1}/{len(voices)} voices")
    slowest.sort(reverse=True)
    return {
        "n": len(voices),
        "times": {k: {"median": median(v), "p95": percentile(v, 95), "p99": percentile(v, 99), "max": max(v)}
                  for k, v in times.items()},
        "cpu": {k: {"median": median(v), "p99": percentile(v, 99), "max": max(v)} for k, v in cpu.items()},
        "phases": phases.summary(),
        "with_duplicates": dups, "with_precedents": precs, "with_category": suggested,
        "copies_checked": checked, "copies_found": found,
        "slowest": [i for _ms, i in slowest[:10]],
        "machine_noise": {"median": median(noise), "p99": percentile(noise, 99), "max": max(noise)},
    }


def _fixed_work(n: int = 200_000) -> int:
    """A fixed amount of pure-Python work (~10 ms on the 2-core benchmark machine)."""
    x = 0
    for i in range(n):
        x += i * i
    return x
