"""The rates page: this unit's three rates, their monthly trend, and the ranking of the units below."""


from django.shortcuts import render
from django.utils.translation import gettext

from ... import clock
from ...errors import DomainError
from ...org.models import Level
from ...workflow import stats
from .staff import staff_required

NEXT_LEVEL = {Level.COUNTY: "township", Level.TOWNSHIP: "village", Level.VILLAGE: "village"}


@staff_required
def rates_page(request):
    p = request.GET
    level = p.get("level") or NEXT_LEVEL.get(request.user.unit.level if request.user.unit else "county", "township")
    error = None
    try:
        mine = stats.rates(request.user, p.get("unit", ""), p.get("since", ""), p.get("until", ""))
        ranking = stats.ranking(request.user, level, p.get("since", ""), p.get("until", ""))
        trend = stats.trend(request.user, p.get("unit", ""))
    except DomainError as e:
        error, mine, ranking, trend = e, {}, [], []
    today = clock.today()
    chart = {  # the month under way is marked: its cases are days old, most not yet due
        "months": [gettext("%(month)s（截至%(day)s日）") % {"month": t["month"], "day": today.day}
                   if t["month"] == today.strftime("%Y-%m") else t["month"] for t in trend],
        "series": {k: [t[k] for t in trend] for k in ("response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate")},
        "units": [r["name"] for r in ranking],
        "ranking": {k: [r[k] for r in ranking] for k in ("response_rate", "resolution_rate", "satisfaction_rate")},
    }
    return render(request, "minqing/stats/rates.html", {
        "mine": mine, "ranking": ranking, "level": level, "params": p, "error": error,
        "chart": chart,  # json_script in the page: a "</script>" in a unit name stays text
    }, status=400 if error else 200)
