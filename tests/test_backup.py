"""Backup and restore (issue 15): one file holds the database, the uploaded files and the audit key; a
restore into a fresh home (and, on PostgreSQL, a fresh database on the same server) brings back every
case, event, vote and attachment, and `audit verify` passes there. The restore runs as the real command,
in a process of its own whose environment names the target, as an operator would run it."""

import hashlib
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from minqing.consult import services as consult
from minqing.consult.models import Vote
from minqing.ledger import seal
from minqing.ledger.actions import perform
from minqing.ledger.attachments import add_attachment
from minqing.ledger.models import Attachment, Case, CaseEvent
from minqing.ops.backup import backup

ROOT = Path(__file__).resolve().parents[1]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64 + "现场照片".encode()
SNAPSHOT = """
import hashlib, json, django
django.setup()
from django.conf import settings
from minqing.consult.models import Vote
from minqing.ledger.models import Attachment, Case, CaseEvent
print(json.dumps({
    "cases": sorted(Case.objects.values_list("number", "status", "title")),
    "events": sorted(CaseEvent.objects.values_list("id", "case__number", "action", "note", "seal")),
    "votes": sorted(Vote.objects.values_list("participant__code", "statement__text", "value")),
    "attachments": sorted((a.name, a.size, hashlib.sha256((settings.MEDIA_ROOT / a.file.name).read_bytes()).hexdigest())
                          for a in Attachment.objects.all()),
}, ensure_ascii=False, default=str))
"""


def snapshot_here() -> dict:
    from django.conf import settings

    return json.loads(json.dumps({
        "cases": sorted(Case.objects.values_list("number", "status", "title")),
        "events": sorted(CaseEvent.objects.values_list("id", "case__number", "action", "note", "seal")),
        "votes": sorted(Vote.objects.values_list("participant__code", "statement__text", "value")),
        "attachments": sorted((a.name, a.size, hashlib.sha256((Path(settings.MEDIA_ROOT) / a.file.name).read_bytes())
                               .hexdigest()) for a in Attachment.objects.all()),
    }, ensure_ascii=False, default=str))


@pytest.fixture
def target(tmp_path):
    """The environment of a fresh installation: a new home and, on PostgreSQL, a new database (dropped after)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINQING_")}
    env |= {"MINQING_HOME": str(tmp_path / "home"), "DJANGO_SETTINGS_MODULE": "minqing.settings",
            "PYTHONPATH": str(ROOT / "src")}
    if os.environ.get("MINQING_AUDIT_KEY"):
        env["MINQING_AUDIT_KEY"] = os.environ["MINQING_AUDIT_KEY"]
    if connection.vendor != "postgresql":
        yield env
        return
    import psycopg

    s = connection.settings_dict
    params = {k: v for k, v in (("user", s["USER"]), ("password", s["PASSWORD"]), ("host", s["HOST"]),
                                ("port", s["PORT"])) if v}
    name = f"minqing_restore_{os.getpid()}"
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    env["MINQING_DATABASE_URL"] = f"postgresql://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{name}"
    try:
        yield env
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def minqing(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "minqing.cli", *args], env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture
def installation(make_case, county, settings, tmp_path):
    """Cases with histories, an escalation, an attachment with a Chinese name, a consultation with votes;
    uploads in a media folder of this test's own (other tests' files stay out of the backup's count)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    a = make_case("VA", text="村口路灯坏了，晚上看不清路。")
    b = make_case("VB", text="乙村垃圾站很久没人清运，气味很大。")
    perform(county["disp"], a.number, "dispatch", {"unit": "VA"})
    perform(county["ha"], a.number, "handle", {})
    perform(county["ha"], a.number, "reply", {"text": "已更换路灯灯泡并检查线路，现已恢复照明。"})
    perform(county["disp"], b.number, "dispatch", {"unit": "VB"})
    add_attachment(county["ha"], a.number, SimpleUploadedFile("现场照片.png", PNG, "image/png"))
    c = consult.create(county["disp"], {"title": "村道硬化方案", "text": "拟对甲村主干道进行硬化，请大家提意见。",
                                        "unit": "T1", "statements": ["应该先修主干道", "施工期间要保证通行"]})
    sids = list(c.statements.values_list("id", flat=True))
    consult.cast_votes(c, [{"participant": f"p{i}", "statement": sids[i % 2], "vote": ("agree", "disagree")[i % 2]}
                           for i in range(6)], user=county["disp"])
    return {"a": a, "b": b}


@pytest.mark.django_db(transaction=True)  # the restore and pg_dump are other processes: the data must be committed
def test_round_trip_brings_back_every_case_event_vote_and_attachment(installation, target, tmp_path):
    file = tmp_path / "minqing-backup.tar"
    manifest = backup(file, log=lambda line: None)
    assert (file.stat().st_mode & 0o777) == 0o600  # it holds the audit key
    with tarfile.open(file) as tar:
        names = tar.getnames()
    assert names[0] == "manifest.json" and "audit_key" in names and any(n.startswith("media/attachments/") for n in names)
    counts = manifest["counts"]
    assert counts == {"cases": 2, "events": CaseEvent.objects.count(), "voices": 2, "votes": 6, "attachments": 1}
    assert manifest["media"]["files"] == 1 and manifest["audit_key"]["included"]
    before = snapshot_here()

    restored = minqing(target, "restore", str(file))
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.strip().splitlines()[-1].startswith("restored: 2 cases")
    checked = minqing(target, "audit", "verify")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.strip().splitlines()[-1] == f"ok: {counts['events']} events"
    after = subprocess.run([sys.executable, "-c", SNAPSHOT], env=target, capture_output=True, text=True, timeout=120)
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout) == before
    if not os.environ.get("MINQING_AUDIT_KEY"):  # the key came with the backup, private to its owner
        key = Path(target["MINQING_HOME"]) / "audit_key"
        assert (key.stat().st_mode & 0o777) == 0o600 and key.read_bytes().strip() == seal.key()

    # not into a database that has data, unless --force
    again = minqing(target, "restore", str(file))
    assert again.returncode == 2 and "目标不为空" in again.stderr and "--force" in again.stderr
    forced = minqing(target, "restore", str(file), "--force")
    assert forced.returncode == 0 and forced.stdout.strip().splitlines()[-1].startswith("restored: 2 cases"), \
        forced.stderr  # and the counts checked against the manifest again


def test_restore_refuses_what_is_not_a_backup(target, tmp_path):
    file = tmp_path / "other.tar"
    with tarfile.open(file, "w") as tar:
        tar.add(__file__, arcname="../../etc/evil")
    result = minqing(target, "restore", str(file))
    assert result.returncode == 2 and "不是 minqing 备份文件" in result.stderr
    missing = minqing(target, "restore", str(tmp_path / "none.tar"))
    assert missing.returncode == 2 and "备份文件不存在" in missing.stderr
