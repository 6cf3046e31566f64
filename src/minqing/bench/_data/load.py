"""Loading a generated ledger in bulk, and what is stored about it.

Why bulk: `submit_voice` writes one case in ~25 ms (normalising, segmenting, numbering, deadlines,
event), so a million cases through it would take most of a day. Here the rows built in plain Python
(rows.py, from a pool of pre-segmented sentences) are written with `executemany` (SQLite) or COPY
(PostgreSQL); with `fast=True` the secondary indexes and SQLite's full-text triggers are dropped for
the load and rebuilt once afterwards, which is much cheaper than maintaining them row by row.

`read_meta` / `write_meta` keep what a benchmark wants to know about the loaded ledger (size,
generator version, seed …) in a table of its own, so that a matching database is reused."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from .rows import generate, model_columns, pg_dt, sqlite_dt
from .world import World

META_TABLE = "minqing_bench_meta"


def read_meta() -> dict:
    """What the benchmark stored about the loaded ledger ({} if none)."""
    from django.db import connection

    if META_TABLE not in connection.introspection.table_names():
        return {}
    with connection.cursor() as cur:
        cur.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'ledger'")
        row = cur.fetchone()
    return json.loads(row[0]) if row else {}


def write_meta(meta: dict) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key varchar(40) PRIMARY KEY, value text NOT NULL)")
        cur.execute(f"DELETE FROM {META_TABLE} WHERE key = 'ledger'")
        cur.execute(f"INSERT INTO {META_TABLE} (key, value) VALUES ('ledger', %s)", [json.dumps(meta)])


def _sqlite_schema(cur) -> list[tuple[str, str, str]]:
    cur.execute("SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN ('ledger_case', 'ledger_voice') "
                "AND type IN ('index', 'trigger') AND sql IS NOT NULL")
    return cur.fetchall()


def _pg_indexes(cur) -> list[tuple[str, str]]:
    """Secondary indexes of the two big tables (not those behind a primary key or unique constraint)."""
    cur.execute("""SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x
                   JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
                   LEFT JOIN pg_constraint c ON c.conindid = i.oid
                   WHERE t.relname IN ('ledger_case', 'ledger_voice') AND c.oid IS NULL""")
    return cur.fetchall()


def load_ledger(world: World, total: int, *, fast: bool = True, chunk: int = 20000,
                log: Callable[[str], None] = lambda s: None) -> dict:
    """Append `total` generated cases (and one voice each) to the ledger; returns timings.

    fast=True (the benchmark's own database): drop the secondary indexes and SQLite's full-text
    triggers, load, recreate them, rebuild the FTS index once and ANALYZE. fast=False (inside a
    test's transaction): plain inserts with every index and trigger in place."""
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.db.models import Max

    from ...ledger.models import Case, CaseCounter, Voice

    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise RuntimeError(f"unsupported database {vendor}")
    phases: dict[str, float] = {}
    t0 = time.perf_counter()
    first_case = (Case.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    first_voice = (Voice.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    numbers = dict(CaseCounter.objects.values_list("year", "last"))
    (case_cols, _), (voice_cols, _) = model_columns()
    to_db = sqlite_dt if vendor == "sqlite" else pg_dt
    saved: list = []
    if fast:
        if connection.in_atomic_block:
            raise RuntimeError("fast load needs autocommit (not inside a transaction)")
        with connection.cursor() as cur:
            if vendor == "sqlite":
                saved = _sqlite_schema(cur)
                for kind, name, _sql in saved:
                    cur.execute(f'DROP {kind.upper()} IF EXISTS "{name}"')
                for pragma in ("journal_mode=DELETE", "synchronous=OFF", "cache_size=-1000000", "temp_store=MEMORY"):
                    cur.execute(f"PRAGMA {pragma}")
            else:
                saved = _pg_indexes(cur)
                for name, _sql in saved:
                    cur.execute(f'DROP INDEX IF EXISTS "{name}"')
    phases["drop indexes"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    done = 0
    case_sql = f"INSERT INTO ledger_case ({', '.join(case_cols)}) VALUES ({', '.join(['%s'] * len(case_cols))})"
    voice_sql = f"INSERT INTO ledger_voice ({', '.join(voice_cols)}) VALUES ({', '.join(['%s'] * len(voice_cols))})"
    rows = generate(world, total, to_db, chunk, first_case_id=first_case, first_voice_id=first_voice, numbers=numbers)
    for cases, voices in rows:
        with transaction.atomic(), connection.cursor() as cur:
            if vendor == "sqlite":
                cur.executemany(case_sql, cases)
                cur.executemany(voice_sql, voices)
            else:
                if fast:
                    cur.execute("SET LOCAL session_replication_role = replica")  # no FK trigger per row
                for table, cols, data in (("ledger_case", case_cols, cases), ("ledger_voice", voice_cols, voices)):
                    with cur.cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                        for row in data:
                            copy.write_row(row)
        done += len(cases)
        if done % 100000 < chunk or done == total:
            log(f"  {done:,}/{total:,} rows written ({time.perf_counter() - t1:.0f}s)")
    phases["write rows"] = time.perf_counter() - t1
    with transaction.atomic():
        for year, last in numbers.items():
            CaseCounter.objects.update_or_create(year=year, defaults={"last": last})
        with connection.cursor() as cur:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Case, Voice]):
                cur.execute(sql)
    if fast:
        t2 = time.perf_counter()
        with connection.cursor() as cur:
            if vendor == "sqlite":
                for kind, _name, sql in saved:
                    if kind == "index":
                        cur.execute(sql)
                phases["create indexes"] = time.perf_counter() - t2
                t3 = time.perf_counter()
                for kind, _name, sql in saved:
                    if kind == "trigger":
                        cur.execute(sql)
                cur.execute("INSERT INTO ledger_case_fts(ledger_case_fts) VALUES('rebuild')")
                phases["rebuild FTS"] = time.perf_counter() - t3
                t4 = time.perf_counter()
                cur.execute("ANALYZE")
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
                phases["ANALYZE"] = time.perf_counter() - t4
            else:
                cur.execute("SET maintenance_work_mem = '1GB'")
                for _name, sql in saved:
                    cur.execute(sql)
                phases["create indexes (incl. GIN)"] = time.perf_counter() - t2
                t4 = time.perf_counter()
                cur.execute("VACUUM ANALYZE ledger_case")
                cur.execute("VACUUM ANALYZE ledger_voice")
                phases["VACUUM ANALYZE"] = time.perf_counter() - t4
    elif vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    elif not connection.in_atomic_block:
        with connection.cursor() as cur:
            cur.execute("ANALYZE ledger_case")
            cur.execute("ANALYZE ledger_voice")
    seconds = time.perf_counter() - t0
    return {"cases": total, "seconds": seconds, "rows_per_s": total / seconds if seconds else 0.0, "phases": phases}
