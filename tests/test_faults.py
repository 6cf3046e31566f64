"""Faults (issue 15): processes killed with -9 at the worst moment, and PostgreSQL restarted under a running
server. Each scenario runs the real commands (`minqing serve`, `minqing worker`, `minqing import ledger`)
in processes of their own, on an installation of its own (a folder and, on PostgreSQL, a database), stops
one of them in the middle of a transaction with a fault point (tests/faultkit.py) and kills it there;
then checks from outside that no committed row was lost, nothing was written twice and the system carries
on without a manual step. Conditions are waited for with generous time-outs; no duration is asserted.

Also here, in-process: the supervisor's back-off, what happens to a message or a task whose process died."""

import datetime as dt
import io
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import openpyxl
import pytest

from . import faultkit as kit
from .faultkit import alive, parent_of, wait_for

PG_URL = os.environ.get("MINQING_DATABASE_URL")
ENGINE = "postgresql" if PG_URL else "sqlite"


# ------------------------------------------------------------------ the supervisor (ops/supervise.py)
def test_backoff_doubles_up_to_its_cap_and_starts_over_after_a_good_run():
    from minqing.ops.supervise import Backoff

    b = Backoff(first=1, cap=60, stable_after=60)
    assert [b.after_death(uptime=2) for _ in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert b.streak == 8
    assert b.after_death(uptime=600) == 1 and b.streak == 1  # it had run a while: a fresh start
    assert b.after_death(uptime=0.5) == 2


def test_an_exit_is_told_by_its_code_or_its_signal():
    from minqing.ops.supervise import describe_exit

    assert describe_exit(-9) == "killed by SIGKILL (exit code -9)"
    assert describe_exit(3) == "exit code 3"


DRIVER = """
import logging, sys
logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(levelname)s %(message)s")
from minqing.ops.supervise import Backoff, Child, Supervisor
child = Child("sleeper", lambda: [sys.executable, "-c", {child!r}], backoff=Backoff({first}, {cap}, 60))
sys.exit(Supervisor([child], grace={grace}).run())
"""
SLEEPER = """
import os, signal, sys, time
if {ignore_term}:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
with open({pids!r}, "a") as f:
    f.write(f"{{os.getpid()}}\\n")
if {exit_code} is not None:
    sys.exit({exit_code})
while True:
    time.sleep(1)
"""


def supervisor(tmp_path, *, ignore_term=False, exit_code=None, first=1, cap=60, grace=20):
    pids = tmp_path / "pids"
    child = SLEEPER.format(ignore_term=ignore_term, pids=str(pids), exit_code=exit_code)
    log = tmp_path / "supervisor.log"
    env = {**os.environ, "PYTHONPATH": str(kit.ROOT / "src"), "PYTHONUNBUFFERED": "1"}
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-c", DRIVER.format(child=child, first=first, cap=cap, grace=grace)],
                                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    started = lambda n: pids.exists() and len(pids.read_text().split()) >= n and [int(p) for p in pids.read_text().split()]  # noqa: E731
    return proc, log, started


def test_a_child_killed_with_9_is_started_again_and_sigterm_stops_everything(tmp_path):
    proc, log, started = supervisor(tmp_path)
    try:
        first = wait_for(lambda: started(1), "the child started")[0]
        os.kill(first, signal.SIGKILL)
        second = wait_for(lambda: started(2), "the child started again")[1]
        assert second != first and alive(second)
        text = log.read_text()
        assert f"sleeper (pid {first}) exited: killed by SIGKILL (exit code -9)" in text
        assert "restarting it in 1 s" in text
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
        assert not alive(second)
        assert "SIGTERM received: stopping sleeper" in log.read_text()
    finally:
        proc.kill()


def test_a_child_that_ignores_sigterm_is_killed_after_the_grace_period(tmp_path):
    proc, log, started = supervisor(tmp_path, ignore_term=True, grace=1)
    try:
        child = wait_for(lambda: started(1), "the child started (SIGTERM already ignored)")[0]
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        assert proc.wait(60) == 0
        assert not alive(child)
        assert "did not stop within 1 s: killing it" in log.read_text()
    finally:
        proc.kill()


def test_a_child_that_keeps_dying_is_retried_and_logged_loudly(tmp_path):
    proc, log, started = supervisor(tmp_path, exit_code=3, first=0.05, cap=0.2)
    try:
        wait_for(lambda: "it keeps dying" in log.read_text(), "the loud message")
        wait_for(lambda: started(8), "more tries after the loud message")  # still retried at the cap
        text = log.read_text()
        assert "exit code 3" in text and re.search(r"ERROR sleeper \(pid \d+\) exited: exit code 3", text)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
    finally:
        proc.kill()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_supervisor_killed_with_9_leaves_no_orphan(tmp_path):
    proc, _, started = supervisor(tmp_path)
    child = wait_for(lambda: started(1), "the child started")[0]
    proc.kill()
    proc.wait(30)
    wait_for(lambda: not alive(child), "the orphan gone")


# ------------------------------------------------------------------ a message or a task whose process died
class Recorder:
    sent: list = []

    def send(self, number, text):
        Recorder.sent.append(text)


class KeyedRecorder:
    idempotent = True
    sent: dict = {}

    def send(self, number, text, key=""):
        KeyedRecorder.sent.setdefault(key, text)  # a real gateway drops the second hand-over of a key


@pytest.fixture
def cut_off(db, settings):
    """One SMS whose worker died after handing it to the gateway: claimed (`sending`), never marked."""
    from minqing.workflow import notify
    from minqing.workflow.models import Notification

    notify.queue("cut:1", "sms", "reply", "【民情】您反映的问题已有答复", address="13800000000")
    n = notify._claim([])
    assert n.state == Notification.State.SENDING
    return n


def test_an_sms_cut_off_while_sent_is_never_sent_twice_by_a_plain_gateway(cut_off, settings):
    from minqing import clock
    from minqing.workflow import notify
    from minqing.workflow.models import Notification

    settings.MINQING_SMS_BACKEND = "tests.test_faults.Recorder"
    Recorder.sent = []
    notify.deliver_pending()  # the restarted worker, at once: the message is not pending
    assert Recorder.sent == [] and Notification.objects.get().state == Notification.State.SENDING
    assert notify.settle_interrupted(clock.now() + notify.SEND_LEASE + dt.timedelta(seconds=1)) == 1
    notify.deliver_pending()
    n = Notification.objects.get()
    assert Recorder.sent == [] and n.state == Notification.State.UNKNOWN and "未重发" in n.error


def test_an_sms_cut_off_while_sent_goes_again_with_its_key_to_a_gateway_that_takes_keys(cut_off, settings):
    from minqing import clock
    from minqing.workflow import notify
    from minqing.workflow.models import Notification

    settings.MINQING_SMS_BACKEND = "tests.test_faults.KeyedRecorder"
    KeyedRecorder.sent = {}
    assert notify.settle_interrupted(clock.now() + notify.SEND_LEASE + dt.timedelta(seconds=1)) == 1
    notify.deliver_pending()
    assert KeyedRecorder.sent == {"cut:1": "【民情】您反映的问题已有答复"}
    assert Notification.objects.get().state == Notification.State.SENT


def test_tasks_of_a_dead_worker_go_back_to_the_queue_and_a_poisonous_one_fails(db):
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from minqing.worker import recovery, tasks

    def running(worker_ids, minutes_ago=0):
        row = DBTaskResult.objects.get(id=tasks.dashboard_refresh.enqueue().id)
        row.status, row.worker_ids = "RUNNING", worker_ids
        row.started_at = timezone.now() - dt.timedelta(minutes=minutes_ago)
        row.save()
        return row.id

    mine, other, poison, old = (running(["w1"]), running(["w2"]), running(["a", "b", "w1"]),
                                running(["far-away"], minutes_ago=120))
    assert recovery.release("w1") == 2
    status = dict(DBTaskResult.objects.values_list("id", "status"))
    assert (status[mine], status[other], status[poison], status[old]) == ("READY", "RUNNING", "FAILED", "RUNNING")
    assert "died 3 times" in DBTaskResult.objects.get(id=poison).traceback
    assert recovery.release_stale() == 1  # only the one past the lease (an hour)
    assert DBTaskResult.objects.get(id=old).status == "READY" and DBTaskResult.objects.get(id=other).status == "RUNNING"


def test_a_monthly_report_cut_off_midway_is_written_whole_and_its_leaders_told(county, settings, tmp_path):
    from minqing.insight import monthly
    from minqing.workflow.models import Notification

    settings.MEDIA_ROOT = tmp_path  # the shared storage (ledger/files.py)
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "C-2026-10.xlsx").write_bytes(b"done")  # written, then the worker died before telling anyone
    (folder / "T1-2026-10.xlsx.part").write_bytes(b"half")  # died while writing: not a report
    written = monthly.write_last_month(dt.datetime(2026, 11, 5, 10, 0, tzinfo=dt.UTC))
    assert written == ["reports/T1-2026-10.xlsx"]  # C's is not written again; T1's now whole
    assert (folder / "C-2026-10.xlsx").read_bytes() == b"done" and (folder / "T1-2026-10.xlsx").read_bytes()[:2] == b"PK"
    told = Notification.objects.filter(kind="report")
    assert sorted(told.values_list("user__username", flat=True)) == ["leader", "t_leader"]


# ------------------------------------------------------------------ the real processes, killed
@pytest.fixture(scope="module")
def template(tmp_path_factory):
    from minqing.text.classify import default_model, default_path

    default_model(build=True)  # in this test process's home; copied into each installation
    folder = tmp_path_factory.mktemp("faults-template")
    made = kit.build_template(folder, PG_URL, default_path())
    yield made
    kit.drop_database(made[1])


NUMBER = itertools.count(1)


@pytest.fixture
def site(template, tmp_path):
    inst = kit.copy_installation(template, tmp_path, next(NUMBER))
    yield inst
    inst.close()
    kit.drop_database(inst.env)


def serve(site, **env) -> tuple[subprocess.Popen, Path, int]:
    port = kit.free_port()
    proc, log = site.start("serve", "--port", str(port), **env)
    wait_for(lambda: site.answers(port) or proc.poll() is not None, "the server answering")
    assert proc.poll() is None, log.read_text()
    return proc, log, port


def in_background(fn, *args) -> dict:
    """Run a request that will be cut off; keep what came back (or the error) in the returned dict."""
    out = {}

    def go():
        try:
            out["answer"] = fn(*args)
        except Exception as e:  # the connection dies with the killed process
            out["error"] = e
    threading.Thread(target=go, daemon=True).start()
    return out


def mark(site) -> Path:
    return site.home.parent / "fault.mark"


def fault_pid(site) -> int:
    line = wait_for(lambda: mark(site).exists() and mark(site).read_text().strip(), "the fault point reached")
    return int(line.split()[0])


def test_worker_killed_while_handing_an_sms_to_the_gateway_sends_nothing_twice_and_loses_nothing(site):
    sent_log = site.home.parent / "gateway.log"
    sent = lambda: sent_log.read_text().splitlines() if sent_log.exists() else []  # noqa: E731
    worker, log = site.start("worker", MINQING_SMS_BACKEND="fault_gateway.Gateway",
                             FAULT_GATEWAY_LOG=str(sent_log), FAULT_GATEWAY_HOLD_AT="3")
    lines = wait_for(lambda: len(sent()) >= 3 and sent(), "three messages handed over, the third one hanging")
    pid = int(lines[2].split("\t")[0])
    states = dict(site.sql("SELECT state, count(*) FROM workflow_notification GROUP BY state"))
    assert states == {"sent": 2, "sending": 1, "pending": kit.SMS - 3}
    assert site.count("django_tasks_database_dbtaskresult", "status = 'RUNNING'") == 1
    os.kill(pid, signal.SIGKILL)  # the db_worker, between the gateway's answer and the row's mark

    wait_for(lambda: site.count("workflow_notification", "state = 'pending'") == 0
             and site.count("django_tasks_database_dbtaskresult", "status = 'RUNNING'") == 0, "the rest delivered")
    texts = [line.split("\t")[2] for line in sent()]
    assert sorted(texts) == sorted(f"【民情】测试消息{i + 1}" for i in range(kit.SMS))  # lost: 0, doubled: 0
    states = dict(site.sql("SELECT state, count(*) FROM workflow_notification GROUP BY state"))
    assert states == {"sent": kit.SMS - 1, "sending": 1}  # the cut-off one: never again (`unknown` after the lease)
    assert site.count("workflow_notification") == kit.SMS  # no row lost, none added
    runs = [json.loads(ids) if isinstance(ids, str) else ids for (ids,) in site.sql(
        "SELECT worker_ids FROM django_tasks_database_dbtaskresult WHERE status = 'SUCCESSFUL'")]
    assert any(len(ids) == 2 for ids in runs)  # the killed worker's task, run again by the new one
    text = log.read_text()
    assert f"(pid {pid}) exited: killed by SIGKILL" in text and "requeued" in text
    assert site.stop(worker) == 0


def xlsx(rows: int) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["留言编号", "留言用户", "留言主题", "留言时间", "留言详情"])
    for i in range(rows):
        ws.append([i + 1, f"U{i}", f"第{i + 1}号路灯不亮", f"2024/5/{i % 28 + 1} 10:00:00",
                   f"甲村第{i + 1}号路灯坏了{i + 2}天，晚上看不清路，请尽快修理。"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


ROWS = 12


def assert_whole_rows_only(site, imported: int) -> None:
    assert site.count("ledger_voice") == imported
    assert site.count("ledger_case") == imported
    assert site.count("ledger_case", "id NOT IN (SELECT case_id FROM ledger_voice)") == 0
    assert site.count("ledger_caseevent", "case_id NOT IN (SELECT id FROM ledger_case)") == 0


@pytest.mark.parametrize("door", ["api", "cli"])
def test_import_killed_in_the_middle_leaves_nothing_and_runs_again_whole(site, door):
    """A file is imported in one transaction (intake/bulk.py): killed after its first batch of cases was
    written, nothing of it remains — no case, voice, event or number — and the same file again imports whole."""
    data = xlsx(ROWS)
    fault = {"MINQING_FAULT_POINT": "import-batch", "MINQING_FAULT_MARK": str(mark(site))}
    body, ctype = kit.multipart("file", "ledger.xlsx", data)
    path = site.home.parent / "ledger.xlsx"
    path.write_bytes(data)
    if door == "api":
        proc, _, port = serve(site, **fault)
        call = lambda: site.http(port, "POST", "/api/imports", body, site.seed["token"], ctype)  # noqa: E731
        first = in_background(call)
    else:
        importer, _ = site.start("import", "ledger", str(path), **fault)
    pid = fault_pid(site)  # the cases written, the file's transaction open
    assert_whole_rows_only(site, 0)  # not visible to anyone else before the commit
    os.kill(pid, signal.SIGKILL)  # the gunicorn worker running the import, or the `minqing import` process
    if door == "api":
        wait_for(lambda: "answer" in first or "error" in first, "the cut-off request to end")
        assert "answer" not in first or first["answer"][0] >= 500
        wait_for(lambda: site.answers(port), "the server answering again")
    assert_whole_rows_only(site, 0)  # nothing half-written

    if door == "api":  # the same file again
        status, again = site.http(port, "POST", "/api/imports", body, site.seed["token"], ctype)
        assert status == 200, again
        assert (again["imported"], again["skipped"], again["rejected"]) == (ROWS, 0, [])
        assert site.stop(proc) == 0
    else:
        importer.wait(30)
        done = site.run("import", "ledger", str(path))
        assert done.returncode == 0, done.stderr
        assert f"imported {ROWS}, rejected 0" in done.stdout
    assert_whole_rows_only(site, ROWS)
    assert site.sql("SELECT count(DISTINCT import_key) FROM ledger_voice")[0][0] == ROWS
    numbers = sorted(int(n.rsplit("-", 1)[1]) for (n,) in site.sql("SELECT number FROM ledger_case"))
    assert numbers == list(range(1, ROWS + 1))  # gap-free: the killed file's numbers were given back too


def test_server_killed_during_a_bulk_vote_upload_keeps_all_or_nothing(site):
    cid, sids = site.seed["consultation"], site.seed["statements"]
    votes = [{"participant": f"户{p:03d}", "statement": s, "vote": ("agree", "disagree", "pass")[(p + i) % 3]}
             for p in range(100) for i, s in enumerate(sids)]
    proc, log, port = serve(site, MINQING_FAULT_POINT="vote-batch", MINQING_FAULT_MARK=str(mark(site)))
    call = lambda: site.http(port, "POST", f"/api/consultations/{cid}/votes", {"votes": votes}, site.seed["token"])  # noqa: E731
    first = in_background(call)
    worker = fault_pid(site)  # every vote written, the transaction open
    master = parent_of(worker)
    os.kill(master, signal.SIGKILL)  # gunicorn itself; its worker, orphaned mid-transaction, is cleaned up
    wait_for(lambda: "answer" in first or "error" in first, "the cut-off request to end")
    assert "answer" not in first or first["answer"][0] >= 500
    wait_for(lambda: not alive(worker), "the orphaned gunicorn worker gone")
    wait_for(lambda: site.answers(port), "the server started again by `minqing serve`")
    assert f"web server (pid {master}) exited: killed by SIGKILL" in log.read_text()
    assert site.count("consult_vote") == 0 and site.count("consult_participant") == 0  # nothing of the batch

    status, answer = call()
    assert (status, answer) == (200, {"accepted": len(votes)})
    assert site.count("consult_vote") == len(votes) and site.count("consult_participant") == 100
    assert site.stop(proc) == 0


# ------------------------------------------------------------------ PostgreSQL going away under the server
def pg_cluster() -> tuple[str, str] | None:
    etc = Path("/etc/postgresql")
    if not shutil.which("pg_ctlcluster") or not etc.is_dir() or not any(etc.iterdir()):
        return None
    version = sorted(p.name for p in etc.iterdir())[0]
    return version, "main"


def voice(site, port, text) -> dict:
    status, answer = site.http(port, "POST", "/api/voices", {"text": text, "unit": "VA", "submitter": {"mode": "anonymous"}})
    assert status == 201, answer
    return answer


def after_outage(site, port, before: dict) -> None:
    """The server answers every request at once, old rows are all there, new ones are written; the
    worker's scheduler enqueues again and its tasks run."""
    since = site.sql("SELECT now()::text")[0][0]
    for _ in range(12):  # more requests than the web worker's threads (4): each thread's kept connection
        status, answer = site.http(port, "GET", f"/api/track/{before['tracking_code']}")
        assert status == 200, answer
    after = voice(site, port, "乙村路口积水很深，车辆无法通行。")
    assert site.count("ledger_voice") == 2 and site.count("ledger_case", "number IN (%s, %s)",
                                                          before["number"], after["number"]) == 2
    wait_for(lambda: site.count("django_tasks_database_dbtaskresult",
                                "status = 'SUCCESSFUL' AND enqueued_at > %s", since), "a task enqueued and run since")


@pytest.mark.skipif(ENGINE != "postgresql", reason="PostgreSQL only (MINQING_DATABASE_URL unset)")
def test_server_and_worker_carry_on_when_postgresql_drops_their_connections(site):
    proc, _, port = serve(site)
    worker, _ = site.start("worker")
    before = voice(site, port, "甲村村口路灯坏了，晚上看不清路。")
    wait_for(lambda: site.count("django_tasks_database_dbtaskresult", "status = 'SUCCESSFUL'"), "the worker running")
    name = site.env["MINQING_DATABASE_URL"].rsplit("/", 1)[1]
    dropped = site.sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                       "WHERE datname = %s AND pid <> pg_backend_pid()", name)[0][0]
    assert dropped >= 2  # the web worker's and the task worker's connections
    after_outage(site, port, before)
    assert site.stop(proc) == 0 and site.stop(worker) == 0


@pytest.mark.serial  # restarts the whole cluster: CI runs it alone, after the parallel part
@pytest.mark.skipif(ENGINE != "postgresql", reason="PostgreSQL only (MINQING_DATABASE_URL unset)")
def test_server_and_worker_carry_on_after_postgresql_restarts(site):
    """Restarts the whole cluster: other connections to it (another test run) see it go away once."""
    cluster = pg_cluster()
    if cluster is None:
        pytest.skip("no pg_ctlcluster or /etc/postgresql here: cannot restart the cluster from this test")
    host = site.env["MINQING_DATABASE_URL"].split("@")[-1].split("/")[0].split(":")[0]
    if host not in ("127.0.0.1", "localhost", "::1", ""):
        pytest.skip(f"PostgreSQL at {host} is not on this machine: cannot restart it from this test")
    proc, _, port = serve(site)
    worker, _ = site.start("worker")
    before = voice(site, port, "甲村村口路灯坏了，晚上看不清路。")
    done = subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", *cluster, "restart"],
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        pytest.skip(f"cannot restart the PostgreSQL cluster {cluster}: {done.stderr.strip() or done.stdout.strip()}")
    from django.db import connections

    connections.close_all()  # this test process's own connection died with the cluster too
    wait_for(lambda: _pg_ready(site), "PostgreSQL accepting connections again")
    after_outage(site, port, before)
    assert site.stop(proc) == 0 and site.stop(worker) == 0


def _pg_ready(site) -> bool:
    try:
        return bool(site.sql("SELECT 1"))
    except Exception:
        return False

