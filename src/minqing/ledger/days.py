"""Dates that people type — a filter's since and until, a visit's day, a plan's start and end, a deadline,
a consultation's opening and closing — read by one parser with one supported range.

Python's dates end at the years 1 and 9999; a day at either edge overflows as soon as a day is added or it
is turned into UTC to be stored or compared (year 1 at 00:00 in Beijing is still year 0 in UTC). Such a date
was a server error in every list, statistic and form that took one; now it is a 400 with a Chinese message,
like any other bad date. The range is wide enough for any ledger: old paper ledgers imported from the
1990s, deadlines and plans decades ahead."""

import datetime as dt

from ..errors import Invalid

FIRST = dt.date(1900, 1, 1)
LAST = dt.date(2100, 12, 31)
FORMAT = "YYYY-MM-DD"


def in_range(day: dt.date, field: str | None, label: str = "日期") -> dt.date:
    if not FIRST <= day <= LAST:
        raise Invalid(f"{label}应在 {FIRST.year} 年至 {LAST.year} 年之间", field=field)
    return day


def parse_day(value, field: str | None, label: str = "日期") -> dt.date:
    """A day written as YYYY-MM-DD (anything after the tenth character is ignored, so a timestamp works too)."""
    try:
        day = dt.date.fromisoformat(str(value or "").strip()[:10])
    except ValueError:
        raise Invalid(f"{label}格式应为 {FORMAT}", field=field) from None
    return in_range(day, field, label)


def parse_moment(value, field: str | None, label: str = "时间") -> dt.datetime:
    """A moment written as YYYY-MM-DDTHH:MM[:SS][±HH:MM], or a day (then 23:59:59 of it); naive until the
    caller makes it aware."""
    text = str(value or "").strip()
    try:
        moment = dt.datetime.fromisoformat(text) if len(text) > 10 else dt.datetime.combine(
            dt.date.fromisoformat(text), dt.time(23, 59, 59))
    except ValueError:
        raise Invalid(f"{label}格式应为 {FORMAT} 或 {FORMAT}THH:MM", field=field) from None
    in_range(moment.date(), field, label)
    return moment
