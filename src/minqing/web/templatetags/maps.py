"""The maps' settings for map.js (static/minqing/map.js), as a JSON block the page carries: the operator's
tile servers (MINQING_MAP_TILES) and the units' centres for a background without tiles (docs/map.md)."""

from django import template
from django.conf import settings
from django.utils.html import json_script

from ...ledger.models import Status
from ...org.models import Level, Unit

register = template.Library()


def map_config(units: list[dict], **more) -> dict:
    return {"tiles": settings.MAP_TILES, "subdomains": settings.MAP_SUBDOMAINS, "attribution": settings.MAP_ATTRIBUTION,
            "units": units, "statuses": {k: str(v) for k, v in Status.choices}, **more}


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
