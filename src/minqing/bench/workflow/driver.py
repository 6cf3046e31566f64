"""Benchmark of the workflow (issue 5): `python -m minqing.bench workflow`.

    python -m minqing.bench workflow [--sizes 100000,1000000] [--db sqlite|postgresql|both] [--quick]
                                     [--tasks 2000] [--fresh] [--json FILE] [--markdown]

The driver: reads the options, runs each database and size in its own process (process.py; the
parent re-invokes `python -m minqing.bench workflow --child`), then prints the details and the table
(report.py), writes --json, and exits 1 when a child failed or a result is wrong. --show FILE
reprints a run saved with --json and runs nothing. Targets (issue 5): the scan under 60 s at
1,000,000 cases on SQLite (pro rata below), the rates under 5 s."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from .._report import memory_gb, print_table, run_children
from .process import _environment, child
from .rates import RATES_TARGET_S
from .report import HEADER, print_details, table_rows
from .scan import SCAN_TARGET_S, TARGET_SIZE

DEFAULT_SIZES = [100_000, 1_000_000]
QUICK_SIZE = 10_000
DEFAULT_TASKS, QUICK_TASKS = 2000, 300
DEFAULT_DATA_DIR = Path(os.environ.get("MINQING_BENCH_WORKFLOW_DIR", "/tmp/minqing-bench-workflow"))
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/"


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
    started = time.perf_counter()
    reports, failed = run_children(
        [(db, size) for db in dbs for size in args.sizes], lambda db, size, out: _child_argv(args, db, size, out),
        lambda db, size: _environment(db, size, args), show=print_details)
    print(f"\nminqing workflow benchmark — {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, "
          f"{memory_gb()} GB; targets: scan < {SCAN_TARGET_S:.0f} s at {TARGET_SIZE:,} open cases (pro rata "
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
