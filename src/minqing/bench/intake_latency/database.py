"""The benchmark's own database and the generated ledger in it (bench/_data: the demo county, real
sentences recombined, ~60% closed, categories following the texts): stored under --data-dir as
intake-sqlite-<size>, or in the PostgreSQL database mqintake_<size>, and reused while its size,
generator version and seed match. Also the trained category model, kept once under --data-dir for
every ledger of this benchmark, and the database's size on disk."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from .._report import log

BENCH_KIND = "intake_latency"


def prepare_ledger(args) -> dict:
    """Generate (or reuse) the ledger in the current database; returns the load report."""
    from django.db import connection

    from ...clock import now
    from ...ledger.models import Case
    from .. import _data
    from ..dedup.background import generated_ledger

    meta = _data.read_meta()
    want = {"size": args.size, "version": _data.GENERATOR_VERSION, "seed": args.seed, "bench": BENCH_KIND,
            "topics": True}  # categories follow the texts (World.topics)
    if not args.fresh and {k: meta.get(k) for k in want} == want and Case.objects.count() == args.size:
        log(f"reusing the ledger of {args.size:,} cases loaded {meta.get('loaded_at')} (--fresh to rebuild)")
        return (meta.get("load") or {}) | {"reused": True}
    if Case.objects.exists() or meta:
        log("the stored ledger does not match: rebuilding")
        connection.close()
        reset_database(args)
        _migrate()
    _data.setup_county()
    pool = _data.load_pool(args.pool, args.data_dir, log=log)
    world = _data.build_world(pool, now(), seed=args.seed, topics=_data.pool_topics(pool))
    log(f"generating and loading {args.size:,} cases …")
    load = generated_ledger(world, args.size, fast=True, progress=log)
    log(f"loaded in {load['seconds']:.0f}s: " + ", ".join(f"{k} {v:.1f}s" for k, v in load["phases"].items()))
    _data.write_meta(want | {"loaded_at": now().isoformat(timespec="seconds"), "load": load})
    return load | {"reused": False}


def _home(args) -> Path:
    return args.data_dir / (f"intake-sqlite-{args.size}" if args.db == "sqlite" else "intake-pg-home")


def _pg_name(args) -> str:
    name = f"mqintake_{args.size}"
    assert not name.startswith("mqbench") and name not in ("test", "test_minqing")
    return name


def reset_database(args) -> None:
    if args.db == "sqlite":
        for p in _home(args).glob("minqing.sqlite3*"):
            p.unlink()
    else:
        from ..ledger import _pg_admin

        _pg_admin(args.pg_url, [f'DROP DATABASE IF EXISTS "{_pg_name(args)}" WITH (FORCE)',
                                f'CREATE DATABASE "{_pg_name(args)}"'])


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def configure(args) -> None:
    """Select our own database through the environment (as production does), then set Django up."""
    home = _home(args)
    home.mkdir(parents=True, exist_ok=True)
    os.environ["MINQING_HOME"] = str(home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")
    if args.db == "sqlite":
        os.environ.pop("MINQING_DATABASE_URL", None)
        if args.fresh:
            reset_database(args)
    else:
        import psycopg

        u = urlparse(args.pg_url)
        with psycopg.connect(urlunparse(u._replace(path="/postgres")), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [_pg_name(args)]).fetchone()
        if args.fresh or not exists:
            reset_database(args)
        os.environ["MINQING_DATABASE_URL"] = urlunparse(u._replace(path="/" + _pg_name(args)))
    # One trained model for every ledger of this benchmark: training takes ~30 s, loading ~0.3 s.
    from ...text.classify import VERSION

    shared = args.data_dir / "intake-models" / f"category-{VERSION}.joblib"
    mine = home / "models" / shared.name
    if shared.exists() and not mine.exists():
        mine.parent.mkdir(parents=True, exist_ok=True)
        for suffix in (".joblib", ".json"):
            src = shared.with_suffix(suffix)
            if src.exists():
                shutil.copy2(src, mine.with_suffix(suffix))
    import django

    django.setup()
    _migrate()


def keep_model(args) -> None:
    from ...text.classify import default_path

    path = default_path()
    shared = args.data_dir / "intake-models" / path.name
    if path.exists() and not shared.exists():
        shared.parent.mkdir(parents=True, exist_ok=True)
        for suffix in (".joblib", ".json"):
            if path.with_suffix(suffix).exists():
                shutil.copy2(path.with_suffix(suffix), shared.with_suffix(suffix))


def index_size() -> dict:
    """On-disk size of the full-text index and of the whole database (MB)."""
    from django.db import connection

    out = {}
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("PRAGMA page_size")
            page = cur.fetchone()[0]
            cur.execute("PRAGMA page_count")
            out["database_mb"] = cur.fetchone()[0] * page / 2**20
            try:
                cur.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'ledger_case_fts%'")
                out["fts_index_mb"] = (cur.fetchone()[0] or 0) / 2**20
            except Exception:  # dbstat is a compile-time option of SQLite
                out["fts_index_mb"] = None
        else:
            cur.execute("SELECT pg_database_size(current_database()), "
                        "COALESCE(pg_relation_size('ledger_case_search_tsv_gin'), 0)")
            db, gin = cur.fetchone()
            out["database_mb"], out["fts_index_mb"] = db / 2**20, gin / 2**20
    return out
