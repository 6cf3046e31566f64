"""Cases on a map (docs/map.md): the staff map's case layer as GeoJSON, and the public board's cases with
their points rounded to about 100 m (privacy.public_point)."""

from typing import Any

from django.http import HttpResponse
from django.utils import timezone

from ..insight.maps import GEOJSON, case_layer, encoded, hotspot_layer
from ..limits import hit
from ..publicity.board import board_page_of, unit_or_404
from .main import api
from .openapi import answers

GEOJSON_ANSWER = {"responses": {200: {"description": "GeoJSON FeatureCollection（可按 Accept-Encoding 压缩）",
                                      "content": {GEOJSON.split(";")[0]: {"schema": {"type": "object"}}}}}}


@api.get("/map/cases", response=dict[str, Any], tags=["map"], openapi_extra=GEOJSON_ANSWER,
         summary="地图：按权限范围和工单列表的筛选条件（默认未办结，status=all 为全部）返回工单点位（GeoJSON），"
                 "最多 50,000 个；没有坐标的工单落在所在单位的中心（approximate）；hotspots=1 时附热点位置")
def map_cases(request, status: str = "", unit: str = "", category: str = "", channel: str = "", overdue: str = "",
              q: str = "", since: str = "", until: str = "", hotspots: bool = False):
    params = {"status": status, "unit": unit, "category": category, "channel": channel, "overdue": overdue,
              "q": q, "since": since, "until": until}
    data = case_layer(request.auth, params)
    if hotspots:
        data["hotspots"] = hotspot_layer(request.auth, unit)
    return geojson(request, data)


def geojson(request, data: dict) -> HttpResponse:
    body, encoding = encoded(data, request.headers.get("Accept-Encoding", ""))
    response = HttpResponse(body, content_type=GEOJSON)
    response["Vary"] = "Accept-Encoding"
    if encoding:
        response["Content-Encoding"] = encoding
    return response


def _public(item: dict) -> dict:
    return {k: timezone.localtime(v).isoformat() if k in ("received_at", "replied_at") and v else v
            for k, v in item.items()}


@api.get("/public/{unit_code}/cases", auth=None, response=dict[str, Any], tags=["publicity"],
         openapi_extra=answers(429),
         summary="某单位办理公开页面上的诉求（匿名化，每页30条，新的在前）；坐标取整到约100米，"
                 "没有坐标的落在村/社区中心（approximate）；无需登录")
def public_cases(request, unit_code: str, category: str = "", place: str = "", page: int = 1):
    hit(request, "public")
    items, more = board_page_of(unit_or_404(unit_code), category, place, max(1, min(page, 10_000)))
    return {"items": [_public(i) for i in items], "page": page, "more": more}
