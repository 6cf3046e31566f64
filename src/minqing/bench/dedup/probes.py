"""Running the set through the real intake: the originals are submitted with
`intake.services.submit_voice` (as a county dispatcher, so they are normalised, segmented and
indexed exactly as in production); then each probe is submitted the same way,
`ledger.similar.duplicates_of(probe)` is called, and the probe is rolled back. Each call's outcome
keeps every candidate's score, for the threshold sweep."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .._report import log
from .labelled_set import Original, Probe
from .variants import _clean


@dataclass
class Outcome:
    """What duplicates_of returned for one probe. `shipped`: original indexes as shipped (-1: a case
    not in the set); `scored`: every candidate at the same place with its score, best first."""

    probe: Probe
    shipped: list[int]
    scored: list[tuple[int, float]] = field(default_factory=list)
    ms: float = 0.0
    wrong: list[tuple[float, str]] = field(default_factory=list)  # (score, "title | text") of false matches


def submit(user, title: str, text: str, unit: str):
    """A voice by phone, anonymous, submitted as `user` through the real intake; returns its case."""
    from ...intake.services import submit_voice

    return submit_voice({"title": title, "text": text, "unit": unit, "channel": "phone",
                         "submitter": {"mode": "anonymous"}}, user).case


def load_originals(originals: list[Original], user) -> dict[int, int]:
    """Submit the originals; case id → original index. The word statistics are then rebuilt, as the
    hourly refresh would in a running system."""
    from ...ledger.similar import forget_term_stats, term_stats

    ids = {}
    for k, o in enumerate(originals):
        ids[submit(user, o.message.title, o.message.text, o.unit).id] = k
    forget_term_stats()
    term_stats()
    return ids


def run_probes(probes: list[Probe], case_ids: dict[int, int], user, progress=None) -> list[Outcome]:
    """Each probe submitted, looked up with duplicates_of (as shipped, and with the threshold at 0
    to keep every candidate's score for the sweep), then rolled back."""
    from unittest import mock

    from django.db import transaction

    from ...errors import Invalid
    from ...ledger import similar

    out = []
    for n, p in enumerate(probes):
        with transaction.atomic():
            try:
                case = submit(user, p.title, p.text, p.unit)
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
