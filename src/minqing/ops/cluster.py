"""Several nodes on one database (issue 19, docs/deploy.md): `minqing serve` and `minqing worker` on any
number of hosts sharing MINQING_DATABASE_URL form one system. What must happen once for the whole
cluster happens under a cluster-wide lock — a PostgreSQL advisory lock (held by the session: a process
killed with -9 lets go of it with its connection), or on SQLite, whose database is one file on one
machine, a file lock beside it:

- preparing the database (`minqing migrate`, and the same step at the start of `up` and `serve`): two
  nodes started together do not run the same migration twice;
- loading the demo into an empty database (`minqing demo`, `minqing up`): whichever node runs it, once.

And before a node serves: its audit key must be the one the ledger was sealed with (`check_node`); a
node with another key would write history that `audit verify` reports as broken — it refuses to start,
saying which setting to fix. A different MINQING_SECRET_KEY is only logged loudly: its sessions would
not open on the other nodes (a user logged in through one node looks logged out through another)."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import zlib

from django.conf import settings
from django.db import connection

from ..errors import DomainError

log = logging.getLogger(__name__)


def _lock_id(name: str) -> int:
    return zlib.crc32(f"minqing:{name}".encode())  # a stable 32-bit key (hash() changes per process)


@contextlib.contextmanager
def exclusive(name: str):
    """Hold the cluster-wide lock `name` for the block; waits while another node holds it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(%s)", [_lock_id(name)])
        try:
            yield
        finally:
            with contextlib.suppress(Exception), connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s)", [_lock_id(name)])
        return
    path = settings.HOME / f".{name}.lock"
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def check_node() -> None:
    """Refuse a node whose audit key is not the ledger's; warn about one whose secret key is not the others'."""
    check_audit_key()
    with contextlib.suppress(Exception):  # a warning only: never a reason not to start
        warn_other_secret_key()


def check_audit_key() -> None:
    from ..ledger import seal
    from ..ledger.models import Case

    k = seal.key()  # KeyMissing (a DomainError) names the file and MINQING_AUDIT_KEY
    row = (Case.objects.filter(audit_seal__isnull=False).order_by("-id")
           .values_list("id", "number", "audit_count", "audit_head", "audit_seal").first())
    if row and seal.case_seal(k, row[0], row[1], row[2], row[3] or "") != row[4]:
        where = "环境变量 MINQING_AUDIT_KEY" if seal.key_source() == "env" else f"文件 {seal.key_path()}"
        raise DomainError(
            f"本节点的审计密钥（{where}，指纹 {seal.fingerprint(k)}）与数据库中历史所用的密钥不同：用它写下的历史将"
            f"无法验证，本节点不启动。集群中每个节点须使用同一密钥：设置相同的 MINQING_AUDIT_KEY，或从首个节点复制 "
            f"{seal.KEY_FILE} 文件（见 docs/deploy.md）")


def warn_other_secret_key() -> None:
    """A session saved by another node that this node's key cannot read: the nodes' keys differ."""
    from django.contrib.sessions.models import Session
    from django.core import signing
    from django.utils import timezone

    row = Session.objects.filter(expire_date__gt=timezone.now()).order_by("-expire_date").first()
    if row is None:
        return
    try:
        signing.loads(row.session_data, salt="django.contrib.sessions.SessionStore",
                      serializer=signing.JSONSerializer)
    except signing.BadSignature:
        log.error("MINQING_SECRET_KEY differs from the one that signed the newest session: users logged in "
                  "through another node will look logged out here. Set the same MINQING_SECRET_KEY on every "
                  "node (docs/deploy.md)")
