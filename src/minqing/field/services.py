"""Recording a visit (each voice heard becomes a case in one step, channel 走访) and coverage figures."""

import datetime as dt

from django.db import transaction

from .. import clock
from ..errors import Forbidden, Invalid, unknown_unit
from ..intake.services import clean_text, submit_voice
from ..ledger.days import parse_day
from ..org.models import STAFF_ROLES, Level, Role, Unit, User
from ..org.scope import in_subtree
from ..workflow.stats import unit_or_own
from .models import Visit

MAX_VOICES = 50
COVERED_LEVELS = (Level.VILLAGE, Level.GRID)


@transaction.atomic
def record_visit(user, data: dict) -> Visit:
    if not getattr(user, "is_staff_member", False):
        raise Forbidden("只有工作人员可以登记走访")
    # a cadre may visit anywhere (a neighbouring village, a township cadre going down): any place unit
    unit = Unit.objects.filter(code=str(data.get("unit") or ""), active=True).exclude(level=Level.DEPARTMENT).first()
    if unit is None:
        raise unknown_unit(data.get("unit"))
    day = parse_day(data.get("visited_at"), "visited_at", "走访日期")
    if day > clock.today():
        raise Invalid("走访日期不能晚于今天", field="visited_at")
    households = data.get("households") or 0
    if not isinstance(households, int) or not 0 <= households <= 10000:
        raise Invalid("走访户数应为 0 到 10000 的整数", field="households")
    voices = data.get("voices") or []
    if not isinstance(voices, list) or len(voices) > MAX_VOICES:
        raise Invalid(f"一次走访最多登记{MAX_VOICES}条诉求", field="voices")
    visit = Visit.objects.create(visitor=user, unit=unit, unit_path=unit.path, visited_at=day, households=households,
                                 notes=clean_text(data.get("notes"), "走访情况", "notes", required=False),
                                 created_at=clock.now())
    for i, v in enumerate(voices):
        if not isinstance(v, dict):
            raise Invalid("每条诉求应为对象", field=f"voices.{i}")
        voice = submit_voice({**v, "channel": "visit", "unit": v.get("unit") or unit.code}, user)
        visit.cases.add(voice.case)
    from .plans import fulfil

    fulfil(visit)  # a visit at a planned place marks the cadre's plan done
    return visit


def coverage(user, unit_code: str = "", since: str = "", until: str = "") -> dict:
    """Villages/grids and cadres in the area, and how many were visited / went down in the period."""
    from ..ledger.queries import day_bounds

    base = unit_or_own(user, unit_code)
    lo, hi = day_bounds(since, until)
    if lo is None and hi is None:  # default: this month (the seeds count "this month")
        today = clock.today()
        lo_day, hi_day = today.replace(day=1), today
    else:
        lo_day = lo.date() if lo else dt.date(1970, 1, 1)
        hi_day = (hi - dt.timedelta(days=1)).date() if hi else clock.today()
    area = Unit.objects.all() if base is None else Unit.objects.filter(in_subtree("path", base.path))
    places = area.filter(level__in=COVERED_LEVELS, active=True)
    visits = Visit.objects.filter(visited_at__gte=lo_day, visited_at__lte=hi_day)
    if base is not None:
        visits = visits.filter(in_subtree("unit_path", base.path))
    cadres = User.objects.filter(is_active=True, role__in=[r for r in STAFF_ROLES if r != Role.ADMIN],
                                 unit__in=area)
    visited_units = set(visits.values_list("unit_id", flat=True))
    return {
        "unit": base.code if base else None, "since": lo_day.isoformat(), "until": hi_day.isoformat(),
        "units_total": places.count(),
        "units_visited": places.filter(id__in=visited_units).count(),
        "cadres_total": cadres.count(),
        "cadres_visited": cadres.filter(id__in=visits.values("visitor_id")).count(),
        "visits": visits.count(),
        "households": sum(visits.values_list("households", flat=True)),
        "voices": Visit.cases.through.objects.filter(visit__in=visits).count(),
    }
