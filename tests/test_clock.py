"""The county's day is its own calendar day, not UTC's: from midnight to 8 a.m. in China the UTC date is still
yesterday, and a visit dated today used to be refused as "later than today" (found by CI at 00:35 Shanghai time)."""

import datetime as dt

from minqing import clock


def test_today_is_the_countys_calendar_day_and_a_visit_dated_today_is_taken_after_midnight(api, county):
    just_after_midnight = dt.datetime(2026, 12, 2, 16, 35, tzinfo=dt.UTC)  # 2026-12-03 00:35 in Asia/Shanghai
    with clock.frozen_at(just_after_midnight):
        assert clock.today() == dt.date(2026, 12, 3)
        status, body = api("grid")("POST", "/api/visits", {"unit": "VA", "visited_at": "2026-12-03", "households": 1,
                                                           "voices": [{"text": "村口路灯不亮，晚上走路看不清。"}]})
        assert status == 201, body
        status, body = api("grid")("POST", "/api/visits", {"unit": "VA", "visited_at": "2026-12-04"})
        assert status == 400 and body["error"]["field"] == "visited_at"
