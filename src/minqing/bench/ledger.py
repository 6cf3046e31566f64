"""Benchmark of the ledger at scale (issue 3): `python -m minqing.bench ledger`.

    python -m minqing.bench ledger [--sizes 100000,1000000] [--db sqlite|postgresql|both] [--quick]
                                   [--samples 33] [--fresh] [--import-rows N] [--json FILE] [--markdown]

For each database and size it generates (or reuses) a synthetic ledger across the demo county
(see _data.py), then measures through the real code paths:

- the filtered, paginated case list through the API (`GET /api/cases`, Bearer token) and the web
  page (`/cases/`, logged in), for a county dispatcher and for a village handler, over a mix of
  filters; the baseline is the same queries by an admin without a unit (no scope);
- Chinese text search (`q=`) through the API; the baseline is a plain `LIKE '%word%'` scan put in
  place of the full-text index for the same requests (the "toy");
- the import rate of the TipDM votes file through `import_ledger`, into an empty ledger (once per
  database) and into the loaded ledger (a slice of the file, rolled back so the ledger is kept).

Each database × size runs in its own process (the database is chosen by the environment, as in
production). SQLite data lives under --data-dir (default /tmp/minqing-bench/sqlite-<size>), PostgreSQL
data in databases mqbench_<size> at --pg-url. A ledger is reused when its size matches; --fresh
rebuilds it. Targets (issue 3): p95 < 200 ms for the list and < 500 ms for search at 1,000,000 cases."""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from ._report import log, median, percentile, print_table

LIST_TARGET_MS = 200.0
SEARCH_TARGET_MS = 500.0
TARGET_SIZE = 1_000_000
DEFAULT_SIZES = [100_000, 1_000_000]
QUICK_SIZE = 10_000
DEFAULT_DATA_DIR = Path(os.environ.get("MINQING_BENCH_DIR", "/tmp/minqing-bench"))
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/"
SEARCH_WORDS = ["停车", "物业", "噪音", "学校", "小区 停车", "学校 收费", "物业 维修", "噪音 扰民"]
DISPATCHER, HANDLER = "dispatcher", "dm_handler"  # county dispatcher (QS) and 东门社区 handler (QS-CG-DM)


# ---------------------------------------------------------------------------------- statistics
# -------------------------------------------------------------------------------- the requests
def list_variants(now=None) -> list[tuple[str, dict]]:
    """A realistic mix of list filters: what a dispatcher or a handler clicks through in a day."""
    import datetime as dt

    from .. import clock

    today = (now or clock.now()).date()
    since, until = today - dt.timedelta(days=120), today - dt.timedelta(days=90)
    return [
        ("no filter", {}),
        ("status=handling", {"status": "handling"}),
        ("status=open", {"status": "open"}),
        ("unit=township QS-CG", {"unit": "QS-CG"}),
        ("unit=village QS-CG-DM", {"unit": "QS-CG-DM"}),
        ("category=城乡建设", {"category": "城乡建设"}),
        ("channel=phone", {"channel": "phone"}),
        ("overdue=true", {"overdue": "true"}),
        ("since/until 30 days", {"since": since.isoformat(), "until": until.isoformat()}),
        ("page 50", {"page": 50}),
        ("status=closed page 50", {"status": "closed", "page": 50}),
    ]


def search_variants() -> list[tuple[str, dict]]:
    return [(f"q={w}", {"q": w}) for w in SEARCH_WORDS] + [("q=停车 unit=QS-CG", {"q": "停车", "unit": "QS-CG"})]


class Surface:
    """Sends one request as one user: the API with a Bearer token, or the web page logged in."""

    def __init__(self, kind: str, user):
        from django.test import Client

        self.kind, self.user = kind, user
        # A server error is recorded as an error of the measurement, not raised: one broken page
        # must not lose an hour of measuring.
        self.client = Client(raise_request_exception=False)
        self.last_error = ""
        if kind == "api":
            from ..org.models import ApiToken

            self.headers = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user)}"}
        else:
            self.client.force_login(user)
            self.headers = {}

    def get(self, params: dict) -> tuple[float, int, int | None]:
        """(milliseconds, status, count or None)"""
        path = "/api/cases" if self.kind == "api" else "/cases/"
        started = time.perf_counter()
        response = self.client.get(path, params, **self.headers)
        ms = (time.perf_counter() - started) * 1000
        count = None
        if response.status_code >= 500 and getattr(response, "exc_info", None):
            self.last_error = f"{response.exc_info[0].__name__}: {response.exc_info[1]}"[:200]
        if response.status_code == 200:
            if self.kind == "api":
                count = response.json().get("count")
            elif getattr(response, "context", None) is not None:  # only under the test runner
                count = response.context.get("count")
        return ms, response.status_code, count


def measure(name: str, surface: Surface, variants: list[tuple[str, dict]], per_variant: int, *,
            target_ms: float | None, kind: str, user_label: str, budget_s: float = 150.0, warmup: bool = True
            ) -> dict:
    """Warm each variant once, then time `per_variant` rounds over all variants (interleaved, so
    a slow variant shows in the p95 and caches are shared fairly). A measurement whose rounds
    would take longer than `budget_s` gets fewer rounds (at least one); `n` says how many."""
    errors, counts, warm = [], {}, 0.0
    for label, params in variants if warmup else ():
        ms, status, count = surface.get(params)
        warm += ms / 1000
        if status != 200:
            errors.append(f"{label}: HTTP {status} {surface.last_error}".strip())
        counts[label] = count
    rounds = max(1, min(per_variant, int(budget_s / warm) if warm > 0 else per_variant))
    times: dict[str, list[float]] = {label: [] for label, _ in variants}
    for _ in range(rounds):
        for label, params in variants:
            ms, status, count = surface.get(params)
            if status != 200:
                errors.append(f"{label}: HTTP {status} {surface.last_error}".strip())
            times[label].append(ms)
            counts.setdefault(label, count)
    samples = [t for ts in times.values() for t in ts]
    log(f"  {name}: median {median(samples):.0f} ms, p95 {percentile(samples, 95):.0f} ms (n={len(samples)})")
    return {
        "name": name, "kind": kind, "surface": surface.kind, "user": user_label, "n": len(samples),
        "median_ms": median(samples), "p95_ms": percentile(samples, 95), "target_ms": target_ms,
        "errors": sorted(set(errors)), "rounds_cut": rounds < per_variant,
        "variants": [{"label": label, "params": dict(params), "median_ms": median(times[label]),
                      "max_ms": max(times[label]), "count": counts[label]} for label, params in variants],
    }


def explain(user, params: dict) -> list[dict]:
    """The queries one list request runs (through the same apply_filters and page_of), each timed
    on its own, with the database's plan: EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on
    PostgreSQL. This is how a FAIL is traced to its query."""
    from django.db import connection

    from ..ledger.paging import page_of
    from ..ledger.permissions import cases_visible_to
    from ..ledger.queries import apply_filters

    captured: list[tuple[str, object]] = []

    def capture(execute, sql, sql_params, many, context):
        captured.append((sql, sql_params))
        return execute(sql, sql_params, many, context)

    query = {k: v for k, v in params.items() if k != "page"}
    with connection.execute_wrapper(capture):
        page_of(apply_filters(cases_visible_to(user), query), params.get("page", 1))
    out = []
    for sql, sql_params in captured:
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cur:
            started = time.perf_counter()
            cur.execute(sql, sql_params)
            cur.fetchall()
            ms = (time.perf_counter() - started) * 1000
            if connection.vendor == "sqlite":
                cur.execute("EXPLAIN QUERY PLAN " + sql, sql_params)
                plan = [row[3] for row in cur.fetchall()]
            else:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, sql_params)
                plan = [row[0] for row in cur.fetchall()]
        out.append({"ms": ms, "sql": _short_sql(sql), "params": [str(p)[:40] for p in (sql_params or [])][:8],
                    "plan": plan})
    return out


def _short_sql(sql: str) -> str:
    """The SELECT list elided: what matters is FROM … WHERE … ORDER BY."""
    head, sep, rest = sql.partition(" FROM ")
    return (head[:60] + " …" if len(head) > 60 else head) + sep + rest


def like_matching(qs, text: str):
    """The toy search: every word as a LIKE '%word%' over the case text (no index can serve it)."""
    from ..ledger.search import query_words

    for word in query_words(text):
        qs = qs.filter(text__contains=word)
    return qs


def run_suite(users: dict, samples: int = 33, *, like_samples: int | None = None, budget_s: float = 150.0,
              diagnose: bool = True, warmup: bool = True) -> list[dict]:
    """All list and search measurements for one loaded ledger. `users` maps usernames to users
    (dispatcher, dm_handler, bench-root)."""
    from unittest import mock

    from ._data import BENCH_ROOT

    lists, searches = list_variants(), search_variants()
    per_list = max(1, math.ceil(samples / len(lists)))
    per_search = max(1, math.ceil(samples / len(searches)))
    who = {DISPATCHER: "county dispatcher", HANDLER: "village handler", BENCH_ROOT: "admin, no scope"}
    out = []
    for kind in ("api", "web"):
        surfaces = {u: Surface(kind, users[u]) for u in (DISPATCHER, HANDLER, BENCH_ROOT)}
        for username in (DISPATCHER, HANDLER, BENCH_ROOT):
            label = "API /api/cases" if kind == "api" else "page /cases/"
            row = measure(f"list {label} — {who[username]}", surfaces[username], lists, per_list,
                          target_ms=None if username == BENCH_ROOT else LIST_TARGET_MS, kind="list",
                          user_label=username, budget_s=budget_s, warmup=warmup)
            row["baseline_of"] = f"list-{kind}" if username == BENCH_ROOT else None
            row["compare_to"] = None if username == BENCH_ROOT else f"list-{kind}"
            out.append(row)
    api = {u: Surface("api", users[u]) for u in (DISPATCHER, HANDLER)}
    for username in (DISPATCHER, HANDLER):
        row = measure(f"search API q= — {who[username]}", api[username], searches, per_search,
                      target_ms=SEARCH_TARGET_MS, kind="search", user_label=username, budget_s=budget_s, warmup=warmup)
        row["baseline_of"], row["compare_to"] = None, "search"
        out.append(row)
    per_like = like_samples if like_samples is not None else per_search
    if per_like > 0:
        with mock.patch("minqing.ledger.queries.matching", like_matching):
            row = measure("search API q= — county dispatcher, LIKE '%word%' scan (toy)", api[DISPATCHER],
                          searches, per_like, target_ms=None, kind="search", user_label=DISPATCHER,
                          budget_s=budget_s, warmup=warmup)
        row["baseline_of"], row["compare_to"] = "search", None
        out.append(row)
    baselines = {r["baseline_of"]: r for r in out if r.get("baseline_of")}
    for r in out:
        base = baselines.get(r.get("compare_to"))
        r["baseline_ms"] = base["median_ms"] if base else None
        r["ratio"] = r["median_ms"] / base["median_ms"] if base and base["median_ms"] else None
        r["passed"] = None if r["target_ms"] is None else (r["p95_ms"] < r["target_ms"] and not r["errors"])
        if diagnose and r["passed"] is False and r["surface"] == "api":
            slowest = max(r["variants"], key=lambda v: v["max_ms"])
            r["diagnosis"] = {"variant": slowest["label"], "queries": explain(users[r["user"]], slowest["params"])}
    return out


# --------------------------------------------------------------------------------------- import
def _slice_file(source: Path, rows: int, folder: Path) -> Path:
    """The header and the first `rows` data rows of an Excel file, as a new .xlsx."""
    import openpyxl
    from python_calamine import CalamineWorkbook

    data = CalamineWorkbook.from_path(str(source)).get_sheet_by_index(0).to_python()
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in data[: rows + 1]:
        ws.append(row)
    target = folder / f"{source.stem}-{rows}.xlsx"
    wb.save(target)
    return target


def measure_import(rows: int | None = None, *, rollback: bool = False, where: str = "") -> dict:
    """Import the votes file (or its first `rows` rows) through import_ledger; rows/s."""
    from django.db import transaction

    from ..intake.excel import import_ledger
    from ._data import VOTES_FILE

    name = f"import {VOTES_FILE.name}" + (f" ({where})" if where else "")
    if not VOTES_FILE.exists():
        return {"name": name, "kind": "import", "skipped": f"{VOTES_FILE} not found"}
    from ..text.segment import search_tokens

    search_tokens("预热分词器")  # the segmenter's one-off load is not part of the rate
    with tempfile.TemporaryDirectory() as tmp:
        path = _slice_file(VOTES_FILE, rows, Path(tmp)) if rows else VOTES_FILE
        try:
            with transaction.atomic():
                started = time.perf_counter()
                result = import_ledger(str(path))
                seconds = time.perf_counter() - started
                if rollback:
                    transaction.set_rollback(True)
        except RuntimeError as e:  # e.g. a durable transaction inside: cannot be rolled back
            return {"name": name, "kind": "import", "skipped": f"could not run inside a transaction: {e}"}
    return {"name": name, "kind": "import", "rows": result.total, "imported": result.imported,
            "rejected": len(result.rejected), "skipped_rows": result.skipped, "seconds": seconds,
            "rows_per_s": result.total / seconds if seconds else 0.0, "rolled_back": rollback}


# ------------------------------------------------------------------------------- one database
def _pg_admin(url: str, statements: list[str]) -> None:
    import psycopg

    u = urlparse(url)
    with psycopg.connect(urlunparse(u._replace(path="/postgres")), autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)


def _environment(db: str, size: int, args) -> dict:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")
    if db == "sqlite":
        env.pop("MINQING_DATABASE_URL", None)
        env["MINQING_HOME"] = str(args.data_dir / f"sqlite-{size or 'import'}")
    else:
        name = f"mqbench_{size or 'import'}"
        env["MINQING_DATABASE_URL"] = urlunparse(urlparse(args.pg_url)._replace(path="/" + name))
        env["MINQING_HOME"] = str(args.data_dir / "pg-home")
    return env


def _reset_database(db: str, args, size: int) -> None:
    """Start from an empty database (only ever our own: mqbench_* or our data folder)."""
    if db == "sqlite":
        home = args.data_dir / f"sqlite-{size or 'import'}"
        for p in home.glob("minqing.sqlite3*"):
            p.unlink()
    else:
        name = f"mqbench_{size or 'import'}"
        assert name.startswith("mqbench_") and name not in ("test", "test_minqing")
        _pg_admin(args.pg_url, [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'])


def _pg_database_exists(args, name: str) -> bool:
    import psycopg

    u = urlparse(args.pg_url)
    with psycopg.connect(urlunparse(u._replace(path="/postgres")), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def child(args) -> dict:
    """Runs in a process whose environment selects the database: load or reuse, then measure."""
    import logging

    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # errors are counted, not printed
    db, size = args.db, args.size
    if db == "postgresql" and (args.fresh or size == 0 or not _pg_database_exists(args, f"mqbench_{size}")):
        _reset_database(db, args, size)
    elif db == "sqlite" and (args.fresh or size == 0):
        _reset_database(db, args, size)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from ..clock import now
    from ..ledger.models import Case
    from . import _data

    call_command("migrate", verbosity=0)
    report = {"db": db, "size": size, "vendor": connection.vendor, "results": []}
    if size == 0:  # the empty ledger: the import rate only
        _data.setup_county()
        report["results"].append(measure_import(args.import_rows or None, where="empty ledger"))
        return report
    meta = _data.read_meta()
    want = {"size": size, "version": _data.GENERATOR_VERSION, "seed": args.seed}
    if {k: meta.get(k) for k in want} == want and Case.objects.count() == size:
        log(f"[{db} {size:,}] reusing the ledger loaded {meta.get('loaded_at')} (--fresh to rebuild)")
        report["load"] = meta.get("load") | {"reused": True}
    else:
        if Case.objects.exists() or meta:
            log(f"[{db} {size:,}] the stored ledger does not match: rebuilding")
            connection.close()
            _reset_database(db, args, size)
            call_command("migrate", verbosity=0)
        users = _data.setup_county()
        pool = _data.load_pool(args.pool, args.data_dir, log=log)
        world = _data.build_world(pool, now(), seed=args.seed)
        log(f"[{db} {size:,}] generating and loading {size:,} cases …")
        load = _data.load_ledger(world, size, fast=True, log=log)
        log(f"[{db} {size:,}] loaded in {load['seconds']:.0f}s ({load['rows_per_s']:,.0f} cases/s): "
            + ", ".join(f"{k} {v:.1f}s" for k, v in load["phases"].items()))
        _data.write_meta(want | {"loaded_at": now().isoformat(timespec="seconds"), "load": load})
        report["load"] = load | {"reused": False}
    users = _data.setup_county()
    report["distribution"] = distribution()
    if args.load_only:
        return report
    like = args.like_samples
    if like is None:
        like = max(1, math.ceil(args.samples / len(search_variants()))) if size <= 200_000 else 1
    log(f"[{db} {size:,}] measuring (≥{args.samples} samples per measurement) …")
    report["results"] = run_suite(users, args.samples, like_samples=like, budget_s=args.budget)
    if args.import_rows_loaded:
        log(f"[{db} {size:,}] importing {args.import_rows_loaded} rows into the loaded ledger (rolled back) …")
        report["results"].append(measure_import(args.import_rows_loaded, rollback=True,
                                                where=f"first {args.import_rows_loaded} rows into {size:,} cases"))
    return report


def distribution() -> dict:
    """What the loaded ledger looks like (printed with the figures, checked by the smoke test)."""
    from django.db.models import Count

    from ..ledger.models import Case, Voice
    from ..ledger.queries import overdue_q

    total = Case.objects.count()
    by_status = dict(Case.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {"cases": total, "voices": Voice.objects.count(), "by_status": by_status,
            "closed_share": by_status.get("closed", 0) / total if total else 0.0,
            "overdue": Case.objects.filter(overdue_q()).count()}


# ------------------------------------------------------------------------------------- printing
def _fmt(v, spec=".1f", none="—"):
    return none if v is None else format(v, spec)


def table_rows(report: dict) -> list[list[str]]:
    rows = []
    for r in report["results"]:
        where = f"{report['db']} {report['size']:,}" if report["size"] else f"{report['db']} empty"
        if r["kind"] == "import":
            if r.get("skipped"):
                rows.append([where, r["name"], "", "", "", "", "skipped: " + r["skipped"], "", ""])
            else:
                rows.append([where, r["name"] + f" — {r['imported']} imported, {r['rejected']} rejected",
                             str(r["rows"]), f"{r['rows_per_s']:.0f} rows/s", f"{r['seconds']:.1f} s", "", "", "",
                             ""])
            continue
        verdict = "—" if r["passed"] is None else ("PASS" if r["passed"] else "FAIL")
        if r["errors"]:
            verdict = "ERROR"
        target = f"p95<{r['target_ms']:.0f}" if r["target_ms"] else "baseline"
        ratio = f"×{r['ratio']:.2f}" if r["ratio"] is not None else ""
        rows.append([where, r["name"], str(r["n"]), _fmt(r["median_ms"]), _fmt(r["p95_ms"]), target, verdict,
                     _fmt(r["baseline_ms"]), ratio])
    return rows


HEADER = ["db / cases", "measurement", "n", "median ms", "p95 ms", "target", "result", "baseline ms", "ratio"]


def print_details(report: dict, out=sys.stdout) -> None:
    where = f"{report['db']} {report['size']:,}"
    if report.get("load"):
        load = report["load"]
        how = "reused" if load.get("reused") else "loaded"
        print(f"\n[{where}] ledger {how}: {load['cases']:,} cases in {load['seconds']:.0f}s; "
              + ", ".join(f"{k} {v:.1f}s" for k, v in load.get("phases", {}).items()), file=out)
    if report.get("distribution"):
        d = report["distribution"]
        print(f"[{where}] {d['cases']:,} cases, {d['voices']:,} voices, closed {d['closed_share']:.0%}, "
              f"overdue {d['overdue']:,}", file=out)
    for r in report["results"]:
        if r["kind"] == "import" or not r.get("variants"):
            continue
        print(f"[{where}] {r['name']}: " + "; ".join(
            f"{v['label']} {v['median_ms']:.0f}/{v['max_ms']:.0f}ms" + (f" ({v['count']:,})" if v["count"] is not None
                                                                         else "")
            for v in r["variants"]), file=out)
        for e in r["errors"]:
            print(f"[{where}]   ERROR {e}", file=out)
        if r.get("diagnosis"):
            print(f"[{where}]   slowest: {r['diagnosis']['variant']} — its queries:", file=out)
            for q in r["diagnosis"]["queries"]:
                print(f"      {q['ms']:8.1f} ms  {q['sql'][:400]}  {q['params']}", file=out)
                for line in q["plan"]:
                    print(f"                   {line}", file=out)


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
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--size", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    q = args.quick
    args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",")] if args.sizes else (
        [QUICK_SIZE] if q else DEFAULT_SIZES)
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
    args.data_dir.mkdir(parents=True, exist_ok=True)
    if args.child:
        report = child(args)
        args.out.write_text(json.dumps(report, ensure_ascii=False, default=str), "utf-8")
        return
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    jobs = []
    for db in dbs:
        if not args.quick and not args.load_only and args.import_rows != 0:
            jobs.append((db, 0))  # the empty-ledger import
        jobs += [(db, size) for size in args.sizes]
    reports, failed = [], []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for db, size in jobs:
            out = Path(tmp) / f"{db}-{size}.json"
            log(f"== {db}, {'empty ledger (import)' if size == 0 else f'{size:,} cases'}")
            proc = subprocess.run(_child_argv(args, db, size, out), env=_environment(db, size, args))
            if proc.returncode != 0 or not out.exists():
                failed.append(f"{db} {size:,}: exit {proc.returncode}")
                continue
            report = json.loads(out.read_text("utf-8"))
            reports.append(report)
            print_details(report, out=sys.stderr)
    print(f"\nminqing ledger benchmark — {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, "
          f"{_memory_gb()} GB; targets at {TARGET_SIZE:,} cases: list p95 < {LIST_TARGET_MS:.0f} ms, "
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


def _memory_gb() -> str:
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
        return f"{kb / 1024 / 1024:.0f}"
    except (OSError, ValueError, IndexError):
        return "?"


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
