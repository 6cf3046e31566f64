"""One database × size of the ledger benchmark, in its own process (the database is chosen by the
environment, as in production): load the generated ledger or reuse it, then measure.

SQLite data lives under --data-dir (sqlite-<size>), PostgreSQL data in databases mqbench_<size> at
--pg-url; `_environment` is what the parent (driver.py) gives a child to select them. A ledger is
reused when its size, seed and generator version match; --fresh rebuilds it. Size 0 is the empty
ledger, for the import rate alone. The PostgreSQL helpers here serve the other benchmarks too."""

from __future__ import annotations

import math
import os
from urllib.parse import urlparse, urlunparse

from .._report import log
from .imports import measure_import
from .lists import run_suite, search_variants


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

    from ...clock import now
    from ...ledger.models import Case
    from .. import _data

    call_command("migrate", verbosity=0)
    report = {"db": db, "size": size, "vendor": connection.vendor, "results": []}
    if size == 0:  # the empty ledger: the import rate only
        _data.setup_county()
        entries = measure_import(args.import_rows or None, where="empty ledger", data_dir=args.data_dir,
                                 log=lambda line: log(f"[{db} import]{line}"))
        report["results"] += entries if isinstance(entries, list) else [entries]
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

    from ...ledger.models import Case, Voice
    from ...ledger.queries import overdue_q

    total = Case.objects.count()
    by_status = dict(Case.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {"cases": total, "voices": Voice.objects.count(), "by_status": by_status,
            "closed_share": by_status.get("closed", 0) / total if total else 0.0,
            "overdue": Case.objects.filter(overdue_q()).count()}
