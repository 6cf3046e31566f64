"""Why voices are slow, printed when the target is missed (or with --profile): for the slowest
voices, the full-text candidate query duplicates_of runs (captured from the connection), its plan and
time, how many rows match the OR of the rare words, each word's document count, and a cProfile of
suggest + duplicates + precedents."""

from __future__ import annotations

import cProfile
import io
import pstats
import random
import time


def candidate_query(case) -> tuple[str, list]:
    """The full-text candidate query duplicates_of runs for a case, with its parameters, as captured
    from the database connection (so that it follows whatever ledger/similar.py does)."""
    from django.db import connection

    from ...ledger.similar import duplicates_of

    captured: list[tuple[str, list]] = []

    def capture(execute, sql, params, many, context):
        if "ledger_case_fts" in sql or "to_tsquery" in sql:
            captured.append((sql, list(params or [])))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        duplicates_of(case)
    return captured[0] if captured else ("", [])


def diagnose(user, voices: list[tuple[str, str]], units: list[str], indexes: list[int], seed: int = 2026) -> dict:
    """For the slowest voices: the candidate query's plan and time, how many rows match the OR of the
    rare words (all of them are ranked before LIMIT applies), and each word's document count; then a
    cProfile of suggest + duplicates + precedents over them."""
    from django.db import connection, transaction

    from ...ledger.similar import duplicates_of, precedents_of, term_stats
    from ...workflow.suggest import suggest
    from ..dedup.probes import submit

    rng = random.Random(seed)
    out = {"queries": [], "profile": ""}
    prof = cProfile.Profile()
    for i in indexes:
        title, text = voices[i]
        with transaction.atomic():
            case = submit(user, title, text, rng.choice(units))
            sql, params = candidate_query(case)
            if not sql:
                transaction.set_rollback(True)
                continue
            match = "%s"  # the OR of the words: the only string parameter
            expr = next(p for p in params if isinstance(p, str))
            with connection.cursor() as cur:
                t = time.perf_counter()
                cur.execute(sql, params)
                n_ids = len(cur.fetchall())
                ms = (time.perf_counter() - t) * 1000
                if connection.vendor == "sqlite":
                    cur.execute("EXPLAIN QUERY PLAN " + sql, params)
                    plan = [row[3] for row in cur.fetchall()]
                    cur.execute(f"SELECT COUNT(*) FROM ledger_case_fts WHERE ledger_case_fts MATCH {match}", [expr])
                else:
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                    plan = [row[0] for row in cur.fetchall()]
                    cur.execute("SELECT COUNT(*) FROM ledger_case WHERE search_tsv "
                                f"@@ to_tsquery('simple', {match})", [expr])
                matching = cur.fetchone()[0]
            stats = term_stats()
            terms = expr.replace('"', "").replace(" OR ", " | ").split(" | ")
            scale = (_case_count() / stats.n) if stats.n else 0
            out["queries"].append({"voice": i, "ms": ms, "ids": n_ids, "matching": matching, "plan": plan,
                                   "terms": [(t, round(stats.df.get(t, 0) * scale)) for t in terms],
                                   "sql": sql, "params": params})
            prof.enable()
            suggest(case.text_norm, case.title, case.unit)
            duplicates_of(case)
            precedents_of(case)
            prof.disable()
            transaction.set_rollback(True)
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(25)
    out["profile"] = buf.getvalue()
    return out


def _case_count() -> int:
    from ...ledger.models import Case

    return Case.objects.count()
