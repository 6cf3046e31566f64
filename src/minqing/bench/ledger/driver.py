"""Benchmark of the ledger at scale (issue 3): `python -m minqing.bench ledger`.

    python -m minqing.bench ledger [--sizes 100000,1000000] [--db sqlite|postgresql|both] [--quick]
                                   [--samples 33] [--fresh] [--import-rows N] [--import-only]
                                   [--json FILE] [--markdown]

The driver: reads the options, runs each database × size in its own process (process.py; the
parent re-invokes `python -m minqing.bench ledger --child`), plus the empty-ledger import per
database (not with --quick), then prints the table (report.py), writes --json, and exits 1 when a
child failed or a measurement had errors. --quick: 10,000 cases on SQLite, few samples (CI)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from .._report import add_child_options, child_done, memory_gb, print_table, run_children, sizes_of
from .lists import LIST_TARGET_MS, SEARCH_TARGET_MS, TARGET_SIZE
from .process import _environment, child
from .report import HEADER, print_details, table_rows

DEFAULT_SIZES = [100_000, 1_000_000]
QUICK_SIZE = 10_000
DEFAULT_DATA_DIR = Path(os.environ.get("MINQING_BENCH_DIR", "/tmp/minqing-bench"))
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/"


# ----------------------------------------------------------------------------------------- main
def parse(argv: list[str]):
    p = argparse.ArgumentParser(prog="python -m minqing.bench ledger", description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default=None, help="comma-separated case counts (default 100000,1000000)")
    p.add_argument("--db", choices=["sqlite", "postgresql", "both"], default=None)
    p.add_argument("--quick", action="store_true", help=f"{QUICK_SIZE:,} cases, SQLite, few samples (CI smoke run)")
    p.add_argument("--samples", type=int, default=None, help="samples per measurement after warm-up (default 33)")
    p.add_argument("--like-samples", type=int, default=None, help="rounds of the LIKE baseline (default: full "
                   "up to 200k cases, 1 round above)")
    p.add_argument("--fresh", action="store_true", help="rebuild the stored ledgers")
    p.add_argument("--import-rows", type=int, default=None, help="rows of the votes file for the empty-ledger "
                   "import (default: all; 0 = skip it)")
    p.add_argument("--import-only", action="store_true", help="only the empty-ledger import (bulk, beside the "
                   "former row-by-row path), no loaded ledgers")
    p.add_argument("--import-rows-loaded", type=int, default=None, help="rows imported into each loaded ledger, "
                   "rolled back (default 1000; 0 = skip)")
    p.add_argument("--pool", type=int, default=None, help="real messages in the text pool (default 5000)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    p.add_argument("--pg-url", default=os.environ.get("MINQING_BENCH_PG_URL", DEFAULT_PG_URL))
    p.add_argument("--json", type=Path, default=None, help="also write all results to this file")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown (for docs/benchmarks.md)")
    p.add_argument("--load-only", action="store_true", help="generate/reuse the ledgers, measure nothing")
    p.add_argument("--budget", type=float, default=None, help="seconds one measurement may take (default 150): "
                   "a very slow one gets fewer rounds, and its n shows it")
    add_child_options(p)
    args = p.parse_args(argv)
    q = args.quick
    args.sizes = sizes_of(args.sizes, [QUICK_SIZE] if q else DEFAULT_SIZES)
    args.db = args.db or ("sqlite" if q else "both")
    args.samples = args.samples or (11 if q else 33)
    args.pool = args.pool or (600 if q else 5000)
    args.budget = args.budget or 150.0
    if args.import_rows_loaded is None:
        args.import_rows_loaded = 200 if q else 1000
    return args


def _child_argv(args, db: str, size: int, out: Path) -> list[str]:
    argv = [sys.executable, "-m", "minqing.bench", "ledger", "--child", "--db", db, "--size", str(size),
            "--out", str(out), "--samples", str(args.samples), "--pool", str(args.pool), "--seed", str(args.seed),
            "--data-dir", str(args.data_dir), "--pg-url", args.pg_url,
            "--import-rows-loaded", str(args.import_rows_loaded)]
    if args.import_rows:
        argv += ["--import-rows", str(args.import_rows)]
    if args.like_samples is not None:
        argv += ["--like-samples", str(args.like_samples)]
    if args.fresh:
        argv.append("--fresh")
    if args.load_only:
        argv.append("--load-only")
    argv += ["--budget", str(args.budget)]
    return argv


def main(argv: list[str]) -> None:
    args = parse(argv)
    if child_done(args, child):
        return
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    jobs = []
    for db in dbs:
        if not args.quick and not args.load_only and args.import_rows != 0:
            jobs.append((db, 0))  # the empty-ledger import
        if not args.import_only:
            jobs += [(db, size) for size in args.sizes]
    started = time.perf_counter()
    reports, failed = run_children(
        jobs, lambda db, size, out: _child_argv(args, db, size, out), lambda db, size: _environment(db, size, args),
        show=lambda report: print_details(report, out=sys.stderr),
        label=lambda size: "empty ledger (import)" if size == 0 else f"{size:,} cases")
    print(f"\nminqing ledger benchmark — {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, "
          f"{memory_gb()} GB; targets at {TARGET_SIZE:,} cases: list p95 < {LIST_TARGET_MS:.0f} ms, "
          f"search p95 < {SEARCH_TARGET_MS:.0f} ms")
    print_table(HEADER, [row for r in reports for row in table_rows(r)], markdown=args.markdown)
    print(f"total {time.perf_counter() - started:.0f}s")
    if args.json:
        args.json.write_text(json.dumps(reports, ensure_ascii=False, indent=1, default=str), "utf-8")
    at_target = [r for rep in reports if rep["size"] >= TARGET_SIZE for r in rep["results"] if r.get("passed") is False]
    if at_target:
        print(f"{len(at_target)} measurement(s) miss the target at {TARGET_SIZE:,} cases")
    errors = [r for rep in reports for r in rep["results"] if r.get("errors")]
    if failed or errors:
        for f in failed:
            print(f"FAILED: {f}")
        sys.exit(1)
