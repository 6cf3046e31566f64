"""Exactly once over a network that drops replies (issue 20).

A grid cadre's phone queues a visit, a voice or a photo while there is no signal and sends it when the
signal returns. If the answer is lost on the way back, the phone cannot know whether the server wrote the
case, so it sends again. Each queued record carries a key the phone made up (a UUID, the `Idempotency-Key`
header; `idempotency_key` in a citizen's form); the first request with a key is carried out and its answer
kept (`SentRecord`), in the same transaction as the case itself; every later request with that key gets
the kept answer and writes nothing. A request the services refuse (bad unit, text too short) keeps
nothing: it is refused again, the same way, however often it is resent.

A key is one request: used again by another user, on another route, or with another body, it is refused
(409 `idempotency_conflict`) rather than silently answered with someone else's case."""

import hashlib
import json
import re

from django.db import IntegrityError, transaction

from ..errors import DomainError, Invalid
from .models import SentRecord

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{7,79}$")


class KeyConflict(DomainError):
    status = 409
    default_code = "idempotency_conflict"


def check_key(key) -> str:
    key = str(key or "").strip()
    if not _KEY.match(key):
        raise Invalid("Idempotency-Key 应为 8 到 80 个字母、数字或 - _ . :（建议用 UUID）", field="Idempotency-Key",
                      code="bad_idempotency_key")
    return key


def fingerprint(route: str, payload) -> str:
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{route}\n{body}".encode()).hexdigest()


def run_once(key: str | None, user, route: str, payload, fn) -> tuple[int, dict, bool]:
    """`fn()` → (status, body), carried out at most once per key. Returns (status, body, replayed).
    Without a key, `fn` simply runs (the API stays as it was for callers that send none)."""
    if not key:
        status, body = fn()
        return status, body, False
    key = check_key(key)
    who = user if getattr(user, "pk", None) else None
    digest = fingerprint(route, payload)
    if (kept := _kept(key, who, route, digest)) is not None:
        return (*kept, True)
    try:
        with transaction.atomic():
            row = SentRecord.objects.create(key=key, user=who, route=route, fingerprint=digest)
            status, body = fn()
            row.status, row.response = status, body
            row.save(update_fields=["status", "response"])
    except IntegrityError:
        # the same key arrived twice at once: the other request won (PostgreSQL waited for it to commit)
        if (kept := _kept(key, who, route, digest)) is not None:
            return (*kept, True)
        raise
    return status, body, False


def _kept(key: str, user, route: str, digest: str) -> tuple[int, dict] | None:
    row = SentRecord.objects.filter(key=key).first()
    if row is None:
        return None
    if row.user_id != (user.pk if user else None) or row.route != route:
        raise KeyConflict("这个 Idempotency-Key 已用于另一个请求，请为每条记录生成新的键", field="Idempotency-Key")
    if row.fingerprint != digest:
        raise KeyConflict("同一个 Idempotency-Key 发来了不同的内容：一条记录只能有一个键，改过的记录请用新键",
                          field="Idempotency-Key")
    return row.status, row.response
