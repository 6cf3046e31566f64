"""Benchmark of issue 6 (see trouble coming): `python -m minqing.bench insight`.

    python -m minqing.bench insight [--sizes 1000000] [--quick] [--step-hours 12] [--days 30]
                                    [--samples 9] [--fresh] [--json FILE] [--db sqlite|postgresql]
                                    [--background real|varied] [--only warnings,rebuild,dashboard]
    python -m minqing.bench insight --hotspots-real [--json FILE]

The driver: reads the options; with the warnings, measures in this process the parts that need no
ledger (ledger_free.py); then runs each size in its own process (process.py; the parent re-invokes
`python -m minqing.bench insight --child`), prints the whole report as JSON, writes --json, and exits
1 when a child failed. --quick: 20,000 cases, one scan a day, 3 samples."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .._report import log
from .ledger_free import foresight_backtests, hotspot_agreement
from .process import _environment, child

DATA_DIR = Path(os.environ.get("MINQING_BENCH_INSIGHT_DIR", "/tmp/minqing-bench-insight"))
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/"
PARTS = ("warnings", "rebuild", "dashboard")


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m minqing.bench insight")
    p.add_argument("--sizes", default="1000000")
    p.add_argument("--quick", action="store_true", help="20,000 cases, 9 scans, 3 samples")
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--step-hours", type=int, default=12)
    p.add_argument("--samples", type=int, default=9)
    p.add_argument("--fresh", action="store_true")
    p.add_argument("--json", type=Path)
    p.add_argument("--data-dir", type=Path, default=DATA_DIR)
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--pg-url", default=os.environ.get("MINQING_BENCH_PG_URL", DEFAULT_PG_URL))
    p.add_argument("--background", choices=["real", "varied"], default="real")
    p.add_argument("--only", default=",".join(PARTS), help="what to measure per size: " + ",".join(PARTS))
    p.add_argument("--hotspots-real", action="store_true",
                   help="only the hottest ten hotspots of the shared votes file, titled, beside the most-liked messages")
    p.add_argument("--child", action="store_true")
    p.add_argument("--size", type=int)
    p.add_argument("--out", type=Path)
    args = p.parse_args(argv)
    args.sizes = [20_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    args.only = [part.strip() for part in args.only.split(",") if part.strip()]
    if set(args.only) - set(PARTS):
        p.error(f"--only: choose among {', '.join(PARTS)}")
    if args.quick:
        args.samples, args.step_hours = 3, 24
    return args


def main(argv: list[str]) -> None:
    args = parse(argv)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    if args.child:
        args.out.write_text(json.dumps(child(args), ensure_ascii=False, default=str), "utf-8")
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")
    import django

    django.setup()
    if args.hotspots_real:
        from .hotspots_real import hotspots_real, print_report

        report = hotspots_real()
        print_report(report)
        if args.json:
            args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str), "utf-8")
        return
    started = time.perf_counter()
    report = {"date": time.strftime("%Y-%m-%d %H:%M"), "cpus": os.cpu_count()}
    if "warnings" in args.only:  # the ledger-free parts go with the warnings
        log("hotspots on messages_with_votes.xlsx …")
        report["hotspots"] = hotspot_agreement()
        log("foresight back-tests …")
        report["foresight"] = foresight_backtests()
    report["sizes"] = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            out = Path(tmp) / f"{size}.json"
            env = _environment(args, size)
            cmd = [sys.executable, "-m", "minqing.bench", "insight", "--child", "--size", str(size), "--out", str(out),
                   "--days", str(args.days), "--step-hours", str(args.step_hours), "--samples", str(args.samples),
                   "--data-dir", str(args.data_dir), "--db", args.db, "--background", args.background,
                   "--only", ",".join(args.only)] + (["--fresh"] if args.fresh else [])
            if subprocess.run(cmd, env=env).returncode != 0 or not out.exists():
                report["sizes"].append({"size": size, "failed": True})
                continue
            report["sizes"].append(json.loads(out.read_text("utf-8")))
    report["seconds"] = round(time.perf_counter() - started)
    print(json.dumps(report, ensure_ascii=False, indent=1, default=str))
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str), "utf-8")
    if any(s.get("failed") for s in report["sizes"]):
        sys.exit(1)
