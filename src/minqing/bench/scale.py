"""The ledger's hot paths at 1,000,000 and 10,000,000 cases (issue 19): `python -m minqing.bench scale`.

    python -m minqing.bench scale [--sizes 1000000,10000000] [--db postgresql|sqlite] [--samples 33]
                                  [--voices 100] [--scan-cases 1000] [--quick] [--json FILE] [--markdown]

Each size runs in its own process on the ledger benchmark's generated ledger (bench/ledger: the
PostgreSQL database mqbench_<size>, generated once and reused; `python -m minqing.bench ledger
--db postgresql --sizes 1000000,10000000 --load-only` prepares them ahead), and times, through the
real code paths:

- list: `GET /api/cases` with the benchmark's mix of filters, as the county dispatcher and as a
  village handler (bench/ledger/lists.py);
- search: `GET /api/cases?q=`, the same two users;
- intake: for real voices, what the dispatcher is shown for a new case — suggest + duplicates_of +
  precedents_of (bench/intake_latency/measure.py), each voice rolled back;
- deadline scan: `escalation.scan` at a moment when it has kept up (`kept_up`: just before the first
  unescalated active case fell due), with `--scan-cases` active cases made newly late — a fixed
  amount of work, so that what grows with the ledger shows — then the same scan finding nothing (the
  pass most runs are); rolled back.

Each size is measured `--rounds` times in a row and the last round reported: at 10,000,000 cases
the database (~40 GB here) is larger than the machine's memory, and the first round reads from disk
what the hot paths touch. Then the ratio of the largest size to the smallest, per measurement, of the medians (the figure
judged: target ≤ 1.5× for list, search and intake) and of the p95s. --quick: 10,000 and 30,000
cases on SQLite, few samples (the smoke test)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

from ._report import add_child_options, child_done, log, memory_gb, print_table, run_children, sizes_of

DEFAULT_SIZES = [1_000_000, 10_000_000]
QUICK_SIZES = [10_000, 30_000]
RATIO_TARGET = 1.5
JUDGED = ("list", "search", "intake")  # the kinds the target applies to
DEFAULT_DATA_DIR = Path(os.environ.get("MINQING_BENCH_DIR", "/tmp/minqing-bench"))
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/"


def parse(argv: list[str]):
    p = argparse.ArgumentParser(prog="python -m minqing.bench scale", description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default=None, help="comma-separated case counts (default 1000000,10000000)")
    p.add_argument("--db", choices=["sqlite", "postgresql"], default=None, help="default postgresql (--quick: sqlite)")
    p.add_argument("--samples", type=int, default=None, help="samples per list/search measurement (default 33)")
    p.add_argument("--voices", type=int, default=None, help="voices timed for intake (default 100)")
    p.add_argument("--copies", type=int, default=None, help="edited copies of voices checked to be found as "
                   "duplicates (retrieval at scale; default 50)")
    p.add_argument("--scan-cases", type=int, default=1000, help="open cases made newly late for the scan")
    p.add_argument("--rounds", type=int, default=None, help="rounds of every measurement per size, the last one "
                   "reported (default 2: the first warms the database's and the system's caches)")
    p.add_argument("--quick", action="store_true", help="10,000 and 30,000 cases on SQLite (smoke run)")
    p.add_argument("--pool", type=int, default=None, help="real messages in the generator's text pool (default 5000)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    p.add_argument("--pg-url", default=os.environ.get("MINQING_BENCH_PG_URL", DEFAULT_PG_URL))
    p.add_argument("--json", type=Path, default=None)
    p.add_argument("--markdown", action="store_true")
    add_child_options(p)
    args = p.parse_args(argv)
    q = args.quick
    args.sizes = sizes_of(args.sizes, QUICK_SIZES if q else DEFAULT_SIZES)
    args.db = args.db or ("sqlite" if q else "postgresql")
    args.samples = args.samples or (11 if q else 33)
    args.voices = args.voices or (10 if q else 100)
    args.rounds = args.rounds or (1 if q else 2)
    args.copies = args.copies if args.copies is not None else (5 if q else 50)
    args.pool = args.pool or (600 if q else 5000)
    if q:
        args.scan_cases = min(args.scan_cases, 200)
    # what bench/ledger's child expects of its arguments, to load or reuse the ledger
    args.fresh, args.load_only, args.import_rows, args.like_samples, args.budget = False, True, None, 0, 150.0
    args.import_rows_loaded = 0
    return args


# ---------------------------------------------------------------------------------- measuring
def measure_lists(users: dict, samples: int) -> list[dict]:
    from .ledger.lists import DISPATCHER, HANDLER, Surface, list_variants, measure, search_variants

    out = []
    for kind, variants in (("list", list_variants()), ("search", search_variants())):
        per = max(1, -(-samples // len(variants)))
        for username, who in ((DISPATCHER, "county dispatcher"), (HANDLER, "village handler")):
            label = "list GET /api/cases" if kind == "list" else "search GET /api/cases?q="
            r = measure(f"{label} — {who}", Surface("api", users[username]), variants, per, target_ms=None,
                        kind=kind, user_label=username, budget_s=600.0)
            out.append({k: r[k] for k in ("name", "kind", "user", "n", "median_ms", "p95_ms", "errors", "variants")})
    return out


def measure_intake(users: dict, voices: int, copies: int, seed: int) -> dict:
    from .. import warmup
    from ..text.classify import default_model
    from .intake_latency.measure import measure, read_voices, village_units

    default_model(build=True)
    warmup.warm_up()
    user, units = users["dispatcher"], village_units()
    pool = read_voices(voices + 10, seed)
    measure(user, pool[voices:], units, copies=0, seed=seed + 1, progress=lambda s: None)  # warm the caches
    r = measure(user, pool[:voices], units, copies=copies, seed=seed)
    t = r["times"]["suggest+duplicates+precedents"]
    return {"name": "intake: suggest + duplicates + precedents", "kind": "intake", "user": "dispatcher",
            "n": r["n"], "median_ms": t["median"], "p95_ms": t["p95"], "p99_ms": t["p99"],
            "errors": [], "parts": {k: v["median"] for k, v in r["times"].items()},
            "with_duplicates": r["with_duplicates"], "with_precedents": r["with_precedents"],
            "copies_checked": r["copies_checked"], "copies_found": r["copies_found"]}


def kept_up() -> dt.datetime:
    """A moment at which the scan has kept up: just before the first active case not yet escalated fell
    due. The generated ledger was never scanned (about nine in ten of its active cases are late and
    unescalated, 130,000 at 1,000,000 cases), and bringing it to the state the scan every 5 minutes
    leaves — every late case escalated — would rewrite a million rows at 10,000,000 cases."""
    from django.db.models import Min

    from .. import clock
    from ..ledger.models import Case
    from ..workflow.escalation import ACTIVE

    active = Case.objects.order_by().filter(status__in=ACTIVE)
    firsts = [active.filter(escalation_level__lt=2).aggregate(m=Min("resolve_due"))["m"],
              active.filter(escalation_level=0, first_contact_at__isnull=True).aggregate(m=Min("contact_due"))["m"]]
    return min([f for f in firsts if f] + [clock.now()]).replace(microsecond=0) - dt.timedelta(hours=1)


def make_late(now: dt.datetime, newly_late: int) -> dict:
    """`newly_late` active cases, spread over the ledger, fall due 30 minutes before `now`."""
    from ..ledger.models import Case
    from ..workflow.escalation import ACTIVE

    active_n = Case.objects.filter(status__in=ACTIVE).count()
    ids = _every(max(1, active_n // max(1, newly_late)), newly_late)
    Case.objects.filter(id__in=ids).update(escalation_level=0, resolve_due=now - dt.timedelta(minutes=30),
                                           replied_at=None)
    return {"newly_late": len(ids), "active": active_n}


def _every(step: int, n: int) -> list[int]:
    """n active case ids spread over the ledger (every step-th), read in id order without a sort."""
    from ..ledger.models import Case
    from ..workflow.escalation import ACTIVE

    ids, last = [], 0
    qs = Case.objects.order_by("id").filter(status__in=ACTIVE)
    while len(ids) < n:
        batch = list(qs.filter(id__gt=last).values_list("id", flat=True)[: step * 50])
        if not batch:
            break
        ids += batch[::step]
        last = batch[-1]
    return ids[:n]


def measure_scan(newly_late: int) -> list[dict]:
    from django.db import transaction

    from .. import clock
    from ..workflow import escalation

    out = []
    with transaction.atomic():
        now = kept_up()
        with clock.frozen_at(now):
            started = time.perf_counter()
            state = make_late(now, newly_late)
            setup_s = time.perf_counter() - started
            escalation.remind(now)  # the reminders of the day, sent once (not what is timed)
            samples = {}
            for label in ("late", "idle"):
                started = time.perf_counter()
                did = escalation.scan(now)
                samples[label] = ((time.perf_counter() - started) * 1000, did)
        transaction.set_rollback(True)
    late_ms, did = samples["late"]
    out.append({"name": f"deadline scan, {state['newly_late']:,} cases newly late", "kind": "scan", "user": "worker",
                "n": 1, "median_ms": late_ms, "p95_ms": late_ms, "errors": [] if did["escalated"] ==
                state["newly_late"] else [f"escalated {did['escalated']} of {state['newly_late']}"],
                "setup_s": setup_s, "at": now.isoformat(), "active": state["active"], "did": did})
    idle_ms, did = samples["idle"]
    out.append({"name": "deadline scan finding nothing", "kind": "scan", "user": "worker", "n": 1,
                "median_ms": idle_ms, "p95_ms": idle_ms, "errors": [] if not did["escalated"] else [str(did)],
                "did": did})
    return out


def child(args) -> dict:
    from .ledger.process import child as load

    report = load(args)  # loads (or reuses) the generated ledger; Django is set up
    from django.db import connection

    from . import _data

    users = _data.setup_county()
    for n in range(1, args.rounds + 1):
        where = f"[{args.db} {args.size:,}, round {n} of {args.rounds}]"
        log(f"{where} lists and search …")
        results = measure_lists(users, args.samples)
        log(f"{where} intake suggestions for {args.voices} voices …")
        results.append(measure_intake(users, args.voices, args.copies, args.seed))
        log(f"{where} deadline scan …")
        results += measure_scan(args.scan_cases)
    return {"db": connection.vendor, "size": args.size, "load": report.get("load"), "results": results}


# ------------------------------------------------------------------------------------ the driver
def ratios(reports: list[dict]) -> list[dict]:
    """Per measurement: the largest size against the smallest."""
    if len(reports) < 2:
        return []
    small, large = min(reports, key=lambda r: r["size"]), max(reports, key=lambda r: r["size"])
    before = {r["name"]: r for r in small["results"]}
    out = []
    for r in large["results"]:
        b = before.get(r["name"])
        if not b:
            continue
        ratio = r["median_ms"] / b["median_ms"] if b["median_ms"] else None
        judged = r["kind"] in JUDGED
        out.append({"name": r["name"], "kind": r["kind"], "small": b, "large": r, "ratio": ratio,
                    "p95_ratio": r["p95_ms"] / b["p95_ms"] if b["p95_ms"] else None,
                    "passed": (ratio is not None and ratio <= RATIO_TARGET and not r["errors"] and not b["errors"])
                    if judged else None})
    return out


def main(argv: list[str]) -> None:
    args = parse(argv)
    if child_done(args, child):
        return
    from .ledger.process import _environment

    def argv_of(db, size, out):
        return [sys.executable, "-m", "minqing.bench", "scale", "--child", "--db", db, "--size", str(size),
                "--out", str(out), "--samples", str(args.samples), "--voices", str(args.voices),
                "--scan-cases", str(args.scan_cases), "--copies", str(args.copies), "--rounds", str(args.rounds), "--pool", str(args.pool),
                "--seed", str(args.seed), "--data-dir", str(args.data_dir), "--pg-url", args.pg_url]

    started = time.perf_counter()
    reports, failed = run_children([(args.db, s) for s in args.sizes], argv_of,
                                   lambda db, size: _environment(db, size, args), show=lambda r: None)
    print(f"\nminqing scale benchmark — {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, {memory_gb()} GB, "
          f"{args.db}; ratio of medians judged for list, search, intake (≤ {RATIO_TARGET}×)")
    header = ["measurement", "n"] + [f"{r['size']:,} median / p95 ms" for r in reports] + \
        ["ratio (median)", "ratio (p95)", "result"]
    rows = []
    table = ratios(reports)
    by_name = {t["name"]: t for t in table}
    for r in reports[-1]["results"] if reports else []:
        t = by_name.get(r["name"])
        cells = []
        for rep in reports:
            m = next((x for x in rep["results"] if x["name"] == r["name"]), None)
            cells.append(f"{m['median_ms']:.1f} / {m['p95_ms']:.1f}" if m else "—")
        rows.append([r["name"], str(r["n"]), *cells,
                     f"×{t['ratio']:.2f}" if t and t["ratio"] else "—",
                     f"×{t['p95_ratio']:.2f}" if t and t["p95_ratio"] else "—",
                     "—" if not t or t["passed"] is None else ("PASS" if t["passed"] else "FAIL")])
    print_table(header, rows, markdown=args.markdown, out=sys.stdout)
    for rep in reports:
        intake = next((r for r in rep["results"] if r["kind"] == "intake"), None)
        if intake:
            print(f"{rep['size']:,}: an edited copy found its voice among the duplicates for "
                  f"{intake['copies_found']} of {intake['copies_checked']} voices; parts (median ms) "
                  + ", ".join(f"{k} {v:.1f}" for k, v in intake["parts"].items()))
        scan = next((r for r in rep["results"] if r["kind"] == "scan" and "at" in r), None)
        if scan:
            print(f"{rep['size']:,}: {scan['active']:,} active cases; the scan timed at {scan['at']} (before the first "
                  f"unescalated case fell due); the late scan did {scan['did']}")
    print(f"total {time.perf_counter() - started:.0f}s")
    if args.json:
        args.json.write_text(json.dumps({"reports": reports, "ratios": table}, ensure_ascii=False, indent=1,
                                        default=str), "utf-8")
    errors = [r for rep in reports for r in rep["results"] if r.get("errors")]
    if failed or errors:
        print("FAILED: " + "; ".join(failed + [f"{r['name']}: {r['errors'][:2]}" for r in errors]))
        sys.exit(1)
