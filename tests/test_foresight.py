"""Foresight: the seasonal forecast on planted series, its back-test beside the naive forecast, and the
outlook of an area with its "act before the complaints" suggestions."""

import datetime as dt

import pytest

from minqing import clock
from minqing.insight.foresight import forecast, naive, outlook, seasonal_forecast
from minqing.ledger.models import Case

NOW = dt.datetime(2026, 8, 19, 10, 0, tzinfo=dt.UTC)  # a Wednesday before the autumn term


def school_year(weeks_before_surge: int = 10, surge: int = 5, base: float = 4.0) -> list[float]:
    """A year of weekly counts: flat, then the enrolment surge (4 weeks at 3×), then flat."""
    year = [base] * 52
    for w in range(weeks_before_surge, weeks_before_surge + 4):
        year[w] = base * 3
    return year


def test_the_forecast_repeats_last_years_season_from_this_years_level():
    last = school_year(weeks_before_surge=40)  # last year: 4 a week, 12 in weeks 40–43
    this = [6.0] * 40                           # this year runs higher: 6 a week, now at week 40
    expected = forecast(last + this)
    # week 2 and 3 ahead: last year's surge (12 + 2) / (4 + 2) times this year's level of 6
    assert expected[1] == pytest.approx(14.0) and expected[2] == pytest.approx(14.0)
    assert expected[0] < expected[1] and naive(last + this) == [6.0] * 4
    assert forecast([5.0] * 20) == [5.0] * 4  # no year of history: the level


def test_back_test_the_seasonal_forecast_beats_the_naive_on_a_seasonal_series():
    series = school_year(40) * 3
    errors = {"seasonal": 0.0, "naive": 0.0}
    for cut in range(60, len(series) - 4):
        actual = series[cut:cut + 4]
        for name, f in (("seasonal", forecast), ("naive", naive)):
            errors[name] += sum(abs(a - b) for a, b in zip(f(series[:cut]), actual, strict=True))
    assert errors["seasonal"] < 0.5 * errors["naive"]


def test_a_series_without_a_season_worth_repeating_falls_back_to_the_level():
    series = [5.0] * 52 + [20.0] * 30  # the volume jumped this year; last year had bursts that did not recur
    series[20:23] = series[31:34] = [40.0] * 3
    assert seasonal_forecast(series)[1] > 30 and forecast(series) == naive(series) == [20.0] * 4


def test_outlook_suggests_acting_before_the_enrolment_surge(make_case, county, api, client):
    seed = make_case("VA", "孩子入学报名需要哪些材料")
    fields = {k: v for k, v in seed.__dict__.items() if not k.startswith("_") and k != "id"}
    rows, n = [], 0

    def add(at, count):
        nonlocal n
        for _ in range(count):
            n += 1
            rows.append(Case(**{**fields, "number": f"MQ-T-{n:06d}", "received_at": at, "category_top": "教育文体"}))

    for weeks_ago in range(1, 61):  # 2 a week; 8 a week in last year's weeks that match the coming ones
        add(NOW - dt.timedelta(weeks=weeks_ago, days=1), 8 if 47 <= weeks_ago <= 52 else 2)
    Case.objects.bulk_create(rows)
    found = outlook(None, NOW)
    edu = [r for r in found if r["category"] == "教育文体"]
    assert edu and edu[0]["rising"] and "入学" in edu[0]["suggestion"]
    assert edu[0]["expected"] > 1.3 * edu[0]["recent"]
    with clock.frozen_at(NOW):
        status, body = api("leader")("GET", "/api/foresight?rising=true")
        assert status == 200 and body and body[0]["category"] == "教育文体"
        client.force_login(county["leader"])
        assert "未诉先办" in client.get("/foresight/").content.decode()
