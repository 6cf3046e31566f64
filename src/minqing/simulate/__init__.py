"""A simulated month (issue 5 acceptance): `minqing simulate [--days 30] [--seed N] [--per-day 40]`.

The simulator replays a stretch of time hour by hour on the current database with the fake clock
(`clock.frozen_at`): every action goes through the same services as the web UI and the API
(`submit_voice`, `perform`, `rate_by_tracking_code`), so the history, deadlines, escalations,
notifications and rates it leaves are what a real office would produce.

- Each day `per_day` voices arrive (texts from the demo sample, random villages and grids, the usual
  channels; some citizens anonymous, some protected with a phone). Staff-recorded channels arrive in
  office hours, web messages at any hour.
- The county dispatcher triages (category, sometimes urgency or a track) and dispatches most voices
  within a few working hours, to the village or to the county department for the category.
- Each handling unit has a behaviour profile, drawn once per run: *prompt*, *steady*, *slow* (misses
  first-contact deadlines, asks for extensions that the leader above approves or rejects) or
  *bouncer* (returns cases within the return window; the dispatcher re-routes them). Handlers
  sometimes call in a department (`cohandle`), which answers its task.
- Handlers reply; citizens rate on the tracking page or are called back by the dispatcher; an
  unsatisfied rating reopens the case to the same unit, which handles and replies again; the
  dispatcher closes.
- Every simulated hour `escalation.scan(now)` runs (reminders and escalations), and at the end of
  each day `notify.deliver_pending()` empties the outbox.

Staff act only in working time (08:30–17:30 on working days of the calendar). The run is
deterministic for a seed and a start (the default start is local midnight `days` days ago).
At the end a summary is printed and returned as a dict: voices, closed, escalations by level,
extensions, returns, reopenings, notifications, the rates for the county (`rates.rates_for`) and the
ranking of its townships (`rates.rates_by_unit`, ordered as the ranking page orders them).

The parts: world.py (office hours, profiles, the county and its cast), actors.py (the agenda and
what each person does), summary.py (what the run left, counted and printed). A module above the
apps: it drives intake, the ledger and workflow as people would, and none of them knows it."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from ..errors import DomainError
from ..ledger.models import Case
from ..workflow.models import Notification
from .actors import Simulation
from .summary import RATE_LABELS, print_summary, summarise
from .world import WorkTime, ensure_county

__all__ = ["RATE_LABELS", "WorkTime", "ensure_county", "simulate"]


def default_start(days: int) -> dt.datetime:
    today = timezone.localdate()
    return timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=days), dt.time()))


def simulate(days: int = 30, seed: int = 1, per_day: int = 40, start: dt.datetime | None = None,
             out: Callable[[str], None] = print) -> dict:
    """Replay `days` days from `start` (default: local midnight `days` days ago) on this database."""
    if days < 1 or per_day < 1:
        raise DomainError("days 和 per-day 应为正整数")
    started = time.perf_counter()
    ensure_county(out)
    start = timezone.localtime(start) if start is not None else default_start(days)
    first_id = (Case.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    notes_after = Notification.objects.aggregate(m=Max("id"))["m"] or 0
    sim = Simulation(seed, out)
    out(f"simulating {days} days from {start:%Y-%m-%d} …")
    sms_log = logging.getLogger("minqing.workflow.notify")  # one INFO line per SMS: too many here
    level = sms_log.level
    sms_log.setLevel(logging.WARNING)
    try:
        sim.run(start, days, per_day)
    finally:
        sms_log.setLevel(level)
    end = start + dt.timedelta(days=days)
    ids = [sc.case_id for sc in sim.cases]  # not max + 1: a sequence may have moved on (PostgreSQL)
    first_id, last_id = (min(ids), max(ids)) if ids else (first_id, first_id - 1)
    summary = {"start": start.isoformat(), "end": end.isoformat(), "days": days, "seed": seed, "per_day": per_day,
               **summarise(first_id, last_id, notes_after, end),
               "reminders": sim.counts["reminders"], "refused": sim.counts["refused"], "refusals": sim.refusals,
               "case_ids": [first_id, last_id], "seconds": time.perf_counter() - started,
               "timing": {k: round(v, 2) for k, v in sim.timing.most_common()},
               "basically_weight": float(getattr(settings, "MINQING_BASICALLY_WEIGHT", 0.8))}
    print_summary(summary, out)
    return summary
