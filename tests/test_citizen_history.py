"""The people's history (SPEC C15): cases joined by verified phone (never anonymous voices), only as far as
the user's scope reaches; vulnerable-group flags only for grid cadres, dispatchers and handlers."""

import io

import pytest
from openpyxl import load_workbook

from minqing.intake.citizens import history
from minqing.intake.models import Citizen
from minqing.ledger.models import Voice
from minqing.privacy import phone_key

NAME = "吴建国"


@pytest.fixture
def person(make_case):
    """Three cases of one person with the phone written three ways (VA, VB, then GA — the grid cadre's), an
    anonymous case, another person's."""
    first = make_case("VA", f"我是{NAME}，村口排水沟堵了。", submitter={"mode": "named", "name": NAME, "phone": "137-0000-1111"})
    second = make_case("VB", f"我是{NAME}，乙村的桥栏杆断了。",
                       submitter={"mode": "protected", "name": NAME, "phone": "+86 13700001111"})
    third = make_case("GA", "排水沟还是堵的，又反映一次。", submitter={"mode": "named", "name": NAME, "phone": "13700001111"})
    anon = make_case("VA", "排水沟堵了，不愿留名。")
    other = make_case("VA", "我家的低保什么时候发？", submitter={"mode": "named", "name": "郑小红", "phone": "13911110000"})
    return {"first": first, "second": second, "third": third, "anon": anon, "other": other}


def test_phone_key():
    assert phone_key("137-0000-1111") == phone_key("+86 13700001111") == phone_key("0086 137 0000 1111") == "13700001111"
    assert phone_key("0731-8888 6666") == "073188886666"
    assert phone_key("") == phone_key("12") == ""


def test_history_joins_by_phone_within_scope(person, county):
    third = person["third"]
    h = history(county["disp"], third)
    assert (h["times"], h["total"]) == (3, 3)
    assert [c["number"] for c in h["cases"]] == [person["second"].number, person["first"].number]  # newest first
    assert all(c["earlier"] for c in h["cases"])
    assert NAME not in h["cases"][0]["title"] and "吴**" in h["cases"][0]["title"]  # protected: masked as in lists
    later = history(county["disp"], person["first"])
    assert later["times"] == 1 and later["total"] == 3 and not any(c["earlier"] for c in later["cases"])
    # the VA handler does not see the VB case: neither listed nor counted
    h_va = history(county["ha"], third)
    assert (h_va["times"], h_va["total"]) == (2, 2) and [c["number"] for c in h_va["cases"]] == [person["first"].number]
    h_vb = history(county["hb"], person["second"])
    assert (h_vb["total"], h_vb["cases"]) == (1, [])
    assert history(county["disp"], person["anon"]) is None  # anonymous voices never join
    assert history(county["disp"], person["other"])["total"] == 1


def test_flags_who_reads_who_writes(person, api, county):
    number = person["third"].number
    status, body = api("grid")("POST", "/api/citizens/flags", {"case": number, "flags": ["alone_elderly", "dibao"],
                                                               "note": "独居，耳背，上门时大声说话"})
    assert status == 200 and body["flags"] == ["dibao", "alone_elderly"] and body["flag_labels"] == ["低保户", "独居老人"]
    for reader in ("disp", "ha", "grid"):
        status, case = api(reader)("GET", f"/api/cases/{number}")
        assert status == 200 and case["history"]["flag_labels"] == ["低保户", "独居老人"], reader
        assert case["history"]["note"] == "独居，耳背，上门时大声说话"
    for blind in ("leader", "t_leader", "admin"):
        status, body = api(blind)("GET", f"/api/citizens/{number}/history")
        assert status == 200 and body["history"]["total"] == 3, blind
        assert body["history"]["flags"] is None and body["history"]["note"] is None, blind
    for user in ("ha", "leader"):
        status, body = api(user)("POST", "/api/citizens/flags", {"case": number, "flags": []})
        assert status == 403 and "网格员" in body["error"]["message"]
    assert Citizen.objects.get().flags == ["dibao", "alone_elderly"]


def test_flags_validation_writes_nothing(person, api):
    call = api("disp")
    status, body = call("POST", "/api/citizens/flags", {"case": person["third"].number, "flags": ["rich"]})
    assert status == 400 and body["error"]["field"] == "flags" and "低保户" in body["error"]["message"]
    status, body = call("POST", "/api/citizens/flags", {"case": person["anon"].number, "flags": ["dibao"]})
    assert status == 400 and "匿名" in body["error"]["message"]
    status, body = call("POST", "/api/citizens/flags", {"case": "MQ-1999-000001", "flags": ["dibao"]})
    assert status == 404
    assert api("hb")("POST", "/api/citizens/flags", {"case": person["first"].number, "flags": ["dibao"]})[0] == 403
    status, _ = call("POST", "/api/citizens/flags", {"case": person["third"].number, "flags": ["dibao"],
                                                     "note": "<script>alert(1)</script>"})
    assert status == 400
    assert Citizen.objects.count() == 0
    assert api("disp")("GET", f"/api/cases/{person['anon'].number}")[1]["history"] is None


def test_case_page_box_and_flags_never_public_or_exported(person, client, county):
    client.force_login(county["disp"])
    r = client.post(f"/cases/{person['third'].number}/citizen/", {"flags": ["disabled"], "note": "坐轮椅"})
    assert r.status_code == 302
    page = client.get(f"/cases/{person['third'].number}/").content.decode()
    assert "此人第3次反映" in page and person["first"].number in page and "残疾人" in page and "坐轮椅" in page
    assert 'name="flags"' in page
    export = client.get("/cases/export.xlsx")
    cells = [str(c) for ws in load_workbook(io.BytesIO(export.content)).worksheets
             for row in ws.iter_rows(values_only=True) for c in row if c]
    assert cells and not any("残疾人" in c or "坐轮椅" in c for c in cells)
    client.force_login(county["leader"])
    page = client.get(f"/cases/{person['third'].number}/").content.decode()
    assert "此人第3次反映" in page and "残疾人" not in page and "坐轮椅" not in page and 'name="flags"' not in page
    client.logout()
    for url in ("/public/VA/", "/public/C/", "/public/C/feed.atom"):
        body = client.get(url).content.decode()
        assert "残疾人" not in body and "坐轮椅" not in body and NAME not in body


def test_backfill_migration_fills_keys(person):
    from importlib import import_module

    from django.apps import apps

    Voice.objects.update(phone_key=None)
    import_module("minqing.ledger.migrations.0010_voice_phone_key").backfill(apps, None)
    keys = dict(Voice.objects.values_list("case__number", "phone_key"))
    assert keys[person["first"].number] == keys[person["second"].number] == "13700001111"
    assert keys[person["anon"].number] is None
