"""A cluster (issue 19, docs/deploy.md): two `minqing serve` nodes and two `minqing worker` processes on one
PostgreSQL database, each node with a MINQING_HOME of its own and one shared MINQING_MEDIA_ROOT, the real
commands in processes of their own (tests/faultkit.py starts and watches them). One scenario, in order:
both nodes run `minqing migrate` at once; voices arrive through both nodes at once; a token and a login
made on one node are used on the other; a file uploaded through one downloads through the other; both
workers schedule the same periods; one worker is killed with -9 and the other finishes the queue.
PostgreSQL only: SQLite is one file on one machine — a single-node installation by design."""

import concurrent.futures
import http.cookiejar
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid

import pytest

from . import faultkit as kit
from .faultkit import alive, wait_for

PG_URL = os.environ.get("MINQING_DATABASE_URL")
pytestmark = [pytest.mark.skipif(
    not PG_URL, reason="a cluster shares one PostgreSQL database: set MINQING_DATABASE_URL (CI runs it on PostgreSQL)"),
    pytest.mark.serial]  # four processes of its own: CI runs it alone, after the parallel part

VOICES = 40  # through both nodes at once
TASKS = 12  # queued, then one worker killed
SEED = """
import json, django
django.setup()
from minqing.org.models import ApiToken
from minqing.org.services import add_unit, create_user
from minqing.workflow import notify
add_unit("C", "测试县", "county")
add_unit("T1", "一镇", "township", "C")
add_unit("VA", "甲村", "village", "T1")
disp = create_user("disp", %(pw)r, "dispatcher", "C")
for i in range(%(sms)d):
    notify.queue(f"cluster:{i}", "sms", "dispatch", f"【民情】集群消息{i + 1}", address=f"1390000000{i}")
print(json.dumps({"token": ApiToken.issue(disp)}))
"""
RACE = """
import datetime as dt, sys, time, django
django.setup()
from minqing.worker.scheduler import claim
at = float(sys.argv[1])
time.sleep(max(0.0, at - time.time()))  # both processes claim the same period at the same moment
print("claimed" if claim("cluster_race", 3600, dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)) else "not claimed")
"""
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4  # what the upload check reads: the name and the first bytes


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    from minqing.text.classify import default_model, default_path

    default_model(build=True)  # trained once in this test process; each node starts with a copy
    root = tmp_path_factory.mktemp("cluster")
    name = f"minqing_cluster_{os.getpid()}"
    with kit.pg_admin(PG_URL) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    media = root / "media"
    media.mkdir()
    common = {k: v for k, v in os.environ.items() if not k.startswith("MINQING_")}
    common |= {"DJANGO_SETTINGS_MODULE": "minqing.settings", "MINQING_DATABASE_URL": kit.with_db(PG_URL, name),
               "MINQING_MEDIA_ROOT": str(media), "MINQING_SECRET_KEY": "cluster-" + uuid.uuid4().hex * 2,
               "MINQING_AUDIT_KEY": uuid.uuid4().hex * 2, "MINQING_RATE_LIMITS": "0", "MINQING_WEB_WORKERS": "1",
               "MINQING_WARM_UP": "0", "MINQING_STOP_GRACE": "10", "PYTHONUNBUFFERED": "1",
               "MINQING_TASK_LEASE": "12", "MINQING_RECOVERY_EVERY": "1",  # a dead worker's task back in seconds
               "MINQING_SMS_BACKEND": "fault_gateway.Gateway", "FAULT_GATEWAY_LOG": str(root / "gateway.log")}
    nodes = []
    for node in ("a", "b"):
        home = root / node / "home"
        (home / "models").mkdir(parents=True)
        shutil.copy(default_path(), home / "models" / default_path().name)
        nodes.append(kit.Installation(home, {**common, "MINQING_HOME": str(home)}, {}))
    yield nodes
    for n in nodes:
        n.close()
    kit.drop_database(common)


def serve(*nodes) -> list[int]:
    """`minqing serve` on each node at once; their ports once all answer."""
    started = [(node, kit.free_port()) for node in nodes]
    procs = [node.start("serve", "--port", str(port)) for node, port in started]
    for (node, port), (proc, log) in zip(started, procs, strict=True):
        wait_for(lambda: node.answers(port) or proc.poll() is not None, "the server answering", 300)  # noqa: B023
        assert proc.poll() is None, log.read_text()
    return [port for _, port in started]


T0 = time.monotonic()


def step(what: str) -> None:
    print(f"{time.monotonic() - T0:6.1f}s {what}")  # where the time goes (pytest -s)


def tasks(node, where: str = "1=1", *params) -> int:
    return node.count("django_tasks_database_dbtaskresult", where, *params)


def test_two_nodes_and_two_workers_on_one_database_act_as_one_system(cluster):
    a, b = cluster

    step("start")
    # ---- `minqing migrate` on both nodes at once: one prepares the database, the other finds it ready
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda n: n.run("migrate"), (a, b)))
    for done in runs:
        assert done.returncode == 0, done.stdout + done.stderr
        assert "database ready" in done.stdout
    assert a.sql("SELECT count(*) - count(DISTINCT (app, name)) FROM django_migrations")[0][0] == 0
    published = a.sql("SELECT value FROM org_sharedversion WHERE name = 'category_model'")[0][0]
    assert (a.home.parent.parent / "media" / published).exists()  # one model for the cluster, in the shared folder
    seeded = subprocess.run([sys.executable, "-c", SEED % {"pw": kit.PW, "sms": kit.SMS}], env=a.env,
                            capture_output=True, text=True, timeout=300)
    assert seeded.returncode == 0, seeded.stderr
    token = json.loads(seeded.stdout.strip().splitlines()[-1])["token"]

    port_a, port_b = serve(a, b)

    step("nodes up")
    # ---- voices through both nodes at once: unique numbers, none skipped
    def voice(i):
        node, port = (a, port_a) if i % 2 else (b, port_b)
        return node.http(port, "POST", "/api/voices", {"text": f"甲村第{i}号路灯坏了，晚上看不清路。", "channel": "web",
                                                       "unit": "VA", "submitter": {"mode": "anonymous"}}, timeout=600)
    answers = [voice(0), voice(1)]  # one at a time first: each node loads its model, segmenter and word statistics
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        answers += list(pool.map(voice, range(2, VOICES)))
    assert all(status == 201 for status, _ in answers), [x for x in answers if x[0] != 201][:3]
    numbers = sorted(int(body["number"].rsplit("-", 1)[1]) for _, body in answers)
    assert numbers == list(range(1, VOICES + 1))

    step("voices")
    # ---- a token made through one node works on the other; so does a web login's session
    status, made = a.http(port_a, "POST", "/api/token", {"username": "disp", "password": kit.PW})
    assert status == 200, made
    status, listed = b.http(port_b, "GET", "/api/cases", token=made["token"])
    assert status == 200 and listed["count"] == VOICES
    jar = http.cookiejar.CookieJar()  # cookies of 127.0.0.1 go to both ports, as to two nodes behind one proxy
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = browser.open(f"http://127.0.0.1:{port_a}/login/", timeout=60).read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": "disp", "password": kit.PW, "csrfmiddlewaretoken": csrf}).encode()
    browser.open(urllib.request.Request(f"http://127.0.0.1:{port_a}/login/", data=form,
                                        headers={"Referer": f"http://127.0.0.1:{port_a}/login/"}), timeout=60)
    there = browser.open(f"http://127.0.0.1:{port_b}/cases/", timeout=60)
    assert urllib.parse.urlparse(there.url).path == "/cases/" and there.status == 200  # not sent to /login/

    step("logins")
    # ---- a file uploaded through one node downloads through the other
    number = answers[0][1]["number"]
    body, ctype = kit.multipart("file", "现场照片.png", PNG)
    status, att = a.http(port_a, "POST", f"/api/cases/{number}/attachments", body, token, ctype)
    assert status == 201, att
    req = urllib.request.Request(f"http://127.0.0.1:{port_b}/api/cases/{number}/attachments/{att['id']}",
                                 headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=60) as r:
        assert r.status == 200 and r.read() == PNG
    assert list((a.home.parent.parent / "media").rglob("现场照片*.png"))  # in the shared folder,
    assert not list(a.home.rglob("现场照片*")) and not list(b.home.rglob("现场照片*"))  # in no node's own home

    step("attachment")
    workers = [a.start("worker")[0], b.start("worker")[0]]  # together: their first ticks fall in one period
    # ---- both workers tick the same periods: each job is enqueued once, each message handed over once
    wait_for(lambda: tasks(a, "task_path LIKE %s AND status = 'SUCCESSFUL'", "%.deadline_scan") == 1,
             "the first deadline scan run", 300)
    for job in ("deadline_scan", "warning_scan", "hotspot_refresh", "monthly_report", "dashboard_refresh"):
        assert tasks(a, "task_path LIKE %s", f"%.{job}") == 1, job  # once per period, not once per worker
    assert tasks(a, "task_path LIKE %s", "%.prune_task_results") == 0  # a day after the first start
    sent = lambda: (a.home.parent.parent / "gateway.log").read_text().splitlines()  # noqa: E731
    wait_for(lambda: (a.home.parent.parent / "gateway.log").exists() and len(sent()) >= kit.SMS, "the messages sent", 300)
    texts = [line.split("\t")[2] for line in sent()]
    assert sorted(texts) == sorted(f"【民情】集群消息{i + 1}" for i in range(kit.SMS))  # each once
    at = time.time() + 4
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        raced = list(pool.map(lambda n: subprocess.run([sys.executable, "-c", RACE, str(at)], env=n.env,
                                                       capture_output=True, text=True, timeout=120), (a, b)))
    assert sorted(r.stdout.strip().splitlines()[-1] for r in raced) == ["claimed", "not claimed"], \
        [r.stderr[-500:] for r in raced]

    step("schedules")
    # ---- one worker killed with -9 (its supervisor and its task runner): the other finishes the queue
    queued = subprocess.run([sys.executable, "-c", "import django; django.setup()\n"
                             "from minqing.worker.tasks import dashboard_refresh\n"
                             f"print(','.join(str(dashboard_refresh.enqueue().id) for _ in range({TASKS})))"],
                            env=a.env, capture_output=True, text=True, timeout=120)
    assert queued.returncode == 0, queued.stderr
    ids = queued.stdout.strip().splitlines()[-1].split(",")
    doomed = [workers[0].pid, *kit.descendants(workers[0].pid)]
    for pid in doomed:
        os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not any(alive(p) for p in doomed), "the killed worker gone")
    wait_for(lambda: tasks(a, "id::text = ANY(%s) AND status = 'SUCCESSFUL'", ids) == TASKS,
             "the surviving worker finishing the queue", 300)
    assert tasks(a, "id::text = ANY(%s) AND status <> 'SUCCESSFUL'", ids) == 0
    assert tasks(a, "status = 'FAILED'") == 0
    assert workers[1].poll() is None
    step("queue finished by the other worker")
