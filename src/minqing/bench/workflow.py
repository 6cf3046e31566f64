"""Benchmark of the workflow (issue 5): `python -m minqing.bench workflow`.

    python -m minqing.bench workflow [--sizes 100000,1000000] [--db sqlite|postgresql|both] [--quick]
                                     [--tasks 2000] [--fresh] [--json FILE] [--markdown]

For each database and size N, in its own process (the database is chosen by the environment, as
in production), on a synthetic ledger of N cases across the demo county (bench/_data.py's
generator, loaded in bulk; reused when it matches):

(b) rates for every unit of the county over the last year of cases, `rates_by_unit` (one pass),
    against the baseline of `rates_for` unit by unit (one query per unit); the two must agree;
(a) a deadline scan and escalation pass, `escalation.scan(now)`, over the N cases made open, of
    which 5% are newly overdue (3% past the resolution deadline, 2% past first contact), 20% long
    overdue and already escalated, 1% due within 24 hours (reminders) and the rest not yet due;
    then the same scan again, with nothing new (the cost of a pass that finds nothing). The query
    plans of the escalation queries (one per deadline) and of the reminder query are printed with
    EXPLAIN: the question is whether each touches only the cases it is after, through a range of its
    index bounded on the deadline. This part runs in a transaction that is rolled back, so the ledger
    stays as loaded;
(c) the worker's throughput: K trivial tasks enqueued on the database queue (django_tasks_db) and
    run by the db_worker's own loop in batch mode (as `minqing manage db_worker --batch`).

Targets (issue 5): the scan under 60 s at 1,000,000 cases on SQLite (smaller sizes pro rata, to
see the growth), the rates under 5 s. SQLite data under --data-dir (default
/tmp/minqing-bench-workflow/sqlite-<N>), PostgreSQL data in databases mqwf_<N> at --pg-url."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")  # the task below needs the settings

from django_tasks import task  # noqa: E402

from ._report import log, print_table
from .ledger import _pg_admin, _pg_database_exists

SCAN_TARGET_S = 60.0  # at TARGET_SIZE
RATES_TARGET_S = 5.0
TARGET_SIZE = 1_000_000
DEFAULT_SIZES = [100_000, 1_000_000]
QUICK_SIZE = 10_000
DEFAULT_TASKS, QUICK_TASKS = 2000, 300
DEFAULT_DATA_DIR = Path(os.environ.get("MINQING_BENCH_WORKFLOW_DIR", "/tmp/minqing-bench-workflow"))
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/"
PG_PREFIX = "mqwf_"
META_KEY = "workflow"
# Buckets of id % 100 for the scan's open ledger.
NEW_RESOLVE, NEW_CONTACT, OLD_ESCALATED, DUE_SOON = range(0, 3), range(3, 5), range(5, 25), range(25, 26)


@task()
def noop(i: int = 0) -> int:
    """The trivial task whose throughput is measured."""
    return i


# ------------------------------------------------------------------------------------ the ledger
def prepare(size: int, *, pool_size: int = 600, seed: int = 2026, fresh: bool = False, fast: bool = True,
            cache_dir: Path | None = None, varied: bool = False) -> dict:
    """The demo county with its staff, and `size` generated cases (reused when the stored ledger
    has the same size and seed). fast=False inserts with every index in place (inside a test)."""
    from .. import clock
    from ..ledger.models import Case
    from ..simulate import ensure_county
    from . import _data

    ensure_county(out=log)  # units, leaders and handlers: escalations notify them
    _data.setup_county()
    want = {"size": size, "seed": seed, "version": _data.GENERATOR_VERSION}
    if varied or pool_size != 600:  # (ledgers stored before these two existed keep their meta)
        want |= {"pool": pool_size, "varied": "babble" if varied else False}
    meta = _data.read_meta() if fast else {}
    if not fresh and {k: meta.get(k) for k in want} == want and Case.objects.count() == size:
        log(f"reusing the ledger of {size:,} cases loaded {meta.get('loaded_at')} (--fresh to rebuild)")
        return meta.get("load", {}) | {"reused": True}
    if Case.objects.exists():
        raise RuntimeError("the benchmark database holds another ledger: run with --fresh")
    pool = _data.load_pool(pool_size, cache_dir, log=log)
    world = _data.build_world(pool, clock.now(), seed=seed, varied=varied)
    log(f"generating and loading {size:,} cases …")
    load = _data.load_ledger(world, size, fast=fast, log=log)
    log(f"loaded in {load['seconds']:.0f}s")
    if fast:
        _data.write_meta(want | {"loaded_at": clock.now().isoformat(timespec="seconds"), "load": load})
    return load | {"reused": False}


# ----------------------------------------------------------------------------------- (b) rates
def measure_rates(now: dt.datetime | None = None) -> dict:
    """Rates of every unit over the last year: one pass (rates_by_unit) vs one query per unit."""
    from .. import clock
    from ..ledger.models import Case
    from ..org.models import Unit
    from ..workflow.rates import rates_by_unit, rates_for
    from ..workflow.stats import responsible_in

    now = now or clock.now()
    units = list(Unit.objects.order_by("path"))
    year = Case.objects.filter(received_at__gte=now - dt.timedelta(days=365), received_at__lt=now)
    cases = year.count()
    started = time.perf_counter()
    by_unit = rates_by_unit(year, units, now)
    one_pass = time.perf_counter() - started
    started = time.perf_counter()
    baseline = {u.id: rates_for(year.filter(responsible_in(u)), now) for u in units}
    per_unit = time.perf_counter() - started
    differ = [u.code for u in units if by_unit[u.id] != baseline[u.id]]
    top = next(u for u in units if u.parent_id is None)
    return {"name": "rates_by_unit, every unit, one year", "kind": "rates", "units": len(units), "cases": cases,
            "seconds": one_pass, "baseline_s": per_unit, "ratio": per_unit / one_pass if one_pass else None,
            "target_s": RATES_TARGET_S, "passed": one_pass < RATES_TARGET_S and not differ, "differ": differ,
            "county": {k: by_unit[top.id][k] for k in ("cases", "response_rate", "resolution_rate",
                                                        "satisfaction_rate", "on_time_rate")}}


# ------------------------------------------------------------------------------------ (a) scan
def _bucket(rng: range) -> str:
    return f"id %% 100 BETWEEN {rng.start} AND {rng.stop - 1}"  # %% : a literal % in a parametrised query


def make_open(now: dt.datetime) -> dict:
    """Turn every case into an open one with deadlines set around `now` (see the module doc);
    returns how many cases each bucket should hold."""
    from django.db import connection

    from ..ledger.models import Case

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
    from ..ledger.models import Case

    return next(i.name for i in Case._meta.indexes if list(i.fields) == ["status", "resolve_due"])


def index_fields(name: str) -> list[str]:
    from ..ledger.models import Case

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

    from ..ledger.models import Case
    from ..workflow.escalation import ACTIVE, REMIND_BEFORE, late_contact, late_resolve

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

    from .. import clock
    from ..ledger.models import Case, CaseEvent
    from ..workflow import escalation
    from ..workflow.models import Notification

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


# ---------------------------------------------------------------------------------- (c) worker
def measure_worker(count: int, *, persistent: bool = False) -> dict:
    """Enqueue `count` noop tasks on the database backend, then run the db_worker loop in batch mode
    until the queue is empty; tasks per second for both. The worker calls close_old_connections()
    around every task, which closes the connection when CONN_MAX_AGE is 0 (the SQLite setting);
    persistent=True measures the same with CONN_MAX_AGE=60, as the PostgreSQL setting has."""
    from django.db import connection
    from django.db.models import Count
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(task_path=noop.module_path).delete()
    started = time.perf_counter()
    for i in range(count):
        noop.enqueue(i)
    enqueue_s = time.perf_counter() - started
    worker = Worker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
                    max_tasks=None, worker_id="bench-workflow", excluded_queue_names=[])
    max_age = connection.settings_dict.get("CONN_MAX_AGE", 0)
    if persistent:
        connection.settings_dict["CONN_MAX_AGE"] = 60
        if not connection.in_atomic_block:
            connection.close()  # the next query connects with the new lifetime
    try:
        started = time.perf_counter()
        worker.run()
        run_s = time.perf_counter() - started
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = max_age
    done = DBTaskResult.objects.filter(task_path=noop.module_path)
    by_status = dict(done.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    results = sorted(done.filter(status="SUCCESSFUL").values_list("return_value", flat=True))
    done.delete()
    label = f"CONN_MAX_AGE={60 if persistent else max_age}"
    return {"name": f"worker throughput (db_worker --batch, {label})", "kind": "worker", "tasks": count,
            "conn_max_age": 60 if persistent else max_age, "enqueue_s": enqueue_s,
            "enqueue_per_s": count / enqueue_s if enqueue_s else None, "seconds": run_s,
            "per_s": count / run_s if run_s else None, "by_status": by_status,
            "correct": by_status == {"SUCCESSFUL": count} and results == sorted(range(count))}


# ---------------------------------------------------------------------------------- processes
def _pg_name(size: int) -> str:
    name = f"{PG_PREFIX}{size}"
    assert name.startswith(PG_PREFIX) and not name.startswith("mqbench") and name not in ("test", "test_minqing")
    return name


def _environment(db: str, size: int, args) -> dict:
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "minqing.settings"
    if db == "sqlite":
        env.pop("MINQING_DATABASE_URL", None)
        env["MINQING_HOME"] = str(args.data_dir / f"sqlite-{size}")
    else:
        env["MINQING_DATABASE_URL"] = urlunparse(urlparse(args.pg_url)._replace(path="/" + _pg_name(size)))
        env["MINQING_HOME"] = str(args.data_dir / "pg-home")
    return env


def _reset(db: str, size: int, args) -> None:
    if db == "sqlite":
        for p in (args.data_dir / f"sqlite-{size}").glob("minqing.sqlite3*"):
            p.unlink()
    else:
        name = _pg_name(size)
        _pg_admin(args.pg_url, [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'])


def child(args) -> dict:
    import logging

    logging.getLogger("minqing.workflow.notify").setLevel(logging.WARNING)
    if args.fresh or (args.db == "postgresql" and not _pg_database_exists(args, _pg_name(args.size))):
        _reset(args.db, args.size, args)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from .. import clock

    call_command("migrate", verbosity=0)
    report = {"db": args.db, "size": args.size, "vendor": connection.vendor, "results": []}
    report["load"] = prepare(args.size, pool_size=args.pool, seed=args.seed, cache_dir=args.data_dir)
    now = clock.now()
    log(f"[{args.db} {args.size:,}] rates for every unit …")
    report["results"].append(measure_rates(now))
    log(f"[{args.db} {args.size:,}] deadline scan over {args.size:,} open cases …")
    report["results"].append(measure_scan(args.size, now))
    log(f"[{args.db} {args.size:,}] worker: {args.tasks} tasks …")
    report["results"].append(measure_worker(args.tasks))
    if connection.settings_dict.get("CONN_MAX_AGE", 0) != 60:
        report["results"].append(measure_worker(args.tasks, persistent=True))
    return report


# ---------------------------------------------------------------------------------- printing
HEADER = ["db / cases", "figure", "measured", "per 100k", "target", "result", "baseline", "ratio"]


def table_rows(report: dict) -> list[list[str]]:
    where = f"{report['db']} {report['size']:,}"
    rows = []
    for r in report["results"]:
        if r["kind"] == "scan":
            pro = "" if r["cases"] == TARGET_SIZE else " pro rata"
            ok = "PASS" if r["passed"] else ("FAIL" if r["correct"] else "WRONG")
            rows.append([where, f"deadline scan + escalation: {r['escalated']:,} escalated, {r['reminders']:,} "
                         f"reminders of {r['open']:,} open", f"{r['seconds']:.1f} s", f"{r['per_100k_s']:.1f} s",
                         f"< {r['target_s']:.1f} s{pro}", ok, "", ""])
            rows.append([where, "same scan again, nothing new", f"{r['rescan_s']:.2f} s",
                         f"{r['rescan_s'] * 100_000 / r['cases']:.2f} s", "", "", "", ""])
            for name, p in r["plans"].items():
                column = p.get("column", "resolve_due")
                v = plan_verdict(p["plan"], p["index"], column)
                fields = ", ".join(p.get("fields") or ["status", "resolve_due"])
                rows.append([where, f"{name} query: index ({fields}) bounded on {column}",
                             "yes" if v["due_range"] else "no", "", "", f"reads {v['reads']}", "", ""])
        elif r["kind"] == "rates":
            ok = "PASS" if r["passed"] else ("WRONG" if r["differ"] else "FAIL")
            rows.append([where, f"rates_by_unit: {r['units']} units, {r['cases']:,} cases (1 year)",
                         f"{r['seconds']:.2f} s", "", f"< {r['target_s']:.0f} s", ok,
                         f"{r['baseline_s']:.2f} s (rates_for per unit)",
                         f"×{r['ratio']:.1f}" if r["ratio"] else ""])
        elif r["kind"] == "worker":
            rows.append([where, f"worker: {r['tasks']} noop tasks, db_worker --batch, CONN_MAX_AGE={r['conn_max_age']}",
                         f"{r['per_s']:.0f} tasks/s", "", "", "ok" if r["correct"] else "WRONG",
                         f"enqueue {r['enqueue_per_s']:.0f}/s", ""])
    return rows


def print_details(report: dict, out=sys.stderr) -> None:
    where = f"[{report['db']} {report['size']:,}]"
    load = report.get("load") or {}
    if load:
        print(f"{where} ledger {'reused' if load.get('reused') else 'loaded'}: {load.get('cases', 0):,} cases"
              + (f" in {load['seconds']:.0f}s" if load.get("seconds") else ""), file=out)
    for r in report["results"]:
        if r["kind"] == "scan":
            print(f"{where} scan: setup {r['setup_s']:.1f}s; expected {r['expected_escalations']:,} escalations, got "
                  f"{r['escalated']:,} ({r['escalate_events']:,} events, {r['notifications']:,} notifications); "
                  f"levels after {r['levels']}; second pass {r['rescan']}", file=out)
            for name, p in r["plans"].items():
                v = plan_verdict(p["plan"], p["index"], p.get("column", "resolve_due"))
                print(f"{where} EXPLAIN {name} query (index {p['index']}: "
                      f"{'used' if v['uses_index'] else 'NOT used'}; reads {v['reads']}):", file=out)
                for line in p["plan"]:
                    print(f"      {line}", file=out)
        elif r["kind"] == "rates":
            print(f"{where} rates: county {r['county']}; units differing from the baseline: {r['differ'] or 'none'}",
                  file=out)
        elif r["kind"] == "worker":
            print(f"{where} worker: {r['by_status']}; enqueue {r['enqueue_s']:.1f}s, run {r['seconds']:.1f}s", file=out)


# ------------------------------------------------------------------------------------- main
def parse(argv: list[str]):
    p = argparse.ArgumentParser(prog="python -m minqing.bench workflow", description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default=None, help="comma-separated case counts (default 100000,1000000)")
    p.add_argument("--db", choices=["sqlite", "postgresql", "both"], default=None, help="default sqlite")
    p.add_argument("--quick", action="store_true", help=f"{QUICK_SIZE:,} cases, SQLite only (smoke run, < 60 s)")
    p.add_argument("--tasks", type=int, default=None, help=f"tasks for the worker (default {DEFAULT_TASKS})")
    p.add_argument("--pool", type=int, default=None, help="real messages in the text pool (default 600)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--fresh", action="store_true", help="rebuild the stored ledgers")
    p.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    p.add_argument("--pg-url", default=os.environ.get("MINQING_BENCH_PG_URL", DEFAULT_PG_URL))
    p.add_argument("--json", type=Path, default=None, help="also write all results to this file")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    p.add_argument("--show", type=Path, default=None, help="print the table of a run saved with --json; run nothing")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--size", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.quick:
        args.sizes, args.db = args.sizes or str(QUICK_SIZE), "sqlite"
    args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",")] if args.sizes else DEFAULT_SIZES
    args.db = args.db or "sqlite"
    args.tasks = args.tasks or (QUICK_TASKS if args.quick else DEFAULT_TASKS)
    args.pool = args.pool or (200 if args.quick else 600)
    return args


def _child_argv(args, db: str, size: int, out: Path) -> list[str]:
    argv = [sys.executable, "-m", "minqing.bench", "workflow", "--child", "--db", db, "--size", str(size),
            "--out", str(out), "--tasks", str(args.tasks), "--pool", str(args.pool), "--seed", str(args.seed),
            "--data-dir", str(args.data_dir), "--pg-url", args.pg_url]
    return argv + (["--fresh"] if args.fresh else [])


def main(argv: list[str]) -> None:
    args = parse(argv)
    if args.show:
        reports = json.loads(args.show.read_text("utf-8"))
        for report in reports:
            print_details(report)
        print_table(HEADER, [row for r in reports for row in table_rows(r)], markdown=args.markdown)
        return
    args.data_dir.mkdir(parents=True, exist_ok=True)
    if args.child:
        args.out.write_text(json.dumps(child(args), ensure_ascii=False, default=str), "utf-8")
        return
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    reports, failed = [], []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for db in dbs:
            for size in args.sizes:
                out = Path(tmp) / f"{db}-{size}.json"
                log(f"== {db}, {size:,} cases")
                proc = subprocess.run(_child_argv(args, db, size, out), env=_environment(db, size, args))
                if proc.returncode != 0 or not out.exists():
                    failed.append(f"{db} {size:,}: exit {proc.returncode}")
                    continue
                report = json.loads(out.read_text("utf-8"))
                reports.append(report)
                print_details(report)
    print(f"\nminqing workflow benchmark — {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, "
          f"{_memory_gb()} GB; targets: scan < {SCAN_TARGET_S:.0f} s at {TARGET_SIZE:,} open cases (pro rata "
          f"below), rates of every unit < {RATES_TARGET_S:.0f} s")
    print_table(HEADER, [row for r in reports for row in table_rows(r)], markdown=args.markdown)
    print(f"total {time.perf_counter() - started:.0f}s")
    if args.json:
        args.json.write_text(json.dumps(reports, ensure_ascii=False, indent=1, default=str), "utf-8")
    wrong = [r["name"] for rep in reports for r in rep["results"]
             if r.get("correct") is False or r.get("differ")]
    for f in failed:
        print(f"FAILED: {f}")
    for w in wrong:
        print(f"WRONG RESULT: {w}")
    if failed or wrong:
        sys.exit(1)


def _memory_gb() -> str:
    try:
        with open("/proc/meminfo") as f:
            return f"{int(f.readline().split()[1]) / 1024 / 1024:.0f}"
    except (OSError, ValueError, IndexError):
        return "?"


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
