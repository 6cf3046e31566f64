"""Deadline reminders and automatic escalation (督办): run by the worker, idempotent by design.

- Reminder: an open case whose resolution deadline falls within the next 24 hours and that has no
  reply yet → a message to the handlers of the responsible unit (once per deadline).
- Progress: a 创造条件办 case whose last word to the citizen is over two weeks old → a reminder.
- Escalation: a missed first-contact deadline raises the case to level 1, a missed resolution
  deadline to level 2; each level is one step up the unit tree from the responsible unit (village →
  township → county), capped at the top. The case records the level and the unit, an event says so,
  and the leaders of that unit are told. The level is stored on the case, so a scan run twice (or
  two workers at once) escalates once.

At a million cases (issue 5, docs/benchmarks.md) the pass works in bulk: the cases due come from two
queries, one per deadline, each a bounded range of its own index (`late_resolve`, `late_contact`);
then, batch by batch, in one transaction each, the cases are locked and re-checked, raised with one
conditional UPDATE per level and unit (`... WHERE escalation_level < level`), and their events and
notices written with bulk_create. A repeated return (退单, ledger/actions/dispatch.py) raises a case too; the
ledger sends `case_raised` and it is announced by the same code (`announce`, via `on_case_raised`)."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from .. import clock
from ..ledger import seal
from ..ledger.models import Case, CaseEvent, Status
from ..org.models import Unit
from .notify import HANDLERS, LEADERS, queue_many, site_notice, staff_by_unit

ACTIVE = [Status.ACCEPTED, Status.DISPATCHED, Status.HANDLING, Status.RETURNED, Status.REOPENED]
REMIND_BEFORE = dt.timedelta(hours=24)
BATCH = 1000  # cases per transaction in the escalation pass
WHY = {1: "首次联系超时", 2: "办理超时"}
RETURNS = "多次退单"
# What the pass reads of a case (the wide text columns stay on disk).
CASE_FIELDS = ("id", "number", "title", "status", "unit_id", "assigned_unit_id", "escalation_level",
               "escalated_to_id", "contact_due", "resolve_due", "first_contact_at", "replied_at")


class UnitTree:
    """The units in memory for one pass (a county has hundreds, not millions): no query per case."""

    def __init__(self):
        self.by_id = {u.id: u for u in Unit.objects.order_by()}

    def __getitem__(self, unit_id: int) -> Unit:
        return self.by_id[unit_id]

    def above(self, unit: Unit, steps: int) -> Unit:
        for _ in range(steps):
            if unit.parent_id is None:
                break
            unit = self.by_id[unit.parent_id]
        return unit


# ------------------------------------------------------------------------------- what is due
def late_resolve(now: dt.datetime):
    """Open cases past the resolution deadline without a reply, below level 2: a range of the index
    case_escalate_resolve_idx (status, escalation_level, resolve_due), with no default ordering."""
    return Case.objects.order_by().filter(status__in=ACTIVE, escalation_level__in=[0, 1], resolve_due__lt=now,
                                          replied_at__isnull=True)


def late_contact(now: dt.datetime):
    """Open cases past the first-contact deadline, never contacted nor replied, at level 0: a range of
    case_escalate_contact_idx (status, escalation_level, first_contact_at, contact_due)."""
    return Case.objects.order_by().filter(status__in=ACTIVE, escalation_level=0, first_contact_at__isnull=True,
                                          contact_due__lt=now, replied_at__isnull=True)


def due_ids(now: dt.datetime) -> list[int]:
    """Ids of the cases to escalate now (the union of the two queries), in id order."""
    ids = set(late_resolve(now).values_list("id", flat=True))
    ids.update(late_contact(now).values_list("id", flat=True))
    return sorted(ids)


def due_escalations(now: dt.datetime):
    """The same cases as one queryset (to count or list them). The scan runs the two queries apart:
    an OR of the two conditions cannot be served by one index."""
    return Case.objects.order_by().filter(Q(pk__in=late_resolve(now).values("id"))
                                          | Q(pk__in=late_contact(now).values("id")))


def target_level(case: Case, now: dt.datetime) -> int:
    if case.resolve_due and case.resolve_due < now and case.replied_at is None:
        return 2
    if case.contact_due and case.contact_due < now and case.first_contact_at is None and case.replied_at is None:
        return 1
    return 0


# ------------------------------------------------------------------------------- escalation
@dataclass
class Escalation:
    """One case raised: to `level` and the unit `to`, from the responsible unit `base`; the level and
    unit before are kept for the event."""

    case: Case
    level: int
    to: Unit
    base: Unit
    why: str
    key: str  # notices are keyed `key:user` (leaders) and `escalate-base:…:user` (the base's handlers)
    before_level: int
    before_to: int | None  # unit id
    tell_base: bool = True


def for_deadline(case: Case, level: int, units: UnitTree) -> Escalation:
    base = units[case.assigned_unit_id or case.unit_id]
    return Escalation(case, level, units.above(base, level), base, WHY[level], f"escalate:{case.id}:{level}",
                      case.escalation_level, case.escalated_to_id)


def for_return(case: Case, returning: Unit, before_level: int, before_to: int | None) -> Escalation:
    """A repeated return: the ledger has raised the case to the unit above the returning one, which
    settles where the case belongs (ledger/actions/dispatch.py `do_return`)."""
    return Escalation(case, case.escalation_level, case.escalated_to, returning, RETURNS,
                      f"escalate-return:{case.id}:{case.return_count}", before_level, before_to, tell_base=False)


def on_case_raised(sender, case: Case, returning: Unit, before_level: int, before_to: int | None, **kwargs):
    """The ledger's `case_raised` signal: announce the raise like any escalation."""
    announce([for_return(case, returning, before_level, before_to)])


def announce(escalations: list[Escalation], units: UnitTree | None = None) -> list[CaseEvent]:
    """The one writer of what an escalation says: an `escalate` event per case (the case_event signal
    sent for each, as `record` does), a notice to the leaders of the unit above and, for a missed
    deadline, to the handlers of the responsible unit — in bulk, in the caller's transaction. The
    caller stores the new level and unit on the case; they are set on the case objects here too."""
    from ..ledger.signals import case_event

    if not escalations:
        return []
    at = clock.now()
    codes = {u.id: u.code for u in units.by_id.values()} if units else {}

    def code(unit_id):
        if unit_id is None:
            return None
        if unit_id not in codes:
            codes[unit_id] = Unit.objects.filter(pk=unit_id).values_list("code", flat=True).first()
        return codes[unit_id]

    events = []
    for e in escalations:
        c = e.case
        data = {"escalation_level": {"before": e.before_level, "after": e.level},
                "escalated_to": {"before": code(e.before_to), "after": e.to.code}}
        if not e.tell_base:
            data["escalated_to"]["why"] = e.why
        c.escalation_level, c.escalated_to = e.level, e.to
        events.append(CaseEvent(case=c, at=at, action="escalate", actor=None, actor_label="系统",
                                from_status=c.status, to_status=c.status, note=f"{e.why}，提级至{e.to.name}督办",
                                data=data))
    seal.append(events)  # sealed and written in bulk, each onto its case's chain (ledger/seal.py)
    for e, event in zip(escalations, events, strict=True):
        case_event.send(sender=CaseEvent, event=event, case=e.case)
    leaders = staff_by_unit(LEADERS, {e.to.id for e in escalations})
    handlers = staff_by_unit(HANDLERS, {e.base.id for e in escalations if e.tell_base})
    notices = []
    for e in escalations:
        c, head = e.case, f"{e.case.number}“{e.case.title[:20]}”{e.why}"
        ask = f"请督促{e.base.name}办理。" if e.tell_base else f"请{e.to.name}协调确定承办单位（{e.base.name}已退单）。"
        notices += [site_notice(e.key, u, "escalate", f"【督办】{head}，{ask}", c.id) for u in leaders.get(e.to.id, ())]
        if e.tell_base:
            base_key = e.key.replace("escalate:", "escalate-base:", 1)
            notices += [site_notice(base_key, u, "escalate", f"【超时】{head}，已提级督办。", c.id)
                        for u in handlers.get(e.base.id, ())]
    queue_many(notices)
    return events


class _Raced(Exception):
    """Rows changed under the batch's lock (not expected): the batch is redone case by case."""


def _escalate_batch(ids: list[int], now: dt.datetime, units: UnitTree) -> int:
    with transaction.atomic():
        # Locked in id order (PostgreSQL; on SQLite the IMMEDIATE transaction holds the write lock),
        # then checked again: a case answered or raised since the query is left alone.
        cases = Case.objects.select_for_update().filter(pk__in=ids).order_by("id").only(*CASE_FIELDS)
        todo = [for_deadline(c, level, units) for c in cases
                if c.status in ACTIVE and (level := target_level(c, now)) > c.escalation_level]
        groups: dict[tuple[int, int], list[Escalation]] = defaultdict(list)
        for e in todo:
            groups[e.level, e.to.id].append(e)
        for (level, to_id), group in groups.items():
            done = (Case.objects.filter(pk__in=[e.case.id for e in group], escalation_level__lt=level,
                                        status__in=ACTIVE)
                    .update(escalation_level=level, escalated_to_id=to_id))
            if done != len(group):
                if len(group) > 1:
                    raise _Raced
                todo = [e for e in todo if e is not group[0]]  # one case: raised by another worker meanwhile
        announce(todo, units)
        return len(todo)


def escalate_many(ids: list[int], now: dt.datetime, batch: int = BATCH, units: UnitTree | None = None) -> int:
    """Escalate the cases `ids` that are still due at `now`; returns how many were raised."""
    units = units or UnitTree()
    done = 0
    for i in range(0, len(ids), batch):
        chunk = ids[i:i + batch]
        try:
            done += _escalate_batch(chunk, now, units)
        except _Raced:
            done += sum(_escalate_batch([cid], now, units) for cid in chunk)
    return done


def escalate(case_id: int, now: dt.datetime) -> bool:
    """One case (the pass does them in batches)."""
    return escalate_many([case_id], now) == 1


# ------------------------------------------------------------------------------- reminders
def remind(now: dt.datetime) -> int:
    soon = list(Case.objects.order_by().filter(status__in=ACTIVE, replied_at__isnull=True, resolve_due__gte=now,
                                               resolve_due__lt=now + REMIND_BEFORE)
                .values_list("id", "number", "title", "resolve_due", "unit_id", "assigned_unit_id"))
    handlers = staff_by_unit(HANDLERS, {a or u for *_, u, a in soon})
    notices = []
    for cid, number, title, due, unit_id, assigned_id in soon:
        text = f"【提醒】{number}“{title[:20]}”将于{clock_text(due)}到期。"
        notices += [site_notice(f"remind:{cid}:{due:%Y%m%d%H%M}", u, "reminder", text, cid)
                    for u in handlers.get(assigned_id or unit_id, ())]
    return queue_many(notices)


PROGRESS_EVERY = dt.timedelta(days=14)


def progress_due(now: dt.datetime) -> int:
    """创造条件办: a case waiting for conditions must tell the citizen how it goes. When the last word to
    the citizen (reply, explanation or progress note) is older than two weeks, the handlers are reminded —
    once per fortnight."""
    from django.db.models import Max

    from ..ledger.models import Track

    # values() before annotate(): grouped by these columns only, not by every column of the case.
    waiting = list(Case.objects.order_by().filter(track=Track.CONDITIONAL, status__in=ACTIVE + [Status.WAITING])
                   .values("id", "number", "title", "unit_id", "assigned_unit_id")
                   .annotate(last_word=Max("replies__at")).filter(last_word__lt=now - PROGRESS_EVERY)
                   .values_list("id", "number", "title", "last_word", "unit_id", "assigned_unit_id"))
    handlers = staff_by_unit(HANDLERS, {a or u for *_, u, a in waiting})
    notices = []
    for cid, number, title, last_word, unit_id, assigned_id in waiting:
        period = int((now - last_word) / PROGRESS_EVERY)
        text = f"【进展】{number}“{title[:20]}”已两周未向群众告知进展，请更新。"
        notices += [site_notice(f"progress:{cid}:{last_word:%Y%m%d}:{period}", u, "progress", text, cid)
                    for u in handlers.get(assigned_id or unit_id, ())]
    return queue_many(notices)


def clock_text(moment: dt.datetime) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%m-%d %H:%M")


def scan(now: dt.datetime | None = None) -> dict:
    """One pass: reminders, then escalations. Returns what it did. The fortnightly progress reminders of
    创造条件办 cases (progress_due) are a job of their own, hourly: they need no five-minute pass, and
    their scan grows with the cases waiting for conditions (docs/benchmarks.md)."""
    now = now or clock.now()
    reminders = remind(now)
    escalated = escalate_many(due_ids(now), now)
    return {"reminders": reminders, "escalated": escalated}

