"""Bad input as a class (issue 15): control and invisible characters are removed at every edge (API,
web forms, Excel cells, the services themselves); every spreadsheet export writes user text as text,
never a formula; a required field is never filled in silently. Malicious .xlsx files (bombs, vast
sheets, links, files that are not workbooks) are in tests/test_malicious_xlsx.py."""

import datetime as dt
import io
import math
import re
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict

from minqing.errors import Invalid
from minqing.intake.excel import export_ledger, import_ledger, save_mapping
from minqing.intake.services import submit_voice
from minqing.ledger.actions import perform
from minqing.ledger.models import Approval, Case, CaseEvent, Category, Voice
from minqing.sanitize import clean, sheet_row
from tests.conftest import PW
from tests.test_malicious_xlsx import HEAD, _rows_xml, _workbook, _xlsx

RLO, ZWSP, BOM = "\u202e", "\u200b", "\ufeff"
CJK = re.compile(r"[\u4e00-\u9fff]")


def nothing_written() -> bool:
    return Case.objects.count() == 0 and Voice.objects.count() == 0 and CaseEvent.objects.count() == 0


# ------------------------------------------------------------------------------------- the one function


def test_control_bidi_and_zero_width_characters_are_removed_and_line_breaks_kept():
    dirty = f"村口\x00路灯{RLO}坏了{ZWSP}{BOM}\r\n晚上\x07看不\xad清\u2028路\x85\t很危险\x1b[31m"
    assert clean(dirty) == "村口路灯坏了\n晚上看不清\n路\n 很危险[31m"
    assert clean("第一行\r\n第二行\r第三行", multiline=False) == "第一行 第二行 第三行"


def test_what_people_write_is_kept():
    text = "张　三 丰\u00a0（生僻字\ue000）👍\ufe0f 第2栋 #3-1"  # ideographic and no-break spaces, private use, emoji
    assert clean(text) == text


def test_every_character_openpyxl_refuses_is_removed():
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    everything = "".join(chr(c) for c in range(0x110000))
    cleaned = clean(everything)
    assert not ILLEGAL_CHARACTERS_RE.search(cleaned)
    assert not re.search("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]", cleaned)


# ----------------------------------------------------------------------------------------------- API


def test_api_voice_loses_control_bidi_and_zero_width_characters(api, county):
    status, body = api()("POST", "/api/voices", {
        "title": f"路灯{RLO}坏了{ZWSP}", "text": f"村口路灯\x00坏了一个月，\r\n晚上{ZWSP}看不清路。", "unit": "VA",
        "submitter": {"mode": "protected", "name": f"张{ZWSP}三", "phone": f"1380000{RLO}1234"}})
    assert status == 201, body
    voice = Voice.objects.get()
    assert voice.title == "路灯坏了" and voice.text == "村口路灯坏了一个月，\n晚上看不清路。"
    assert voice.submitter_name == "张三" and voice.submitter_phone == "13800001234"
    assert voice.case.channel == "web"  # a citizen without a token may leave the channel out


def test_api_voice_of_only_invisible_characters_is_refused_as_empty(api, county):
    status, body = api("disp")("POST", "/api/voices", {"text": f"{ZWSP}{RLO}\x00 {BOM}", "channel": "phone",
                                                       "unit": "VA"})
    assert status == 400 and body["error"]["field"] == "text" and "不能为空" in body["error"]["message"]
    assert nothing_written()


def test_api_form_fields_are_cleaned_before_the_service_sees_them(client, county):
    from minqing.org.models import ApiToken

    save_mapping("乡镇台账", {"反映事项": "text"})
    upload = _workbook([["反映事项"], ["村口路灯坏了一个月。"]])
    r = client.post("/api/imports", {"file": upload, "mapping": f"乡镇{ZWSP}台账"},
                    HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(county['disp'])}")
    assert r.status_code == 200 and r.json()["imported"] == 1, r.content


def test_api_staff_voice_without_a_channel_is_refused_in_chinese(api, county):
    status, body = api("disp")("POST", "/api/voices", {"text": "电话反映村口路灯坏了。", "unit": "VA"})
    assert status == 400 and body["error"]["field"] == "channel" and CJK.search(body["error"]["message"])
    assert nothing_written()


def test_api_name_without_a_submitter_mode_is_not_silently_thrown_away(api, county):
    status, body = api()("POST", "/api/voices", {"text": "村口路灯坏了一个月。", "unit": "VA",
                                                 "submitter": {"name": "张三", "phone": "13800001234"}})
    assert status == 400 and body["error"]["field"] == "submitter.mode" and CJK.search(body["error"]["message"])
    assert nothing_written()


# ------------------------------------------------------------------------------------------ web forms


def test_web_form_fields_lose_control_bidi_and_zero_width_characters(client, county):
    r = client.post("/submit/", {"unit": "VA", "title": f"{RLO}路灯不亮{ZWSP}", "address": "村口\x0b大槐树",
                                 "text": f"村口路灯坏了\r\n晚上{BOM}看不清路。\x1b", "mode": "protected",
                                 "name": f"张三{ZWSP}丰", "phone": "13800001234"})
    assert r.status_code == 302
    voice = Voice.objects.select_related("case").get()
    assert (voice.title, voice.text, voice.submitter_name) == ("路灯不亮", "村口路灯坏了\n晚上看不清路。", "张三丰")
    assert voice.case.address == "村口 大槐树"  # a one-line field: the vertical tab was a line break


def test_staff_quick_entry_without_a_channel_is_refused_and_the_form_shown_again(client, county):
    assert client.login(username="disp", password=PW)
    r = client.post("/cases/new/", {"urgency": "normal", "unit": "VA", "title": "漏水",
                                    "text": "来电反映楼上漏水严重。", "mode": "anonymous"})
    assert r.status_code == 400 and "请选择渠道" in r.content.decode() and 'value="漏水"' in r.content.decode()
    assert nothing_written()


def test_form_middleware_cleans_keys_and_values_but_not_passwords():
    from minqing.web.middleware import _cleaned

    posted = QueryDict(f"na{ZWSP}me=张{RLO}三&password=pw%09{ZWSP}x&tags=a%00&tags=b")
    out = _cleaned(posted)
    assert out["name"] == "张三" and out["password"] == f"pw\t{ZWSP}x" and out.getlist("tags") == ["a", "b"]
    plain = QueryDict("name=张三")
    assert _cleaned(plain) is plain  # nothing to clean: nothing copied


# ------------------------------------------------------------------------------------------ services


def test_a_direct_service_call_is_as_clean_as_a_request(county):
    voice = submit_voice({"text": f"村口路灯\x00坏了{RLO}一个月。", "title": f"路灯\n坏了{ZWSP}", "channel": "phone",
                          "unit": "VA"}, county["disp"])
    assert voice.text == "村口路灯坏了一个月。" and voice.title == "路灯 坏了"


def test_staff_voice_without_a_channel_is_refused_by_the_service_itself(county):
    with pytest.raises(Invalid) as e:
        submit_voice({"text": "走访听到的问题：路灯不亮。", "unit": "VA"}, county["grid"])
    assert e.value.field == "channel" and CJK.search(e.value.message)
    assert submit_voice({"text": "网上反映：路灯不亮。", "unit": "VA"}, None).channel == "web"
    assert Case.objects.count() == 1


def test_unit_user_and_attachment_names_lose_invisible_characters(county, make_case):
    from minqing.ledger.attachments import add_attachment
    from minqing.org.services import add_unit, create_user

    assert add_unit("VC", f"丙{ZWSP}村", "village", "T1").name == "丙村"
    assert create_user(f"clerk{ZWSP}2", PW, "handler", "VC", f"王{RLO}五").username == "clerk2"
    case = make_case()
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    att = add_attachment(county["disp"], case.number, SimpleUploadedFile(f"照片{RLO}gnp.png", png))
    assert att.name == "照片gnp.png"


def test_a_leaders_vote_without_an_answer_is_refused_not_counted_as_agree(county, make_case):
    case = make_case("VA")
    perform(county["disp"], case.number, "dispatch", {"unit": "VA"})
    perform(county["ha"], case.number, "handle", {})
    Category.objects.filter(level=1, name="政法").update(sensitive=True)
    perform(county["ha"], case.number, "triage", {"category": "政法"})
    perform(county["ha"], case.number, "reply", {"text": "已依法处理。"})
    with pytest.raises(Invalid) as e:
        perform(county["leader"], case.number, "approve_close", {"note": "再议"})
    assert e.value.field == "agree" and "表决" in e.value.message and Approval.objects.count() == 0
    perform(county["leader"], case.number, "approve_close", {"agree": "false"})
    assert Approval.objects.get().agree is False


# ---------------------------------------------------------------------------------------- exports

FORMULAS = ["=1+1", "+路灯又坏了", "-看不清路", "@SUM(A1:A9)", "=HYPERLINK(\"http://evil.example\",\"点我\")"]


def _string_cells(data: bytes) -> dict[str, openpyxl.cell.cell.Cell]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return {c.value: c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}


def _assert_text_not_formula(data: bytes, texts):
    cells = _string_cells(data)
    for text in texts:
        assert cells[text].data_type == "s", text
        assert cells[text].quotePrefix, text  # Excel's own "typed as text" mark: editing keeps it text
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_title_beginning_with_equals_is_text_in_the_excel_export(county, make_case):
    for title in FORMULAS:
        make_case(text=f"{title} 村口路灯坏了一个月。", title=title)
    buf = io.BytesIO()
    assert export_ledger(Case.objects.all(), buf) == len(FORMULAS)
    _assert_text_not_formula(buf.getvalue(), [f"{title} 村口路灯坏了一个月。" for title in FORMULAS])  # 内容


def test_statement_beginning_with_equals_is_text_in_the_consultation_report(api, client, county):
    status, body = api("disp")("POST", "/api/consultations", {
        "title": "=村道硬化方案", "text": "拟对甲村主干道进行硬化，请大家提意见。", "unit": "T1",
        "statements": ["=1+1 应该先修主干道", "@SUM(A1) 费用应由财政承担", f"-施工期间{RLO}要保证通行"]})
    assert status == 201, body
    xlsx = client.get(f"/consult/{body['id']}/results.xlsx")
    assert xlsx.status_code == 200
    _assert_text_not_formula(xlsx.content, ["=村道硬化方案", "=1+1 应该先修主干道", "@SUM(A1) 费用应由财政承担",
                                            "-施工期间要保证通行"])


def test_unit_name_beginning_with_equals_is_text_in_the_monthly_report():
    from minqing.insight import monthly

    total = {"value": 3}
    figures = {"unit_name": "=cmd|' /C calc'!A0", "totals": {"total": total, "open": total, "overdue": total,
                                                             "closed": total},
               "rates": {"response_rate": float("nan")},
               "by_place": [{"name": "+甲村", "value": 1, "open": 0, "overdue": 0}],
               "by_category": [{"name": "@城乡建设", "value": 1}], "by_channel": [], "by_day": []}
    data = monthly.excel({"month": "2026-10", "figures": figures, "problems": [], "warnings": []})
    _assert_text_not_formula(data, ["=cmd|' /C calc'!A0", "+甲村", "@城乡建设"])


def test_one_odd_value_never_breaks_an_export(tmp_path):
    class Odd:
        def __str__(self):
            return "=怪值"

    for write_only in (False, True):
        wb = openpyxl.Workbook(write_only=write_only)
        ws = wb.create_sheet("t") if write_only else wb.active
        ws.append(sheet_row(ws, [f"a\x00b\x1f{RLO}c", dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC), math.nan, math.inf,
                                 "长" * 40000, Odd(), None, 3]))
        path = tmp_path / f"odd{write_only}.xlsx"
        wb.save(path)
        row = next(openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True))
        assert row[0] == "abc" and row[1] == dt.datetime(2026, 1, 1, 8) and row[2] is None and row[3] is None
        assert len(row[4]) == 32767 and row[5] == "=怪值" and row[7] == 3


# ---------------------------------------------------------------------------------------- Excel import

def test_excel_cells_lose_control_bidi_and_zero_width_characters(county):
    upload = _xlsx(_rows_xml([HEAD, [1, f"路灯{RLO}不亮{ZWSP}", "2019/5/10", f"{BOM}村口路灯_x0007_坏了_x000D_\n一个月。"]]))
    result = import_ledger(upload)
    assert result.imported == 1, result.rejected
    voice = Voice.objects.get()
    assert voice.title == "路灯不亮" and voice.text == "村口路灯坏了\n一个月。"


def test_formula_cells_are_imported_as_their_text_never_evaluated_and_exported_back_as_text(county):
    rows = [HEAD,
            [1, ("1+1", None), "2019/5/10", ("CONCATENATE(\"村口\",\"路灯坏了\")", "村口路灯坏了一个月")],
            [2, "道路破损", "2019/5/11", ("HYPERLINK(\"http://evil.example/x\",\"点我\")", None)]]
    result = import_ledger(_xlsx(_rows_xml(rows)))
    assert result.imported == 2, result.rejected
    by_id = {v.external_id: v for v in Voice.objects.all()}
    assert by_id["1"].title == "=1+1"  # no saved value: the formula, as text
    assert by_id["1"].text == "村口路灯坏了一个月"  # the value the file saved: never computed here
    assert by_id["2"].text == '=HYPERLINK("http://evil.example/x","点我")'
    buf = io.BytesIO()
    export_ledger(Case.objects.all(), buf)
    _assert_text_not_formula(buf.getvalue(), ['=HYPERLINK("http://evil.example/x","点我")'])  # the 内容 column


def test_one_odd_row_among_good_ones_is_rejected_with_its_reason_and_the_rest_imported(county):
    upload = _workbook([HEAD, [1, "路灯不亮", "2019/5/10", "村口路灯坏了一个月。"],
                        [2, f"{ZWSP}{RLO}", "2019/5/11", f"{ZWSP} {BOM}"],  # row 3: only invisible characters
                        [3, "=1+1", "2019/5/12", "-楼上漏水，+已经三天了"],
                        [4, "噪音扰民", "2019/5/13", "工地夜间施工噪音很大，影响休息。"]])
    result = import_ledger(upload)
    assert (result.imported, result.rejected) == (3, [(3, "诉求内容为空")])
    assert set(Voice.objects.values_list("title", flat=True)) == {"路灯不亮", "=1+1", "噪音扰民"}


