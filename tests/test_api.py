"""The API contract of ENGINEERING.md ("Interfaces others rely on") and bad input at the edge."""

import json

import pytest

from minqing.ledger.models import Case, CaseEvent, Voice


def test_token_and_units(api, county, client):
    r = client.post("/api/token", json.dumps({"username": "disp", "password": "pw-test-2026"}),
                    content_type="application/json")
    assert r.status_code == 200 and r.json()["token"]
    r = client.post("/api/token", json.dumps({"username": "disp", "password": "wrong"}), content_type="application/json")
    assert r.status_code == 401 and r.json()["error"]["message"] == "用户名或密码错误"
    status, units = api()("GET", "/api/units")
    assert status == 200 and {"code": "VA", "name": "甲村", "level": "village", "parent": "T1"} in units


def test_citizen_submits_tracks_and_rates(api, county):
    anon = api()
    status, made = anon("POST", "/api/voices", {"text": "小区门口垃圾无人清运。", "channel": "web", "unit": "VA",
                                                "submitter": {"mode": "anonymous"}})
    assert status == 201 and made["number"].startswith("MQ-") and made["tracking_code"]
    code = made["tracking_code"]
    status, body = anon("POST", f"/api/track/{code}/rating", {"rating": "satisfied"})
    assert status == 400 and body["error"]["code"] == "not_replied"
    disp, ha = api("disp"), api("ha")
    assert disp("POST", f"/api/cases/{made['number']}/dispatch", {"unit": "VA"})[0] == 200
    status, case = ha("POST", f"/api/cases/{made['number']}/reply", {"text": "已安排保洁公司今天清运。"})
    assert status == 200 and case["status"] == "replied"
    status, tracked = anon("GET", f"/api/track/{code.lower()}")
    assert status == 200 and tracked["replies"][0]["text"] == "已安排保洁公司今天清运。"
    status, tracked = anon("POST", f"/api/track/{code}/rating", {"rating": "basically_satisfied", "comment": "还行"})
    assert status == 200 and tracked["rating"] == "basically_satisfied" and tracked["status"] == "followed_up"
    assert anon("GET", "/api/track/NO-SUCH-CODE")[0] == 404


def test_staff_channels_need_a_token(api, county):
    status, body = api()("POST", "/api/voices", {"text": "电话反映的问题", "channel": "phone", "unit": "VA"})
    assert status == 403 and "工作人员" in body["error"]["message"]
    status, body = api("grid")("POST", "/api/voices", {"text": "走访听到的问题", "channel": "visit", "unit": "VA"})
    assert status == 201


def test_case_list_filters_and_detail(api, make_case, county):
    make_case("VA", "村口路灯坏了，晚上看不清路。")
    make_case("VB", "乙村自来水发黄，有异味。", channel="visit")
    call = api("disp")
    assert call("GET", "/api/cases")[1]["count"] == 2
    assert call("GET", "/api/cases?channel=visit")[1]["count"] == 1
    assert call("GET", "/api/cases?unit=VB")[1]["count"] == 1
    assert call("GET", "/api/cases?q=路灯")[1]["count"] == 1
    assert call("GET", "/api/cases?q=自来水 异味")[1]["count"] == 1
    assert call("GET", "/api/cases?status=accepted&overdue=false")[1]["count"] == 2
    assert call("GET", "/api/cases?since=2000-01-01&until=2000-01-02")[1]["count"] == 0
    assert call("GET", "/api/cases?page=2")[1]["items"] == []
    number = call("GET", "/api/cases")[1]["items"][0]["number"]
    status, case = call("GET", f"/api/cases/{number}")
    assert status == 200 and case["events"][0]["action"] == "accept" and "dispatch" in case["actions"]
    for bad in ("status=nonsense", "channel=pigeon", "unit=NOPE", "since=yesterday", "page=0"):
        status, body = call("GET", f"/api/cases?{bad}")
        assert status == 400 and body["error"]["message"], bad
    assert api()("GET", "/api/cases")[0] == 401


def test_traditional_script_search_finds_simplified_text(api, make_case):
    make_case("VA", "小区停车难，物业乱收费。")
    assert api("disp")("GET", "/api/cases?q=停車")[1]["count"] == 1


def test_unknown_and_illegal_actions(api, make_case):
    case = make_case()
    call = api("admin")
    status, body = call("POST", f"/api/cases/{case.number}/no_such_action", {})
    assert status == 409 and body["error"]["code"] == "unknown_action"
    status, body = call("POST", f"/api/cases/{case.number}/close", {})
    assert status == 409 and "不能执行" in body["error"]["message"]


BAD_VOICES = [
    ("empty text", {"text": "", "channel": "web", "unit": "VA"}, "text"),
    ("whitespace text", {"text": "   \n\t ", "channel": "web", "unit": "VA"}, "text"),
    ("1 MB text", {"text": "问" * 1_000_000, "channel": "web", "unit": "VA"}, "text"),
    ("unknown unit", {"text": "有问题要反映", "channel": "web", "unit": "NO-SUCH-UNIT"}, "unit"),
    ("unknown channel", {"text": "有问题要反映", "channel": "pigeon", "unit": "VA"}, "channel"),
    ("script tag", {"text": "<script>alert(1)</script>路灯坏了", "channel": "web", "unit": "VA"}, "text"),
    ("bad submitter mode", {"text": "有问题要反映", "channel": "web", "unit": "VA", "submitter": {"mode": "x"}}, "submitter.mode"),
    ("protected without contact", {"text": "有问题要反映", "channel": "web", "unit": "VA",
                                   "submitter": {"mode": "protected"}}, "submitter.name"),
    ("missing text", {"channel": "web", "unit": "VA"}, "text"),
    ("text of wrong type", {"text": ["a"], "channel": "web", "unit": "VA"}, "text"),
]


@pytest.mark.parametrize("what,body,field", BAD_VOICES, ids=[b[0] for b in BAD_VOICES])
def test_bad_voice_gets_a_chinese_4xx_and_writes_nothing(api, county, what, body, field):
    status, resp = api("disp")("POST", "/api/voices", body)
    assert 400 <= status < 500, (what, status, resp)
    err = resp["error"]
    assert err["field"] == field and any("\u4e00" <= ch <= "\u9fff" for ch in err["message"])
    assert Case.objects.count() == 0 and Voice.objects.count() == 0 and CaseEvent.objects.count() == 0


def test_malformed_json_body_is_a_400(client, county):
    r = client.post("/api/voices", "{not json", content_type="application/json")
    assert r.status_code == 400 and r.json()["error"]["message"]


def test_openapi_document_lists_the_contract_routes(client, county):
    paths = client.get("/api/openapi.json").json()["paths"]
    for p in ("/api/token", "/api/units", "/api/voices", "/api/cases", "/api/cases/{number}",
              "/api/cases/{number}/{action}", "/api/track/{code}", "/api/track/{code}/rating"):
        assert p in paths
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    page = docs.content.decode()  # no internet in a county office: Swagger UI comes from our own server
    assert "/static/ninja/swagger-ui-bundle.js" in page and "cdn" not in page.lower()


DOORS = {"POST /api/voices", "GET /api/track/{code}", "POST /api/track/{code}/rating", "POST /api/token",
         "POST /api/consultations/{cid}/statements", "POST /api/consultations/{cid}/votes",
         "GET /api/consultations/{cid}/next", "GET /api/consultations/{cid}/groups", "GET /api/public/{unit_code}/notices",
         "GET /api/public/{unit_code}/cases"}
STATE_MACHINES = {"POST /api/cases/{number}/{action}", "POST /api/track/{code}/rating",
                  "POST /api/warnings/{wid}/acknowledge", "POST /api/warnings/{wid}/handle"}
# Idempotency-Key: the same key with another body or user is a 409 (intake/once.py)
IDEMPOTENT = {"POST /api/voices", "POST /api/visits", "POST /api/cases/{number}/attachments"}


def test_openapi_document_declares_every_refusal(client, county):
    """api/openapi.py: every operation declares its 4xx answers with the one error shape, by its auth, path
    and body; 409 and 429 where the route says so. Never 422: validation errors are 400."""
    doc = client.get("/api/openapi.json").json()
    error = doc["components"]["schemas"]["ErrorOut"]
    assert error["required"] == ["error"] and doc["components"]["schemas"]["ErrorDetail"]["required"] == [
        "code", "message", "field"]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            name, security = f"{method.upper()} {path}", op.get("security") or [{}]
            expected = {"400", "403"}
            expected |= {"401"} if {} not in security or name == "POST /api/token" else set()
            expected |= {"404"} if "{" in path or name == "POST /api/citizens/flags" else set()
            expected |= {"413"} if "requestBody" in op else set()
            expected |= {"409"} if name in STATE_MACHINES | IDEMPOTENT else set()
            expected |= {"429"} if name in DOORS else set()
            refusals = {s for s in op["responses"] if s.startswith("4")}
            assert refusals == expected, name
            for status in refusals:
                content = op["responses"][status]["content"]["application/json"]["schema"]
                assert content == {"$ref": "#/components/schemas/ErrorOut"}, (name, status)
            assert ("Retry-After" in op["responses"].get("429", {}).get("headers", {})) == (name in DOORS)


def test_a_body_over_the_limit_is_413(client, county, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    r = client.post("/api/voices", json.dumps({"text": "路灯" * 1000, "unit": "VA"}), content_type="application/json")
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_attachments_upload_download_and_limits(make_case, county, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from minqing.org.models import ApiToken

    case = make_case("VA")
    auth = {"HTTP_AUTHORIZATION": "Bearer " + ApiToken.issue(county["disp"])}
    url = f"/api/cases/{case.number}/attachments"
    r = client.post(url, {"file": SimpleUploadedFile("现场.png", PNG, "image/png")}, **auth)
    assert r.status_code == 201, r.content
    att = r.json()["id"]
    r = client.get(f"{url}/{att}", **auth)
    assert r.status_code == 200 and b"".join(r.streaming_content) == PNG
    for name, data, status in (("virus.exe", b"MZ\x90\x00", 400), ("fake.png", b"GIF89a......", 400),
                               ("big.pdf", b"%PDF-" + b"0" * (11 << 20), 413)):
        r = client.post(url, {"file": SimpleUploadedFile(name, data)}, **auth)
        assert r.status_code == status and r.json()["error"]["field"] == "file", name
    assert case.attachments.count() == 1 and case.events.filter(action="attach").count() == 1
    other = {"HTTP_AUTHORIZATION": "Bearer " + ApiToken.issue(county["hb"])}
    assert client.get(f"{url}/{att}", **other).status_code == 404


EDGES = ("0001-01-01", "9999-12-31")


@pytest.mark.parametrize("day", EDGES)
def test_dates_at_the_ends_of_the_calendar_are_refused_not_a_server_error(api, county, make_case, day):
    """Found while declaring the API's answers (docs/security.md): a year-1 or year-9999 date overflowed (500) in
    every list, statistic and form that takes a date; ledger/days.py reads them all, with one range."""
    disp, ha = api("disp"), api("ha")
    case = make_case("VA")
    disp("POST", f"/api/cases/{case.number}/dispatch", {"unit": "VA"})
    ha("POST", f"/api/cases/{case.number}/handle", {})
    for param in ("since", "until"):
        for path in ("/api/cases", "/api/stats/rates", "/api/stats/ranking", "/api/hotspots", "/api/visits/coverage",
                     "/api/visits/plans/suggestions"):
            status, body = disp("GET", f"{path}?{param}={day}")
            assert status == 400 and body["error"]["field"] == param, (path, param)
    status, body = disp("GET", f"/api/stats/dashboard?until={day}")
    assert status == 400 and body["error"]["field"] == "until"
    for path, payload, field in (
            ("/api/visits", {"unit": "VA", "visited_at": day}, "visited_at"),
            ("/api/visits/plans", {"unit": "VA", "starts": day}, "starts"),
            ("/api/consultations", {"title": "加装电梯", "text": "方案", "unit": "C", "opens_at": f"{day}T00:00"}, "opens_at"),
            ("/api/consultations", {"title": "加装电梯", "text": "方案", "unit": "C", "closes_at": day}, "closes_at"),
            (f"/api/cases/{case.number}/request_extension", {"reason": "需要协调", "new_due": day}, "new_due")):
        status, body = (ha if "request_extension" in path else disp)("POST", path, payload)
        assert status == 400 and body["error"]["field"] == field, (path, body)


def test_a_page_number_past_any_ledger_is_refused(api, county):
    status, body = api("disp")("GET", "/api/cases?page=100000000000000000000000")
    assert status == 400 and body["error"]["field"] == "page"
