"""The time as the ledger sees it. Normally the real time; the demo loader and the month
simulator set a fake clock so events, deadlines and replies carry believable times."""

import contextlib
import contextvars
import datetime as dt

from django.utils import timezone

_fake: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar("minqing_fake_now", default=None)


def now() -> dt.datetime:
    return _fake.get() or timezone.now()


def today() -> dt.date:
    """The county's calendar day now (settings.TIME_ZONE) — not `now().date()`, which is the day in UTC:
    from midnight to 8 a.m. in China that is still yesterday (a visit dated today was refused then)."""
    return timezone.localdate(now())


@contextlib.contextmanager
def frozen_at(moment: dt.datetime):
    token = _fake.set(moment)
    try:
        yield
    finally:
        _fake.reset(token)
