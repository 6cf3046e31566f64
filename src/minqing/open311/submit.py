"""POST requests: a citizen's voice passed on by another system's client (with its API key) becomes an
ordinary case on channel `open311` through intake's submit_voice — routed, answered and rated like any
other. Which unit it belongs to: `place_of`. What the public then sees of it: services.py."""

from __future__ import annotations

import math
import re
import secrets

from django.db import transaction
from django.utils import timezone

from ..errors import DomainError
from ..intake.services import submit_voice
from ..ledger.models import Channel
from ..org.models import Level, Unit
from ..org.scope import in_subtree
from ..sanitize import clean
from .formats import Open311Error
from .models import ApiKey, Submission
from .services import MAX_DESCRIPTION, jurisdiction, service_of, subcategories

_ATTRIBUTE = re.compile(r"attribute\[([^\]]+)\](\[\])?")
_URL = re.compile(r"https?://[^\s<>\"']+", re.I)


def _field(form, name: str, limit: int) -> str:
    value = clean(str(form.get(name) or ""), multiline=False).strip()
    if len(value) > limit:
        raise Open311Error(400, f"{name} is longer than {limit} characters: {name} 过长")
    return value


def _cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _nearest(units: list[Unit], lat: float, lng: float) -> Unit | None:
    """The unit whose centre is nearest to the point: villages and grids first, townships where none of
    them has a centre; none further than 30 km (then the point says nothing about the place)."""
    for levels in ((Level.GRID, Level.VILLAGE), (Level.TOWNSHIP,)):
        placed = [u for u in units if u.level in levels and u.lat is not None and u.lng is not None]
        if placed:
            def km(u):
                dx = math.radians(u.lng - lng) * math.cos(math.radians((u.lat + lat) / 2))
                return 6371 * math.hypot(dx, math.radians(u.lat - lat))
            best = min(placed, key=km)
            return best if km(best) <= 30 else None
    return None


def place_of(county: Unit, address_id: str, lat, lng, words: str) -> Unit:
    """Where the case is: the unit `address_id` names (a unit code, as requests.json gives it), else the unit
    nearest to the point, else the deepest unit named in the address or description, else the county."""
    units = [u for u in Unit.objects.filter(in_subtree("path", county.path), active=True)
             .exclude(level=Level.DEPARTMENT)]
    if address_id:
        for u in units:
            if u.code == address_id:
                return u
        raise Open311Error(400, f"address_id not found: 没有代码为“{address_id[:40]}”的乡镇/村社区")
    if lat is not None and lng is not None:
        near = _nearest(units, lat, lng)
        if near is not None:
            return near
    depth = {Level.GRID: 4, Level.VILLAGE: 3, Level.TOWNSHIP: 2}
    named = [u for u in units if u.level in depth and len(u.name) >= 2 and u.name in words]
    if named:
        return max(named, key=lambda u: (depth[u.level], len(u.name)))
    return county


def _point(form):
    lat, lng = form.get("lat"), form.get("long")
    if lat in (None, "") and lng in (None, ""):
        return None, None
    if lat in (None, "") or lng in (None, ""):
        raise Open311Error(400, "lat and long must be given together: 纬度 lat 和经度 long 需同时提供")
    try:
        lat, lng = float(lat), float(lng)
    except ValueError:
        raise Open311Error(400, "lat and long must be decimal degrees (WGS-84): 坐标应为十进制度数") from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise Open311Error(400, "lat must lie in [-90, 90] and long in [-180, 180]: 坐标超出范围")
    return lat, lng


# intake's field names → the specification's, in error descriptions
OPEN311_NAMES = {"text": "description", "lat": "lat", "lng": "long", "title": "attribute[title]",
                 "address": "address_string", "unit": "address_id", "submitter.name": "first_name/last_name",
                 "submitter.phone": "phone"}


def submit(form, key: ApiKey) -> list[dict]:
    """POST requests: a citizen's voice from another system's client becomes an ordinary case (channel
    open311), routed, answered and rated like any other. Returns the specification's answer."""
    county = jurisdiction(form.get("jurisdiction_id"))
    if not (form.get("service_code") or "").strip():
        raise Open311Error(400, "service_code was not provided: 请提供 service_code（见 services.json）")
    service = service_of(form.get("service_code"), status=400)
    lat, lng = _point(form)
    address_string = _field(form, "address_string", 200)
    address_id = _field(form, "address_id", 40)
    if lat is None and not address_string and not address_id:
        raise Open311Error(400, "a location is required: lat & long, address_string or address_id "
                                "（需提供坐标、地址或 address_id 之一）")
    description = clean(str(form.get("description") or ""), multiline=True).strip()
    if not description:
        raise Open311Error(400, "description was not provided: 请描述问题（description）")
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, f"description is longer than {MAX_DESCRIPTION} characters: 描述过长")
    attributes = {}
    for name in form:
        m = _ATTRIBUTE.fullmatch(name)
        if m:
            values = [clean(v, multiline=False).strip()[:200] for v in form.getlist(name)]
            attributes[m.group(1)[:40]] = values if m.group(2) else values[-1]
    category = service
    sub = str(attributes.get("subcategory") or "").strip()
    if sub:
        category = next((c for c in subcategories()[service.pk] if str(c.pk) == sub), None)
        if category is None:
            raise Open311Error(400, f"attribute[subcategory] “{sub[:20]}” is not a value of this service: "
                                    "不是该类别的二级分类代码（见 services/{service_code}.json）")
    media_url = _field(form, "media_url", 500)
    if media_url and not _URL.fullmatch(media_url):
        raise Open311Error(400, "media_url must be an http(s) URL: media_url 应为 http(s) 网址")
    first, last = _field(form, "first_name", 30), _field(form, "last_name", 30)
    name = f"{last}{first}" if _cjk(first + last) else " ".join(p for p in (first, last) if p)
    phone = _field(form, "phone", 20)
    email = _field(form, "email", 120)
    unit = place_of(county, address_id, lat, lng, f"{address_string} {description}")
    text = description + (f"\n附图：{media_url}" if media_url else "")
    data = {
        "channel": Channel.OPEN311, "text": text, "title": str(attributes.get("title") or ""), "unit": unit.code,
        "address": address_string, "lat": lat, "lng": lng,
        # the client did not ask the citizen: identity kept from the public and masked for staff, as 保密
        "submitter": {"mode": "protected", "name": name[:60], "phone": phone} if name or phone else {"mode": "anonymous"},
    }
    token = secrets.token_hex(12)
    try:
        with transaction.atomic():
            voice = submit_voice(data, None, system=key.name,
                                 extra={"category": category, "source": f"open311:{key.name}"[:40], "external_id": token})
            Submission.objects.create(case=voice.case, key=key, token=token, media_url=media_url, email=email,
                                      device_id=_field(form, "device_id", 120),
                                      account_id=_field(form, "account_id", 120), attributes=attributes)
    except DomainError as e:
        field = OPEN311_NAMES.get(e.field or "", e.field or "request")
        raise Open311Error(400 if e.status not in (403, 404) else e.status, f"{field}: {e.message}") from None
    case = voice.case
    notice = f"已受理，编号 {case.number}"
    if case.resolve_due:
        notice += f"；将按时限办理，{timezone.localtime(case.resolve_due):%Y年%m月%d日}前办结答复"
    account = _field(form, "account_id", 120)
    return [{"service_request_id": case.number, "token": token, "service_notice": notice,
             "account_id": account or None}]
