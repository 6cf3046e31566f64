"""One size N of the insight benchmark, in its own process on a synthetic ledger of N cases
(the generator in bench/_data/, 540 days, loaded once and reused; see bench/workflow's `prepare`), with
the demo county's users, measuring (3) planted.py and (4), (5) dashboard.py — those of `--only` —
inside a transaction that is rolled back, so the ledger stays as loaded.

The background is made from every real message of ../shared/data (POOL); the same real complaint then
recurs ~140 times per million cases, at random places and times, so some warnings that match no planted
event are true by the rules' own definitions. `--background varied` writes every background text anew,
word by word (bench/_data.Babbler: a word-bigram chain over the real messages), so that nothing recurs
and every warning that matches no planted event is a false alarm. Each size and background has its
own SQLite folder under --data-dir or PostgreSQL database mqinsight_<N>[_varied] at --pg-url;
`_environment` is what the parent (driver.py) gives a child to select it."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from .._report import log
from .dashboard import measure_dashboard, measure_rebuild
from .planted import measure_warnings

POOL = 20_000  # real messages the background is made of: all of them (7,220 in ../shared/data)


# -------------------------------------------------------------------------------- the processes
def child(args) -> dict:
    import logging

    logging.getLogger("minqing.workflow.notify").setLevel(logging.WARNING)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from ... import clock
    from ..workflow import prepare

    call_command("migrate", verbosity=0)
    load = prepare(args.size, fresh=args.fresh, cache_dir=args.data_dir, pool_size=POOL,
                   varied=args.background == "varied")
    from ...demo.county import DEMO_USERS
    from ...org.models import User
    from ...org.services import create_user

    for username, role, unit, password, label in DEMO_USERS:
        if not User.objects.filter(username=username).exists():
            create_user(username, password, role, unit, label)
    report = {"size": args.size, "vendor": connection.vendor, "background": args.background, "load": load,
              "results": []}
    now = clock.now()

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            if "warnings" in args.only:
                log(f"[{args.size:,}] planting events and scanning every {args.step_hours} h over {args.days} days …")
                report["results"].append(measure_warnings(now, args.days, args.step_hours))
            if "rebuild" in args.only:
                log(f"[{args.size:,}] full hotspot rebuild …")
                report["results"].append(measure_rebuild(now))
            if "dashboard" in args.only:
                log(f"[{args.size:,}] dashboard views …")
                report["results"] += measure_dashboard(args.samples)
            raise Rollback
    except Rollback:
        pass
    return report


def _environment(args, size: int) -> dict:
    """The child's database: its own SQLite folder or PostgreSQL database per size and background."""
    name = f"{size}" + ("-varied" if args.background == "varied" else "")
    env = dict(os.environ)
    if args.db == "sqlite":
        env.pop("MINQING_DATABASE_URL", None)
        env["MINQING_HOME"] = str(args.data_dir / f"sqlite-{name}")
    else:
        from ..ledger import _pg_admin, _pg_database_exists

        db = "mqinsight_" + name.replace("-", "_")
        if args.fresh or not _pg_database_exists(args, db):
            _pg_admin(args.pg_url, [f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)', f'CREATE DATABASE "{db}"'])
        env["MINQING_DATABASE_URL"] = urlunparse(urlparse(args.pg_url)._replace(path="/" + db))
        env["MINQING_HOME"] = str(args.data_dir / "pg-home")
    Path(env["MINQING_HOME"]).mkdir(parents=True, exist_ok=True)
    return env
