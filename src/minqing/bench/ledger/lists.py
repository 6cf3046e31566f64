"""The case list and Chinese text search of the ledger benchmark, measured through the real code paths.

- the filtered, paginated case list through the API (`GET /api/cases`, Bearer token) and the web
  page (`/cases/`, logged in), for a county dispatcher and for a village handler, over a mix of
  filters; the baseline is the same queries by an admin without a unit (no scope);
- Chinese text search (`q=`) through the API; the baseline is a plain `LIKE '%word%'` scan put in
  place of the full-text index for the same requests (the "toy").

A measurement that misses its target is traced to its queries and their plans (`explain`). Targets
(issue 3): p95 < 200 ms for the list and < 500 ms for search at 1,000,000 cases. Apart from the
process that loads the ledger (process.py), so that the smoke test runs this suite on a tiny one."""

from __future__ import annotations

import math
import time

from .._report import log, median, percentile

LIST_TARGET_MS = 200.0
SEARCH_TARGET_MS = 500.0
TARGET_SIZE = 1_000_000
SEARCH_WORDS = ["停车", "物业", "噪音", "学校", "小区 停车", "学校 收费", "物业 维修", "噪音 扰民"]
DISPATCHER, HANDLER = "dispatcher", "dm_handler"  # county dispatcher (QS) and 东门社区 handler (QS-CG-DM)


# -------------------------------------------------------------------------------- the requests
def list_variants(now=None) -> list[tuple[str, dict]]:
    """A realistic mix of list filters: what a dispatcher or a handler clicks through in a day."""
    import datetime as dt

    from ... import clock

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
            from ...org.models import ApiToken

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

    from ...ledger.paging import page_of
    from ...ledger.permissions import cases_visible_to
    from ...ledger.queries import apply_filters

    captured: list[tuple[str, object]] = []

    def capture(execute, sql, sql_params, many, context):
        captured.append((sql, sql_params))
        return execute(sql, sql_params, many, context)

    query = {k: v for k, v in params.items() if k != "page"}
    with connection.execute_wrapper(capture):
        page_of(apply_filters(cases_visible_to(user), query), params.get("page", 1), search=bool(query.get("q")))
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
    from ...ledger.search import query_words

    for word in query_words(text):
        qs = qs.filter(text__contains=word)
    return qs


def run_suite(users: dict, samples: int = 33, *, like_samples: int | None = None, budget_s: float = 150.0,
              diagnose: bool = True, warmup: bool = True) -> list[dict]:
    """All list and search measurements for one loaded ledger. `users` maps usernames to users
    (dispatcher, dm_handler, bench-root)."""
    from unittest import mock

    from .._data import BENCH_ROOT

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
