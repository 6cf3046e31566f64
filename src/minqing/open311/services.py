"""What the Open311 GeoReport v2 routes answer (views.py only parses and formats):

- the jurisdiction: the county (`jurisdiction_id` = its unit code; optional where there is one county);
- the services: one per first-level category of the taxonomy that is not sensitive, group = that category,
  service_code = the category's id; each has a definition with two optional attributes, `subcategory`
  (a singlevaluelist of its second-level categories) and `title`;
- the requests: the cases the public board may show (publicity.board.shown_publicly), newest first, at most
  1,000, the last 90 days unless asked otherwise — as the public sees them: status open/closed, the unit's
  latest reply as status_notes, the handling unit as agency_responsible, the place (village or township)
  as address, the point rounded to about 100 m, the title with names, phones, ID numbers, the address and
  house numbers masked; never the submitter's name, phone or e-mail;
- a new request (POST): submit.py.

The list is a few queries whatever its length (cases with their two units, then the replies, the voices'
names to mask and the clients' media URLs of those cases): docs/open311.md has the figures."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from .. import clock
from ..ledger.models import Case, Category, Reply, Status, Voice
from ..org.models import Level, Unit
from ..org.scope import in_subtree
from ..privacy import redact_address, redact_text
from ..publicity.board import shown_publicly
from .formats import Open311Error
from .models import Submission

SPEC = "http://wiki.open311.org/GeoReport_v2"
MAX_REQUESTS = 1000
DEFAULT_DAYS = 90
MAX_IDS = 1000
MAX_DESCRIPTION = 4000  # the specification's limit of `description`
POINT_DECIMALS = 3  # public points rounded to 0.001° (≈ 110 m north–south): no home is pinpointed
PUBLIC_REPLIES = (Reply.Kind.REPLY, Reply.Kind.EXPLANATION)


# ------------------------------------------------------------------------------------ jurisdiction
def jurisdiction(jurisdiction_id: str | None) -> Unit:
    """The county the request is about: `jurisdiction_id` is its unit code (404 if there is no such county);
    without it, the only county (400 when the installation serves several)."""
    counties = list(Unit.objects.filter(level=Level.COUNTY, active=True).order_by("path"))
    jid = (jurisdiction_id or "").strip()
    if jid:
        for county in counties:
            if county.code == jid:
                return county
        raise Open311Error(404, f"jurisdiction_id not found: 没有代码为“{jid}”的县（可用：{', '.join(c.code for c in counties)}）")
    if len(counties) == 1:
        return counties[0]
    if not counties:
        raise Open311Error(404, "jurisdiction_id not found: 系统中还没有县级单位")
    raise Open311Error(400, f"jurisdiction_id was not provided: 本系统服务多个县，请注明 jurisdiction_id"
                            f"（{', '.join(c.code for c in counties)}）")


# ------------------------------------------------------------------------------------ services
def _services() -> list[Category]:
    return list(Category.objects.filter(level=1, sensitive=False).order_by("path"))


def subcategories() -> dict[int, list[Category]]:
    out = defaultdict(list)
    for c in Category.objects.filter(level=2, sensitive=False).order_by("path"):
        out[c.parent_id].append(c)
    return out


def service_list() -> list[dict]:
    children = subcategories()
    return [{
        "service_code": str(c.pk), "service_name": c.name,
        "description": f"{c.name}类诉求" + (f"：{'、'.join(s.name for s in children[c.pk])}" if children[c.pk] else ""),
        "metadata": True, "type": "realtime",
        "keywords": ", ".join(s.name for s in children[c.pk]), "group": c.name,
    } for c in _services()]


def service_of(code: str, status: int = 404) -> Category:
    code = (code or "").strip()
    c = Category.objects.filter(pk=int(code), level=1, sensitive=False).first() if code.isdigit() and len(code) < 12 else None
    if c is None:
        raise Open311Error(status, f"service_code not found: 没有代码为“{code[:40]}”的服务类别（见 services.json）")
    return c


def definition(code: str) -> dict:
    service = service_of(code)
    attributes = []
    subs = subcategories()[service.pk]
    if subs:
        attributes.append({
            "variable": True, "code": "subcategory", "datatype": "singlevaluelist", "required": False,
            "datatype_description": "二级分类的代码（key），可不选", "order": 1,
            "description": f"问题属于{service.name}中的哪一类？（可不选，由工作人员判断）",
            "values": [{"key": str(s.pk), "name": s.name} for s in subs],
        })
    attributes.append({
        "variable": True, "code": "title", "datatype": "string", "required": False,
        "datatype_description": "不超过200字；不填则取描述的第一句", "order": len(attributes) + 1,
        "description": "一句话概括问题（标题）", "values": [],
    })
    return {"service_code": str(service.pk), "attributes": attributes}


# ------------------------------------------------------------------------------------ dates
_W3C = re.compile(r"\d{4}(-\d{2}(-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?)?)?)?")


def parse_w3c(value: str, name: str) -> dt.datetime:
    """A W3C datetime (the subset of ISO 8601 the specification asks for: 2010-01-01T00:00:00Z,
    2010-01-01T08:00:00+08:00, or shorter: 2010-01-01); without a time zone, the installation's (China)."""
    text = (value or "").strip()
    if not _W3C.fullmatch(text):
        raise Open311Error(400, f"{name} is not a W3C datetime (e.g. 2026-01-01T00:00:00+08:00): “{text[:40]}”不是有效的日期时间")
    padded = text + "-01" * (2 - text.count("-")) if "T" not in text.upper() and " " not in text else text
    try:
        when = dt.datetime.fromisoformat(padded.replace("z", "Z").replace("t", "T"))
    except ValueError:
        raise Open311Error(400, f"{name} is not a valid date: “{text[:40]}”不是有效的日期时间") from None
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    return when


def window(start: str | None, end: str | None) -> tuple[dt.datetime, dt.datetime]:
    """The requested_datetime range: both given, one given (90 days from or to it), or neither (the last 90
    days). A range may span at most 90 days, as the specification says."""
    span = dt.timedelta(days=DEFAULT_DAYS)
    lo = parse_w3c(start, "start_date") if start else None
    hi = parse_w3c(end, "end_date") if end else None
    if lo is None and hi is None:
        hi = clock.now()
        lo = hi - span
    elif lo is None:
        lo = hi - span
    elif hi is None:
        hi = lo + span
    if hi < lo:
        raise Open311Error(400, "end_date is before start_date: 结束时间早于开始时间")
    if hi - lo > span:
        raise Open311Error(400, f"start_date and end_date may not span more than {DEFAULT_DAYS} days: 查询范围不能超过{DEFAULT_DAYS}天")
    return lo, hi


def w3c(value, tz=None) -> str | None:
    """A W3C datetime in the installation's time zone (2026-05-01T09:30:00+08:00)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(tz or timezone.get_current_timezone()).isoformat(timespec="seconds")
    return value.isoformat()


# ------------------------------------------------------------------------------------ requests
_DIGIT = re.compile(r"\d")
# the columns of a listed case, in the order present() unpacks them
_FIELDS = ("id", "number", "status", "title", "address", "category_top", "received_at", "updated_at", "resolve_due",
           "lat", "lng", "unit__name", "unit__code", "assigned_unit__name")


@dataclass
class Query:
    service_request_id: str = ""
    service_code: str = ""
    start_date: str = ""
    end_date: str = ""
    status: str = ""


def _split(value: str) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def find(county: Unit, q: Query) -> list[dict]:
    """GET requests: the public cases of the county that match, newest first, at most 1,000."""
    cases = shown_publicly(Case.objects.filter(in_subtree("place_path", county.path)))
    ids = _split(q.service_request_id)
    if ids:  # the specification: a list of ids overrides every other filter
        if len(ids) > MAX_IDS:
            raise Open311Error(400, f"at most {MAX_IDS} service_request_id at once: 一次最多查询{MAX_IDS}件")
        cases = cases.filter(number__in=ids)
    else:
        codes = _split(q.service_code)
        if codes:
            cases = cases.filter(category_top__in=[service_of(c, status=400).name for c in codes])
        statuses = _split(q.status)
        wrong = [s for s in statuses if s not in ("open", "closed")]
        if wrong:
            raise Open311Error(400, f"status must be open or closed, not “{wrong[0][:20]}”: 状态应为 open 或 closed")
        if set(statuses) == {"open"}:
            cases = cases.exclude(status=Status.CLOSED)
        elif set(statuses) == {"closed"}:
            cases = cases.filter(status=Status.CLOSED)
        lo, hi = window(q.start_date, q.end_date)
        cases = cases.filter(received_at__gte=lo, received_at__lte=hi)
    rows = list(cases.order_by("-received_at", "-id").values_list(*_FIELDS)[:MAX_REQUESTS])
    return present(rows)


def one(county: Unit, number: str) -> list[dict]:
    rows = list(shown_publicly(Case.objects.filter(in_subtree("place_path", county.path), number=number))
                .values_list(*_FIELDS)[:1])
    if not rows:
        raise Open311Error(404, f"service_request_id not found: 没有可公开的编号为“{number[:40]}”的诉求")
    return present(rows)


def _of(qs, ids: list[int]):
    """Rows of these cases. On PostgreSQL one array parameter (`case_id = ANY(%s)`): a thousand-value IN
    list cost more in preparing its parameters, in Django and in the driver, than the query itself."""
    if connection.vendor == "postgresql":
        return qs.extra(where=[f'"{qs.model._meta.db_table}"."case_id" = ANY(%s)'], params=[ids])
    return qs.filter(case_id__in=ids)


def present(rows: list[tuple]) -> list[dict]:
    """The public view of these cases (value rows of _FIELDS, in that order), in their order: four queries
    for any number."""
    if not rows:
        return []
    ids = [r[0] for r in rows]
    people = defaultdict(list)  # the submitters' names and phones, to be masked wherever they are quoted
    for case_id, name, phone in (_of(Voice.objects, ids).exclude(submitter_name="", submitter_phone="")
                                 .values_list("case_id", "submitter_name", "submitter_phone")):
        people[case_id].append((name, phone))
    replies = {}
    for case_id, text in (_of(Reply.objects, ids).filter(kind__in=PUBLIC_REPLIES)
                          .order_by("at", "id").values_list("case_id", "text")):
        replies[case_id] = text  # the latest wins
    media = dict(_of(Submission.objects, ids).exclude(media_url="").values_list("case_id", "media_url"))
    codes = {name: str(pk) for name, pk in Category.objects.filter(level=1).values_list("name", "pk")}

    def public(text: str, case_id: int, address: str) -> str:
        # as the public board (publicity/board.py) shows text: address, house numbers, names, phones, IDs masked
        digits = _DIGIT.search(text) is not None  # house, phone and ID numbers all need one
        out = redact_address(text, address, house_numbers=digits)
        for name, phone in people.get(case_id, ()):
            out = redact_text(out, name, phone)
        return redact_text(out) if digits else out

    tz = timezone.get_current_timezone()  # once: looking it up per value cost a third of the answer
    out = []
    for (case_id, number, status, title, address, top, received, updated, due, lat, lng, place, place_code,
         agency) in rows:
        closed = status == Status.CLOSED
        out.append({
            "service_request_id": number,
            "status": "closed" if closed else "open",
            "status_notes": public(replies[case_id], case_id, address) if case_id in replies else None,
            "service_name": top or None,
            "service_code": codes.get(top),
            "description": public(title, case_id, address),
            "agency_responsible": agency,
            "service_notice": None if closed or not due else f"承办单位应在{due.astimezone(tz):%Y年%m月%d日}前办结答复",
            "requested_datetime": w3c(received, tz),
            "updated_datetime": w3c(updated, tz),
            "expected_datetime": w3c(due, tz),
            "address": place,
            "address_id": place_code,
            "zipcode": None,
            "lat": None if lat is None else round(lat, POINT_DECIMALS),
            "long": None if lng is None else round(lng, POINT_DECIMALS),
            "media_url": media.get(case_id),
        })
    return out


def token_lookup(token: str) -> list[dict]:
    row = Submission.objects.filter(token=token).select_related("case").first() if len(token) <= 32 else None
    if row is None:
        raise Open311Error(404, f"token not found: 没有“{token[:40]}”这个 token")
    return [{"service_request_id": row.case.number, "token": row.token}]
