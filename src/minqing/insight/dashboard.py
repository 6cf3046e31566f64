"""The leaders' dashboard: every figure is a count over the same filtered case list that `/cases/`
shows (`ledger.queries.apply_filters` for the area's unit), so each number links to exactly the cases
behind it. The figures of an area are kept as a snapshot for FRESH (the worker refreshes the county's
and townships' standard views every 10 minutes); warnings are read live, hotspots from the worker's
last run for the area (`refresh_hotspots`)."""

import datetime as dt
import time
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from .. import clock
from ..errors import Invalid
from ..ledger.days import parse_day
from ..ledger.models import Case, Channel
from ..ledger.permissions import cases_visible_to
from ..ledger.queries import OPEN, apply_filters, overdue_q
from ..org.models import Level, Unit
from ..org.scope import in_subtree
from ..workflow.rates import rates_for
from ..workflow.stats import unit_or_own
from .models import DashboardSnapshot, HotspotRun, WarningKind

PERIODS = {"7": 7, "30": 30, "90": 90, "365": 365}
HOTSPOT_DAYS = 30
FRESH = dt.timedelta(minutes=10)
MAX_PLACES = 40


def dashboard(user, unit: str = "", days: str = "30", until: str = "") -> dict:
    if str(days) not in PERIODS:
        raise Invalid("统计时段应为 7、30、90 或 365 天", field="days")
    base = unit_or_own(user, unit)
    end = parse_day(until, "until", "截止日期") if until else timezone.localdate(clock.now())
    start = end - dt.timedelta(days=PERIODS[str(days)] - 1)
    data = snapshot(base, start, end)
    return {**data, "days": int(days), "warnings": _warnings(user, base), "hotspots": latest_hotspots(user, base)}


def snapshot(base: Unit | None, start: dt.date, end: dt.date, *, refresh: bool = False) -> dict:
    """The area's figures over [start, end], computed at most every FRESH (the worker refreshes the county's
    and the townships' standard views ahead, so a leader's page is read, not computed). The figures
    are the area's: the same for everyone allowed to look at it (their scope holds the whole area)."""
    key = f"{base.code if base else '*'}:{start}:{end}"
    now = clock.now()
    row = None if refresh else DashboardSnapshot.objects.filter(key=key, computed_at__gte=now - FRESH).first()
    if row is None:
        t0 = time.perf_counter()
        data = figures(None, base, start, end)
        data.pop("warnings")
        row, _ = DashboardSnapshot.objects.update_or_create(
            key=key, defaults={"computed_at": now, "seconds": round(time.perf_counter() - t0, 3), "data": data})
    return {**row.data, "computed_at": row.computed_at.isoformat(), "compute_seconds": row.seconds}


def refresh_snapshots(now: dt.datetime | None = None) -> int:
    """The worker's job: the standard views (last 30 and 365 days) of the county and every township."""
    now = now or clock.now()
    end = timezone.localdate(now)
    done = 0
    with clock.frozen_at(now):
        for u in Unit.objects.filter(Q(parent__isnull=True) | Q(level=Level.TOWNSHIP), active=True):
            for days in (30, 365):
                snapshot(u, end - dt.timedelta(days=days - 1), end, refresh=True)
                done += 1
    return done


def figures(user, base: Unit | None, start: dt.date, end: dt.date) -> dict:
    """The counts of an area over [start, end] (local days). `user` None: the system's view (all cases),
    for reports the worker writes."""
    params = {"unit": base.code if base else "", "since": start.isoformat(), "until": end.isoformat()}
    qs = apply_filters(cases_visible_to(user) if user is not None else Case.objects.all(), params)

    def link(**extra) -> str:
        return "/cases/?" + urlencode({k: v for k, v in {**params, **extra}.items() if v})

    units = sorted(children(base)[:MAX_PLACES], key=lambda u: (u.level == Level.DEPARTMENT, u.path))
    late, open_ = overdue_q(), Q(status__in=OPEN)
    counts = {"total": Count("id"), "open": Count("id", filter=open_), "overdue": Count("id", filter=late),
              "closed": Count("id", filter=Q(status="closed"))}
    for i, u in enumerate(units):  # one pass over the period's cases for the totals and every unit below
        area = in_subtree("place_path", u.path) | in_subtree("assigned_path", u.path)
        counts |= {f"u{i}": Count("id", filter=area), f"u{i}o": Count("id", filter=area & open_),
                   f"u{i}l": Count("id", filter=area & late)}
        if u.level != Level.DEPARTMENT:  # where the cases are: each case in one place, so the areas add up
            here = in_subtree("place_path", u.path)
            counts |= {f"u{i}p": Count("id", filter=here), f"u{i}pl": Count("id", filter=here & late)}
    agg = qs.aggregate(**counts)
    totals = {k: agg[k] for k in ("total", "open", "overdue", "closed")}
    channels = dict(Channel.choices)
    return {
        "unit": base.code if base else None, "unit_name": base.name if base else "全部",
        "since": params["since"], "until": params["until"],
        "totals": {k: {"value": v, "link": link(**_drill(k))} for k, v in totals.items()},
        "rates": rates_for(qs),
        "by_day": _by_day(qs, start, end, link),
        "by_channel": [{"key": r["channel"], "name": str(channels.get(r["channel"], r["channel"])), "value": r["n"],
                        "link": link(channel=r["channel"])}
                       for r in qs.values("channel").annotate(n=Count("id")).order_by("-n")],
        "by_category": [{"name": r["category_top"] or "未分类", "value": r["n"],
                         "link": link(category=r["category_top"]) if r["category_top"] else None}
                        for r in qs.values("category_top").annotate(n=Count("id")).order_by("-n")[:15]],
        "by_place": [{"code": u.code, "name": u.name, "level": u.level, "value": agg[f"u{i}"], "open": agg[f"u{i}o"],
                      "overdue": agg[f"u{i}l"], "link": link(unit=u.code),
                      "overdue_share": round(agg[f"u{i}l"] / agg[f"u{i}"], 3) if agg[f"u{i}"] else 0,
                      "here": agg.get(f"u{i}p"), "here_overdue": agg.get(f"u{i}pl")}
                     for i, u in enumerate(units)],
        "warnings": _warnings(user, base),
    }


def _drill(key: str) -> dict:
    return {"total": {}, "open": {"status": "open"}, "overdue": {"overdue": "1"}, "closed": {"status": "closed"}}[key]


def _by_day(qs, start, end, link) -> list[dict]:
    tz = timezone.get_current_timezone()
    counts = {r["day"]: r["n"] for r in qs.annotate(day=TruncDate("received_at", tzinfo=tz)).values("day")
              .annotate(n=Count("id")).order_by()}
    days = [(start + dt.timedelta(days=i)) for i in range((end - start).days + 1)]
    return [{"day": d.isoformat(), "value": counts.get(d, 0), "link": link(since=d.isoformat(), until=d.isoformat())}
            for d in days]


def children(base: Unit | None):
    qs = Unit.objects.filter(active=True)
    if base is None:
        return qs.filter(parent__isnull=True)
    return qs.filter(parent=base).exclude(level=Level.GRID) if base.level != Level.VILLAGE else qs.filter(parent=base)


def _warnings(user, base) -> dict:
    from .models import Warning
    from .warnings import listing

    if user is None:
        open_ = Warning.objects.exclude(status="handled")
        open_ = open_.filter(in_subtree("unit_path", base.path)) if base else open_
    else:
        open_ = listing(user, "open", unit=base.code if base else "")
    kinds = dict(WarningKind.choices)
    by_kind = {r["kind"]: r["n"] for r in open_.values("kind").annotate(n=Count("id")).order_by()}
    return {"open": sum(by_kind.values()),
            "by_kind": [{"kind": k, "name": kinds[k], "value": by_kind.get(k, 0)} for k in kinds],
            "latest": [{"id": w.id, "title": w.title, "kind": kinds[w.kind], "raised_at": w.raised_at.isoformat()}
                       for w in open_[:6]]}


def _latest_runs(path: str = ""):
    """The worker's last run for the area at `path`, then for each area above it that has one."""
    for p in [path[:i] for i in range(len(path), 0, -6)] or [None]:
        q = HotspotRun.objects.filter(unit__path=p) if p else HotspotRun.objects.filter(unit__parent__isnull=True)
        run = q.order_by("-computed_at").first()
        if run:
            yield run


def hotspot_of(user, case) -> dict | None:
    """The hotspot of the area's last run that holds this case, with its other cases the user may see:
    voices that name one problem in other words, which the duplicate check (same words) misses."""
    # a township's run, else the county's: clustered with more voices around it, a problem may form there
    run, item = next(((r, h) for r in _latest_runs(case.place_path) for h in r.items if case.number in h["cases"]),
                     (None, None))
    if item is None:
        return None
    others = [n for n in item["cases"][:50] if n != case.number]
    seen = set(cases_visible_to(user).filter(number__in=others).values_list("number", flat=True))
    return {"title": item["title"], "voices": item["voices"], "heat": item.get("heat"),
            "cases": [n for n in others if n in seen][:10], "computed_at": run.computed_at.isoformat()}


def latest_hotspots(user, base, limit: int = 8) -> dict:
    """The worker's last run for the area (or the nearest area above it), keeping hotspots with a case
    the user may see."""
    run = next(_latest_runs(base.path if base else ""), None)
    if run is None:
        return {"computed_at": None, "items": []}
    numbers = {n for h in run.items for n in h["cases"][:50]}
    seen = set(cases_visible_to(user).filter(number__in=numbers).values_list("number", flat=True))
    items = [h for h in run.items if seen & set(h["cases"][:50])][:limit]
    return {"computed_at": run.computed_at.isoformat(), "unit": run.unit.name, "items": items,
            "within": base.name if base and run.unit_id != base.id else ""}  # a village: its township's run


def refresh_hotspots(now: dt.datetime | None = None, days: int = HOTSPOT_DAYS) -> int:
    """The worker's hourly job: hotspots of the last `days` for the county and each township, stored."""
    from .service import hotspots_of, in_area

    now = now or clock.now()
    since = now - dt.timedelta(days=days)
    units = Unit.objects.filter(Q(parent__isnull=True) | Q(level=Level.TOWNSHIP), active=True)
    for u in units:
        t0 = time.perf_counter()
        qs = Case.objects.filter(received_at__gte=since, received_at__lt=now).filter(
            in_area(u)).exclude(close_reason__in=["spam", "withdrawn"])
        items = hotspots_of(qs, now)
        HotspotRun.objects.create(unit=u, computed_at=now, since=since, until=now, cases=qs.count(),
                                  seconds=round(time.perf_counter() - t0, 3), items=items)
    return len(units)
