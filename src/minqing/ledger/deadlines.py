"""Working-day arithmetic for time limits (限时办结).

Pure functions over a `WorkCalendar`. The default calendar is the State Council's holidays and
make-up working days (调休) from the `chinese_calendar` package, overridden by the admin's own
dates (a county may add a local holiday). For a year the package does not know yet, weekends plus
the admin's dates are used and a warning is logged once.

Rule for "n working days": the deadline falls at the same clock time on the n-th working day after
the day the clock starts; if the clock starts on a non-working day it starts at the beginning of the
next working day. n = 0 means by the end of the working day the clock starts on.
"""

import datetime as dt
import logging
from collections.abc import Mapping
from functools import lru_cache

import chinese_calendar

log = logging.getLogger(__name__)
END_OF_DAY = dt.time(17, 30)
START_OF_DAY = dt.time(8, 30)
_warned_years: set[int] = set()


@lru_cache(maxsize=4096)
def _official_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning("chinese_calendar does not know %s yet: using weekends and the admin's dates", day.year)
        return day.weekday() < 5


class WorkCalendar:
    def __init__(self, overrides: Mapping[dt.date, bool] | None = None):
        self.overrides = dict(overrides or {})

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return _official_workday(day)

    def next_workday(self, day: dt.date) -> dt.date:
        """The first working day strictly after `day`."""
        day += dt.timedelta(days=1)
        for _ in range(400):
            if self.is_workday(day):
                return day
            day += dt.timedelta(days=1)
        raise ValueError("no working day within 400 days")

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """Counted on the office's clock (settings.TIME_ZONE): a UTC instant is converted first, so the
        end of a working day is 17:30 in the county, not in Greenwich."""
        from django.utils import timezone

        if timezone.is_aware(start):
            start = timezone.localtime(start)
        tz = start.tzinfo
        day, clock = start.date(), start.timetz()
        if not self.is_workday(day):
            day, clock = self.next_workday(day), START_OF_DAY.replace(tzinfo=tz)
        if days == 0:
            return dt.datetime.combine(day, END_OF_DAY, tzinfo=tz)
        for _ in range(days):
            day = self.next_workday(day)
        return dt.datetime.combine(day, clock.replace(tzinfo=None), tzinfo=tz)

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """Working days in the half-open range (a, b]: how far the clock moved while paused."""
        n, day = 0, a
        while day < b:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                n += 1
        return n

    def shift(self, due: dt.datetime, paused_from: dt.datetime, resumed_at: dt.datetime) -> dt.datetime:
        """Move a deadline forward by the working days the clock stood still."""
        return self.add_working_days(due, self.working_days_between(paused_from.date(), resumed_at.date())) \
            if resumed_at.date() > paused_from.date() else due


_cached: tuple[float, WorkCalendar] | None = None
CACHE_SECONDS = 60


def calendar_from_db() -> WorkCalendar:
    """The calendar with the admin's overrides, re-read at most once a minute per process
    (an admin's new holiday applies to deadlines computed after that)."""
    global _cached
    import time

    from .models import CalendarDay

    now = time.monotonic()
    if _cached is None or now - _cached[0] > CACHE_SECONDS:
        _cached = (now, WorkCalendar({d.date: d.is_workday for d in CalendarDay.objects.all()}))
    return _cached[1]


def forget_cached_calendar(**_kwargs) -> None:
    global _cached
    _cached = None
