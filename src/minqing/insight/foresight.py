"""Foresight (未诉先办): the expected voices of the coming weeks for each unit × category, with the
season of earlier years, and "act before the complaints" suggestions where a rise is coming.

Forecast (pure, over a weekly series, oldest first; docs/foresight.md):

    level   = mean of the last 8 weeks
    ratio_h = (S(t − 52k + h) + c) / (B(t − 52k) + c), averaged over the earlier years k with data
    forecast(t + h) = level × ratio_h            (h = 1 … horizon)

where S is the mean of the 3 weeks centred on the same week k years before (the season then) and B the
mean of the 8 weeks before that week (the level then); c = 2 keeps tiny counts from swinging the
ratio. Without a year of history the forecast is the level (the naive forecast, also the back-test's
baseline). Each series chooses for itself: where, over its own last 13 weeks, the seasonal forecast was
worse than the naive one by more than half a Poisson standard deviation (√(level + 1)) per forecast week
on average — a volume that jumped, years that differ — the naive forecast is used. The autumn school-enrolment surge is the model case: last year's August rose from its
July level, so this year's is expected to rise the same way from this July's level."""

import datetime as dt
import math
from collections import defaultdict

from django.db.models import Count
from django.db.models.functions import Substr, TruncWeek
from django.utils import timezone

from .. import clock
from ..ledger.models import Case
from ..org.models import Level, Unit
from ..org.scope import in_subtree

SEASON, LEVEL_WEEKS, SMOOTH, CHECK_WEEKS = 52, 8, 2.0, 13
HORIZON = 4
RISE, MIN_EXPECTED = 1.3, 8
ADVICE = {
    "教育文体": "提前公布招生入学政策和学位安排，设咨询专线，学校周边交通疏导",
    "城乡建设": "提前排查在建工地、老旧小区和排水设施，公示施工安排",
    "劳动和社会保障": "提前公布社保、欠薪维权政策，节前开展欠薪专项检查",
    "卫生计生": "提前做好季节性疾病防控宣传，增加门诊预约号源",
    "交通运输": "提前发布出行提示和线路调整，增开高峰班次",
    "环境保护": "提前巡查油烟、噪音、扬尘重点点位",
    "农村农业": "提前做好农资供应、灌溉和防汛抗旱准备",
    "民政": "提前核查低保、特困人员名单，季节性走访慰问",
}
DEFAULT_ADVICE = "提前排查、主动公开政策、安排干部下访"


def naive(series: list[float], horizon: int = HORIZON) -> list[float]:
    recent = series[-LEVEL_WEEKS:]
    level = sum(recent) / len(recent) if recent else 0.0
    return [level] * horizon


def forecast(series: list[float], horizon: int = HORIZON) -> list[float]:
    """Expected counts of the next `horizon` weeks after a weekly series (oldest first): the seasonal
    forecast, unless over the last CHECK_WEEKS weeks of this very series it did clearly worse than the
    naive one (a place whose volume jumped or whose years differ has no season worth repeating)."""
    t = len(series)
    seasonal = seasonal_forecast(series, horizon)
    if t < SEASON + LEVEL_WEEKS + CHECK_WEEKS + horizon:
        return seasonal
    err = {"seasonal": 0.0, "naive": 0.0}
    for cut in range(t - CHECK_WEEKS - horizon + 1, t - horizon + 1):
        actual = series[cut:cut + horizon]
        err["seasonal"] += sum(abs(p - a) for p, a in zip(seasonal_forecast(series[:cut], horizon), actual, strict=True))
        err["naive"] += sum(abs(p - a) for p, a in zip(naive(series[:cut], horizon), actual, strict=True))
    # worse by more than half a Poisson standard deviation per forecast week: not noise, no season
    level = naive(series, 1)[0]
    worse = (err["seasonal"] - err["naive"]) / (CHECK_WEEKS * horizon) > 0.5 * math.sqrt(level + 1)
    return naive(series, horizon) if worse else seasonal


def seasonal_forecast(series: list[float], horizon: int = HORIZON) -> list[float]:
    """This year's level carried through the change earlier years showed at this time of year."""
    t = len(series)
    base = naive(series, horizon)
    ratios = defaultdict(list)
    for k in range(1, t // SEASON + 1):
        then = t - SEASON * k  # the same point in week-of-year, k years before
        if then - LEVEL_WEEKS < 0:
            break
        before = sum(series[then - LEVEL_WEEKS:then]) / LEVEL_WEEKS
        for h in range(1, horizon + 1):
            window = [series[i] for i in range(then + h - 2, then + h + 1) if 0 <= i < t]
            if window:
                ratios[h].append((sum(window) / len(window) + SMOOTH) / (before + SMOOTH))
    return [base[h - 1] * (sum(ratios[h]) / len(ratios[h]) if ratios[h] else 1.0) for h in range(1, horizon + 1)]


def weekly_series(base: Unit | None, weeks: int, now: dt.datetime) -> dict:
    """{(place, category): [counts of the `weeks` weeks (Monday to Sunday) before this one, oldest first]}
    for the units one level below base (townships of a county, villages of a township). One grouped
    query: place prefix × category × week."""
    this_week = week_start(now)
    first = this_week - dt.timedelta(weeks=weeks)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time()))
    end = timezone.make_aware(dt.datetime.combine(this_week, dt.time()))
    places = Unit.objects.filter(active=True, parent=base) if base else Unit.objects.filter(level=Level.TOWNSHIP)
    places = {u.path: u for u in places if u.level != Level.DEPARTMENT}
    if not places:
        return {}
    width = len(next(iter(places)))
    qs = Case.objects.filter(received_at__gte=start, received_at__lt=end).exclude(category_top="")
    if base is not None:
        qs = qs.filter(in_subtree("place_path", base.path))
    rows = (qs.annotate(place=Substr("place_path", 1, width), week=TruncWeek("received_at"))
            .values("place", "category_top", "week").annotate(n=Count("id")).order_by())
    out: dict = {}
    for r in rows:
        unit = places.get(r["place"])
        if unit is None:
            continue
        week = r["week"].date() if isinstance(r["week"], dt.datetime) else r["week"]
        i = (week - first).days // 7
        if 0 <= i < weeks:
            out.setdefault((unit, r["category_top"]), [0] * weeks)[i] += r["n"]
    return out


def outlook(base: Unit | None, now: dt.datetime | None = None, years: int = 3) -> list[dict]:
    """Each place × category with a forecast, rising ones (the suggestions) first."""
    now = now or clock.now()
    rows = []
    for (place, category), series in weekly_series(base, SEASON * years + LEVEL_WEEKS, now).items():
        if sum(series) < MIN_EXPECTED:
            continue
        expected = forecast(series)
        recent = sum(series[-HORIZON:])
        total = sum(expected)
        rising = total >= MIN_EXPECTED and total >= RISE * max(recent, 1)
        rows.append({
            "unit": place.code, "unit_name": place.name, "category": category,
            "recent": recent, "expected": round(total, 1), "weekly": [round(x, 1) for x in expected],
            "history": series[-12:], "spark": [round(100 * x / max(max(series[-12:]), 1)) for x in series[-12:]], "change": round(total / recent - 1, 3) if recent else None, "rising": rising,
            "suggestion": (f"预计未来{HORIZON}周{place.name}“{category}”类诉求约{total:.0f}件"
                           f"（近{HORIZON}周{recent}件），往年此时上升。建议：{ADVICE.get(category, DEFAULT_ADVICE)}。")
            if rising else "",
        })
    rows.sort(key=lambda r: (not r["rising"], -(r["expected"] - r["recent"]) if r["rising"] else -r["expected"]))
    return rows


def week_start(now: dt.datetime) -> dt.date:
    day = timezone.localdate(now)
    return day - dt.timedelta(days=day.weekday())


def outlook_for(user, unit: str = "") -> list[dict]:
    """The outlook of a user's area, cached for six hours (it changes with the weeks, not the minutes)."""
    from django.core.cache import cache

    from ..workflow.stats import unit_or_own

    base = unit_or_own(user, unit)
    key = f"foresight:{base.code if base else '*'}:{week_start(clock.now())}"
    rows = cache.get(key)
    if rows is None:
        rows = outlook(base)
        cache.set(key, rows, 6 * 3600)
    return rows
