"""Intake latency at scale (issue 4): `python -m minqing.bench intake_latency [--size 1000000] [--quick]`.

    python -m minqing.bench intake_latency [--size 1000000] [--quick] [--voices 200] [--db sqlite|postgresql]
                                           [--fresh] [--profile] [--copies 100] [--json FILE]
                                           [--train | --train-only] [--train-limit N] [--no-freeze]

Against a generated ledger (bench/_data, stored and reused: database.py), for each of ≥200 real
voices: the whole intake, then what the dispatcher is shown for the new case (suggest, duplicates_of,
precedents_of), each timed and rolled back, with edited copies checked for retrieval at scale
(measure.py); the process's memory and cold-start costs (memory.py). Target: p99 < 50 ms for
suggest + duplicates + precedents at 1,000,000 cases (report.py). When it is missed (or with
--profile), a cProfile of the slow part and the candidate query's plan are printed (diagnosis.py).
--train / --train-only: also (only) time `minqing text train` on the ledger (training.py).
Here: the command."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from .._report import log
from .database import configure, index_size, keep_model, prepare_ledger
from .diagnosis import diagnose
from .measure import measure, read_voices, village_units
from .memory import peak_mb, rss_mb, warm_up
from .report import TARGET_MS, TARGET_SIZE, print_report
from .training import measure_training

QUICK_SIZE = 10_000
DEFAULT_VOICES = 200
DEFAULT_DATA_DIR = Path(os.environ.get("MINQING_BENCH_DIR", "/tmp/minqing-bench"))
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/"


def parse(argv: list[str]):
    p = argparse.ArgumentParser(prog="python -m minqing.bench intake_latency", description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=None, help=f"cases in the ledger (default {TARGET_SIZE:,})")
    p.add_argument("--quick", action="store_true", help=f"{QUICK_SIZE:,} cases (smoke run, < 60 s)")
    p.add_argument("--voices", type=int, default=None, help=f"voices timed (default {DEFAULT_VOICES}; --quick 100)")
    p.add_argument("--copies", type=int, default=None, help="edited copies checked for retrieval at scale "
                   "(default 100; --quick 20)")
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--fresh", action="store_true", help="rebuild the stored ledger")
    p.add_argument("--profile", action="store_true", help="always print the cProfile and query plans")
    p.add_argument("--pool", type=int, default=None, help="real messages in the generator's text pool "
                   "(default 5000; --quick 600)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    p.add_argument("--pg-url", default=os.environ.get("MINQING_BENCH_PG_URL", DEFAULT_PG_URL))
    p.add_argument("--json", type=Path, default=None)
    p.add_argument("--no-freeze", action="store_true", help="measure without the web worker's gc.freeze() "
                   "after warm-up (minqing/warmup.py)")
    p.add_argument("--train", action="store_true", help="also time `minqing text train` on this ledger")
    p.add_argument("--train-only", action="store_true", help="only time `minqing text train` on this ledger")
    p.add_argument("--train-limit", type=int, default=None, help="newest categorised cases read by --train "
                   "(default ledger.training.RETRAIN_LIMIT)")
    args = p.parse_args(argv)
    args.size = args.size or (QUICK_SIZE if args.quick else TARGET_SIZE)
    args.pool = args.pool or (600 if args.quick else 5000)
    args.voices = args.voices or (100 if args.quick else DEFAULT_VOICES)
    if args.copies is None:
        args.copies = 20 if args.quick else 100
    return args


def main(argv: list[str]) -> None:
    args = parse(argv)
    started = time.perf_counter()
    configure(args)
    import logging

    logging.getLogger("minqing").setLevel(logging.ERROR)
    from django.db import connection

    from .. import _data

    load = prepare_ledger(args)
    if not load.get("reused"):
        # Measure in a fresh process, so that the memory figures are not those of the generator.
        connection.close()
        sys.stdout.flush()
        argv = [a for a in argv if a != "--fresh"]
        os.environ["MINQING_INTAKE_REEXEC"] = "1"  # the peak RSS then still includes the generator's
        os.execv(sys.executable, [sys.executable, "-m", "minqing.bench", "intake_latency", *argv])
    users = _data.setup_county()
    if args.train_only:
        report = {"db": connection.vendor, "size": args.size, "load": load, "training": measure_training(args.train_limit)}
        print(json.dumps(report["training"], ensure_ascii=False, indent=1))
        if args.json:
            args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str), "utf-8")
        return
    user = users["dispatcher"]
    units = village_units()
    voices = read_voices(args.voices + 5, args.seed)
    memory = warm_up(user, units)
    if not args.no_freeze:  # as a web worker does before serving (minqing/warmup.py)
        from ... import warmup

        warmup.warm_up()
    keep_model(args)
    log(f"measuring {args.voices} voices against {args.size:,} cases …")
    measure(user, voices[args.voices:], units, copies=0, seed=args.seed + 1, progress=lambda s: None)  # warm
    result = measure(user, voices[: args.voices], units, copies=args.copies, seed=args.seed)
    report = {"db": connection.vendor, "size": args.size, "voices": args.voices, "load": load, **result,
              "memory": memory, "rss_after_mb": rss_mb(), "peak_mb": peak_mb(), "index": index_size(),
              "peak_includes_generation": os.environ.get("MINQING_INTAKE_REEXEC") == "1"}
    missed = report["times"]["suggest+duplicates+precedents"]["p99"] >= TARGET_MS and args.size >= TARGET_SIZE
    if args.profile or missed:
        report["diagnosis"] = diagnose(user, voices, units, result["slowest"][:5], args.seed)
    print_report(report)
    if args.train:
        report["training"] = measure_training(args.train_limit)
        print(json.dumps(report["training"], ensure_ascii=False, indent=1))
    print(f"\ntotal {time.perf_counter() - started:.0f}s")
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str), "utf-8")
