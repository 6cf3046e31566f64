"""The maps' settings for map.js (static/minqing/map.js), as a JSON block the page carries: the operator's
tile servers (MINQING_MAP_TILES) and the units' centres for a background without tiles (docs/map.md)."""

from django import template
from django.conf import settings
from django.utils.html import json_script
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ...insight.maps import MAX_POINTS
from ...ledger.models import Status
from ...org.models import Level, Unit

register = template.Library()


def map_text() -> dict:
    """What map.js writes, in the page's language; {name} marks where a figure goes."""
    return {
        "no_tiles": _("示意图，未接入底图"), "overdue": _("已超期"),
        "no_point": _("无坐标，按所在单位中心显示"), "cases_n": _("{n} 件"),
        "hotspot": _("{title} · 热度 {heat} · {voices} 人次"),
        "layer_cases": _("工单"), "layer_hotspots": _("热点"), "layer_units": _("单位"),
        "count": _("共 {n} 件"), "approx": _("（其中 {n} 件没有坐标，按所在单位中心显示）"),
        "unplaced": _("；另有 {n} 件没有坐标，所在单位也未设中心，未显示"),
        "truncated": _("；超过 {n} 件，只显示最新的 {n} 件，请缩小筛选范围"), "hotspots_n": _("；热点 {n} 个"),
        "load_failed": _("地图数据加载失败：{error}"), "at_centre": _("位置为村/社区中心"), "at_100m": _("位置约百米"),
        "moved": _("已移动到：{lat}, {lng}"), "picked": _("已在地图上选定：{lat}, {lng}"),
        "position": _("位置：{lat}, {lng}"), "locating": _("正在定位…"),
        "located": _("已定位（精度约 {m} 米）：{lat}, {lng}"),
        "locate_failed": _("没能定位：{error}（需要 HTTPS 并允许定位；也可以在地图上点选）"),
    }


def map_config(units: list[dict], **more) -> dict:
    return {"tiles": settings.MAP_TILES, "subdomains": settings.MAP_SUBDOMAINS, "attribution": settings.MAP_ATTRIBUTION,
            "units": units, "statuses": {k: str(v) for k, v in Status.choices}, "text": map_text(),
            "lang": get_language() or "zh-hans", "max_points": MAX_POINTS, **more}


def place_centres(within: Unit | None = None, grids: bool = True) -> list[dict]:
    """Places that have a centre (public facts: a village's name and where it is), departments aside."""
    qs = Unit.objects.filter(active=True, lat__isnull=False, lng__isnull=False).exclude(level=Level.DEPARTMENT)
    if not grids:
        qs = qs.exclude(level=Level.GRID)
    if within is not None:
        qs = qs.filter(path__startswith=within.path)
    return [{"code": u.code, "name": u.name, "level": u.level, "lat": u.lat, "lng": u.lng}
            for u in qs.only("code", "name", "level", "lat", "lng")]


@register.simple_tag
def point_picker_config():
    """For the intake forms' point picker: tiles and the centres of the villages and the units above them
    (a county's thousand grids would only weigh on a phone)."""
    return json_script(map_config(place_centres(grids=False)), "map-config")
