"""The time as the ledger sees it. Normally the real time; the demo loader and the month
simulator set a fake clock so events, deadlines and replies carry believable times."""

import contextlib
import contextvars
import datetime as dt

from django.utils import timezone

_fake: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar("minqing_fake_now", default=None)


def now() -> dt.datetime:
    return _fake.get() or timezone.now()


@contextlib.contextmanager
def frozen_at(moment: dt.datetime):
    token = _fake.set(moment)
    try:
        yield
    finally:
        _fake.reset(token)
