"""Per-process caches that follow the database (issue 19). A process keeps the category model and the
segmenter's local names in memory; another node that retrains the model or adds a unit bumps a
`SharedVersion` row, and every process notices on its next look — one primary-key read, at most every
`every` seconds per process — and reloads. Not a message bus: a cheap poll of the one shared truth."""

from __future__ import annotations

import time

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import SharedVersion

_seen: dict[str, tuple[float, int]] = {}  # name -> (when looked, number seen)


def bump(name: str, value: str = "") -> None:
    """A new version of `name` (after the surrounding transaction commits: a rolled-back change is no version)."""
    def go():
        updated = SharedVersion.objects.filter(name=name).update(number=F("number") + 1, value=value,
                                                                 changed_at=timezone.now())
        if not updated:
            _, created = SharedVersion.objects.get_or_create(name=name, defaults={"number": 1, "value": value})
            if not created:
                SharedVersion.objects.filter(name=name).update(number=F("number") + 1, value=value,
                                                               changed_at=timezone.now())
    transaction.on_commit(go)


def current(name: str) -> SharedVersion | None:
    return SharedVersion.objects.filter(name=name).first()


def changed(name: str, every: float = 10.0) -> SharedVersion | None:
    """The row of `name` if its number moved since this process last looked (the first look counts as a
    move when a row exists); None otherwise, and without a query when the last look is under `every` s old."""
    now = time.monotonic()
    last = _seen.get(name)
    if last is not None and now - last[0] < every:
        return None
    row = current(name)
    number = row.number if row else 0
    _seen[name] = (now, number)
    if row is None or (last is not None and last[1] == number):
        return None
    return row


def forget() -> None:
    """Tests: every process starts afresh."""
    _seen.clear()
