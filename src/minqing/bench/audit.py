"""Benchmark of `minqing audit verify` (issue 15): `python -m minqing.bench audit [--quick]`.

    python -m minqing.bench audit [--cases 100000] [--db sqlite|postgresql|both] [--quick] [--rounds 3]
                                  [--data-dir DIR] [--pg-url URL] [--json FILE]

Each database runs in a process of its own (the environment selects it, as in production) on a ledger
built for the run: its own SQLite file under --data-dir (audit-sqlite) or PostgreSQL database
mqbench_audit, never another benchmark's. The ledger generator of the other benchmarks (bench/_data)
writes cases and voices but no events, so here the cases are minimal rows and their histories are
generated: 1–10 events a case (mean 6, as in the demo county's ledger: accept, dispatch, handle, contact,
reply, follow_up, close, notes),
real-looking notes and data, sealed with ledger/seal.py, written in bulk in time order across the
cases (20,000 cases at a time), so a case's events lie apart on disk as they do in a live ledger.

Measured, alternately, `rounds` times each: the plain read — the very query `verify` streams, every
row fetched, nothing computed — `verify()` in one process, and `verify(jobs=CPUs)` (each process streams
its own range of cases); the median of each. Printed: events/s, the ratio of one-process verify to the
plain read, and the time for 1,000,000 cases extrapolated linearly from the measured size (one streaming
pass: time grows with the rows). --quick: 5,000 cases, SQLite, one round."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from ._report import log, median, memory_gb, print_table, run_children

TARGET_CASES, TARGET_S = 1_000_000, 60.0
CHUNK = 20_000
STEPS = [("accept", "", "accepted"), ("dispatch", "accepted", "dispatched"), ("handle", "dispatched", "handling"),
         ("contact", "handling", "handling"), ("reply", "handling", "replied"), ("follow_up", "replied", "followed_up"),
         ("close", "followed_up", "closed")]
NOTES = ["已电话联系群众，约定上门查看", "已安排人员现场核实情况", "答复：已协调相关部门处理，问题已解决",
         "群众表示满意", "需协调住建部门共同处理", "已告知群众办理进展", ""]


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m minqing.bench audit", description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=None, help="cases in the generated ledger (default 100000)")
    p.add_argument("--db", choices=["sqlite", "postgresql", "both"], default=None)
    p.add_argument("--quick", action="store_true", help="5,000 cases, SQLite, one round (CI smoke run)")
    p.add_argument("--rounds", type=int, default=None)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--data-dir", type=Path, default=Path(os.environ.get("MINQING_BENCH_DIR", "/tmp/minqing-bench")))
    p.add_argument("--pg-url", default=os.environ.get("MINQING_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/"))
    p.add_argument("--json", type=Path, default=None)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.cases = args.cases or (5_000 if args.quick else 100_000)
    args.db = args.db or ("sqlite" if args.quick else "both")
    args.rounds = args.rounds or (1 if args.quick else 3)
    return args


def _environment(db: str, args) -> dict:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="minqing.settings")
    env.pop("MINQING_AUDIT_KEY", None)
    if db == "sqlite":
        env.pop("MINQING_DATABASE_URL", None)
        env["MINQING_HOME"] = str(args.data_dir / "audit-sqlite")
    else:
        env["MINQING_DATABASE_URL"] = urlunparse(urlparse(args.pg_url)._replace(path="/mqbench_audit"))
        env["MINQING_HOME"] = str(args.data_dir / "audit-pg-home")
    return env


def _child_argv(args, db: str, out: Path) -> list[str]:
    return [sys.executable, "-m", "minqing.bench", "audit", "--child", "--db", db, "--cases", str(args.cases),
            "--rounds", str(args.rounds), "--seed", str(args.seed), "--data-dir", str(args.data_dir),
            "--pg-url", args.pg_url, "--out", str(out)]


# ------------------------------------------------------------------------------- the generated ledger
def _reset(db: str, args) -> None:
    if db == "sqlite":
        home = args.data_dir / "audit-sqlite"
        home.mkdir(parents=True, exist_ok=True)
        for p in home.glob("minqing.sqlite3*"):
            p.unlink()
    else:
        from .ledger import _pg_admin

        _pg_admin(args.pg_url, ['DROP DATABASE IF EXISTS "mqbench_audit" WITH (FORCE)', 'CREATE DATABASE "mqbench_audit"'])


def _row(model, values: dict, connection) -> tuple[list[str], list]:
    """Columns and values of a model's row: `values` by column, else the field's default, NULL or ""."""
    cols, out = [], []
    for f in model._meta.concrete_fields:
        if f.column in values:
            v = values[f.column]
        elif f.has_default():
            v = f.get_db_prep_save(f.get_default(), connection=connection)
        elif f.null:
            v = None
        else:
            v = ""
        cols.append(f.column)
        out.append(v)
    return cols, out


def _histories(rng: random.Random, first: int, n: int, start: dt.datetime, span_s: float):
    """Cases first…first+n-1: (case id, received, [event values in chain order]) without seals."""
    from ..ledger import seal

    for cid in range(first, first + n):
        received = start + dt.timedelta(seconds=span_s * (cid - 1) / TARGET_CASES, microseconds=rng.randrange(10**6))
        k = min(10, max(1, round(rng.gauss(6, 2))))  # the demo county's ledger: 6.3 events a case
        at, events = received, []
        for i in range(k):
            action, before, after = STEPS[i] if i < len(STEPS) else ("note", "closed", "closed")
            data = seal.stored_form({"channel": "web", "unit": "QS", "source": ""} if action == "accept" else
                                    {"assigned_unit": {"before": None, "after": "QS"}, "confidence": rng.random()}
                                    if action == "dispatch" else {})
            events.append([at, action, None, rng.choice(["系统", "派单员（县中心）", "承办人（甲村）"]), before, after,
                           rng.choice(NOTES), data])
            at += dt.timedelta(hours=rng.uniform(1, 72), microseconds=rng.randrange(10**6))
        yield cid, received, events


def build(args, log_=log) -> dict:
    from django.db import connection, transaction

    from ..ledger import seal
    from ..ledger.models import Case, CaseCounter, CaseEvent
    from ..org.models import Unit
    from ..org.services import add_unit

    unit = Unit.objects.filter(parent=None).first() or add_unit("QS", "基准县", "county")
    k, rng, vendor = seal.key(), random.Random(args.seed), connection.vendor
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    t0, seal_s, events_total = time.perf_counter(), 0.0, 0
    for first in range(1, args.cases + 1, CHUNK):
        n = min(CHUNK, args.cases - first + 1)
        case_rows, event_rows = [], []
        for cid, received, events in _histories(rng, first, n, start, 365 * 86400.0):
            number, head = f"MQ-2025-{cid:06d}", ""
            t = time.perf_counter()
            for e in events:
                head = seal.event_seal(k, head, cid, number, *e)
                event_rows.append((e[0], cid, e, head))
            sealed = seal.case_seal(k, cid, number, len(events), head)
            seal_s += time.perf_counter() - t
            case_rows.append(_row(Case, {"id": cid, "number": number, "channel": "web", "title": f"基准诉求 {cid}",
                                         "text": "基准测试生成的诉求", "unit_id": unit.id, "place_path": unit.path,
                                         "status": events[-1][5], "received_at": received, "created_at": received,
                                         "updated_at": events[-1][0], "audit_count": len(events), "audit_head": head,
                                         "audit_seal": sealed}, connection))
        event_rows.sort(key=lambda r: r[0])  # time order across the cases: ids as a live ledger gives them
        rows = [_row(CaseEvent, {"case_id": cid, "at": e[0], "action": e[1], "actor_id": e[2], "actor_label": e[3],
                                 "from_status": e[4], "to_status": e[5], "note": e[6], "data": json.dumps(e[7]),
                                 "seal": s}, connection) for _, cid, e, s in event_rows]
        _write(connection, transaction, vendor, Case._meta.db_table, case_rows)
        _write(connection, transaction, vendor, CaseEvent._meta.db_table,
               [(c[1:], v[1:]) for c, v in rows])  # without the id (the first column): from the sequence
        events_total += len(rows)
        log_(f"  {first + n - 1:,}/{args.cases:,} cases, {events_total:,} events ({time.perf_counter() - t0:.0f}s)")
    CaseCounter.objects.update_or_create(year=2025, defaults={"last": args.cases})
    with connection.cursor() as cur:
        cur.execute("ANALYZE" if vendor == "sqlite" or connection.in_atomic_block else "VACUUM ANALYZE")
    return {"events": events_total, "load_s": time.perf_counter() - t0, "seal_us_per_event": seal_s / events_total * 1e6}


def _write(connection, transaction, vendor: str, table: str, rows) -> None:
    """rows: (columns, values) pairs, all with the same columns (an event's id: from its sequence)."""
    cols = rows[0][0]
    data = [v for _, v in rows]
    with transaction.atomic(), connection.cursor() as cur:
        if vendor == "sqlite":
            data = [[x.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(x, dt.datetime) else x
                     for x in v] for v in data]
            cur.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})", data)
        else:
            with cur.cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                for v in data:
                    copy.write_row(v)
    if table.endswith("_case") and vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


# ------------------------------------------------------------------------------- measuring
def plain_read() -> int:
    """The baseline: the rows verify streams, fetched and converted, nothing computed."""
    from django.db import connection, transaction

    from ..ledger.audit import CHUNK, _query_rows

    def count():
        n = 0
        for _ in _query_rows(None, None, CHUNK):
            n += 1
        return n

    if connection.vendor == "postgresql":
        with transaction.atomic():
            return count()
    return count()


def child(args) -> dict:
    db = args.db
    _reset(db, args)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from ..ledger.audit import verify

    call_command("migrate", verbosity=0)
    log(f"[{db}] generating {args.cases:,} cases with sealed histories …")
    load = build(args)
    jobs = os.cpu_count() or 1
    read_s, verify_s, parallel_s, results = [], [], [], []
    plain_read()  # warm the cache for all
    for _ in range(args.rounds):
        t = time.perf_counter()
        rows = plain_read()
        read_s.append(time.perf_counter() - t)
        for n, times in ((1, verify_s), (jobs, parallel_s)):
            t = time.perf_counter()
            results.append(verify(jobs=n))
            times.append(time.perf_counter() - t)
        log(f"[{db}] read {read_s[-1]:.2f}s, verify {verify_s[-1]:.2f}s, with {jobs} processes {parallel_s[-1]:.2f}s "
            f"({'ok' if all(r.ok for r in results) else 'NOT ok'})")
    read, check, parallel, result = median(read_s), median(verify_s), median(parallel_s), results[-1]
    per_1m = TARGET_CASES / result.cases
    return {"db": db, "vendor": connection.vendor, "cases": result.cases, "events": result.events, "rows": rows,
            "ok": all(r.ok and r.events == result.events for r in results), "load": load, "jobs": jobs,
            "read_s": read, "verify_s": check, "parallel_s": parallel, "read_s_all": read_s, "verify_s_all": verify_s,
            "parallel_s_all": parallel_s, "events_per_s": result.events / check,
            "read_events_per_s": result.events / read, "parallel_events_per_s": result.events / parallel,
            "ratio": check / read, "extrapolated_1m_s": check * per_1m, "parallel_1m_s": parallel * per_1m}


HEADER = ["database", "cases", "events", "plain read", "verify (1 process)", "verify/read", "verify (N processes)",
          f"{TARGET_CASES:,} cases, extrap. (1 / N)", f"< {TARGET_S:.0f} s"]


def main(argv: list[str]) -> None:
    args = parse(argv)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    if args.child:
        args.out.write_text(json.dumps(child(args), ensure_ascii=False), "utf-8")
        return
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    reports, failed = run_children([(db, args.cases) for db in dbs], lambda db, size, out: _child_argv(args, db, out),
                                   lambda db, size: _environment(db, args), show=lambda r: None)
    print(f"\nminqing audit verify benchmark — {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, "
          f"{memory_gb()} GB; sealing cost when written: "
          + ", ".join(f"{r['db']} {r['load']['seal_us_per_event']:.1f} µs/event" for r in reports))
    print_table(HEADER, [[r["db"], f"{r['cases']:,}", f"{r['events']:,}",
                          f"{r['read_s']:.2f} s ({r['read_events_per_s']:,.0f} events/s)",
                          f"{r['verify_s']:.2f} s ({r['events_per_s']:,.0f} events/s)", f"{r['ratio']:.2f}×",
                          f"{r['parallel_s']:.2f} s, N={r['jobs']} ({r['parallel_events_per_s']:,.0f} events/s)",
                          f"{r['extrapolated_1m_s']:.0f} s / {r['parallel_1m_s']:.0f} s",
                          "yes" if r["parallel_1m_s"] < TARGET_S else "NO"]
                         for r in reports])
    if args.json:
        args.json.write_text(json.dumps(reports, ensure_ascii=False, indent=1), "utf-8")
    if failed or not all(r["ok"] for r in reports):
        for f in failed:
            print(f"FAILED: {f}")
        sys.exit(1)
