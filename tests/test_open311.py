"""Open311 GeoReport v2 at /open311/v2/ (docs/open311.md), through Django's test client: the documents in
both formats with the specification's element names, the filters, the 90-day window and the 1,000 cap,
errors as the specification's array with their HTTP status, the API keys (hashed, issued and revoked by
the admin and the CLI, rate-limited per key and per client), a POSTed request as an ordinary case on
channel open311 that is routed, answered and rated like any other and whose public view never shows the
submitter — and lat/lng on POST /api/voices and the voices of POST /api/visits, returned to staff by
GET /api/cases/{number}. tests/test_open311_clients.py drives the same routes with client libraries."""

import datetime as dt
import io
import json
import xml.etree.ElementTree as ET
from contextlib import redirect_stdout

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from minqing import clock
from minqing.ledger.actions import perform, rate_by_tracking_code
from minqing.ledger.models import Case, Category, Voice
from minqing.open311 import keys
from minqing.open311.models import ApiKey, Submission

BASE = "/open311/v2"


@pytest.fixture
def key(county):
    return keys.issue("市民通App")[1]


def service_code(name="城乡建设") -> str:
    return str(Category.objects.get(level=1, name=name).pk)


def post(client, fmt="json", **form):
    return client.post(f"{BASE}/requests.{fmt}", form)


def xml(response) -> ET.Element:
    body = response.content.decode("utf-8")
    assert body.startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    return ET.fromstring(response.content)


def raise_one(client, key, **extra) -> dict:
    form = {"api_key": key, "service_code": service_code(), "lat": "28.22821", "long": "112.93881",
            "description": "甲村东头路灯坏了三个月，晚上看不清路。", "first_name": "保密", "last_name": "欧阳",
            "phone": "13900001111", "email": "ouyang@example.cn", **extra}
    r = post(client, **form)
    assert r.status_code == 201, r.content.decode()
    return r.json()[0]


@pytest.mark.django_db
def test_discovery_and_services_in_both_formats(client, county):
    r = client.get(f"{BASE}/discovery.json")
    assert r.status_code == 200 and r["Content-Type"] == "application/json; charset=utf-8"
    d = r.json()
    assert {"changeset", "contact", "key_service", "endpoints"} <= d.keys()
    endpoint = d["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/") and endpoint["formats"] == ["text/xml", "application/json"]
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == ["text/xml", "application/json"]

    services = client.get(f"{BASE}/services.json").json()
    tops = list(Category.objects.filter(level=1, sensitive=False).order_by("path").values_list("name", flat=True))
    assert [s["service_name"] for s in services] == tops and len(tops) == 15
    s = services[0]
    assert set(s) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    assert s["group"] == s["service_name"] and s["type"] == "realtime" and s["metadata"] is True
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services" and [e.tag for e in root] == ["service"] * 15
    assert root.find("service/metadata").text == "true" and root.find("service/group").text == tops[0]
    # jurisdiction_id: the county's code, accepted and checked
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "C"}).status_code == 200
    r = client.get(f"{BASE}/services.json", {"jurisdiction_id": "X9"})
    assert r.status_code == 404 and r.json()[0]["code"] == 404 and "jurisdiction_id" in r.json()[0]["description"]


@pytest.mark.django_db
def test_a_sensitive_top_category_is_no_service(client, county):
    Category.objects.filter(level=1, name="纪检监察").update(sensitive=True)
    names = [s["service_name"] for s in client.get(f"{BASE}/services.json").json()]
    assert "纪检监察" not in names and len(names) == 14


@pytest.mark.django_db
def test_service_definition_lists_the_second_level_as_a_value_list(client, county):
    code = service_code()
    d = client.get(f"{BASE}/services/{code}.json").json()
    assert d["service_code"] == code
    sub = d["attributes"][0]
    assert sub["code"] == "subcategory" and sub["datatype"] == "singlevaluelist" and sub["variable"] is True
    assert sub["required"] is False and {"key", "name"} == set(sub["values"][0])
    assert "安全生产" in [v["name"] for v in sub["values"]]
    assert d["attributes"][1]["code"] == "title" and d["attributes"][1]["datatype"] == "string"
    root = xml(client.get(f"{BASE}/services/{code}.xml"))
    assert root.tag == "service_definition" and root.find("service_code").text == code
    assert root.find("attributes/attribute/values/value/key") is not None
    assert root.find("attributes/attribute/datatype").text == "singlevaluelist"
    for fmt in ("json", "xml"):
        r = client.get(f"{BASE}/services/999999.{fmt}")
        assert r.status_code == 404
    root = xml(client.get(f"{BASE}/services/abc.xml"))
    assert root.tag == "errors" and root.find("error/code").text == "404"


@pytest.mark.django_db
def test_posted_request_is_an_ordinary_case_and_its_public_view_hides_the_submitter(client, county, key):
    answer = raise_one(client, key, **{"attribute[title]": "东头路灯不亮", "media_url": "https://img.example.cn/1.jpg"})
    assert set(answer) == {"service_request_id", "token", "service_notice", "account_id"}
    case = Case.objects.get(number=answer["service_request_id"])
    voice = case.voices.get()
    assert case.channel == voice.channel == "open311" and case.category.name == "城乡建设"
    assert (case.lat, case.lng) == (28.22821, 112.93881) and case.title == "东头路灯不亮"
    assert voice.submitter_mode == "protected" and voice.submitter_name == "欧阳保密"
    assert voice.submitter_phone == "13900001111" and case.created_by is None
    sub = Submission.objects.get(case=case)
    assert sub.token == answer["token"] and sub.email == "ouyang@example.cn" and sub.key.name == "市民通App"
    assert case.events.get().actor_label == "Open311：市民通App"

    # routed, answered and rated like any other case
    perform(county["disp"], case.number, "dispatch", {"unit": "VA"})
    perform(county["ha"], case.number, "handle", {})
    perform(county["ha"], case.number, "contact", {"note": "已电话联系欧阳保密（13900001111）"})
    perform(county["ha"], case.number, "reply", {"text": "已更换路灯，欧阳保密反映的问题已解决，电话13900001111。"})
    rate_by_tracking_code(voice.tracking_code, "satisfied")
    case.refresh_from_db()
    assert case.rating == "satisfied"

    for fmt in ("json", "xml"):
        r = client.get(f"{BASE}/requests/{case.number}.{fmt}")
        assert r.status_code == 200
        text = r.content.decode()
        for secret in ("欧阳保密", "13900001111", "ouyang@example.cn", voice.tracking_code, key):
            assert secret not in text
    got = client.get(f"{BASE}/requests/{case.number}.json").json()
    assert len(got) == 1
    got = got[0]
    assert got["service_request_id"] == case.number and got["status"] == "open"
    assert got["agency_responsible"] == "甲村" and got["service_code"] == service_code()
    assert got["service_name"] == "城乡建设" and got["media_url"] == "https://img.example.cn/1.jpg"
    assert "已更换路灯" in got["status_notes"] and "欧**" in got["status_notes"]
    assert (got["lat"], got["long"]) == (28.228, 112.939)  # rounded: about 100 m
    assert got["requested_datetime"].endswith("+08:00") and got["expected_datetime"]
    assert got["address"] == "甲村" and got["address_id"] == "VA"  # the place named in the description
    expected = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}
    assert set(got) == expected
    root = xml(client.get(f"{BASE}/requests/{case.number}.xml"))
    assert root.tag == "service_requests" and [e.tag for e in root] == ["request"]
    assert {e.tag for e in root.find("request")} == expected and root.find("request/long").text == "112.939"

    # closed: status closed
    if case.status != "closed":
        perform(county["disp"], case.number, "close", {})
    assert client.get(f"{BASE}/requests/{case.number}.json").json()[0]["status"] == "closed"

    # the token leads to the request id
    r = client.get(f"{BASE}/tokens/{answer['token']}.json")
    assert r.json() == [{"service_request_id": case.number, "token": answer["token"]}]
    root = xml(client.get(f"{BASE}/tokens/{answer['token']}.xml"))
    assert root.find("request/service_request_id").text == case.number
    assert client.get(f"{BASE}/tokens/nope.json").status_code == 404


@pytest.mark.django_db
def test_the_point_picks_the_village_and_the_subcategory_the_category(client, county):
    from minqing.org.models import Unit

    Unit.objects.filter(code="VB").update(lat=28.30, lng=112.90)
    Unit.objects.filter(code="VA").update(lat=28.10, lng=112.80)
    key = keys.issue("app")[1]
    sub = Category.objects.get(path="城乡建设/安全生产")
    a = raise_one(client, key, lat="28.301", long="112.899", **{"attribute[subcategory]": str(sub.pk)})
    case = Case.objects.get(number=a["service_request_id"])
    assert case.unit.code == "VB" and case.category == sub and case.category_top == "城乡建设"
    b = raise_one(client, key, lat="", long="", address_string="一镇甲村东头", first_name="", last_name="", phone="")
    case = Case.objects.get(number=b["service_request_id"])
    assert case.unit.code == "VA" and case.lat is None and case.voices.get().submitter_mode == "anonymous"
    c = raise_one(client, key, lat="", long="", address_id="GA")
    assert Case.objects.get(number=c["service_request_id"]).unit.code == "GA"


@pytest.mark.django_db
def test_post_refusals_are_the_specifications_errors(client, county, key):
    good = {"api_key": key, "service_code": service_code(), "lat": "28.2", "long": "112.9",
            "description": "村口垃圾无人清运，气味很大。"}
    cases = [
        ({"api_key": ""}, 403, "api_key"), ({"api_key": "o311_wrong"}, 403, "api_key"),
        ({"service_code": ""}, 400, "service_code"), ({"service_code": "999999"}, 400, "service_code"),
        ({"lat": "", "long": ""}, 400, "location"), ({"lat": "95"}, 400, "lat"), ({"long": ""}, 400, "long"),
        ({"lat": "北纬"}, 400, "lat"), ({"description": ""}, 400, "description"),
        ({"description": "太短"}, 400, "description"), ({"description": "很" * 4001}, 400, "description"),
        ({"jurisdiction_id": "ZZ"}, 404, "jurisdiction_id"), ({"address_id": "NOPE"}, 400, "address_id"),
        ({"attribute[subcategory]": "1"}, 400, "subcategory"), ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
        ({"phone": "call me"}, 400, "phone"),
    ]
    before = Case.objects.count()
    for change, status, word in cases:
        for fmt in ("json", "xml"):
            r = post(client, fmt, **{**good, **change})
            assert r.status_code == status, (change, r.content.decode())
            if fmt == "json":
                err = r.json()
                assert isinstance(err, list) and set(err[0]) == {"code", "description"} and err[0]["code"] == status
                assert word in err[0]["description"], (change, err)
            else:
                root = xml(r)
                assert root.tag == "errors" and root.find("error/code").text == str(status)
    assert Case.objects.count() == before
    assert post(client, **good).status_code == 201


@pytest.mark.django_db
def test_a_revoked_key_is_refused_and_keys_are_stored_hashed(client, county):
    row, raw = keys.issue("街道小程序", rate="5/m")
    assert raw.startswith("o311_") and raw not in (row.digest, row.prefix) and row.digest == ApiKey.digest_of(raw)
    assert ApiKey.objects.filter(digest=raw).count() == 0
    good = {"service_code": service_code(), "lat": "28.2", "long": "112.9", "description": "村口垃圾无人清运，气味很大。"}
    assert post(client, api_key=raw, **good).status_code == 201
    keys.revoke("街道小程序")
    r = post(client, api_key=raw, **good)
    assert r.status_code == 403 and r.json()[0]["code"] == 403
    with pytest.raises(PermissionError):
        row.delete()
    # the name may be issued again after a revocation
    row2, raw2 = keys.issue("街道小程序")
    assert raw2 != raw and post(client, api_key=raw2, **good).status_code == 201


@pytest.mark.django_db
def test_cli_prints_the_key_on_its_last_line_and_revokes(client, county):
    from minqing.cli import main

    out = io.StringIO()
    with redirect_stdout(out):
        main(["open311", "key", "create", "城市大脑"])
    raw = out.getvalue().strip().splitlines()[-1]
    assert raw.startswith("o311_") and len(raw) > 40
    good = {"service_code": service_code(), "lat": "28.2", "long": "112.9", "description": "村口垃圾无人清运，气味很大。"}
    assert post(client, api_key=raw, **good).status_code == 201
    with redirect_stdout(io.StringIO()):
        main(["open311", "key", "revoke", "城市大脑"])
    assert post(client, api_key=raw, **good).status_code == 403


@pytest.mark.django_db
def test_admin_issues_a_key_once_and_revokes_it(client, county):
    client.force_login(county["admin"])
    r = client.post("/admin/open311/apikey/add/", {"name": "第三方平台", "contact": "张工", "rate": ""}, follow=True)
    assert r.status_code == 200
    text = r.content.decode()
    row = ApiKey.objects.get(name="第三方平台")
    raw = text[text.index("o311_"):].split("<")[0].split()[0].strip("”\"'")
    assert ApiKey.digest_of(raw) == row.digest
    r = client.post("/admin/open311/apikey/", {"action": "revoke", "_selected_action": [row.pk]}, follow=True)
    row.refresh_from_db()
    assert row.revoked_at is not None


@pytest.mark.django_db
def test_requests_filters_window_and_cap(client, county, make_case):
    now = clock.now()
    old = make_case(text="去年的老问题：排水沟堵塞。")
    Case.objects.filter(pk=old.pk).update(received_at=now - dt.timedelta(days=200))
    cases = [make_case(text=f"第{i}件：村里路灯坏了，晚上看不清路。") for i in range(3)]
    Case.objects.filter(pk=cases[0].pk).update(category_top="城乡建设")
    got = client.get(f"{BASE}/requests.json").json()
    numbers = [g["service_request_id"] for g in got]
    assert numbers == [c.number for c in reversed(cases)]  # newest first, the 200-day-old one left out
    assert old.number not in numbers
    # a list of ids overrides every other filter
    got = client.get(f"{BASE}/requests.json", {"service_request_id": f"{old.number},{cases[0].number}"}).json()
    assert {g["service_request_id"] for g in got} == {old.number, cases[0].number}
    got = client.get(f"{BASE}/requests.json", {"service_code": service_code()}).json()
    assert [g["service_request_id"] for g in got] == [cases[0].number]
    # the dates, W3C
    start = (now - dt.timedelta(days=210)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (now - dt.timedelta(days=150)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    got = client.get(f"{BASE}/requests.json", {"start_date": start, "end_date": end}).json()
    assert [g["service_request_id"] for g in got] == [old.number]
    got = client.get(f"{BASE}/requests.xml", {"start_date": (now - dt.timedelta(days=201)).date().isoformat()})
    assert [e.text for e in xml(got).findall("request/service_request_id")] == [old.number]
    for bad in ({"start_date": "yesterday"}, {"start_date": "2026-13-45"}, {"status": "pending"},
                {"start_date": "2020-01-01", "end_date": "2020-06-01"}, {"end_date": "2020-01-01", "start_date": "2020-02-01"},
                {"service_code": "999999"}):
        r = client.get(f"{BASE}/requests.json", bad)
        assert r.status_code == 400 and r.json()[0]["code"] == 400, bad
    perform(county["disp"], cases[2].number, "dispatch", {"unit": "VA"})
    perform(county["ha"], cases[2].number, "handle", {})
    perform(county["ha"], cases[2].number, "reply", {"text": "已修复路灯，感谢反映。"})
    perform(county["disp"], cases[2].number, "follow_up", {"rating": "satisfied"})
    perform(county["disp"], cases[2].number, "close", {})
    closed = client.get(f"{BASE}/requests.json", {"status": "closed"}).json()
    assert [g["service_request_id"] for g in closed] == [cases[2].number]
    opened = client.get(f"{BASE}/requests.json", {"status": "open"}).json()
    assert cases[2].number not in [g["service_request_id"] for g in opened] and len(opened) == 2
    both = client.get(f"{BASE}/requests.json", {"status": "open,closed"}).json()
    assert len(both) == 3


@pytest.mark.django_db
def test_sensitive_and_spam_cases_are_not_public(client, county, make_case):
    sensitive = Category.objects.filter(level=1, name="纪检监察").first()
    Category.objects.filter(pk=sensitive.pk).update(sensitive=True)
    hidden = make_case(text="举报村干部收受好处，情况属实。")
    Case.objects.filter(pk=hidden.pk).update(category=sensitive, category_top=sensitive.name)
    spam = make_case(text="广告广告广告广告广告。")
    Case.objects.filter(pk=spam.pk).update(status="closed", close_reason="spam")
    shown = make_case(text="村口路灯坏了，晚上看不清路。")
    got = [g["service_request_id"] for g in client.get(f"{BASE}/requests.json").json()]
    assert got == [shown.number]
    assert client.get(f"{BASE}/requests/{hidden.number}.json").status_code == 404
    assert client.get(f"{BASE}/requests/{spam.number}.xml").status_code == 404


@pytest.mark.django_db
def test_the_list_is_capped_at_1000_and_costs_a_few_queries(client, county, make_case):
    case = make_case(text="村口路灯坏了，晚上看不清路。", submitter={"mode": "named", "name": "王五", "phone": "13800000000"})
    voice = Voice.objects.get(case=case)
    now = clock.now()
    rows = []
    base = Case.objects.filter(pk=case.pk).values()[0]
    for i in range(1005):
        row = dict(base, id=None, number=f"MQ-T-{i:06d}", received_at=now - dt.timedelta(minutes=i + 1))
        row.pop("id")
        rows.append(Case(**row))
    made = Case.objects.bulk_create(rows)
    Voice.objects.bulk_create([Voice(case=c, channel="phone", text="x", tracking_code=f"T{i:09d}",
                                     submitter_mode="named", submitter_name="王五", submitter_phone="13800000000")
                               for i, c in enumerate(made[:50])])
    with CaptureQueriesContext(connection) as queries:
        got = client.get(f"{BASE}/requests.json").json()
    assert len(got) == 1000 and got[0]["service_request_id"] == case.number
    assert len([q for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]) <= 8
    assert voice.tracking_code not in json.dumps(got, ensure_ascii=False)


@pytest.mark.django_db
def test_reads_and_posts_are_rate_limited_per_client_and_per_key(client, county):
    raw_a, raw_b = keys.issue("A")[1], keys.issue("B", rate="1/h")[1]
    good = {"service_code": service_code(), "lat": "28.2", "long": "112.9", "description": "村口垃圾无人清运，气味很大。"}
    limits = {"open311": "2/h", "open311_post": "3/h", "open311_key": "2/h"}
    with override_settings(RATELIMIT_ENABLE=True, RATE_LIMITS=limits):
        caches["limits"].clear()
        try:
            assert client.get(f"{BASE}/services.json", REMOTE_ADDR="10.0.0.1").status_code == 200
            assert client.get(f"{BASE}/requests.json", REMOTE_ADDR="10.0.0.1").status_code == 200
            r = client.get(f"{BASE}/services.xml", REMOTE_ADDR="10.0.0.1")
            assert r.status_code == 429 and int(r["Retry-After"]) > 0 and xml(r).find("error/code").text == "429"
            assert client.get(f"{BASE}/services.json", REMOTE_ADDR="10.0.0.2").status_code == 200
            # per key: B carries its own rate (1/h), A the door's (2/h)
            assert client.post(f"{BASE}/requests.json", {**good, "api_key": raw_b}, REMOTE_ADDR="10.0.1.1").status_code == 201
            r = client.post(f"{BASE}/requests.json", {**good, "api_key": raw_b}, REMOTE_ADDR="10.0.1.2")
            assert r.status_code == 429 and r.json()[0]["code"] == 429
            for ip in ("10.0.2.1", "10.0.2.2"):
                assert client.post(f"{BASE}/requests.json", {**good, "api_key": raw_a}, REMOTE_ADDR=ip).status_code == 201
            assert client.post(f"{BASE}/requests.json", {**good, "api_key": raw_a}, REMOTE_ADDR="10.0.2.3").status_code == 429
            # per client: wrong keys from one address are counted too
            for _ in range(3):
                assert client.post(f"{BASE}/requests.json", {**good, "api_key": "o311_guess"}, REMOTE_ADDR="10.0.3.1").status_code == 403
            assert client.post(f"{BASE}/requests.json", {**good, "api_key": "o311_guess"}, REMOTE_ADDR="10.0.3.1").status_code == 429
        finally:
            caches["limits"].clear()


@pytest.mark.django_db
def test_wrong_method_is_405_in_the_error_array(client, county):
    r = client.post(f"{BASE}/services.json")
    assert r.status_code == 405 and r.json()[0]["code"] == 405 and r["Allow"] == "GET"
    assert client.get(f"{BASE}/services.csv").status_code == 404
    assert client.get(f"{BASE}/").status_code == 302


@pytest.mark.django_db
def test_staff_cannot_use_the_open311_channel(county, api):
    status, body = api("disp")("POST", "/api/voices", {"text": "村口路灯坏了，晚上看不清路。", "unit": "VA",
                                                       "channel": "open311"})
    assert status == 403 and body["error"]["field"] == "channel"


# ------------------------------------------------------------------ lat/lng on the staff API
@pytest.mark.django_db
def test_voices_and_visits_carry_a_point_returned_to_staff(county, api):
    status, body = api(None)("POST", "/api/voices", {"text": "村口路灯坏了，晚上看不清路。", "unit": "VA",
                                                     "lat": 28.22821, "lng": 112.93881})
    assert status == 201, body
    status, case = api("disp")("GET", f"/api/cases/{body['number']}")
    assert status == 200 and (case["lat"], case["lng"]) == (28.22821, 112.93881)
    status, body = api("grid")("POST", "/api/visits", {
        "unit": "GA", "visited_at": clock.today().isoformat(),
        "voices": [{"text": "网格内下水道堵塞，污水外溢。", "lat": "28.1", "lng": "112.8"}]})
    assert status == 201, body
    status, case = api("grid")("GET", f"/api/cases/{body['cases'][0]}")
    assert (case["lat"], case["lng"]) == (28.1, 112.8)


@pytest.mark.django_db
@pytest.mark.parametrize("point, field, words", [
    ({"lat": 91, "lng": 112.9}, "lat", "纬度超出范围"), ({"lat": 28.2, "lng": -181}, "lng", "经度超出范围"),
    ({"lat": 28.2}, "lng", "同时填写"), ({"lng": 112.9}, "lat", "同时填写"),
    ({"lat": "北纬28度", "lng": 112.9}, "lat", "格式不正确"),  # the API's schema refuses it before intake
])
def test_a_point_out_of_range_is_refused_in_chinese(county, api, point, field, words):
    status, body = api("disp")("POST", "/api/voices", {"text": "村口路灯坏了，晚上看不清路。", "unit": "VA",
                                                       "channel": "phone", **point})
    assert status == 400, body
    assert body["error"]["field"] == field and words in body["error"]["message"], body
    status, body = api("grid")("POST", "/api/visits", {
        "unit": "GA", "visited_at": clock.today().isoformat(),
        "voices": [{"text": "网格内下水道堵塞，污水外溢。", **point}]})
    assert status == 400 and words in body["error"]["message"], body


@pytest.mark.django_db
def test_intake_checks_a_point_given_as_text(county):
    from minqing.errors import Invalid
    from minqing.intake.services import submit_voice

    for lat, words in (("北纬28度", "纬度应为数字"), ("nan", "纬度超出范围"), (True, "纬度应为数字")):
        with pytest.raises(Invalid, match=words):
            submit_voice({"text": "村口路灯坏了，晚上看不清路。", "unit": "VA", "channel": "phone", "lat": lat,
                          "lng": "112.9"}, county["disp"])
    voice = submit_voice({"text": "村口路灯坏了，晚上看不清路。", "unit": "VA", "channel": "phone", "lat": " 28.5 ",
                          "lng": "112.9"}, county["disp"])
    assert (voice.case.lat, voice.case.lng) == (28.5, 112.9)
