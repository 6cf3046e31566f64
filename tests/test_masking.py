"""A protected submitter's name and phone never appear unmasked in a list page, an API list
response or an export; only the dispatcher who must call back can reveal them, and that is logged."""

import io

import pytest
from openpyxl import load_workbook

from minqing.privacy import mask_name, mask_phone, redact_text

NAME, PHONE = "王秀英", "13912345678"


@pytest.fixture
def protected(make_case):
    return make_case("VA", f"我家门口的下水道堵了，我叫{NAME}，电话{PHONE}。",
                     submitter={"mode": "protected", "name": NAME, "phone": PHONE})


def test_mask_functions():
    assert mask_name("张三") == "张*" and mask_name("欧阳娜娜") == "欧***"
    assert mask_phone("13812345678") == "138****5678"
    assert PHONE not in redact_text(f"电话{PHONE}") and NAME not in redact_text(f"我叫{NAME}", NAME, PHONE)
    assert redact_text("身份证11010119900101123X") == "身份证110101********123X"


def test_list_page_api_list_and_export_never_show_the_protected_identity(protected, client, county, api):
    client.force_login(county["disp"])
    pages = [client.get("/cases/").content.decode(), client.get(f"/cases/{protected.number}/").content.decode()]
    for who in ("disp", "ha", "leader", "admin"):
        status, body = api(who)("GET", "/api/cases")
        pages.append(str(body))
        status, body = api(who)("GET", f"/api/cases/{protected.number}")
        pages.append(str(body))
    if pytest.importorskip("minqing.intake.excel"):
        r = client.get("/cases/export.xlsx")
        rows = load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True)
        pages.append(" ".join(str(c) for row in rows for c in row))
    for raw in pages:
        assert PHONE not in raw and NAME not in raw
        assert "139****5678" in raw or "王**" in raw


def test_only_the_dispatcher_can_reveal_and_it_is_logged(protected, api):
    status, body = api("ha")("POST", f"/api/cases/{protected.number}/reveal_contact")
    assert status == 403 and body["error"]["message"]
    status, body = api("disp")("POST", f"/api/cases/{protected.number}/reveal_contact")
    assert status == 200 and body["phone"] == PHONE and body["name"] == NAME
    assert protected.events.filter(action="reveal_contact").count() == 1


def test_anonymous_voice_stores_no_identity(make_case):
    case = make_case(submitter={"mode": "anonymous", "name": "某人", "phone": "13800000000"})
    voice = case.voices.first()
    assert voice.submitter_name == "" and voice.submitter_phone == ""
