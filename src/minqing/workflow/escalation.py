"""Deadline reminders and automatic escalation (督办): run by the worker, idempotent by design.

- Reminder: an open case whose resolution deadline falls within the next 24 hours and that has no
  reply yet → a message to the handlers of the responsible unit (once per deadline).
- Progress: a 创造条件办 case whose last word to the citizen is over two weeks old → a reminder.
- Escalation: a missed first-contact deadline raises the case to level 1, a missed resolution
  deadline to level 2; each level is one step up the unit tree from the responsible unit (village →
  township → county), capped at the top. The case records the level and the unit, an event says so,
  and the leaders of that unit are told. The level is stored on the case, so a scan run twice (or
  two workers at once) escalates once."""

import datetime as dt

from django.db import transaction
from django.db.models import Q

from .. import clock
from ..ledger.actions import record
from ..ledger.models import Case, Status
from ..org.models import Unit
from .notify import HANDLERS, LEADERS, notify_unit_staff

ACTIVE = [Status.ACCEPTED, Status.DISPATCHED, Status.HANDLING, Status.RETURNED, Status.REOPENED]
REMIND_BEFORE = dt.timedelta(hours=24)


def responsible(case: Case) -> Unit:
    return case.assigned_unit or case.unit


def unit_above(unit: Unit, steps: int) -> Unit:
    for _ in range(steps):
        if unit.parent_id is None:
            break
        unit = unit.parent
    return unit


def due_escalations(now: dt.datetime):
    late_contact = Q(contact_due__lt=now, first_contact_at__isnull=True, replied_at__isnull=True, escalation_level__lt=1)
    late_resolve = Q(resolve_due__lt=now, replied_at__isnull=True, escalation_level__lt=2)
    return Case.objects.filter(status__in=ACTIVE).filter(late_contact | late_resolve)


def target_level(case: Case, now: dt.datetime) -> int:
    if case.resolve_due and case.resolve_due < now and case.replied_at is None:
        return 2
    if case.contact_due and case.contact_due < now and case.first_contact_at is None and case.replied_at is None:
        return 1
    return 0


def escalate(case_id: int, now: dt.datetime) -> bool:
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).select_related("unit", "assigned_unit").get(pk=case_id)
        level = target_level(case, now)
        if level <= case.escalation_level or case.status not in ACTIVE:
            return False
        base = responsible(case)
        to = unit_above(base, level)
        before_level, before_unit = case.escalation_level, case.escalated_to_id
        case.escalation_level, case.escalated_to = level, to
        case.save(update_fields=["escalation_level", "escalated_to"])
        why = "首次联系超时" if level == 1 else "办理超时"
        record(case, "escalate", "系统", case.status, f"{why}，提级至{to.name}督办",
               {"escalation_level": {"before": before_level, "after": level},
                "escalated_to": {"before": before_unit, "after": to.code}})
        notify_unit_staff(to, LEADERS, "escalate", f"【督办】{case.number}“{case.title[:20]}”{why}，请督促{base.name}办理。",
                          f"escalate:{case.id}:{level}", case)
        notify_unit_staff(base, HANDLERS, "escalate", f"【超时】{case.number}“{case.title[:20]}”{why}，已提级督办。",
                          f"escalate-base:{case.id}:{level}", case)
        return True


def remind(now: dt.datetime) -> int:
    soon = Case.objects.filter(status__in=ACTIVE, replied_at__isnull=True, resolve_due__gte=now,
                               resolve_due__lt=now + REMIND_BEFORE).select_related("unit", "assigned_unit")
    sent = 0
    for case in soon.iterator(chunk_size=2000):
        key = f"remind:{case.id}:{case.resolve_due:%Y%m%d%H%M}"
        sent += notify_unit_staff(responsible(case), HANDLERS, "reminder",
                                  f"【提醒】{case.number}“{case.title[:20]}”将于{clock_text(case.resolve_due)}到期。", key, case)
    return sent


PROGRESS_EVERY = dt.timedelta(days=14)


def progress_due(now: dt.datetime) -> int:
    """创造条件办: a case waiting for conditions must tell the citizen how it goes. When the last word to
    the citizen (reply, explanation or progress note) is older than two weeks, the handlers are reminded —
    once per fortnight."""
    from django.db.models import Max

    from ..ledger.models import Track

    waiting = (Case.objects.filter(track=Track.CONDITIONAL, status__in=ACTIVE + [Status.WAITING])
               .annotate(last_word=Max("replies__at")).filter(last_word__lt=now - PROGRESS_EVERY)
               .select_related("unit", "assigned_unit"))
    sent = 0
    for case in waiting.iterator(chunk_size=2000):
        period = int((now - case.last_word) / PROGRESS_EVERY)
        sent += notify_unit_staff(responsible(case), HANDLERS, "progress",
                                  f"【进展】{case.number}“{case.title[:20]}”已两周未向群众告知进展，请更新。",
                                  f"progress:{case.id}:{case.last_word:%Y%m%d}:{period}", case)
    return sent


def clock_text(moment: dt.datetime) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%m-%d %H:%M")


def scan(now: dt.datetime | None = None) -> dict:
    """One pass: reminders, then escalations. Returns what it did."""
    now = now or clock.now()
    reminders = remind(now)
    progress = progress_due(now)
    escalated = sum(escalate(cid, now) for cid in due_escalations(now).values_list("id", flat=True).iterator())
    return {"reminders": reminders, "progress": progress, "escalated": escalated}
