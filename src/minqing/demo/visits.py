"""The demo's field visits (入户走访) of the last weeks: each village and grid cadre's rounds, so the
visits pages, their coverage and the field page show what a county at work looks like. No voices are
recorded with them — the demo's cases stay the real messages (demo/cases.py)."""

import datetime as dt

from django.utils import timezone

from .. import clock
from ..field.services import record_visit
from ..org.models import Level, Role, User

NOTES = ("入户走访独居老人，了解冬季取暖和用药情况", "走访沿街商户，宣传垃圾分类和门前三包",
         "查看雨后道路积水和排水沟清淤情况", "回访上月反映路灯问题的住户，路灯已修复",
         "走访低保户，核对家庭人口和收入变化", "到小区物业了解电梯维保和停车收费情况")
ROUNDS = 2  # visits per cadre


def load_demo_visits(now: dt.datetime) -> int:
    """Two visits per village/grid cadre, spread over the three weeks before `now`; how many recorded."""
    day = min(timezone.localdate(now), clock.today())
    cadres = User.objects.filter(role__in=(Role.GRID, Role.HANDLER), is_active=True,
                                 unit__level__in=(Level.VILLAGE, Level.GRID)).select_related("unit").order_by("username")
    made = 0
    for i, cadre in enumerate(cadres):
        for k in range(ROUNDS):
            visited = day - dt.timedelta(days=(2 + 9 * k + i) % 21)
            record_visit(cadre, {"unit": cadre.unit.code, "visited_at": visited.isoformat(),
                                 "households": 4 + (7 * i + 5 * k) % 18, "notes": NOTES[(i + 2 * k) % len(NOTES)]})
            made += 1
    return made
