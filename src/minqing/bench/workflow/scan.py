"""(a) of the workflow benchmark: a deadline scan and escalation pass, `escalation.scan(now)`, over the
N cases made open, of which 5% are newly overdue (3% past the resolution deadline, 2% past first
contact), 20% long overdue and already escalated, 1% due within 24 hours (reminders) and the rest not
yet due; then the same scan again, with nothing new (the cost of a pass that finds nothing).

The query plans of the escalation queries (one per deadline) and of the reminder query are taken with
EXPLAIN: the question is whether each touches only the cases it is after, through a range of its
index bounded on the deadline (`plan_verdict` reads SQLite's and PostgreSQL's plans). This part runs
in a transaction that is rolled back, so the ledger stays as loaded. Target (issue 5): under 60 s at
1,000,000 cases on SQLite (smaller sizes pro rata, to see the growth)."""

from __future__ import annotations

import datetime as dt
import time

SCAN_TARGET_S = 60.0  # at TARGET_SIZE
TARGET_SIZE = 1_000_000
# Buckets of id % 100 for the scan's open ledger.
NEW_RESOLVE, NEW_CONTACT, OLD_ESCALATED, DUE_SOON = range(0, 3), range(3, 5), range(5, 25), range(25, 26)


# ------------------------------------------------------------------------------------ (a) scan
def _bucket(rng: range) -> str:
    return f"id %% 100 BETWEEN {rng.start} AND {rng.stop - 1}"  # %% : a literal % in a parametrised query


def make_open(now: dt.datetime) -> dict:
    """Turn every case into an open one with deadlines set around `now` (see the module doc);
    returns how many cases each bucket should hold."""
    from django.db import connection

    from ...ledger.models import Case

    def at(**delta) -> object:
        return connection.ops.adapt_datetimefield_value(now + dt.timedelta(**delta))

    p = {"c_past": at(days=-3), "r_past": at(minutes=-30), "c_new": at(minutes=-30), "r_later": at(days=5),
         "c_old": at(days=-15), "r_old": at(days=-10), "r_soon": at(hours=6), "r_future": at(days=3)}
    sql = f"""
        UPDATE ledger_case SET
          status = CASE WHEN assigned_unit_id IS NULL THEN 'accepted'
                        WHEN status IN ('dispatched', 'handling', 'reopened') THEN status ELSE 'handling' END,
          replied_at = NULL, closed_at = NULL, close_reason = '', rating = '', resolved = NULL, paused_at = NULL,
          escalated_to_id = NULL,
          contact_due = CASE WHEN {_bucket(NEW_CONTACT)} THEN %(c_new)s WHEN {_bucket(OLD_ESCALATED)} THEN %(c_old)s
                             ELSE %(c_past)s END,
          first_contact_at = CASE WHEN {_bucket(NEW_CONTACT)} OR {_bucket(OLD_ESCALATED)} THEN NULL
                                  ELSE %(c_past)s END,
          resolve_due = CASE WHEN {_bucket(NEW_RESOLVE)} THEN %(r_past)s WHEN {_bucket(NEW_CONTACT)} THEN %(r_later)s
                             WHEN {_bucket(OLD_ESCALATED)} THEN %(r_old)s WHEN {_bucket(DUE_SOON)} THEN %(r_soon)s
                             ELSE %(r_future)s END,
          escalation_level = CASE WHEN id %% 100 = {NEW_RESOLVE.stop - 1} THEN 1 WHEN {_bucket(OLD_ESCALATED)} THEN 2
                                  ELSE 0 END"""
    with connection.cursor() as cur:
        cur.execute(sql, p)
        # Fresh statistics for the planner, as autovacuum would have them (inside the transaction:
        # rolled back with it on PostgreSQL).
        cur.execute("ANALYZE ledger_case")
    cases = Case.objects.all()
    return {"open": cases.count(),
            "newly_overdue": cases.filter(escalation_level__lt=2, resolve_due__lt=now).count()
            + cases.filter(escalation_level=0, contact_due__lt=now, first_contact_at__isnull=True,
                           resolve_due__gte=now).count(),
            "due_soon": cases.filter(resolve_due__gte=now, resolve_due__lt=now + dt.timedelta(days=1)).count()}


def status_due_index() -> str:
    from ...ledger.models import Case

    return next(i.name for i in Case._meta.indexes if list(i.fields) == ["status", "resolve_due"])


def index_fields(name: str) -> list[str]:
    from ...ledger.models import Case

    return next(list(i.fields) for i in Case._meta.indexes if i.name == name)


def plan_verdict(lines: list[str], index: str, column: str = "resolve_due") -> dict:
    """What a plan says: whether it uses the index, whether with a bound on the deadline `column`
    (so that only cases due in the range are read) or on the status alone (every open case is read
    and filtered), and whether it scans the whole table."""
    text = "\n".join(lines)
    uses = index in text
    if "Index Cond" in text or "Recheck Cond" in text:  # PostgreSQL
        bound = any("Cond:" in line and column in line for line in lines)
    else:  # SQLite: "SEARCH ledger_case USING INDEX <index> (status=? AND resolve_due<?)"
        bound = any(index in line and column in line for line in lines)
    full = any(("SCAN ledger_case" in line and "USING INDEX" not in line) or "Seq Scan on ledger_case" in line
               for line in lines)
    return {"uses_index": uses, "due_range": uses and bound, "full_scan": full,
            "reads": "due range only" if uses and bound else ("all open cases" if uses else "whole table")}


PLANNED = {  # query: (the index it should use, the deadline its range is bounded on)
    "escalation (resolution)": ("case_escalate_resolve_idx", "resolve_due"),
    "escalation (first contact)": ("case_escalate_contact_idx", "contact_due"),
    "reminder": (None, "resolve_due"),  # None: the index on (status, resolve_due)
}


def plans(now: dt.datetime) -> dict:
    """EXPLAIN of the scan's queries (EXPLAIN ANALYZE on PostgreSQL), with their verdicts."""
    from django.db import connection

    from ...ledger.models import Case
    from ...workflow.escalation import ACTIVE, REMIND_BEFORE, late_contact, late_resolve

    queries = {
        "escalation (resolution)": late_resolve(now).values_list("id", flat=True),
        "escalation (first contact)": late_contact(now).values_list("id", flat=True),
        "reminder": Case.objects.order_by().filter(status__in=ACTIVE, replied_at__isnull=True, resolve_due__gte=now,
                                                   resolve_due__lt=now + REMIND_BEFORE),
    }
    out = {}
    for name, qs in queries.items():
        index, column = PLANNED[name]
        index = index or status_due_index()
        lines = (qs.explain() if connection.vendor == "sqlite" else qs.explain(analyze=True)).splitlines()
        out[name] = {"plan": lines, "index": index, "column": column, "fields": index_fields(index),
                     **plan_verdict(lines, index, column)}
    return out


def measure_scan(size: int, now: dt.datetime | None = None, *, keep: bool = False) -> dict:
    """Make the ledger open, scan twice, check what happened; rolled back unless keep."""
    from django.db import transaction
    from django.db.models import Count

    from ... import clock
    from ...ledger.models import Case, CaseEvent
    from ...workflow import escalation
    from ...workflow.models import Notification

    now = now or clock.now()
    result: dict = {"name": "deadline scan + escalation", "kind": "scan", "cases": size}
    with transaction.atomic():
        started = time.perf_counter()
        expected = make_open(now)
        result["setup_s"] = time.perf_counter() - started
        result["plans"] = plans(now)
        events_before = CaseEvent.objects.filter(action="escalate").count()
        notes_before = Notification.objects.count()
        with clock.frozen_at(now):
            started = time.perf_counter()
            first = escalation.scan(now)
            result["seconds"] = time.perf_counter() - started
            started = time.perf_counter()
            second = escalation.scan(now)
            result["rescan_s"] = time.perf_counter() - started
        result |= {
            "open": expected["open"], "expected_escalations": expected["newly_overdue"],
            "expected_reminders_cases": expected["due_soon"], "escalated": first["escalated"],
            "reminders": first["reminders"], "rescan": second,
            "escalate_events": CaseEvent.objects.filter(action="escalate").count() - events_before,
            "notifications": Notification.objects.count() - notes_before,
            "still_due": len(escalation.due_ids(now)),
            "levels": dict(Case.objects.values_list("escalation_level").order_by("escalation_level")
                           .annotate(n=Count("id")).values_list("escalation_level", "n")),
        }
        if not keep:
            transaction.set_rollback(True)
    per = size / 100_000
    result["per_100k_s"] = result["seconds"] / per if per else None
    result["target_s"] = SCAN_TARGET_S * size / TARGET_SIZE
    result["correct"] = (result["escalated"] == result["expected_escalations"] == result["escalate_events"]
                         and result["still_due"] == 0 and not any(second.values()))
    result["passed"] = result["seconds"] < result["target_s"] and result["correct"]
    return result
