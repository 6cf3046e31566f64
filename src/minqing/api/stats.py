"""The three rates and the rankings (SPEC C9, C16)."""

from typing import Any

from ..workflow import stats
from .main import api


@api.get("/stats/rates", response=dict[str, Any], tags=["stats"],
         summary="响应率、解决率、满意率、按时办结率、退单率、重办率（分数，无分母时为 null）")
def get_rates(request, unit: str = "", since: str = "", until: str = ""):
    return stats.rates(request.auth, unit, since, until)


@api.get("/stats/ranking", response=list[dict[str, Any]], tags=["stats"], summary="同一层级单位的三率排名")
def get_ranking(request, level: str = "township", since: str = "", until: str = ""):
    return stats.ranking(request.auth, level, since, until)


@api.get("/stats/trend", response=list[dict[str, Any]], tags=["stats"], summary="近12个月的三率走势")
def get_trend(request, unit: str = ""):
    return stats.trend(request.auth, unit)


@api.get("/notifications", response=list[dict[str, Any]], tags=["stats"], summary="我的站内通知（提醒、督办）")
def get_notifications(request):
    from ..workflow.notify import inbox

    return [{"id": n.id, "kind": n.kind, "text": n.text, "case": n.case.number if n.case_id else None,
             "created_at": n.created_at.isoformat(), "read": n.read_at is not None} for n in inbox(request.auth)]


@api.get("/hotspots", response=list[dict[str, Any]], tags=["stats"],
         summary="热点：按主题、地点、时间聚类的诉求，按热度排序（热度公式见 docs/hotspots.md）")
def get_hotspots(request, unit: str = "", since: str = "", until: str = ""):
    from ..insight.service import hotspots

    return hotspots(request.auth, unit, since, until)


@api.get("/stats/dashboard", response=dict[str, Any], tags=["stats"],
         summary="领导驾驶舱：件数、三率、按日/渠道/类别/下级单位分布、预警、热点；每个数字附下钻链接")
def get_dashboard(request, unit: str = "", days: str = "30", until: str = ""):
    from ..insight.dashboard import dashboard

    return dashboard(request.auth, unit, days, until)


@api.get("/foresight", response=list[dict[str, Any]], tags=["stats"],
         summary="未诉先办：下级单位 × 类别未来4周的预计诉求量（含往年季节规律）与提前应对建议，上升的在前")
def get_foresight(request, unit: str = "", rising: bool = False):
    from ..insight.foresight import outlook_for

    rows = outlook_for(request.auth, unit)
    return [r for r in rows if r["rising"]] if rising else rows
