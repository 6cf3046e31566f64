"""Excel ledger import and export (intake/excel/, api/imports.py)."""

import datetime as dt
import io
import os
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from minqing.errors import Invalid
from minqing.intake.excel import DateParser, export_ledger, import_ledger, save_mapping
from minqing.ledger.models import Case, Reply, Voice

from .conftest import shared_file

SH = ZoneInfo("Asia/Shanghai")


def workbook(rows, name="ledger.xlsx") -> SimpleUploadedFile:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="application/vnd.ms-excel")


def cells(data: bytes) -> list[str]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return [str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None]


# ------------------------------------------------------------------------------------ shared files


@pytest.mark.parametrize("name, rows", [("messages_labeled.xlsx", 395), ("messages_with_votes.xlsx", 4326),
                                        ("messages_with_replies.xlsx", 2500)])
def test_shared_file_imports_every_row_or_says_why(county, name, rows):
    path = shared_file(name)
    result = import_ledger(path)  # its speed is measured by `python -m minqing.bench ledger`, not here
    assert result.total == rows
    assert result.imported + len(result.rejected) == result.total
    assert result.skipped == 0
    assert all(isinstance(r, int) and r >= 2 and reason for r, reason in result.rejected)
    assert len(result.rejected) <= 1  # the files are clean but for one message given twice
    assert Voice.objects.filter(channel="import").count() == result.imported
    assert Case.objects.filter(channel="import").count() == result.imported
    if name == "messages_with_votes.xlsx":
        assert result.rejected == [] or \
            all("过长" in reason for _, reason in result.rejected)
        assert Case.objects.filter(endorsements__gt=0).exists()
    if name == "messages_labeled.xlsx":
        # the file holds one message twice (with two different labels)
        assert [reason for _, reason in result.rejected] and "同一条诉求" in result.rejected[0][1]
        assert Case.objects.exclude(category=None).count() == result.imported
        assert set(Case.objects.values_list("category_top", flat=True)) <= {
            "劳动和社会保障", "城乡建设", "教育文体", "卫生计生", "交通运输", "商贸旅游", "环境保护"}
    if name == "messages_with_replies.xlsx":
        assert Reply.objects.filter(kind="reply").count() == result.imported
        assert Case.objects.filter(status="replied").count() == result.imported
        first = Voice.objects.get(external_id="2549")
        assert first.case.received_at == dt.datetime(2019, 4, 25, 9, 32, 9, tzinfo=SH)
        reply = first.case.replies.get()
        assert reply.at == dt.datetime(2019, 5, 10, 14, 56, 53, tzinfo=SH)
        assert first.case.replied_at == reply.at
        assert reply.text.startswith("现将网友在平台")
        assert [e.action for e in first.case.events.all()] == ["accept", "reply"]
        assert first.submitter_ref == "A00045581" and first.submitter_mode == "anonymous"


def test_importing_the_same_file_twice_imports_nothing_new(county):
    path = shared_file("messages_labeled.xlsx")
    first = import_ledger(path)
    second = import_ledger(path)
    assert first.imported > 390
    assert second.imported == 0 and second.rejected == []
    assert second.skipped == second.total == 395
    assert Voice.objects.count() == first.imported


def test_a_file_without_a_text_column_is_refused(county):
    with pytest.raises(Invalid) as e:
        import_ledger(shared_file("taxonomy.xlsx"))
    assert "找不到诉求内容列" in e.value.message
    assert Case.objects.count() == 0


# ---------------------------------------------------------------------------------- bad files


def test_random_bytes_named_xlsx_are_refused_in_chinese(county, tmp_path):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(os.urandom(4096))
    with pytest.raises(Invalid) as e:
        import_ledger(path)
    assert "不是有效的 Excel 表格" in e.value.message
    upload = SimpleUploadedFile("台账.xlsx", b"PK\x03\x04" + os.urandom(2000))  # looks like a zip, is not
    with pytest.raises(Invalid) as e:
        import_ledger(upload)
    assert "不是有效的 Excel 表格" in e.value.message


def test_a_text_file_is_refused(county, tmp_path):
    path = tmp_path / "ledger.txt"
    path.write_text("留言主题,留言详情\n路灯坏了,村口路灯坏了一个月\n", encoding="utf-8")
    with pytest.raises(Invalid) as e:
        import_ledger(path)
    assert "只能导入 Excel 表格" in e.value.message
    with pytest.raises(Invalid):
        import_ledger(SimpleUploadedFile("ledger.csv", path.read_bytes()))


def test_an_empty_workbook_and_an_empty_file_are_refused(county):
    with pytest.raises(Invalid) as e:
        import_ledger(workbook([]))
    assert "空" in e.value.message
    with pytest.raises(Invalid) as e:
        import_ledger(SimpleUploadedFile("empty.xlsx", b""))
    assert "空" in e.value.message


def test_a_header_without_data_rows_imports_nothing(county):
    result = import_ledger(workbook([["留言主题", "留言详情"]]))
    assert (result.total, result.imported, result.rejected) == (0, 0, [])


def test_unknown_mapping_is_refused(county):
    with pytest.raises(Invalid) as e:
        import_ledger(workbook([["标题"], ["路灯坏了很久"]]), mapping="x")
    assert e.value.message == "导入映射“x”不存在"


# -------------------------------------------------------------------------------- row handling


@pytest.mark.parametrize("value, expected", [
    ("2019/5/10 14:56:53", dt.datetime(2019, 5, 10, 14, 56, 53)),
    ("2017-06-08 17:31:20", dt.datetime(2017, 6, 8, 17, 31, 20)),
    ("2019/5/10", dt.datetime(2019, 5, 10)),
    (" 2019/5/10 9:05 ", dt.datetime(2019, 5, 10, 9, 5)),
    ("2019年5月10日", dt.datetime(2019, 5, 10)),
    ("2019年5月10日14时56分30秒", dt.datetime(2019, 5, 10, 14, 56, 30)),
    ("2019-05-10T14:56:53", dt.datetime(2019, 5, 10, 14, 56, 53)),
    ("20190510", dt.datetime(2019, 5, 10)),
    (dt.datetime(2019, 8, 23, 12, 22), dt.datetime(2019, 8, 23, 12, 22)),
    (dt.date(2019, 8, 22), dt.datetime(2019, 8, 22)),
    (43595.5, dt.datetime(2019, 5, 10, 12, 0)),
    ("43595.5", dt.datetime(2019, 5, 10, 12, 0)),
])
def test_dates_in_mixed_formats_become_aware_local_times(value, expected):
    assert DateParser()(value, "时间") == expected.replace(tzinfo=SH)


@pytest.mark.parametrize("value", ["昨天", "2019/13/40", "2019/2/30 10:00", "", "  ", dt.time(10, 0), "10:00", -5])
def test_unparseable_dates_are_refused(value):
    from minqing.intake.excel import _Reject

    with pytest.raises(_Reject):
        DateParser()(value, "时间")




HEAD = ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情"]


def test_bad_rows_are_reported_with_their_row_numbers_and_the_rest_imported(county):
    upload = workbook([
        HEAD,
        [1, "U1", "路灯不亮", "2019/5/10 14:56:53", "\n\t\t村口路灯坏了一个月，晚上看不清路。\n\t"],  # row 2
        [2, "U2", "噪音扰民", "昨天下午", "工地夜间施工噪音很大，影响休息。"],  # row 3: bad date
        [3, "U3", "", "2019-06-08 17:31:20", "  \n\t"],  # row 4: nothing to say
        [4, "U4", "垃圾没人清运，已经堆了一周", "2019/5/10", ""],  # row 5: the title is the text
        [5, "U5", "下水道堵塞", dt.datetime(2019, 8, 23, 12, 22), "小区下水道堵塞，污水外溢。"],  # row 6
        [6, "U6", "道路破损", 43595.5, "进村道路破损严重，车辆无法通行。"],  # row 7: an Excel serial
        [7, "U7", "长文", "2019/5/10", "很" * 10001],  # row 8: too long for submit_voice
    ])
    result = import_ledger(upload)
    assert result.total == 7
    assert result.imported == 4
    assert [r for r, _ in result.rejected] == [3, 4, 8]
    reasons = dict(result.rejected)
    assert "时间" in reasons[3] and "昨天下午" in reasons[3]
    assert reasons[4] == "诉求内容为空"
    assert "过长" in reasons[8]
    by_id = {v.external_id: v for v in Voice.objects.select_related("case")}
    assert by_id["1"].text.startswith("村口路灯") and by_id["1"].case.received_at == dt.datetime(2019, 5, 10, 14, 56, 53, tzinfo=SH)
    assert by_id["4"].text == "垃圾没人清运，已经堆了一周"
    assert by_id["4"].case.received_at == dt.datetime(2019, 5, 10, tzinfo=SH)
    assert by_id["5"].case.received_at == dt.datetime(2019, 8, 23, 12, 22, tzinfo=SH)
    assert by_id["6"].case.received_at == dt.datetime(2019, 5, 10, 12, 0, tzinfo=SH)
    assert by_id["1"].case.unit.code == "C"  # no unit column: the county
    assert all(v.channel == "import" and v.case.channel == "import" for v in by_id.values())
    assert by_id["1"].case.created_by.username == "system-import"


def test_row_numbers_count_title_rows_above_the_header(county):
    upload = workbook([["某某镇民情台账（2019年）"], [], HEAD,
                       [1, "U1", "路灯不亮", "2019/5/10 14:56:53", "村口路灯坏了一个月。"],
                       [2, "U2", "噪音", "无", "工地夜间施工噪音很大。"]])
    result = import_ledger(upload)
    assert result.imported == 1 and [r for r, _ in result.rejected] == [5]


def test_row_numbers_when_the_sheet_starts_below_row_one(county):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["B3"], ws["C3"] = "留言主题", "留言详情"
    ws["B4"], ws["C4"] = "路灯", "村口路灯坏了一个月。"
    ws["B6"], ws["C6"] = "", "   "
    ws["D6"] = "备注"
    buf = io.BytesIO()
    wb.save(buf)
    result = import_ledger(SimpleUploadedFile("t.xlsx", buf.getvalue()))
    assert result.total == 2 and result.imported == 1 and result.rejected == [(6, "诉求内容为空")]


def test_other_offices_headers_units_categories_and_contacts(county):
    upload = workbook([
        ["序号", "乡镇", "所在村", "诉求标题", "诉求内容", "来电时间", "联系人", "联系电话", "问题类别", "渠道", "诉求地址"],
        [1, "一镇", "甲村", "路灯", "村口路灯坏了一个月。", "2024-03-01 09:00", "张三丰", 13812345678, "城乡建设", "12345热线", "甲村村口"],
        [2, "一镇", "", "噪音", "工地夜间施工噪音很大。", "2024-03-02", "", "", "不存在的分类", "", ""],
        [3, "", "丙村", "积水", "下雨后路面积水严重。", "2024-03-03", "", "", "", "", ""],
        [4, "", "", "无单位", "没有填单位的一条诉求。", "2024-03-04", "", "", "", "", ""],
    ])
    result = import_ledger(upload)
    assert result.imported == 3
    assert result.rejected == [(4, "单位“丙村”不存在，请先在单位管理中添加，或在表格中改用已有单位的名称或代码")]
    assert any("不存在的分类" in n for n in result.notes)
    voices = {v.case.title: v for v in Voice.objects.select_related("case", "case__unit", "case__category")}
    first = voices["路灯"]
    assert first.case.unit.code == "VA" and first.case.category.path == "城乡建设"
    assert first.submitter_mode == "protected" and first.submitter_name == "张三丰"
    assert first.submitter_phone == "13812345678" and first.source == "12345热线"
    assert first.case.address == "甲村村口"
    assert voices["噪音"].case.unit.code == "T1" and voices["噪音"].case.category is None
    assert voices["噪音"].submitter_mode == "anonymous"
    assert voices["无单位"].case.unit.code == "C"


def test_township_dispatcher_imports_only_within_the_township(county):
    upload = workbook([["所在单位", "诉求内容", "时间"], ["VA", "村口路灯坏了一个月。", "2024-03-01"],
                       ["DZ", "住建局门口积水。", "2024-03-01"], ["", "没有单位的诉求。", "2024-03-01"]])
    result = import_ledger(upload, user=county["t_disp"])
    assert result.imported == 2
    assert [r for r, _ in result.rejected] == [3] and "管辖范围" in result.rejected[0][1]
    assert set(Case.objects.values_list("unit__code", flat=True)) == {"VA", "T1"}


def test_a_saved_mapping_with_its_own_date_format(county):
    save_mapping("某县信访台账", {"反映事项": "text", "登记日期": "received_at", "村社": "unit", "答复情况": "reply",
                               "答复日期": "reply_at"}, "%Y年%m月%d日")
    upload = workbook([["反映事项", "登记日期", "村社", "答复情况", "答复日期"],
                       ["村口路灯坏了一个月。", "2024年3月1日", "乙村", "已修复路灯，感谢反映。", "2024年3月5日"],
                       ["工地夜间施工噪音很大。", "2024-03-02 10:00", "VB", "", ""]])
    result = import_ledger(upload, mapping="某县信访台账")
    assert result.imported == 2, result.rejected
    case = Case.objects.get(text="村口路灯坏了一个月。")
    assert case.received_at == dt.datetime(2024, 3, 1, tzinfo=SH) and case.unit.code == "VB"
    assert case.status == "replied" and case.replies.get().at == dt.datetime(2024, 3, 5, tzinfo=SH)
    assert Case.objects.get(text="工地夜间施工噪音很大。").status == "accepted"
    again = import_ledger(workbook([["反映事项", "登记日期", "村社", "答复情况", "答复日期"],
                                    ["村口路灯坏了一个月。", "2024年3月1日", "乙村", "", ""]]), mapping="某县信访台账")
    assert again.skipped == 1 and again.imported == 0


def test_mapping_validation(county):
    with pytest.raises(Invalid) as e:
        save_mapping("m", {"内容": "body"})
    assert "未知字段" in e.value.message
    with pytest.raises(Invalid):
        save_mapping("m", {"电话": "phone"})  # no text or title
    save_mapping("m", {"内容": "text"})
    with pytest.raises(Invalid) as e:
        save_mapping("m", {"内容": "text"})
    assert "已存在" in e.value.message


# ------------------------------------------------------------------------------------- export


def test_export_never_shows_a_protected_submitters_name_or_phone(county, make_case):
    make_case(text="楼下饭店油烟很大，熏得没法开窗。", submitter={"mode": "protected", "name": "张三丰", "phone": "13812345678"})
    make_case(text="路灯坏了，请尽快修理。张三丰 13812345678", submitter={"mode": "protected", "name": "张三丰",
                                                                       "phone": "13812345678"}, title="张三丰反映路灯")
    make_case(text="村道坑洼不平，雨天积水。", submitter={"mode": "named", "name": "李四", "phone": "13987654321"})
    buf = io.BytesIO()
    assert export_ledger(Case.objects.all(), buf) == 3
    values = cells(buf.getvalue())
    joined = "\n".join(values)
    assert "张三丰" not in joined and "13812345678" not in joined
    assert "13987654321" not in joined and "李四" not in joined  # a ledger handed on names nobody
    assert "张**（138****5678）" in values and "李*（139****4321）" in values


def test_export_writes_the_queryset_it_is_given(county, make_case, tmp_path):
    a = make_case(unit="VA", text="甲村的路灯坏了一个月。")
    make_case(unit="VB", text="乙村的垃圾没人清运。")
    path = tmp_path / "out.xlsx"
    assert export_ledger(Case.objects.filter(unit__code="VA"), path) == 1
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("编号", "受理日期", "渠道", "反映人", "地点", "内容", "类别", "责任单位", "办理时限", "状态", "答复",
                       "评价")  # a county's usual 台账
    assert len(rows) == 2 and rows[1][0] == a.number and rows[1][4] == "甲村" and rows[1][5] == "甲村的路灯坏了一个月。"
    assert isinstance(rows[1][1], dt.datetime) and isinstance(rows[1][8], dt.datetime)
    assert ws.freeze_panes == "A2" and ws["A1"].font.b
    assert export_ledger(Case.objects.none(), tmp_path / "none.xlsx") == 0


def test_an_exported_file_can_be_imported_back_without_identities(county, make_case):
    make_case(text="楼下饭店油烟很大，熏得没法开窗。", submitter={"mode": "protected", "name": "张三丰", "phone": "13812345678"})
    buf = io.BytesIO()
    export_ledger(Case.objects.all(), buf)
    result = import_ledger(SimpleUploadedFile("export.xlsx", buf.getvalue()))
    assert result.imported == 1, result.rejected
    imported = Voice.objects.get(channel="import")
    assert imported.submitter_name == "" and imported.submitter_phone == ""


# ---------------------------------------------------------------------------------------- API


def _post_file(client, token, upload, **form):
    return client.post("/api/imports", {"file": upload, **form}, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_api_import_for_dispatchers_and_admins_only(client, county):
    from minqing.org.models import ApiToken

    rows = [HEAD, [1, "U1", "路灯不亮", "2019/5/10 14:56:53", "村口路灯坏了一个月。"], [2, "U2", "x", "bad", "噪音很大很大。"]]
    r = _post_file(client, ApiToken.issue(county["disp"]), workbook(rows))
    assert r.status_code == 200, r.content
    assert r.json() == {"imported": 1, "rejected": [{"row": 3, "reason": r.json()["rejected"][0]["reason"]}],
                        "skipped": 0, "total": 2, "notes": [], "job": r.json()["job"], "text_pending": 1}
    r = _post_file(client, ApiToken.issue(county["ha"]), workbook(rows))
    assert r.status_code == 403 and "受理派单员或管理员" in r.json()["error"]["message"]
    r = _post_file(client, ApiToken.issue(county["admin"]), SimpleUploadedFile("a.xlsx", b"garbage" * 50))
    assert r.status_code == 400 and "不是有效的 Excel 表格" in r.json()["error"]["message"]
    r = _post_file(client, ApiToken.issue(county["admin"]), workbook(rows), mapping="nope")
    assert r.status_code == 400 and r.json()["error"]["message"] == "导入映射“nope”不存在"
    r = _post_file(client, ApiToken.issue(county["admin"]), workbook(rows))
    assert r.status_code == 200 and r.json()["skipped"] == 1


def test_api_import_mappings(api, county):
    status, body = api("admin")("POST", "/api/import-mappings", {"name": "乡镇台账", "columns": {"反映事项": "text"}})
    assert status == 201 and body["columns"] == {"反映事项": "text"}
    status, body = api("admin")("POST", "/api/import-mappings", {"name": "乡镇台账", "columns": {"反映事项": "text"}})
    assert status == 400 and "已存在" in body["error"]["message"]
    status, body = api("disp")("POST", "/api/import-mappings", {"name": "坏映射", "columns": {"x": "nonsense"}})
    assert status == 400 and "未知字段" in body["error"]["message"]
    status, _ = api("hb")("POST", "/api/import-mappings", {"name": "m2", "columns": {"x": "text"}})
    assert status == 403


def test_the_command_line_export_takes_every_filter_of_the_case_list(make_case, tmp_path, capsys):
    """`minqing export ledger` offers each of ledger/queries.FILTERS as an option (a new filter once broke it)."""
    from minqing.cli import main
    from minqing.ledger.queries import FILTERS

    make_case("VA", text="村口路灯坏了，晚上看不清路。")
    out = tmp_path / "ledger.xlsx"
    main(["export", "ledger", str(out), *[a for f in FILTERS if f not in ("reply_quality", "overdue", "since", "until")
                                          for a in (f"--{f.replace('_', '-')}", "")], "--reply-quality", "pass"])
    assert out.exists() and "exported" in capsys.readouterr().out
