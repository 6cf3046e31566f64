"""A city's consultation through the worker (issue 19): `python -m minqing.bench consult_scale`.

100,000 participants and 2,000 statements (each participant voting on 20–40 of them: ~3,000,000 votes,
planted opinion groups as in `bench consult`) are written into a fresh database (PostgreSQL by default,
`--db sqlite` for the default one) and its statistics gathered (VACUUM ANALYZE, as autovacuum would). Then, in a process of its own so that its memory is the worker's
alone, the worker's job `consult_groups` runs once: it reads every vote, groups them and stores the
result. Reported: its wall-clock time and the process's peak memory (max RSS) against the targets
(60 s, 2 GB), the groups found against the planted ones (adjusted Rand index), and the time the results
page and `GET /api/consultations/{id}/groups` take to read the stored result."""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

TARGET_S, TARGET_GB = 60.0, 2.0
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
DB_NAME = "mqbench_consult"


def _env(args) -> dict:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="minqing.settings", MINQING_HOME=str(args.home))
    if args.db == "postgresql":
        env["MINQING_DATABASE_URL"] = urlunparse(urlparse(args.pg_url)._replace(path="/" + DB_NAME))
    else:
        env.pop("MINQING_DATABASE_URL", None)
    return env


def _reset(args) -> None:
    if args.db == "postgresql":
        import psycopg

        with psycopg.connect(urlunparse(urlparse(args.pg_url)._replace(path="/postgres")), autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
            c.execute(f'CREATE DATABASE "{DB_NAME}"')


def load(args) -> dict:
    """Child: migrate, the county, one consultation with its statements, participants and votes."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from ..consult.models import Consultation, Participant, Statement, Vote
    from ..ledger.inserts import insert_objects
    from ..org.models import Unit
    from . import _data
    from .consult import planted

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)  # the rate limits' counters (as `minqing migrate` makes it)
    _data.setup_county()
    p = planted(4, args.participants, args.statements, seed=0, low=args.low, high=args.high)
    unit = Unit.objects.get(code="QS")
    with transaction.atomic():
        c = Consultation.objects.create(unit=unit, unit_path=unit.path, title="全城征求意见（基准）", text="基准")
        statements = [Statement(consultation=c, seq=j + 1, text=f"观点{j + 1}", status="approved")
                      for j in range(args.statements)]
        insert_objects(statements)
        people = [Participant(consultation=c, code=f"p{i}") for i in range(args.participants)]
        insert_objects(people)
        sid, pid = [s.pk for s in statements], {f"p{i}": x.pk for i, x in enumerate(people)}
        now = c.created_at
        rows = [(c.pk, pid[code], sid[j], value, "api", None, now) for code, j, value in p.votes]
        columns = ["consultation_id", "participant_id", "statement_id", "value", "source", "recorded_by_id",
                   "updated_at"]
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                with cur.cursor.copy(f"COPY {Vote._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cur.executemany(f"INSERT INTO {Vote._meta.db_table} ({', '.join(columns)}) VALUES "
                                f"({', '.join(['%s'] * len(columns))})", rows)
    with connection.cursor() as cur:  # what autovacuum does after a load this size, before anyone reads it
        cur.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return {"consultation": c.pk, "votes": len(rows), "truth": [int(t) for t in p.truth]}


def work(args) -> dict:
    """Child: the worker's job once, then the pages that read its result."""
    import django

    django.setup()
    from django.test import Client

    from ..consult.models import GroupingResult
    from ..worker.tasks import consult_groups

    started = time.perf_counter()
    done = consult_groups.call()
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # kB → GB
    stored = GroupingResult.objects.get(consultation_id=args.consultation)
    data = stored.data
    labels = {p: g["id"] for g in data["groups"] for p in g["participants"]}
    reads = {}
    client = Client()
    for name, url in (("results page", f"/consult/{args.consultation}/results/"),
                      ("API groups (public)", f"/api/consultations/{args.consultation}/groups")):
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            r = client.get(url)
            times.append(time.perf_counter() - t0)
            assert r.status_code == 200, (url, r.status_code)
        reads[name] = {"median_ms": sorted(times)[2] * 1000, "bytes": len(r.content)}
    return {"done": done, "seconds": seconds, "peak_gb": peak, "groups": [g["size"] for g in data["groups"]],
            "participants": data["participants"], "stored_mb": len(json.dumps(data)) / 2**20,
            "labels": labels, "reads": reads}


def _child(args, what: str, extra: list[str] = ()) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = [sys.executable, "-m", "minqing.bench", "consult_scale", "--child", what, "--out", out.name,
               "--db", args.db, "--pg-url", args.pg_url, "--home", str(args.home),
               "--participants", str(args.participants), "--statements", str(args.statements),
               "--low", str(args.low), "--high", str(args.high), *extra]
        subprocess.run(cmd, check=True, env=_env(args))
        return json.loads(Path(out.name).read_text(encoding="utf-8"))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m minqing.bench consult_scale")
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--statements", type=int, default=2000)
    parser.add_argument("--low", type=float, default=0.01, help="share of the statements a participant votes on, from")
    parser.add_argument("--high", type=float, default=0.02, help="… to")
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--pg-url", default=os.environ.get("MINQING_BENCH_PG_URL", PG_URL))
    parser.add_argument("--home", type=Path, default=Path(tempfile.gettempdir()) / "minqing-bench" / "consult")
    parser.add_argument("--quick", action="store_true", help="5,000 participants × 200 statements (a smoke run)")
    parser.add_argument("--child", choices=["load", "work"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--consultation", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.participants, args.statements, args.low, args.high = 5000, 200, 0.1, 0.2
    if args.child:
        result = load(args) if args.child == "load" else work(args)
        Path(args.out).write_text(json.dumps(result), encoding="utf-8")
        return
    args.home.mkdir(parents=True, exist_ok=True)
    for p in args.home.glob("minqing.sqlite3*"):
        p.unlink()
    _reset(args)
    t0 = time.perf_counter()
    loaded = _child(args, "load")
    print(f"{args.db}: consultation of {args.participants:,} participants × {args.statements:,} statements, "
          f"{loaded['votes']:,} votes written in {time.perf_counter() - t0:.0f} s")
    r = _child(args, "work", ["--consultation", str(loaded["consultation"])])
    from sklearn.metrics import adjusted_rand_score

    truth = loaded["truth"]
    found = [r["labels"].get(f"p{i}", -1 - i) for i in range(len(truth))]
    ok_s, ok_gb = r["seconds"] <= TARGET_S, r["peak_gb"] <= TARGET_GB
    print(f"worker job consult_groups (read {loaded['votes']:,} votes, group, store): {r['seconds']:.1f} s "
          f"(target ≤ {TARGET_S:.0f} s: {'PASS' if ok_s else 'FAIL'}); peak memory of the worker process "
          f"{r['peak_gb']:.2f} GB (target ≤ {TARGET_GB:.0f} GB: {'PASS' if ok_gb else 'FAIL'})")
    print(f"groups {r['groups']} over {r['participants']:,} participants (planted: 4, the last a 10% minority); "
          f"adjusted Rand index against the planted groups {adjusted_rand_score(truth, found):.3f}; "
          f"stored result {r['stored_mb']:.1f} MB")
    for name, x in r["reads"].items():
        print(f"{name} reading the stored result: median {x['median_ms']:.0f} ms of 5, {x['bytes'] / 1024:.0f} KB")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
