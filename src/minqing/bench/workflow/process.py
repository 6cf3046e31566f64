"""One database × size N of the workflow benchmark, in its own process (the database is chosen by the
environment, as in production): the synthetic ledger of N cases across the demo county
(the generator in bench/_data/, loaded in bulk; reused when it matches), then (b) rates, (a) the scan
and (c) the worker, the last also with persistent connections when the database has none.

SQLite data under --data-dir (sqlite-<N>), PostgreSQL data in databases mqwf_<N> at --pg-url;
`_environment` is what the parent (driver.py) gives a child to select them."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from .._report import log
from ..ledger import _pg_admin, _pg_database_exists
from .rates import measure_rates
from .scan import measure_scan
from .worker import measure_worker

PG_PREFIX = "mqwf_"


# ------------------------------------------------------------------------------------ the ledger
def prepare(size: int, *, pool_size: int = 600, seed: int = 2026, fresh: bool = False, fast: bool = True,
            cache_dir: Path | None = None, varied: bool = False) -> dict:
    """The demo county with its staff, and `size` generated cases (reused when the stored ledger
    has the same size and seed). fast=False inserts with every index in place (inside a test)."""
    from ... import clock
    from ...ledger.models import Case
    from ...simulate import ensure_county
    from .. import _data

    ensure_county(out=log)  # units, leaders and handlers: escalations notify them
    _data.setup_county()
    want = {"size": size, "seed": seed, "version": _data.GENERATOR_VERSION}
    if varied or pool_size != 600:  # (ledgers stored before these two existed keep their meta)
        want |= {"pool": pool_size, "varied": "babble" if varied else False}
    meta = _data.read_meta() if fast else {}
    if not fresh and {k: meta.get(k) for k in want} == want and Case.objects.count() == size:
        log(f"reusing the ledger of {size:,} cases loaded {meta.get('loaded_at')} (--fresh to rebuild)")
        return meta.get("load", {}) | {"reused": True}
    if Case.objects.exists():
        raise RuntimeError("the benchmark database holds another ledger: run with --fresh")
    pool = _data.load_pool(pool_size, cache_dir, log=log)
    world = _data.build_world(pool, clock.now(), seed=seed, varied=varied)
    log(f"generating and loading {size:,} cases …")
    load = _data.load_ledger(world, size, fast=fast, log=log)
    log(f"loaded in {load['seconds']:.0f}s")
    if fast:
        _data.write_meta(want | {"loaded_at": clock.now().isoformat(timespec="seconds"), "load": load})
    return load | {"reused": False}


# ---------------------------------------------------------------------------------- processes
def _pg_name(size: int) -> str:
    name = f"{PG_PREFIX}{size}"
    assert name.startswith(PG_PREFIX) and not name.startswith("mqbench") and name not in ("test", "test_minqing")
    return name


def _environment(db: str, size: int, args) -> dict:
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "minqing.settings"
    if db == "sqlite":
        env.pop("MINQING_DATABASE_URL", None)
        env["MINQING_HOME"] = str(args.data_dir / f"sqlite-{size}")
    else:
        env["MINQING_DATABASE_URL"] = urlunparse(urlparse(args.pg_url)._replace(path="/" + _pg_name(size)))
        env["MINQING_HOME"] = str(args.data_dir / "pg-home")
    return env


def _reset(db: str, size: int, args) -> None:
    if db == "sqlite":
        for p in (args.data_dir / f"sqlite-{size}").glob("minqing.sqlite3*"):
            p.unlink()
    else:
        name = _pg_name(size)
        _pg_admin(args.pg_url, [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'])


def child(args) -> dict:
    import logging

    logging.getLogger("minqing.workflow.notify").setLevel(logging.WARNING)
    if args.fresh or (args.db == "postgresql" and not _pg_database_exists(args, _pg_name(args.size))):
        _reset(args.db, args.size, args)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from ... import clock

    call_command("migrate", verbosity=0)
    report = {"db": args.db, "size": args.size, "vendor": connection.vendor, "results": []}
    report["load"] = prepare(args.size, pool_size=args.pool, seed=args.seed, cache_dir=args.data_dir)
    now = clock.now()
    log(f"[{args.db} {args.size:,}] rates for every unit …")
    report["results"].append(measure_rates(now))
    log(f"[{args.db} {args.size:,}] deadline scan over {args.size:,} open cases …")
    report["results"].append(measure_scan(args.size, now))
    log(f"[{args.db} {args.size:,}] worker: {args.tasks} tasks …")
    report["results"].append(measure_worker(args.tasks))
    if connection.settings_dict.get("CONN_MAX_AGE", 0) != 60:
        report["results"].append(measure_worker(args.tasks, persistent=True))
    return report
