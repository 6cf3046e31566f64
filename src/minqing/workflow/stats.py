"""Rates for a user's view: scope, period and grouping, used by the API and the ranking page."""

import datetime as dt

from django.db.models import Q

from .. import clock
from ..errors import Invalid
from ..ledger.permissions import cases_visible_to
from ..ledger.queries import day_bounds
from ..org.models import Level, Unit
from ..org.scope import in_subtree, units_visible_to
from .rates import rates_by_month, rates_by_unit, rates_for

LEVELS = {"township": Level.TOWNSHIP, "village": Level.VILLAGE, "department": Level.DEPARTMENT}


def responsible_in(unit: Unit) -> Q:
    """Cases the unit's subtree is responsible for: assigned there, or not dispatched and placed there."""
    return in_subtree("assigned_path", unit.path) | (Q(assigned_path="") & in_subtree("place_path", unit.path))


def period(qs, since: str = "", until: str = ""):
    lo, hi = day_bounds(since, until)
    if lo:
        qs = qs.filter(received_at__gte=lo)
    if hi:
        qs = qs.filter(received_at__lt=hi)
    return qs


def unit_or_own(user, code: str) -> Unit | None:
    if not code:
        return user.unit
    unit = units_visible_to(user).filter(code=code).first()
    if unit is None:
        raise Invalid(f"单位“{code}”不存在或不在您的范围内", field="unit")
    return unit


def rates(user, unit: str = "", since: str = "", until: str = "") -> dict:
    base = unit_or_own(user, unit)
    qs = period(cases_visible_to(user), since, until)
    if base is not None:
        qs = qs.filter(responsible_in(base))
    out = rates_for(qs)
    out["unit"] = base.code if base else None
    return out


def ranking(user, level: str = "township", since: str = "", until: str = "") -> list[dict]:
    """Units of one level within the user's area, best satisfaction first (None last)."""
    if level not in LEVELS:
        raise Invalid("层级应为 township、village 或 department", field="level")
    units = list(units_visible_to(user).filter(level=LEVELS[level]))
    qs = period(cases_visible_to(user), since, until)
    by_unit = rates_by_unit(qs, units)
    rows = [{"code": u.code, "name": u.name, **by_unit[u.id]} for u in units]
    rows.sort(key=lambda r: (r["satisfaction_rate"] is None, -(r["satisfaction_rate"] or 0), -r["cases"]))
    return rows


def trend(user, unit: str = "", months: int = 12) -> list[dict]:
    base = unit_or_own(user, unit)
    since = months_back(months - 1, clock.today())
    qs = period(cases_visible_to(user), since)
    if base is not None:
        qs = qs.filter(responsible_in(base))
    return rates_by_month(qs)


def months_back(n: int, today: dt.date) -> str:
    y, m = today.year, today.month - n
    while m <= 0:
        y, m = y - 1, m + 12
    return f"{y:04d}-{m:02d}-01"
