"""`python -m minqing.bench load` — a city's peak hour against real `minqing serve` nodes (issue 19).

    python -m minqing.bench load [--nodes 1,2] [--users 10,20,40,80] [--step-seconds 60] [--pg-url URL] [--keep|--reuse]

One PostgreSQL database (`mqload` at --pg-url) gets the demo county (`minqing migrate`, `minqing demo`, every
category set to dispatch itself at confidence ≥ 0.3); then for each layout — N web nodes (`minqing serve`,
MINQING_WEB_WORKERS processes each) and N workers (`minqing worker`) on loopback, one MINQING_HOME each and
one shared MINQING_MEDIA_ROOT — locust (bench/load/users.py: citizens submit and track, staff list, search,
open and write on cases, leaders read dashboards, a consultation takes votes) runs in steps of more and
more simulated users, each for --step-seconds, until a request fails or a step's p99 passes 2 s (the
highest rate with p99 < 500 ms and no failure is then read from the steps).
Printed per step: requests/s, median and p99, failures, CPU seconds per request of the web nodes, the
workers, PostgreSQL and locust, and the dispatch delay (voice received → case dispatched by the
auto-dispatch rule). Bounded: at most len(--users) steps per layout, each --step-seconds long."""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from .._report import log

try:
    import psutil  # comes with locust: pip install -e '.[load]'
except ImportError:  # pragma: no cover
    psutil = None

USERS_FILE = Path(__file__).with_name("users.py")
P99_LIMIT = 500.0
PREPARE = """
import json, django
django.setup()
from minqing.ledger.models import Category
from minqing.org.models import Level, Unit
Category.objects.filter(level=1).update(auto_dispatch_at=0.3)
print(json.dumps([u.code for u in Unit.objects.filter(level=Level.VILLAGE)]))
"""


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m minqing.bench load", description=__doc__.split("\n")[0])
    p.add_argument("--nodes", default="1,2", help="layouts: web nodes (= workers) each, comma-separated")
    p.add_argument("--users", default="10,20,40,80", help="simulated users per step, comma-separated")
    p.add_argument("--step-seconds", type=int, default=60)
    p.add_argument("--web-workers", type=int, default=2, help="gunicorn processes per node (MINQING_WEB_WORKERS)")
    p.add_argument("--pg-url", default=os.environ.get("MINQING_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--data-dir", type=Path, default=None, help="homes and logs (default: a temporary folder)")
    p.add_argument("--keep", action="store_true", help="keep the database mqload afterwards")
    p.add_argument("--reuse", action="store_true", help="use the database mqload kept by an earlier --keep run")
    return p.parse_args(argv)


def _db(url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def _sql(url: str, query: str, *params):
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else []


class Site:
    """The database, a shared media folder, and the nodes' processes."""

    def __init__(self, args, root: Path):
        self.args, self.root = args, root
        self.url = _db(args.pg_url, "mqload")
        (root / "media").mkdir(parents=True, exist_ok=True)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("MINQING_")} | {
            "MINQING_DATABASE_URL": self.url, "MINQING_MEDIA_ROOT": str(root / "media"),
            "MINQING_SECRET_KEY": "load-" + "k" * 60, "MINQING_AUDIT_KEY": "a" * 64, "MINQING_RATE_LIMITS": "0",
            "MINQING_LOCKOUT": "0", "MINQING_WEB_WORKERS": str(args.web_workers), "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "minqing.settings"}
        self.procs: list[subprocess.Popen] = []

    def node_env(self, i: int) -> dict:
        home = self.root / f"node{i}"
        home.mkdir(exist_ok=True)
        return {**self.env, "MINQING_HOME": str(home)}

    def prepare(self) -> list[str]:
        admin = _db(self.args.pg_url, "postgres")
        if not (self.args.reuse and _sql(admin, "SELECT 1 FROM pg_database WHERE datname = 'mqload'")):
            _sql(admin, 'DROP DATABASE IF EXISTS "mqload" WITH (FORCE)')
            _sql(admin, 'CREATE DATABASE "mqload"')
        for cmd in (["migrate"], ["demo"]):  # the demo: only into an empty database
            log(f"minqing {cmd[0]} …")
            done = subprocess.run([sys.executable, "-m", "minqing.cli", *cmd], env=self.node_env(0),
                                  capture_output=True, text=True, timeout=1800)
            if done.returncode:
                raise SystemExit(done.stdout + done.stderr)
        done = subprocess.run([sys.executable, "-c", PREPARE], env=self.node_env(0), capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(done.stderr)
        return json.loads(done.stdout.strip().splitlines()[-1])

    def start(self, i: int, *cmd) -> subprocess.Popen:
        out = open(self.root / f"{cmd[0]}-{i}-{len(self.procs)}.log", "wb")  # noqa: SIM115 - the process's log
        proc = subprocess.Popen([sys.executable, "-m", "minqing.cli", *cmd], env=self.node_env(i), stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in self.procs:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs = []


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/units", timeout=5) as r:
            return r.status == 200
    except OSError:
        return False


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _family(pid: int) -> list[psutil.Process]:
    try:
        p = psutil.Process(pid)
        return [p, *p.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _cpu(procs: list[psutil.Process]) -> dict[int, float]:
    out = {}
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            t = p.cpu_times()
            out[p.pid] = t.user + t.system  # each process on its own: no children_* (counted twice once reaped)
    return out


def _postgres(url: str) -> list[psutil.Process]:
    """The backends serving the benchmark's database (other databases of the same server are not ours)."""
    out = []
    for (pid,) in _sql(url, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                            "AND pid <> pg_backend_pid()"):
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            out.append(psutil.Process(pid))
    return out


def run_step(site: Site, ports: list[int], units: list[str], users: int, groups: dict, seconds: int = 0) -> dict:
    seconds = seconds or site.args.step_seconds
    prefix = site.root / f"step-{len(ports)}n-{users}u-{seconds}s"
    env = {**site.env, "LOAD_HOSTS": ",".join(f"http://127.0.0.1:{p}" for p in ports), "LOAD_UNITS": ",".join(units)}
    since = _sql(site.url, "SELECT now()")[0][0]
    procs = {name: [q for pid in pids for q in _family(pid)] for name, pids in groups.items()}
    procs["postgres"] = _postgres(site.url)
    before = {name: _cpu(ps) for name, ps in procs.items()}
    locust = subprocess.Popen([sys.executable, "-m", "locust", "-f", str(USERS_FILE), "--headless", "-u", str(users),
                               "-r", str(max(1, users // 5)), "-t", f"{seconds}s", "--csv", str(prefix),
                               "--only-summary", "--stop-timeout", "5"], env=env, stdout=subprocess.DEVNULL,
                              stderr=open(f"{prefix}.log", "wb"))  # noqa: SIM115
    procs["locust"] = _family(locust.pid)
    before["locust"] = _cpu(procs["locust"])
    after_locust: dict = {}
    while locust.poll() is None:
        after_locust = _cpu(procs["locust"]) or after_locust  # its own figures, read while it still runs
        time.sleep(1)
    procs = {name: [q for pid in pids for q in _family(pid)] for name, pids in groups.items()}  # again: new
    procs["postgres"] = _postgres(site.url)  # backends and gunicorn workers started during the step count too
    after = {name: _cpu(ps) for name, ps in procs.items()} | {"locust": after_locust}
    with open(f"{prefix}_stats.csv", newline="") as f:
        total = next(r for r in csv.DictReader(f) if r["Name"] == "Aggregated")
    n = int(total["Request Count"])
    cpu = {name: sum(t - before[name].get(pid, 0.0) for pid, t in after[name].items()) for name in before}
    delay = _sql(site.url, "SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY s), "
                 "percentile_cont(0.99) WITHIN GROUP (ORDER BY s) FROM (SELECT extract(epoch FROM e.at - c.received_at) s "
                 "FROM ledger_case c JOIN ledger_caseevent e ON e.case_id = c.id AND e.action = 'dispatch' "
                 "WHERE c.received_at >= %s) d", since)[0]
    voices = _sql(site.url, "SELECT count(*) FROM ledger_case WHERE received_at >= %s", since)[0][0]
    return {"nodes": len(ports), "users": users, "requests": n, "failures": int(total["Failure Count"]),
            "rps": float(total["Requests/s"]), "p50": float(total["50%"]), "p99": float(total["99%"]),
            "voices": voices, "auto_dispatched": delay[0], "dispatch_p50": float(delay[1] or 0),
            "dispatch_p99": float(delay[2] or 0), "cpu_per_request_ms": {k: round(1000 * v / max(n, 1), 1) for k, v in cpu.items()},
            "cpu_share": {k: round(v / seconds / (os.cpu_count() or 1), 2) for k, v in cpu.items()}}


def run_layout(site: Site, n: int, units: list[str]) -> list[dict]:
    ports = [_free_port() for _ in range(n)]
    web = [site.start(i, "serve", "--port", str(p)) for i, p in enumerate(ports)]
    workers = [site.start(i, "worker") for i in range(n)]
    deadline = time.monotonic() + 300
    while not all(_answers(p) for p in ports):
        if time.monotonic() > deadline or any(p.poll() is not None for p in web):
            raise SystemExit(f"the nodes did not start: see {site.root}")
        time.sleep(1)
    rows = []
    try:
        log(f"{n} node(s): warming up (every kind of request through every process, not measured) …")
        run_step(site, ports, units, 2 * n * site.args.web_workers, {"web": [], "workers": []}, seconds=20)
        for users in [int(u) for u in site.args.users.split(",")]:
            row = run_step(site, ports, units, users, {"web": [p.pid for p in web], "workers": [p.pid for p in workers]})
            rows.append(row)
            log(f"{n} node(s), {users} users: {row['rps']:.1f} req/s, p50 {row['p50']:.0f} ms, p99 {row['p99']:.0f} ms, "
                f"{row['failures']} failed; dispatch p99 {row['dispatch_p99']:.2f}s; CPU ms/request {row['cpu_per_request_ms']}")
            if row["failures"] or row["p99"] >= 4 * P99_LIMIT:
                break  # saturated: the next step would only be worse
    finally:
        site.stop_all()
    return rows


def report(rows: list[dict], args) -> None:
    print(f"\nload benchmark: {args.step_seconds} s per step, {args.web_workers} gunicorn processes per node, "
          f"{os.cpu_count()} CPUs")
    print("| nodes + workers | users | req/s | p50 ms | p99 ms | failed | voices | auto-dispatched | dispatch delay p50 / p99 "
          "| CPU ms/req web / workers / PostgreSQL / locust | CPU share (of all cores) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        c, s = r["cpu_per_request_ms"], r["cpu_share"]
        print(f"| {r['nodes']} + {r['nodes']} | {r['users']} | {r['rps']:.1f} | {r['p50']:.0f} | {r['p99']:.0f} | "
              f"{r['failures']} | {r['voices']} | {r['auto_dispatched']} | {r['dispatch_p50']:.2f} s / {r['dispatch_p99']:.2f} s | "
              f"{c.get('web', 0)} / {c.get('workers', 0)} / {c.get('postgres', 0)} / {c.get('locust', 0)} | "
              f"{s.get('web', 0)} / {s.get('workers', 0)} / {s.get('postgres', 0)} / {s.get('locust', 0)} |")
    for n in sorted({r["nodes"] for r in rows}):
        ok = [r for r in rows if r["nodes"] == n and not r["failures"] and r["p99"] < P99_LIMIT]
        best = max(ok, key=lambda r: r["rps"]) if ok else None
        print(f"{n} node(s): highest rate held with p99 < {P99_LIMIT:.0f} ms and 0 failures: "
              + (f"{best['rps']:.1f} req/s ({best['users']} users)" if best else "none of the steps"))


def main(argv) -> None:
    args = parse(argv)
    if psutil is None or subprocess.run([sys.executable, "-m", "locust", "--version"], capture_output=True).returncode:
        raise SystemExit("the load benchmark drives locust: pip install -e '.[load]'")
    with tempfile.TemporaryDirectory(prefix="mqload-") as tmp:
        root = args.data_dir or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        site = Site(args, root)
        units = site.prepare()
        rows = []
        try:
            for n in [int(x) for x in args.nodes.split(",")]:
                rows += run_layout(site, n, units)
        finally:
            site.stop_all()
            if not args.keep:
                _sql(_db(args.pg_url, "postgres"), 'DROP DATABASE IF EXISTS "mqload" WITH (FORCE)')
        report(rows, args)
        (root / "load.json").write_text(json.dumps(rows, indent=1))
