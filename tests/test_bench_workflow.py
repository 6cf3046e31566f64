"""Smoke test of the workflow benchmark (`python -m minqing.bench workflow`): at a tiny size every
figure is produced and is right — the scan escalates exactly the newly overdue cases and leaves no
trace, the one-pass rates equal the unit-by-unit baseline, every task runs once. No timings."""

import io
from unittest import mock

import pytest
from django.db import connection

from minqing import clock
from minqing.bench import workflow
from minqing.ledger.models import Case, CaseEvent
from minqing.org.models import Unit
from minqing.workflow.models import Notification

SIZE = 400


@pytest.fixture
def ledger(db):
    load = workflow.prepare(SIZE, pool_size=60, fast=False)
    return load


def test_the_ledger_is_generated(ledger):
    assert ledger["cases"] == SIZE == Case.objects.count()
    assert Case.objects.filter(status="closed").exists() and Case.objects.exclude(status="closed").exists()


def test_rates_in_one_pass_equal_the_unit_by_unit_baseline(ledger):
    r = workflow.measure_rates(clock.now())
    assert r["differ"] == []
    assert r["units"] == Unit.objects.count()
    assert 0 < r["cases"] <= SIZE and r["county"]["cases"] == r["cases"]
    assert r["seconds"] > 0 and r["baseline_s"] > 0 and r["passed"] in (True, False)
    for key in ("response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate"):
        assert r["county"][key] is None or 0 <= r["county"][key] <= 1


def test_scan_escalates_exactly_the_newly_overdue_and_is_rolled_back(ledger):
    closed_before = Case.objects.filter(status="closed").count()
    r = workflow.measure_scan(SIZE, clock.now())
    assert r["open"] == SIZE
    # 5% of the ids are newly overdue: 3% past resolution, 2% past first contact.
    ids = list(Case.objects.values_list("id", flat=True))
    assert r["expected_escalations"] == sum(1 for i in ids if i % 100 < 5) > 0
    assert r["escalated"] == r["expected_escalations"] == r["escalate_events"]
    assert r["reminders"] > 0 and r["notifications"] > r["escalated"]
    assert r["rescan"]["escalated"] == r["rescan"]["reminders"] == 0 and not any(r["rescan"].values())
    assert r["still_due"] == 0
    assert r["correct"] and r["per_100k_s"] > 0 and r["target_s"] == pytest.approx(60 * SIZE / 1_000_000)
    # Each query reads a range of its index bounded on its deadline: only what is due (soon).
    if connection.vendor == "sqlite":  # PostgreSQL rightly prefers a sequential scan on a tiny test table
        for name in ("escalation (resolution)", "escalation (first contact)", "reminder"):
            plan = r["plans"][name]
            assert plan["uses_index"] and plan["due_range"] and plan["reads"] == "due range only", (name, plan)
    assert all(p["plan"] for p in r["plans"].values())
    # Rolled back: the ledger is as loaded.
    assert Case.objects.filter(status="closed").count() == closed_before
    assert not CaseEvent.objects.filter(action="escalate").exists() and not Notification.objects.exists()


def test_worker_runs_every_task_once(db):
    # The worker's close_old_connections() would end the test's transaction on PostgreSQL.
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        for persistent in (False, True):
            r = workflow.measure_worker(25, persistent=persistent)
            assert r["correct"] and r["by_status"] == {"SUCCESSFUL": 25}
            assert r["per_s"] > 0 and r["enqueue_per_s"] > 0


def test_table_has_a_verdict_for_every_target(ledger):
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        report = {"db": "sqlite", "size": SIZE, "results": [
            workflow.measure_rates(clock.now()), workflow.measure_scan(SIZE, clock.now()),
            workflow.measure_worker(5)]}
    rows = workflow.table_rows(report)
    assert len(rows) == 7 and all(len(r) == len(workflow.HEADER) for r in rows)
    verdicts = [r[5] for r in rows]
    assert verdicts[0] in ("PASS", "FAIL") and verdicts[1] in ("PASS", "FAIL") and verdicts[6] == "ok"
    planned = ("yes",) if connection.vendor == "sqlite" else ("yes", "no")
    assert all(r[2] in planned for r in rows[3:6])
    out = io.StringIO()
    workflow.print_table(workflow.HEADER, rows, markdown=True, out=out)
    assert out.getvalue().count("\n") == len(rows) + 2
    details = io.StringIO()
    workflow.print_details(report, out=details)
    assert "EXPLAIN escalation (resolution) query" in details.getvalue()
    assert "EXPLAIN escalation (first contact) query" in details.getvalue()


def test_quick_is_small_and_sqlite_only():
    args = workflow.parse(["--quick"])
    assert args.sizes == [workflow.QUICK_SIZE] and args.db == "sqlite" and args.tasks == workflow.QUICK_TASKS
    args = workflow.parse(["--sizes", "1_000,2000", "--db", "postgresql"])
    assert args.sizes == [1000, 2000] and args.db == "postgresql"


def test_plan_verdicts_read_both_databases_plans():
    index = "ledger_case_status_310199_idx"
    sqlite_range = ["4 0 0 SEARCH ledger_case USING INDEX ledger_case_status_310199_idx (status=? AND resolve_due<?)"]
    sqlite_other = ["4 0 0 SCAN ledger_case USING INDEX ledger_case_receive_0825ee_idx"]
    sqlite_full = ["2 0 0 SCAN ledger_case"]
    pg_status_only = [
        "Bitmap Heap Scan on ledger_case  (cost=515.41..34319.09 rows=4521 width=16)",
        "  Recheck Cond: ((status)::text = ANY ('{accepted,handling}'::text[]))",
        "  Filter: ((replied_at IS NULL) AND (resolve_due < '2026-11-27'::timestamp with time zone))",
        "  ->  Bitmap Index Scan on ledger_case_status_310199_idx  (cost=0.00..514.27 rows=28292 width=0)",
        "        Index Cond: ((status)::text = ANY ('{accepted,handling}'::text[]))"]
    pg_range = ["Index Scan using ledger_case_status_310199_idx on ledger_case  (cost=0.42..358.76 rows=15)",
                "  Index Cond: (((status)::text = ANY ('{accepted}'::text[])) AND (resolve_due < '2026-11-28'))"]
    verdict = workflow.plan_verdict
    assert verdict(sqlite_range, index)["reads"] == "due range only"
    assert verdict(sqlite_other, index)["reads"] == "whole table"
    assert verdict(sqlite_full, index)["full_scan"]
    assert verdict(pg_status_only, index)["reads"] == "all open cases"
    assert verdict(pg_range, index)["reads"] == "due range only"
