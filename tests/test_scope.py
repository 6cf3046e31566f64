"""A handler of village A cannot see or change a case of village B — through the UI, the API,
the export and the search."""

import io

import pytest
from openpyxl import load_workbook

from minqing.errors import NotFound
from minqing.ledger.actions import perform
from minqing.ledger.permissions import cases_visible_to
from minqing.ledger.queries import apply_filters

TEXT_B = "乙村水库边的护栏断了，孩子上学路过很危险。"


@pytest.fixture
def two_cases(make_case, county):
    a = make_case("VA", "甲村村口路灯坏了，晚上看不清路。")
    b = make_case("VB", TEXT_B)
    for case, unit in ((a, "VA"), (b, "VB")):
        perform(county["disp"], case.number, "dispatch", {"unit": unit})
    return a, b


def test_scope_query(two_cases, county):
    a, b = two_cases
    assert set(cases_visible_to(county["ha"]).values_list("number", flat=True)) == {a.number}
    assert set(cases_visible_to(county["hb"]).values_list("number", flat=True)) == {b.number}
    assert cases_visible_to(county["t_disp"]).count() == 2 and cases_visible_to(county["disp"]).count() == 2


def test_handler_of_village_a_cannot_act_on_village_b(two_cases, county):
    _, b = two_cases
    with pytest.raises(NotFound):
        perform(county["ha"], b.number, "handle", {})
    with pytest.raises(NotFound):
        perform(county["ha"], b.number, "reply", {"text": "越权答复测试"})


def test_department_sees_what_was_dispatched_to_it(two_cases, county):
    _, b = two_cases
    assert cases_visible_to(county["hz"]).count() == 0
    perform(county["hb"], b.number, "return", {"note": "属于住建局职责"})
    perform(county["disp"], b.number, "dispatch", {"unit": "DZ"})
    assert list(cases_visible_to(county["hz"]).values_list("number", flat=True)) == [b.number]


def test_search_is_scoped(two_cases, county):
    assert apply_filters(cases_visible_to(county["hb"]), {"q": "护栏"}).count() == 1
    assert apply_filters(cases_visible_to(county["ha"]), {"q": "护栏"}).count() == 0


def test_api_refuses_other_villages_case(two_cases, api):
    _, b = two_cases
    call = api("ha")
    status, body = call("GET", f"/api/cases/{b.number}")
    assert status == 404 and body["error"]["code"] == "not_found"
    status, body = call("POST", f"/api/cases/{b.number}/reply", {"text": "越权答复测试"})
    assert status == 404
    status, body = call("GET", "/api/cases?q=护栏")
    assert status == 200 and body["count"] == 0
    status, body = call("GET", "/api/cases")
    assert [c["unit"] for c in body["items"]] == ["VA"]


def test_ui_refuses_other_villages_case(two_cases, client, county):
    _, b = two_cases
    client.force_login(county["ha"])
    assert client.get(f"/cases/{b.number}/").status_code == 404
    r = client.post(f"/cases/{b.number}/act/reply/", {"text": "越权答复测试"})
    assert r.status_code == 404
    assert b.replies.count() == 0
    page = client.get("/cases/?q=护栏").content.decode()
    assert b.number not in page and TEXT_B not in page
    assert b.number not in client.get("/cases/").content.decode()


def test_export_is_scoped(two_cases, client, county):
    pytest.importorskip("minqing.intake.excel")
    _, b = two_cases
    client.force_login(county["ha"])
    r = client.get("/cases/export.xlsx")
    assert r.status_code == 200
    cells = [str(c) for row in load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True) for c in row]
    assert b.number not in cells and not any("护栏" in c for c in cells)
