"""Tools for tests/test_faults.py: an installation of minqing in a folder (and, on PostgreSQL, a database)
of its own, run as the real commands in processes of their own; reading its database from outside; fault
points that stop a process at an exact place (in the middle of a transaction) so that the test can kill it
there; waiting for conditions with generous time-outs (never asserting how long anything took)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PW = "pw-faults-2026"
STATEMENTS = 20
SMS = 6  # pending messages in every installation

SEED = """
import json, django
django.setup()
from django.core.management import call_command
from minqing.cli import migrate
from minqing.consult import services as consult
from minqing.org.models import ApiToken
from minqing.org.services import add_unit, create_user
from minqing.workflow import notify
migrate()
call_command("collectstatic", interactive=False, verbosity=0)
add_unit("C", "测试县", "county")
add_unit("T1", "一镇", "township", "C")
add_unit("VA", "甲村", "village", "T1")
disp = create_user("disp", %(pw)r, "dispatcher", "C")
c = consult.create(disp, {"title": "村道硬化方案", "text": "拟对甲村主干道进行硬化，请大家提意见。", "unit": "T1",
                          "statements": [f"第{i + 1}条意见：施工期间要保证通行" for i in range(%(statements)d)]})
for i in range(%(sms)d):
    notify.queue(f"fault:{i}", "sms", "dispatch", f"【民情】测试消息{i + 1}", address=f"1380000000{i}")
print(json.dumps({"token": ApiToken.issue(disp), "consultation": c.id,
                  "statements": list(c.statements.values_list("id", flat=True))}))
"""

# Loaded by every Python process a test starts (PYTHONPATH): stops the process at a fault point, once.
SITECUSTOMIZE = '''
import importlib.abc, importlib.util, os, sys, time

POINT = os.environ.get("MINQING_FAULT_POINT", "")
MARK = os.environ.get("MINQING_FAULT_MARK", "")


def _stop_here(what):
    if os.path.exists(MARK):  # fired already (the restarted server must run through)
        return
    with open(MARK, "a") as f:
        f.write(f"{os.getpid()} {what}\\n")
        f.flush()
        os.fsync(f.fileno())
    while True:  # in the middle of the transaction, until the test kills this process
        time.sleep(60)


def _patch(module):
    if POINT == "vote-batch":
        bulk_create = module.QuerySet.bulk_create

        def patched(self, objs, *a, **kw):
            out = bulk_create(self, objs, *a, **kw)
            if self.model._meta.label == "consult.Vote":
                _stop_here(f"votes {len(out)}")
            return out
        module.QuerySet.bulk_create = patched
    elif POINT == "import-batch":
        write_drafts = module.write_drafts

        def patched(*a, **kw):
            cases = write_drafts(*a, **kw)
            _stop_here(f"batch of {len(cases)} cases written, the file's transaction open")
            return cases
        module.write_drafts = patched


class _After(importlib.abc.MetaPathFinder):
    def __init__(self, name):
        self.name = name

    def find_spec(self, fullname, path, target=None):
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            _patch(module)
        spec.loader.exec_module = exec_module
        return spec


TARGET = {"vote-batch": "django.db.models.query"}.get(POINT) or (
    "minqing.intake.bulk" if POINT == "import-batch" else "")
if TARGET and MARK:
    sys.meta_path.insert(0, _After(TARGET))
'''

# MINQING_SMS_BACKEND=fault_gateway.Gateway: records every hand-over; the HOLD_AT-th one never returns.
GATEWAY = '''
import os, time


class Gateway:  # no `idempotent`: a message handed over twice would reach the phone twice
    def send(self, number, text):
        log = os.environ["FAULT_GATEWAY_LOG"]
        with open(log, "a") as f:
            f.write(f"{os.getpid()}\\t{number}\\t{text}\\n")
            f.flush()
            os.fsync(f.fileno())
        with open(log) as f:
            count = sum(1 for _ in f)
        if count == int(os.environ.get("FAULT_GATEWAY_HOLD_AT", "0")):
            while True:  # the gateway has the message; the worker never hears back
                time.sleep(60)
'''


def wait_for(condition, what: str, timeout: float = 120.0, every: float = 0.2):
    """Poll `condition` until it returns something true, and return that; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for: {what}")
        time.sleep(every)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


class Installation:
    """A folder (MINQING_HOME) and a database, seeded; `start(...)` runs a `minqing` command there."""

    def __init__(self, home: Path, env: dict, seed: dict):
        self.home, self.env, self.seed = home, env, seed
        self.procs: list[tuple[subprocess.Popen, Path]] = []
        self.faults = home.parent / "faults"
        self.faults.mkdir(exist_ok=True)
        (self.faults / "sitecustomize.py").write_text(SITECUSTOMIZE)
        (self.faults / "fault_gateway.py").write_text(GATEWAY)
        self.env["PYTHONPATH"] = os.pathsep.join([str(self.faults), str(ROOT / "src")])

    # ---- processes
    def start(self, *args, **env) -> tuple[subprocess.Popen, Path]:
        log = self.home.parent / f"{args[0]}-{len(self.procs)}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen([sys.executable, "-m", "minqing.cli", *args], env={**self.env, **env},
                                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append((proc, log))
        return proc, log

    def run(self, *args, timeout: float = 300, **env) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "minqing.cli", *args], env={**self.env, **env},
                              capture_output=True, text=True, timeout=timeout)

    def stop(self, proc: subprocess.Popen, timeout: float = 120) -> int:
        """SIGTERM, as an operator or systemd would; the supervisor must stop its children and exit."""
        family = descendants(proc.pid)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout)
        wait_for(lambda: not any(alive(p) for p in family), "every child of the supervisor gone", timeout)
        return code

    def close(self) -> None:
        for proc, _ in self.procs:  # whatever a failed test left running
            if proc.poll() is None:
                family = descendants(proc.pid)
                proc.kill()
                proc.wait(30)
                for pid in family:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)

    # ---- the database, read from outside
    def sql(self, query: str, *params) -> list[tuple]:
        url = self.env.get("MINQING_DATABASE_URL")
        if url:
            import psycopg

            with psycopg.connect(url, autocommit=True) as conn:
                return conn.execute(query, params).fetchall()
        with contextlib.closing(sqlite3.connect(self.home / "minqing.sqlite3", timeout=60)) as conn:
            return conn.execute(query.replace("%s", "?"), params).fetchall()

    def count(self, table: str, where: str = "1=1", *params) -> int:
        return self.sql(f"SELECT count(*) FROM {table} WHERE {where}", *params)[0][0]

    # ---- HTTP
    def http(self, port: int, method: str, path: str, body=None, token: str | None = None,
             content_type: str = "application/json", timeout: float = 120) -> tuple[int, dict | str]:
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", content_type)
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode(errors="replace")

    def answers(self, port: int) -> bool:
        try:
            return self.http(port, "GET", "/api/units", timeout=10)[0] == 200
        except OSError:
            return False


def multipart(field: str, name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n"
            f"Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n").encode() \
        + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


# ---- the installations: one seeded template per test module, a copy per test
def pg_admin(url: str):
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(url)
    params["dbname"] = "postgres"
    return psycopg.connect(make_conninfo(**params), autocommit=True)


def with_db(url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def build_template(folder: Path, pg_url: str | None, model: Path) -> tuple[Path, dict, dict]:
    home = folder / "home"
    (home / "models").mkdir(parents=True)
    shutil.copy(model, home / "models" / model.name)  # the category model, trained once (not 9 s a test)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINQING_")}
    env |= {"MINQING_HOME": str(home), "DJANGO_SETTINGS_MODULE": "minqing.settings",
            "PYTHONPATH": str(ROOT / "src"), "MINQING_RATE_LIMITS": "0", "MINQING_WEB_WORKERS": "1",
            "MINQING_STOP_GRACE": "20", "PYTHONUNBUFFERED": "1",
            "MINQING_WARM_UP": "0"}  # the first request loads what it needs: a restart answers sooner
    if pg_url:
        name = f"minqing_faults_{os.getpid()}_tmpl"
        with pg_admin(pg_url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
        env["MINQING_DATABASE_URL"] = with_db(pg_url, name)
    done = subprocess.run([sys.executable, "-c", SEED % {"pw": PW, "statements": STATEMENTS, "sms": SMS}],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return home, env, json.loads(done.stdout.strip().splitlines()[-1])


def copy_installation(template: tuple[Path, dict, dict], folder: Path, n: int) -> Installation:
    home, env, seed = template
    shutil.copytree(home, folder / "home")
    env = {**env, "MINQING_HOME": str(folder / "home")}
    if env.get("MINQING_DATABASE_URL"):
        tmpl = env["MINQING_DATABASE_URL"].rsplit("/", 1)[1]
        name = f"{tmpl[:-len('_tmpl')]}_{n}"
        with pg_admin(env["MINQING_DATABASE_URL"]) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{tmpl}"')
        env["MINQING_DATABASE_URL"] = with_db(env["MINQING_DATABASE_URL"], name)
    return Installation(folder / "home", env, seed)


def drop_database(env: dict) -> None:
    url = env.get("MINQING_DATABASE_URL")
    if url:
        with pg_admin(url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
