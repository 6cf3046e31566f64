"""The authorization matrix (issue 15): every URL pattern of the site and every operation of the
OpenAPI document × every role × an object inside the user's scope and one outside it. The routes are
read from the URL conf and the OpenAPI document, so a route added tomorrow is walked tomorrow — and fails
here until RULES says who may use it. Expected answers come from RULES alone.

A leak is: a cell RULES denies that answered 2xx (or a redirect that is not to the login page); a
protected submitter's name or phone in any response (page, JSON, Excel, Atom, error); or, for a user of
一镇 (T1), case B's marker or number anywhere in what a staff route returned to them.
Run with -s to see the figure: cells tried, leaks found."""

import io
import logging
import re
import zipfile

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from tests import authz_world
from tests.authz_world import MARK_B, ROLES, SECRETS

STAFF = ("grid", "handler", "dispatcher", "leader", "admin")
EVERYONE = ("anonymous", "citizen", *STAFF)
# route → who may use it. "scoped": the object in the path must lie in the user's area (admin sees all).
# Routes not listed fail the test: a new door needs a decision here.
RULES = {
    # -- public pages and doors
    "GET ": EVERYONE, "GET favicon.ico": EVERYONE, "GET i18n/setlang/": EVERYONE, "GET i18n/js/": EVERYONE, "GET login/": EVERYONE, "POST login/": EVERYONE,
    "GET logout/": (), "POST logout/": EVERYONE, "GET submit/": EVERYONE, "POST submit/": EVERYONE,
    "GET track/": EVERYONE, "GET track/<str:code>/": "code", "POST track/<str:code>/": "code",
    "GET consult/": EVERYONE, "GET consult/<int:cid>/": EVERYONE, "POST consult/<int:cid>/": EVERYONE,
    "GET consult/<int:cid>/results/": EVERYONE, "GET consult/<int:cid>/results.<str:fmt>": EVERYONE,
    "GET public/<str:unit_code>/": EVERYONE, "GET public/<str:unit_code>/feed.atom": EVERYONE,
    "GET docs/<slug:name>": EVERYONE, "POST i18n/setlang/": EVERYONE,
    "GET sw.js": EVERYONE, "GET manifest.webmanifest": EVERYONE,  # the field app's worker and manifest (issue 20)
    "GET api/units": EVERYONE, "POST api/token": EVERYONE, "POST api/voices": EVERYONE,
    "GET api/track/{code}": "code", "POST api/track/{code}/rating": "code",
    "GET api/consultations/{cid}/next": EVERYONE, "GET api/consultations": EVERYONE,
    "GET api/consultations/{cid}": EVERYONE, "GET api/consultations/{cid}/groups": EVERYONE, "POST api/consultations/{cid}/votes": EVERYONE,
    "POST api/consultations/{cid}/statements": EVERYONE, "GET api/public/{unit_code}/notices": EVERYONE,
    "GET api/public/{unit_code}/cases": EVERYONE,
    "GET api/openapi.json": EVERYONE, "GET api/docs": EVERYONE,
    # -- staff lists and pages (their content is scoped, checked by the marker)
    "GET cases/": STAFF, "GET cases/new/": STAFF, "POST cases/new/": STAFF, "GET cases/export.xlsx": STAFF,
    "GET map/": STAFF, "GET map/cases.json": STAFF, "GET api/map/cases": STAFF,
    "GET notices/": STAFF, "GET hotspots/": STAFF, "GET warnings/": STAFF, "GET visits/": STAFF,
    "POST visits/": STAFF, "GET routing/": STAFF, "POST routing/": ("admin",),
    # what these pages show is the user's own area (checked by the marker), so every staff role may look
    "GET stats/": STAFF, "GET dashboard/": STAFF, "GET foresight/": STAFF, "GET reports/monthly/": STAFF,
    "GET reports/monthly.<str:fmt>": STAFF, "POST reports/monthly/": ("leader", "admin"),
    "GET import/": ("dispatcher", "admin"), "POST import/": ("dispatcher", "admin"),
    "GET import/jobs/<int:job_id>/": ("dispatcher", "admin"),
    "GET board/notices/": STAFF, "POST board/notices/": ("dispatcher", "leader", "admin"),
    "POST visits/plans/": ("grid", "dispatcher", "leader", "admin"),
    "POST consult/": ("dispatcher", "leader", "admin"),
    "GET api/cases": STAFF, "GET api/notifications": STAFF, "GET api/hotspots": STAFF, "GET api/warnings": STAFF,
    "GET api/stats/rates": STAFF, "GET api/stats/ranking": STAFF, "GET api/stats/trend": STAFF,
    "GET api/stats/dashboard": STAFF, "GET api/foresight": STAFF, "POST api/text/classify": STAFF,
    "POST api/text/assess_reply": STAFF,
    "POST api/consultations": ("dispatcher", "leader", "admin"),
    "GET api/notices": STAFF, "POST api/notices": ("dispatcher", "leader", "admin"),
    "POST api/visits": STAFF, "GET api/visits/coverage": STAFF, "GET api/visits/plans/suggestions": ("dispatcher", "leader", "admin"),
    "GET api/visits/plans": STAFF, "POST api/visits/plans": STAFF, "POST api/imports": ("dispatcher", "admin"),
    "GET api/imports/{job_id}": ("dispatcher", "admin"),
    "POST api/import-mappings": ("dispatcher", "admin"), "POST api/citizens/flags": STAFF,
    "GET api/lexicon": ("admin",), "POST api/lexicon": ("admin",),
    # -- one object: in the user's area or not
    "GET cases/<str:number>/": "scoped", "POST cases/<str:number>/act/<str:action>/": "scoped",
    "POST cases/<str:number>/attach/": "scoped", "GET cases/<str:number>/attachments/<int:attachment_id>/": "scoped",
    "POST cases/<str:number>/contact/": "scoped", "POST cases/<str:number>/citizen/": "scoped",
    "POST cases/<str:number>/merge/": "scoped", "POST cases/<str:number>/suggestion/": "scoped",
    "POST visits/plans/<int:plan_id>/cancel/": "scoped", "GET consult/<int:cid>/manage/": "scoped",
    "POST consult/<int:cid>/manage/": "scoped", "POST board/notices/<int:notice_id>/withdraw/": "scoped-managers",
    "GET api/cases/{number}": "scoped", "POST api/cases/{number}/{action}": "scoped",
    "POST api/cases/{number}/attachments": "scoped", "GET api/cases/{number}/attachments/{attachment_id}": "scoped",
    "GET api/cases/{number}/similar": "scoped", "POST api/cases/{number}/merge": "scoped",
    "POST api/cases/{number}/reveal_contact": "scoped", "GET api/citizens/{number}/history": "scoped",
    "POST api/consultations/{cid}/statements/{sid}/moderation": "scoped-managers",
    "POST api/consultations/{cid}/decision": "scoped-managers", "POST api/notices/{notice_id}/withdraw": "scoped-managers",
    "POST api/visits/plans/{plan_id}/cancel": "scoped", "GET api/warnings/{wid}": "scoped",
    "POST api/warnings/{wid}/acknowledge": "scoped", "POST api/warnings/{wid}/handle": "scoped",
}
# Open311 GeoReport v2 (docs/open311.md): public reads; a POST of a request needs an Open311 API key, which
# no role of the matrix holds (a staff login or token is not one), so it is refused to all of them
O311 = "open311/v2/"
RULES |= {f"GET {O311}{route}.<o311fmt:format>": EVERYONE for route in (
    "discovery", "services", "services/<str:service_code>", "requests", "requests/<str:service_request_id>",
    "tokens/<str:token>")} | {f"POST {O311}{route}.<o311fmt:format>": () for route in (
    "discovery", "services", "services/<str:service_code>", "requests", "requests/<str:service_request_id>",
    "tokens/<str:token>")} | {f"GET {O311}": EVERYONE, f"POST {O311}": EVERYONE}
ADMIN_SITE = ("admin",)  # Django's admin: the admin role only (is_staff); its login and logout are doors
RULES |= {f"{m} admin/{door}/": EVERYONE for m in ("GET", "POST") for door in ("login", "logout")}


def rule_for(method: str, route: str, kind: str):
    """RULES' answer; a page listed for one method only answers the other like it (a read page that
    also renders on POST, a form whose GET is refused with 405) — what a POST writes is checked apart."""
    rule = RULES.get(f"{method} {route}")
    if rule is None and kind == "web":
        rule = RULES.get(f"{'POST' if method == 'GET' else 'GET'} {route}")
    return rule if rule is not None or kind != "admin" else ADMIN_SITE


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern) and isinstance(p.pattern, RoutePattern):
            yield prefix + str(p.pattern)


def routes() -> list[tuple[str, str, str]]:
    """(method, route, kind): the site's pages (GET and POST each) and the API's operations."""
    from minqing.api.main import api

    found = set()
    for route in _walk(get_resolver().url_patterns):
        if route.startswith("api/"):
            continue
        for method in ("GET", "POST"):
            found.add((method, route, "admin" if route.startswith("admin/") else "web"))
    for path, ops in api.get_openapi_schema()["paths"].items():
        for method in ops:
            found.add((method.upper(), path.removeprefix("/"), "api"))
    found |= {("GET", "api/openapi.json", "api"), ("GET", "api/docs", "api")}
    return sorted(found)


def fill(route: str, w: dict, side: str) -> str:
    o = w[side]
    values = {"number": o["case"].number, "code": o["code"] if side == "in" else "ZZZZ0000",
              "attachment_id": o["attachment"].id, "plan_id": o["plan"].id, "cid": o["consultation"].id,
              "notice_id": o["notice"].id, "wid": o["warning"].id, "sid": o["statement"].id,
              "unit_code": "VA" if side == "in" else "VC", "action": "note", "fmt": "xlsx", "name": "rates",
              "object_id": "1", "id": "1", "format": "json", "service_code": w["open311"]["service_code"],
              "service_request_id": o["case"].number, "token": w["open311"]["token"], "job_id": w["job"].pk}
    query = "?participant=matrix-device" if route.endswith("/next") else ""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>|\{(\w+)\}", lambda m: str(values.get(m.group(1) or m.group(2), "1")), route) + query


def expected(rule, role: str, side: str, has_object: bool) -> bool:
    if rule == "code":
        return side == "in"
    if rule in ("scoped", "scoped-managers"):
        roles = ("dispatcher", "leader", "admin") if rule == "scoped-managers" else STAFF
        return role in roles and (side == "in" or role == "admin")
    return role in rule


BODIES = {"POST": {"note": "矩阵测试备注", "text": "矩阵测试内容，请勿处理。", "reason": "矩阵测试", "agree": True,
                   "approve": True, "decision": "矩阵测试结论", "votes": [], "flags": [], "cases": []}}


def call(client: Client, method: str, url: str, kind: str, token: str | None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token and kind == "api" else {}
    if method == "GET":
        return client.get(url, **headers)
    if kind == "api":
        import json

        return client.post(url, data=json.dumps(BODIES["POST"]), content_type="application/json", **headers)
    return client.post(url, data={k: v for k, v in BODIES["POST"].items() if isinstance(v, str)}, **headers)


def allowed(response) -> bool:
    if response.status_code in (301, 302, 303):
        return "login" not in response.get("Location", "")
    return 200 <= response.status_code < 300


def fingerprint() -> tuple:
    """What a POST may have written: every table a door can change, in a world small enough to read."""
    from minqing.consult.models import Consultation, Participant, Statement, Vote
    from minqing.field.models import Visit, VisitPlan
    from minqing.insight.models import Warning
    from minqing.intake.models import Citizen, ImportMapping
    from minqing.ledger.models import Attachment, Case, CaseEvent, Voice
    from minqing.open311.models import ApiKey, Submission
    from minqing.org.models import Unit, User
    from minqing.publicity.models import Notice
    from minqing.workflow.models import RoutingRule

    rows = [CaseEvent.objects.count(), Voice.objects.count(), Attachment.objects.count(), Vote.objects.count(),
            Participant.objects.count(), Visit.objects.count(), ImportMapping.objects.count(),
            RoutingRule.objects.count(), Unit.objects.count(), User.objects.count(), Submission.objects.count(),
            ApiKey.objects.count()]
    for model, fields in ((Case, ("status", "assigned_unit_id", "updated_at")), (Consultation, ("decision", "closes_at")),
                          (Statement, ("status",)), (VisitPlan, ("status",)), (Warning, ("status", "note")),
                          (Notice, ("withdrawn",)), (Citizen, ("flags",))):
        rows.append(tuple(model.objects.order_by("pk").values_list("pk", *fields)))
    return tuple(rows)


def body_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:4] == b"PK\x03\x04":  # xlsx: read what the cells say
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            return " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    return content.decode("utf-8", "replace")


@pytest.mark.django_db
def test_no_route_leaks_to_any_role_inside_or_outside_its_scope(county, make_case, capsys, monkeypatch):
    monkeypatch.setattr(logging.getLogger("django.request"), "level", logging.CRITICAL)  # expected 403/404s
    w = authz_world.build(county, make_case)
    cells, leaks, unlisted, refused_allowed = 0, [], [], []
    secrets = [s for pair in SECRETS.values() for s in pair]
    b_number = w["out"]["case"].number
    for method, route, kind in routes():
        rule = rule_for(method, route, kind)
        if rule is None:
            unlisted.append(f"{method} {route}")
            continue
        has_object = bool(re.search(r"<(?:\w+:)?(number|cid|plan_id|notice_id|wid|attachment_id|code)>|\{", route))
        for role, username in ROLES.items():
            for side in ("in", "out") if has_object else ("in",):
                client = Client()
                if username and kind != "api":
                    client.force_login(w["users"][role])
                before = fingerprint() if method == "POST" else None
                r = call(client, method, fill(route, w, side), kind, w["tokens"].get(role))
                cells += 1
                want = expected(rule, role, side, has_object)
                ok = allowed(r) if method == "GET" or kind == "api" or want else before != fingerprint()
                where = f"{method} {route} as {role} ({side})"
                if ok and not want:
                    leaks.append(f"{where}: answered {r.status_code}" + (" and wrote" if method == "POST" else ""))
                text = body_text(r)
                shown = [s for s in secrets if s in text]
                if shown and not (route.endswith("reveal_contact") or route.endswith("contact/")):
                    leaks.append(f"{where}: shows {shown}")
                if role != "admin" and username and ok and (MARK_B in text or b_number in text) \
                        and rule not in (EVERYONE, "code") and side == "in":
                    leaks.append(f"{where}: shows case B of another township")
                codes = [c for c in ("T1-p0", "T2-p0") if c in text]  # consultation participants' codes
                if codes and not (role == "admin" or (username and codes == ["T1-p0"])):
                    leaks.append(f"{where}: shows participant codes {codes}")
                if want and not ok and method == "GET" and kind != "admin" and r.status_code != 405:
                    refused_allowed.append(f"{where}: {r.status_code}")
    with capsys.disabled():
        print(f"\nauthorization matrix: {cells} (route, role, object) cells tried, {len(leaks)} leaks found")
    report = "\n".join(["UNLISTED"] + unlisted + ["LEAKS"] + leaks + ["REFUSED"] + refused_allowed)
    assert unlisted == [] and leaks == [] and refused_allowed == [], report


def test_the_admin_never_offers_to_delete_what_the_model_refuses_to_delete(rf, county):
    """A model whose delete() refuses (the ledger's history, plans, notices) offers no delete in the admin:
    otherwise the admin's delete page and its "delete selected" action end in a server error — or, for the
    bulk action, in a queryset delete that skips the model's refusal altogether."""
    from django.contrib import admin
    from django.db import models

    request = rf.get("/admin/")
    request.user = county["admin"]
    offered = [model.__name__ for model, model_admin in admin.site._registry.items()
               if model.delete is not models.Model.delete and model_admin.has_delete_permission(request)]
    assert offered == []
