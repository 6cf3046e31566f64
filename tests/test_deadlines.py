"""Working-day deadlines over holidays and make-up working days (调休)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from minqing.ledger.deadlines import WorkCalendar

TZ = ZoneInfo("Asia/Shanghai")
cal = WorkCalendar()


def at(*args):
    return dt.datetime(*args, tzinfo=TZ)


def test_national_day_week_is_skipped():
    # 2025: 1–8 October are holidays; Sunday 28 September and Saturday 11 October are make-up working days.
    assert cal.add_working_days(at(2025, 9, 30, 10, 0), 1) == at(2025, 10, 9, 10, 0)


def test_make_up_saturday_counts_as_a_working_day():
    assert cal.is_workday(dt.date(2025, 10, 11))
    assert cal.add_working_days(at(2025, 10, 10, 9, 0), 1) == at(2025, 10, 11, 9, 0)


def test_make_up_sunday_before_the_holiday_counts():
    # Friday 26 September → Sunday 28 September (make-up day), not Monday 29.
    assert cal.add_working_days(at(2025, 9, 26, 15, 0), 1) == at(2025, 9, 28, 15, 0)


def test_clock_starting_on_a_holiday_starts_next_working_morning():
    assert cal.add_working_days(at(2025, 10, 4, 22, 0), 0) == at(2025, 10, 9, 17, 30)
    assert cal.add_working_days(at(2025, 10, 4, 22, 0), 1) == at(2025, 10, 10, 8, 30)


def test_seven_working_days_across_spring_festival_2026():
    # 2026 Spring Festival: 15–23 February off; Saturday 14 and Saturday 28 February are working days.
    assert not cal.is_workday(dt.date(2026, 2, 16))
    assert cal.is_workday(dt.date(2026, 2, 14)) and cal.is_workday(dt.date(2026, 2, 28))
    # Fri 13, Sat 14 (make-up), Tue 24 … Fri 27, Sat 28 (make-up) = 7 working days
    assert cal.add_working_days(at(2026, 2, 12, 10, 0), 7) == at(2026, 2, 28, 10, 0)


def test_admin_override_adds_a_local_holiday_and_a_make_up_day():
    local = WorkCalendar({dt.date(2025, 11, 12): False, dt.date(2025, 11, 15): True})
    # Tuesday 11 → (Wed 12 is a local holiday) → Thu 13, Fri 14, Sat 15 (make-up)
    assert local.add_working_days(at(2025, 11, 11, 9, 0), 3) == at(2025, 11, 15, 9, 0)


def test_pause_moves_the_deadline_by_the_working_days_paused():
    due = at(2025, 11, 14, 9, 0)  # Friday
    # paused Monday 10 → resumed Wednesday 12: two working days
    assert cal.shift(due, at(2025, 11, 10, 9, 0), at(2025, 11, 12, 9, 0)) == at(2025, 11, 18, 9, 0)
    assert cal.shift(due, at(2025, 11, 10, 9, 0), at(2025, 11, 10, 15, 0)) == due


def test_unknown_future_year_falls_back_to_weekends(caplog):
    assert cal.is_workday(dt.date(2031, 3, 3))  # a Monday
    assert not cal.is_workday(dt.date(2031, 3, 2))  # a Sunday


@pytest.mark.django_db
def test_case_deadlines_follow_the_sla_and_calendar(county):
    from minqing import clock
    from minqing.intake.services import submit_voice

    with clock.frozen_at(at(2025, 9, 30, 10, 0)):
        case = submit_voice({"text": "路灯坏了好几天", "channel": "phone", "unit": "VA"}, county["disp"]).case
    assert case.contact_due == at(2025, 10, 9, 10, 0)  # 1 working day
    # 7 working days: 9, 10, 11 (make-up Saturday), 13, 14, 15, 16 October
    assert case.resolve_due == at(2025, 10, 16, 10, 0)


def test_a_utc_instant_is_counted_on_the_local_office_clock():
    # 06:58 in Beijing is 22:58 UTC the day before: the deadline is the end of *Beijing's* working day.
    utc = dt.datetime(2025, 11, 11, 22, 58, tzinfo=dt.UTC)  # Wednesday 12 November, 06:58 in Beijing
    assert cal.add_working_days(utc, 0) == at(2025, 11, 12, 17, 30)
    assert cal.add_working_days(utc, 1) == at(2025, 11, 13, 6, 58)
