"""`audit verify`'s reader on PostgreSQL: the chain rows through `COPY … TO STDOUT`, the seals' input
built from the bytes as they arrive.

Through a cursor every field of every event becomes a Python object (psycopg decodes each text, Django
each row) only to be encoded again into the canonical JSON the seal covers. COPY's text format hands
back the rows as lines of tab-separated UTF-8 bytes, in one snapshot; a text field that holds none of
`"`, `\\` or a control character is, as bytes, already its own canonical JSON between two quotes (the
canonical form keeps every other character as it is: `ensure_ascii=False`), and an integer is its own
decimal. Only the rare field holding one of those (COPY's escapes, a quote, a NULL) and the event's data
go through `json`; the data's canonical form is remembered by its text (most events carry one of a few
shapes). The bytes built here are exactly `seal.content(...)`; tests/test_audit.py checks both readers
agree on events holding every kind of character."""

from __future__ import annotations

import json
import re

from django.db import connection

from . import seal
from .models import Case, CaseEvent

SPECIAL = re.compile(rb'[\x00-\x1f"\\]').search
ESCAPE = re.compile(rb"\\(.)")
UNESCAPED = {b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v", b"\\": b"\\"}
NULL = b"\\N"
MEMO = 50_000  # data shapes remembered; the memo starts over beyond


def _unescape(field: bytes) -> bytes:
    return ESCAPE.sub(lambda m: UNESCAPED.get(m[1], m[1]), field)


def _text(field: bytes, canonical=seal.canonical_json) -> bytes:
    """A text column as canonical JSON."""
    if not SPECIAL(field):
        return b'"' + field + b'"'
    if field == NULL:
        return b"null"
    return canonical(_unescape(field).decode()).encode()


def _number(field: bytes) -> bytes:
    return b"null" if field == NULL else field


def query(lo: int | None, hi: int | None) -> tuple[str, list]:
    case, event = Case._meta.db_table, CaseEvent._meta.db_table
    where, params = [], []
    if lo is not None:
        where.append("c.id >= %s")
        params.append(lo)
    if hi is not None:
        where.append("c.id < %s")
        params.append(hi)
    sql = (f"SELECT c.id, c.number, c.audit_count, c.audit_head, c.audit_seal, e.id, "
           f"(EXTRACT(EPOCH FROM e.at) * 1000000)::bigint, e.action, e.actor_id, e.actor_label, e.from_status, "
           f"e.to_status, e.note, e.data, e.seal FROM {case} c LEFT JOIN {event} e ON e.case_id = c.id "
           f"{'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY c.id, e.id")
    return sql, params


def lines(lo: int | None = None, hi: int | None = None):
    """The rows of the chain query as lines of bytes (COPY's text format), in order."""
    sql, params = query(lo, hi)
    with connection.cursor() as cur:
        raw = cur.connection.cursor()  # psycopg's own: Django's wrapper has no copy()
        with raw.copy(f"COPY ({sql}) TO STDOUT", params) as copy:
            rest = b""
            for block in copy:
                parts = (rest + bytes(block)).split(b"\n")
                rest = parts.pop()
                yield from parts
            if rest:
                yield rest


def rows(lo: int | None = None, hi: int | None = None):
    """What `audit.check` reads: (case id, number, audit_count, audit_head, audit_seal, event id or None,
    the bytes the event's seal covers, the event's stored seal)."""
    memo: dict[bytes, bytes] = {b"{}": b"{}"}
    canonical, loads, text, number = seal.canonical_json, json.loads, _text, _number
    last, case = None, None
    for line in lines(lo, hi):
        cid, num, count, head, sealed_case, eid, at, action, actor, label, before, after, note, data, sealed = \
            line.split(b"\t")
        if cid != last:
            last = cid
            case = (int(cid), num.decode(), 0 if count == NULL else int(count),
                    "" if head == NULL else _unescape(head).decode(), "" if sealed_case == NULL else sealed_case.decode())
            quoted_number = text(num)
        if eid == NULL:
            yield (*case, None, b"", "")
            continue
        body = memo.get(data)
        if body is None:
            plain = _unescape(data) if b"\\" in data else data
            body = canonical(loads(plain)).encode()
            if len(memo) > MEMO:
                memo.clear()
            memo[data] = body
        content = b"".join((b"[", cid, b",", quoted_number, b",", number(at), b",", text(action), b",", number(actor),
                            b",", text(label), b",", text(before), b",", text(after), b",", text(note), b"]\n", body))
        yield (*case, int(eid), content, "" if sealed == NULL else sealed.decode())
