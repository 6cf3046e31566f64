"""What every benchmark prints with: a log line on stderr, nearest-rank percentiles, and a table as
aligned text or Markdown (for docs/benchmarks.md); and how a driver runs each (database, size) in a
fresh process of its own that writes its report as JSON (`run_children`)."""

import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def memory_gb() -> str:
    """The machine's memory for a report's header ("?" where /proc is not there)."""
    try:
        with open("/proc/meminfo") as f:
            return f"{int(f.readline().split()[1]) / 1024 / 1024:.0f}"
    except (OSError, ValueError, IndexError):
        return "?"


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0–100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def median(values: list[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def print_table(header: list[str], rows: list[list[str]], markdown: bool = False, out=sys.stdout) -> None:
    if markdown:
        print("| " + " | ".join(header) + " |", file=out)
        print("|" + "|".join("---" for _ in header) + "|", file=out)
        for r in rows:
            print("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |", file=out)
        return
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)), file=out)
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)), file=out)


def run_children(jobs, argv, env, show, label=lambda size: f"{size:,} cases") -> tuple[list[dict], list[str]]:
    """Each (db, size) of `jobs` in a child process: `argv(db, size, out)` and `env(db, size)` start it,
    it writes its report to `out`; `show(report)` prints the details. Returns (reports, failures)."""
    reports, failed = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for db, size in jobs:
            out = Path(tmp) / f"{db}-{size}.json"
            log(f"== {db}, {label(size)}")
            proc = subprocess.run(argv(db, size, out), env=env(db, size))
            if proc.returncode != 0 or not out.exists():
                failed.append(f"{db} {size:,}: exit {proc.returncode}")
                continue
            report = json.loads(out.read_text("utf-8"))
            reports.append(report)
            show(report)
    return reports, failed


def child_done(args, child) -> bool:
    """The start of a driver's main: makes --data-dir; in a child process (--child) runs `child(args)`,
    writes its report to --out as JSON and returns True (the driver then returns)."""
    args.data_dir.mkdir(parents=True, exist_ok=True)
    if not args.child:
        return False
    args.out.write_text(json.dumps(child(args), ensure_ascii=False, default=str), "utf-8")
    return True


def add_child_options(p) -> None:
    """The options a driver gives its child processes (hidden from --help)."""
    import argparse
    from pathlib import Path as _Path

    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--size", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--out", type=_Path, default=None, help=argparse.SUPPRESS)


def sizes_of(text: str | None, default: list[int]) -> list[int]:
    """--sizes 1000000,10_000_000 as a list of ints (the default when not given)."""
    return [int(s.replace("_", "")) for s in text.split(",")] if text else default
