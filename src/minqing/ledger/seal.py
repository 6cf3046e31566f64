"""History that cannot be rewritten (issue 15): every case event is sealed, and the seals of a case
form a chain.

    event seal = HMAC-SHA256(key, "event" ‖ previous event's seal of the same case ‖ canonical content)
    case seal  = HMAC-SHA256(key, "case" ‖ case id ‖ number ‖ number of events ‖ newest event's seal)

The canonical content is a JSON array — case id, case number, time (µs since 1970, UTC), action, actor
id, actor label, status before and after, note — a newline, and the data as canonical JSON (keys
sorted, no spaces; the newline cannot occur inside the array's JSON, so the split is unambiguous). The case row keeps the head
of its chain (`audit_count`, `audit_head`) under its own seal (`audit_seal`), so that deleting the newest
events — which leaves a chain that is whole — is seen too. `audit verify` (ledger/audit.py) recomputes it all.

Per case, not one chain for the whole ledger: every writer already holds the case's row lock (`perform`,
the escalation batches), so a per-case chain needs no lock of its own and adds no contention between
cases; one ledger-wide chain would serialise every write in the county on one row. What a per-case
chain does not see — a whole case removed with all its events — the case rows' FKs (PROTECT), its
gap-free number and the backups show.

The key is not in the database: an attacker with the database alone cannot re-seal an edited history.
It is `MINQING_AUDIT_KEY` (≥ 32 characters) or else the file `audit_key` in MINQING_HOME (mode 0600),
made by the migration that introduced the seals (ledger/0012) on a database's first migrate, and
brought back by `minqing restore`. Anywhere else a missing key is an error, never a new key: two keys
for one ledger would break every chain written with the other. See docs/security.md."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ..errors import DomainError

KEY_ENV = "MINQING_AUDIT_KEY"
KEY_FILE = "audit_key"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
NAIVE_EPOCH = dt.datetime(1970, 1, 1)
MICROSECOND = dt.timedelta(microseconds=1)
_keys: dict[str, bytes] = {}


class KeyMissing(DomainError):
    default_code = "audit_key"


# ------------------------------------------------------------------------------------------ the key
def key_path() -> Path:
    return Path(settings.HOME) / KEY_FILE


def key_source() -> str:
    return "env" if os.environ.get(KEY_ENV, "").strip() else "file"


def key(create: bool = False) -> bytes:
    """The audit key: MINQING_AUDIT_KEY, else MINQING_HOME/audit_key (made only when `create`)."""
    env = os.environ.get(KEY_ENV, "").strip()
    if env:
        if len(env) < 32:
            raise KeyMissing(f"{KEY_ENV} 太短：审计密钥至少 32 个字符（建议 64 位十六进制随机数）")
        return env.encode()
    path = key_path()
    cached = _keys.get(str(path))
    if cached:
        return cached
    if not path.exists():
        if not create:
            raise KeyMissing(f"审计密钥不存在：{path}。请从备份恢复该文件（minqing restore 会一并恢复），"
                             f"或设置环境变量 {KEY_ENV}；新数据库的密钥由首次 migrate 生成")
        _create_key(path)
    text = path.read_text(encoding="ascii").strip()
    if len(text) < 32:
        raise KeyMissing(f"审计密钥文件 {path} 内容无效（至少 32 个字符）")
    _keys[str(path)] = text.encode()
    return _keys[str(path)]


def _create_key(path: Path) -> None:
    """A new random key, written whole under a temporary name and linked into place: two processes
    starting together end with the one key (the loser of the link reads the winner's)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secrets.token_hex(32) + "\n")
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


def write_key(text: bytes, path: Path | None = None) -> Path:
    """Put a key (from a backup) in place, mode 0600; the old file, if different, is kept beside it."""
    path = path or key_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_bytes().strip() != text.strip():
        path.rename(path.with_name(f"{path.name}.replaced-{timezone.now():%Y%m%d%H%M%S}"))
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(text.strip() + b"\n")
    os.replace(tmp, path)
    forget_key()
    return path


def forget_key() -> None:
    _keys.clear()


def fingerprint(k: bytes) -> str:
    """Names a key without revealing it (in verify's output and a backup's manifest)."""
    return hashlib.sha256(b"minqing-audit-key\n" + k).hexdigest()[:16]


# ------------------------------------------------------------------------------------------ the seals
def _encoder():
    """Canonical JSON: keys sorted, no spaces, UTF-8 as is. The C encoder made once (json.dumps builds
    one per call, a third of a seal's cost); the same text as json.dumps with these options."""
    def refuse(value):
        raise TypeError(f"not JSON: {type(value).__name__}")

    try:
        from json.encoder import c_make_encoder, encode_basestring

        encode = c_make_encoder(None, refuse, encode_basestring, None, ":", ",", True, False, True)
        encode([1, "a", None], 0)
        return lambda value: "".join(encode(value, 0))
    except (ImportError, TypeError):
        return lambda value: json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


canonical_json = _encoder()


def micros(at: dt.datetime) -> int:
    """µs since 1970 UTC; a naive time is UTC (as SQLite hands it back)."""
    return (at - (EPOCH if at.tzinfo else NAIVE_EPOCH)) // MICROSECOND


def content(case_id, number, at_us: int, action, actor_id, actor_label, from_status, to_status, note,
            data_json: str) -> bytes:
    """What an event's seal covers: the fields as one JSON array, a newline, the data as canonical JSON."""
    return (canonical_json([case_id, number, at_us, action, actor_id, actor_label, from_status, to_status, note])
            + "\n" + data_json).encode()


class Sealer:
    """The seals under one key; the HMAC's keyed state is made once and copied per seal (OpenSSL's
    object itself where there is one: hmac.HMAC's Python wrapper costs more than the hashing)."""

    def __init__(self, k: bytes):
        base = hmac.new(k, digestmod="sha256")
        self._base = getattr(base, "_hmac", None) or base

    def event(self, prev: str, *fields) -> str:
        """fields: as `content` takes them."""
        return self.event_body(prev, content(*fields))

    def event_body(self, prev: str, body: bytes) -> str:
        """body: the event's `content`, already made."""
        h = self._base.copy()
        h.update(b"event\n" + prev.encode() + b"\n" + body)
        return h.hexdigest()

    def case(self, case_id: int, number: str, count: int, head: str) -> str:
        h = self._base.copy()
        h.update(f"case\n{case_id}\n{number}\n{count}\n{head}".encode())
        return h.hexdigest()


def event_seal(k: bytes, prev: str, case_id, number, at, action, actor_id, actor_label, from_status, to_status,
               note, data) -> str:
    """One event's seal from its values as a model holds them (`at` a datetime, `data` an object)."""
    return Sealer(k).event(prev, case_id, number, micros(at), action, actor_id, actor_label, from_status, to_status,
                           note, canonical_json(data))


def case_seal(k: bytes, case_id: int, number: str, count: int, head: str) -> str:
    return Sealer(k).case(case_id, number, count, head)


def stored_form(data):
    """The data as it reads back from either database: JSON types only, and a whole float as an int
    (PostgreSQL's jsonb gives 1e20 back as 100000000000000000000)."""
    def plain(v):
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        if isinstance(v, list):
            return [plain(x) for x in v]
        return v

    return plain(json.loads(json.dumps(data or {})))


# ------------------------------------------------------------------------------------------ the writer
def _chain(events: list, heads: dict, sealer: Sealer) -> None:
    """Seal each event onto its case's head (`heads`: case id → [number, count, head], moved along)."""
    for e in events:
        if timezone.is_naive(e.at):  # as Django would store it
            e.at = timezone.make_aware(e.at, timezone.get_default_timezone())
        e.data = stored_form(e.data)
        h = heads[e.case_id]
        e.seal = sealer.event(h[2], e.case_id, h[0], micros(e.at), e.action, e.actor_id, e.actor_label,
                              e.from_status, e.to_status, e.note, canonical_json(e.data))
        h[1], h[2] = h[1] + 1, e.seal


def seal_new(events: list) -> None:
    """Seal the events of cases not written yet (their ids reserved, `ledger.inserts.reserve_ids`): each
    chain starts empty, and each case object gets its head and seal before its row is written — the bulk
    import writes every row once, with no UPDATE after (intake/bulk.py). Writes nothing itself."""
    sealer, heads, cases = Sealer(key()), {}, {}
    for e in events:
        if e.case.pk is None or e.case_id != e.case.pk:
            raise ValueError("seal_new: an event's case has no reserved id")
        cases[e.case_id] = e.case
        heads.setdefault(e.case_id, [e.case.number, 0, ""])
    _chain(events, heads, sealer)
    for cid, (number, count, head) in heads.items():
        c = cases[cid]
        c.audit_count, c.audit_head, c.audit_seal = count, head, sealer.case(cid, number, count, head)


def append(events: list) -> list:
    """Seal new events (unsaved CaseEvent objects, in the order they happened) and write them with the
    heads of their cases, in the caller's transaction or one of its own. The cases' rows are locked
    (in id order) before their heads are read: `record` and `announce` both come through here."""
    from .inserts import insert_objects
    from .models import Case, CaseEvent

    if not events:
        return events
    sealer = Sealer(key())
    with transaction.atomic(savepoint=False):
        ids = sorted({e.case_id for e in events})
        heads = {cid: [number, count, head] for cid, number, count, head in
                 Case.objects.select_for_update().filter(pk__in=ids).order_by("id")
                 .values_list("id", "number", "audit_count", "audit_head")}
        for h in heads.values():  # a case not yet sealed: its chain starts here
            h[1], h[2] = h[1] or 0, h[2] or ""
        _chain(events, heads, sealer)
        if len(events) == 1:
            events[0].save()
        else:
            insert_objects(events)  # bulk_create, less its cost (a bulk import seals thousands at a time)
        rows = [(count, head, sealer.case(cid, number, count, head), cid) for cid, (number, count, head) in heads.items()]
        with connection.cursor() as cur:
            cur.executemany(f"UPDATE {Case._meta.db_table} SET audit_count = %s, audit_head = %s, audit_seal = %s "
                            "WHERE id = %s", rows)
    field, by_case = CaseEvent._meta.get_field("case"), {r[3]: r[:3] for r in rows}
    for e in events:  # the callers' case objects see their new head (a later save() leaves it alone anyway)
        if field.is_cached(e):
            e.case.audit_count, e.case.audit_head, e.case.audit_seal = by_case[e.case_id]
    return events
