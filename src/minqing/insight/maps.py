"""Cases on a map (SPEC C10, C14; docs/map.md): the staff map's case layer as GeoJSON, the units' centres
for a background without tiles, and the hotspots drawn where their cases are.

The case layer starts from `cases_visible_to(user)` and takes the case list's filters
(`ledger/queries.apply_filters`), open cases unless a status is asked for. A case without a point of
its own is drawn at its unit's centre, marked `approximate`. One query, one row of six columns a case,
overdue decided in SQL: a county's 50,000 open cases in well under a second (docs/map.md)."""

import gzip
import json
import re

from django.db.models import BooleanField, ExpressionWrapper

from .. import clock
from ..ledger.permissions import cases_visible_to
from ..ledger.queries import FILTERS, apply_filters, overdue_q
from ..org.models import Level, Unit
from ..org.scope import units_visible_to
from ..workflow.stats import unit_or_own

MAX_POINTS = 50_000
HOTSPOTS = 20
GEOJSON = "application/geo+json; charset=utf-8"
_PLAIN = re.compile(r"[A-Za-z0-9_.-]+")


def dumps(data: dict) -> str:
    """The layer as the API and the page send it: compact, Chinese as it is. `features` may hold features
    already written as JSON text (`case_layer`: as dicts, 50,000 of them took half again as long)."""
    features = data.get("features")
    if not features or not isinstance(features[0], str):
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    rest = json.dumps({k: v for k, v in data.items() if k != "features"}, ensure_ascii=False, separators=(",", ":"))
    return rest[:-1] + ',"features":[' + ",".join(features) + "]}"


def encoded(data: dict, accept_encoding: str = "") -> tuple[bytes, str | None]:
    """The layer's body and its Content-Encoding: gzip (level 1, ~60 ms for 50,000 points) when the client
    takes it — 8.7 MB of GeoJSON become ~1 MB, a second less on a 100 Mbit/s county network."""
    body = dumps(data).encode("utf-8")
    if "gzip" in accept_encoding.lower() and len(body) > 1024:
        return gzip.compress(body, compresslevel=1, mtime=0), "gzip"
    return body, None


def _feature(number: str, status: str, category: str, lat: float, lng: float, overdue: bool, approximate: bool,
             texts: dict) -> str:
    """One case as a GeoJSON Feature, written directly: its strings JSON-escaped (and the few category
    names escaped once each, in `texts`)."""
    category = texts.get(category) or texts.setdefault(category, json.dumps(category, ensure_ascii=False))
    status = texts.get(status) or texts.setdefault(status, json.dumps(status))
    number = f'"{number}"' if _PLAIN.fullmatch(number) else json.dumps(number)  # MQ-2026-000123: nothing to escape
    more = ',"approximate":true' if approximate else ""
    late = "true" if overdue else "false"
    return (f'{{"type":"Feature","geometry":{{"type":"Point","coordinates":[{lng:.6f},{lat:.6f}]}},"properties":'
            f'{{"number":{number},"status":{status},"category":{category},"overdue":{late}{more}}}}}')


def unit_centres() -> dict[int, tuple[float, float]]:
    return {pk: (lat, lng) for pk, lat, lng in
            Unit.objects.filter(lat__isnull=False, lng__isnull=False).values_list("id", "lat", "lng")}


def case_layer(user, params) -> dict:
    """A GeoJSON FeatureCollection of the cases the user may see that match `params` (the case list's
    filters; `status` defaults to open, `status=all` for every case), at most MAX_POINTS of them, newest
    first, each feature already JSON text (`dumps` writes the whole). Foreign members: `count` (features),
    `unplaced` (matched, but no point and no unit centre), `truncated` (more than MAX_POINTS matched)."""
    wanted = {k: params.get(k) or "" for k in FILTERS}
    wanted["status"] = {"": "open", "all": ""}.get(wanted["status"], wanted["status"])
    qs = apply_filters(cases_visible_to(user), wanted)
    late = ExpressionWrapper(overdue_q(clock.now()), output_field=BooleanField())
    rows = qs.annotate(late=late).order_by("-received_at", "-id").values_list(
        "number", "status", "category_top", "lat", "lng", "unit_id", "late")[: MAX_POINTS + 1]
    centres = unit_centres()
    features, unplaced, texts = [], 0, {}
    rows = list(rows)
    for number, status, category, lat, lng, unit_id, overdue in rows[:MAX_POINTS]:
        approximate = lat is None or lng is None
        if approximate:
            lat, lng = centres.get(unit_id, (None, None))
            if lat is None:
                unplaced += 1
                continue
        features.append(_feature(number, status, category, lat, lng, overdue, approximate, texts))
    return {"type": "FeatureCollection", "features": features, "count": len(features), "unplaced": unplaced,
            "truncated": len(rows) > MAX_POINTS}


def hotspot_layer(user, unit: str = "") -> list[dict]:
    """The hotspots of the area's last run (insight/dashboard.latest_hotspots) at the centre of their cases'
    points (the user's visible cases; a case without a point counts at its unit's centre), with the
    farthest case's distance from it as `radius` in metres."""
    from ..ledger.geo import distance_m
    from .dashboard import latest_hotspots

    base = unit_or_own(user, unit)
    items = latest_hotspots(user, base, limit=HOTSPOTS)["items"]
    numbers = {n for h in items for n in h["cases"][:200]}
    centres = unit_centres()
    points = {}
    for number, lat, lng, unit_id in cases_visible_to(user).filter(number__in=numbers).values_list(
            "number", "lat", "lng", "unit_id"):
        point = (lat, lng) if lat is not None and lng is not None else centres.get(unit_id)
        if point:
            points[number] = point
    out = []
    for h in items:
        mine = [points[n] for n in h["cases"][:200] if n in points]
        if not mine:
            continue
        lat = sum(p[0] for p in mine) / len(mine)
        lng = sum(p[1] for p in mine) / len(mine)
        radius = max(float(distance_m(lat, lng, p[0], p[1])) for p in mine)
        out.append({"title": h["title"], "heat": h.get("heat"), "voices": h["voices"], "cases": len(mine),
                    "lat": round(lat, 6), "lng": round(lng, 6), "radius": round(max(radius, 80.0))})
    return out


def unit_layer(user) -> list[dict]:
    """The user's units that have a centre: the background's names when there are no tiles."""
    qs = units_visible_to(user).filter(lat__isnull=False, lng__isnull=False).exclude(level=Level.DEPARTMENT)
    return [{"code": u.code, "name": u.name, "level": u.level, "lat": u.lat, "lng": u.lng}
            for u in qs.only("code", "name", "level", "lat", "lng")]
