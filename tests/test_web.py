"""The server-rendered pages through Django's test client: citizens' form and tracking page, login,
staff quick entry, the case list and its filters, the case page's actions, attachments, the Excel
import page and the Chinese-first language choice. Fast; no browser."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from minqing.ledger import actions
from minqing.ledger.models import Case, CaseEvent, Voice
from tests.conftest import PW

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
CASE_LINK = re.compile(r'<td><a href="/cases/(MQ-\d{4}-\d{6})/">')
CJK = re.compile(r"[\u4e00-\u9fff]")


def html(response) -> str:
    return response.content.decode()


def listed(response) -> list[str]:
    """Case numbers in the rows of a case-list page, in order."""
    return CASE_LINK.findall(html(response))


def staff(client, username):
    assert client.login(username=username, password=PW)
    return client


# ---------------------------------------------------------------------------------------- citizens

GOOD = {"unit": "VA", "title": "路灯不亮", "text": "村口路灯坏了，晚上看不清路。", "address": "村口大槐树",
        "mode": "protected", "name": "张三丰", "phone": "13800001234"}


@pytest.mark.django_db
@pytest.mark.parametrize("change, message", [
    ({"text": ""}, "诉求内容不能为空"),
    ({"text": "路灯坏了<script>alert(1)</script>"}, "不允许的网页代码"),
    ({"unit": "NOPE"}, "单位“NOPE”不存在"),
], ids=["empty-text", "script", "unknown-unit"])
def test_citizen_form_rejects_bad_input_and_keeps_the_rest(client, county, change, message):
    r = client.post("/submit/", {**GOOD, **change})
    page = html(r)
    assert r.status_code == 400
    assert 'class="error"' in page and message in page
    # what the citizen typed is still there
    assert 'value="路灯不亮"' in page and 'value="村口大槐树"' in page
    assert 'value="张三丰"' in page and 'value="13800001234"' in page
    assert 'value="protected" checked' in page
    if change.get("unit") != "NOPE":
        assert 'value="VA" selected' in page
    if "script" in change.get("text", ""):
        assert "<script>alert(1)</script>" not in page  # escaped, never executed
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    elif "text" not in change:
        assert "村口路灯坏了" in page
    assert Case.objects.count() == 0 and Voice.objects.count() == 0


@pytest.mark.django_db
def test_citizen_submission_redirects_to_its_tracking_page(client, county):
    r = client.post("/submit/", GOOD)
    assert r.status_code == 302
    voice = Voice.objects.get()
    assert r.headers["Location"] == f"/track/{voice.tracking_code}/"
    assert voice.case.channel == "web" and voice.submitter_mode == "protected"
    page = html(client.get(r.headers["Location"]))
    assert f'data-testid="tracking-code">{voice.tracking_code}<' in page
    assert "已受理" in page and "路灯不亮" in page
    # the code is shown prominently only right after submitting; the page itself stays reachable
    again = client.get(f"/track/{voice.tracking_code.lower()}/")
    assert again.status_code == 200 and 'data-testid="tracking-code"' not in html(again)


@pytest.mark.django_db
def test_track_page_for_an_unknown_code_is_404_in_chinese(client, county):
    r = client.get("/track/ZZZZZZZZZZ/")
    assert r.status_code == 404
    assert "查询码不存在" in html(r)
    assert client.get("/track/?code=abc").headers["Location"] == "/track/ABC/"


# ------------------------------------------------------------------------------------------- login

@pytest.mark.django_db
def test_login_page(client, county):
    r = client.get("/login/")
    assert r.status_code == 200 and "工作人员登录" in html(r) and 'name="password"' in html(r)
    bad = client.post("/login/", {"username": "disp", "password": "wrong-password"})
    assert bad.status_code == 200 and "用户名或密码错误" in html(bad) and 'value="disp"' in html(bad)
    ok = client.post("/login/", {"username": "disp", "password": PW})
    assert ok.status_code == 302 and ok.headers["Location"] == "/"
    assert client.get("/").headers["Location"] == "/cases/?box=inbox"
    inbox = client.get("/cases/?box=inbox")
    assert inbox.status_code == 200 and "退出" in html(inbox)


@pytest.mark.django_db
def test_staff_pages_need_a_login(client, county):
    r = client.get("/cases/")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login/?next=")
    assert client.get("/").headers["Location"] == "/submit/"


# ------------------------------------------------------------------------------------- quick entry

@pytest.mark.django_db
def test_grid_quick_entry_creates_a_visit_case(client, county):
    staff(client, "grid")
    form = html(client.get("/cases/new/"))
    assert '<option value="visit" selected>' in form  # a grid worker hears voices on visits
    r = client.post("/cases/new/", {"channel": "visit", "urgency": "normal", "unit": "VA",
                                     "text": "网格走访：王大爷家门前排水沟堵塞。", "mode": "anonymous"})
    case = Case.objects.get()
    assert r.status_code == 302 and r.headers["Location"] == f"/cases/{case.number}/"
    assert case.channel == "visit" and case.unit.code == "VA" and case.created_by == county["grid"]
    assert case.voices.get().recorded_by == county["grid"]


@pytest.mark.django_db
def test_grid_worker_lands_on_the_case_they_registered(client, county):
    """A grid cadre may record a voice for the whole village and still follow it (scope includes
    what one recorded); the place picker offers their own grid too."""
    staff(client, "grid")
    assert '<option value="GA" selected>' in html(client.get("/cases/new/"))
    r = client.post("/cases/new/", {"channel": "visit", "urgency": "normal", "unit": "VA",
                                     "text": "网格走访：王大爷家门前排水沟堵塞。", "mode": "anonymous"}, follow=True)
    assert r.status_code == 200 and "王大爷" in html(r)


@pytest.mark.django_db
def test_quick_entry_error_rerenders_with_input(client, county):
    staff(client, "disp")
    r = client.post("/cases/new/", {"channel": "phone", "urgency": "urgent", "unit": "VA", "text": "",
                                     "title": "漏水", "mode": "named", "name": "李四"})
    assert r.status_code == 400 and "诉求内容不能为空" in html(r)
    assert 'value="漏水"' in html(r) and 'value="李四"' in html(r) and '<option value="urgent" selected>' in html(r)
    assert Case.objects.count() == 0


# --------------------------------------------------------------------------------------- case list

@pytest.mark.django_db
def test_case_list_marks_overdue_cases(client, county, make_case):
    late, fine = make_case(text="村里垃圾没人清运，已经一周了。"), make_case(text="路灯不亮，晚上走路不安全。")
    Case.objects.filter(pk=late.pk).update(resolve_due=timezone.now() - dt.timedelta(days=2))
    r = staff(client, "disp").get("/cases/")
    page = html(r)
    assert r.status_code == 200 and "已超期" in page
    row = re.search(rf'<tr class="row-(\w+)">\s*<td><a href="/cases/{late.number}/">', page)
    assert row and row.group(1) == "overdue"
    assert re.search(rf'<tr class="row-ok">\s*<td><a href="/cases/{fine.number}/">', page)
    assert listed(client.get("/cases/?overdue=1")) == [late.number]


@pytest.mark.django_db
def test_a_case_late_only_for_its_first_contact_says_so(client, county, make_case):
    """已超期 beside a final deadline days away read as a mistake: the list shows the deadline missed."""
    late = make_case(text="村里垃圾没人清运，已经一周了。")
    Case.objects.filter(pk=late.pk).update(contact_due=timezone.now() - dt.timedelta(hours=3), first_contact_at=None)
    page = html(staff(client, "disp").get("/cases/"))
    cell = re.search(rf'<a href="/cases/{late.number}/">.*?<span class="dl dl-overdue">.*?</td>', page, re.S).group(0)
    assert "首次联系" in cell
    from minqing.ledger.present import case_summary

    summary = case_summary(Case.objects.get(pk=late.pk))  # the API's list item and case alike
    assert summary["deadline_state"] == "overdue" and summary["overdue_by"] == "contact"


@pytest.mark.django_db
def test_case_list_filters(client, county, make_case):
    parking = make_case(text="小区停车位太少，晚上没地方停车。", channel="visit")
    lamp = make_case(text="村口路灯坏了，晚上看不清路。", unit="VB")
    old = make_case(text="去年冬天的取暖补贴还没有发放。", channel="letter")
    Case.objects.filter(pk=old.pk).update(received_at=timezone.make_aware(dt.datetime(2025, 1, 10, 9)))
    actions.perform(county["disp"], lamp.number, "dispatch", {"unit": "VB"})
    staff(client, "disp")

    assert listed(client.get("/cases/?status=dispatched")) == [lamp.number]
    assert set(listed(client.get("/cases/?status=accepted"))) == {parking.number, old.number}
    assert listed(client.get("/cases/?channel=visit")) == [parking.number]
    assert listed(client.get("/cases/?unit=VB")) == [lamp.number]
    assert set(listed(client.get("/cases/?unit=T1"))) == {parking.number, lamp.number, old.number}
    r = client.get("/cases/", {"q": "停车"})
    assert listed(r) == [parking.number] and 'value="停车"' in html(r)
    assert listed(client.get("/cases/?since=2025-01-01&until=2025-01-31")) == [old.number]
    assert old.number not in listed(client.get(f"/cases/?since={timezone.localdate().isoformat()}"))
    assert listed(client.get("/cases/?until=2025-01-10")) == [old.number]  # the end day is included
    assert listed(client.get("/cases/?channel=letter&status=accepted&unit=VA")) == [old.number]
    # the inbox of the county dispatcher holds what waits for dispatch, not what was dispatched
    assert set(listed(client.get("/cases/?box=inbox"))) == {parking.number, old.number}
    # a handler's inbox holds what was dispatched to them
    client.logout()
    assert listed(staff(client, "hb").get("/cases/?box=inbox")) == [lamp.number]


@pytest.mark.django_db
def test_case_list_pagination(client, county, make_case):
    numbers = [make_case(text=f"第{i}件：道路坑洼需要修补。").number for i in range(25)]
    staff(client, "disp")
    first, second = client.get("/cases/"), client.get("/cases/?page=2")
    assert len(listed(first)) == 20 and len(listed(second)) == 5
    assert set(listed(first)) | set(listed(second)) == set(numbers)
    assert "共 25 件" in html(first) and "1 / 2" in html(first) and 'href="?page=2"' in html(first)
    assert "2 / 2" in html(second) and "上一页" in html(second)
    # the pager keeps the filters
    assert 'href="?channel=phone&amp;page=2"' in html(client.get("/cases/?channel=phone"))


@pytest.mark.django_db
@pytest.mark.parametrize("query, message", [
    ("status=nonsense", "未知状态"),
    ("channel=pigeon", "未知渠道"),
    ("unit=NOPE", "单位“NOPE”不存在"),
    ("since=yesterday", "日期格式"),
    ("page=abc", "页码"),
    ("page=0", "页码"),
])
def test_invalid_filter_is_a_400_page_in_chinese(client, county, make_case, query, message):
    make_case()
    r = staff(client, "disp").get(f"/cases/?{query}")
    assert r.status_code == 400
    assert 'class="error"' in html(r) and message in html(r)


@pytest.mark.django_db
def test_list_masks_protected_submitters(client, county, make_case):
    make_case(submitter={"mode": "protected", "name": "王小明", "phone": "13912345678"})
    page = html(staff(client, "disp").get("/cases/"))
    assert "王小明" not in page and "13912345678" not in page
    assert "王**" in page and "139****5678" in page


# ------------------------------------------------------------------------------------- case detail

@pytest.mark.django_db
def test_case_page_offers_only_what_the_role_may_do(client, county, make_case):
    case = make_case()
    page = html(staff(client, "disp").get(f"/cases/{case.number}/"))
    assert 'data-action="dispatch"' in page and "派单" in page
    assert 'data-action="reply"' not in page and 'data-action="close"' not in page
    client.logout()
    page = html(staff(client, "ha").get(f"/cases/{case.number}/"))
    assert 'data-action="dispatch"' not in page and 'data-action="reply"' not in page
    client.logout()
    assert staff(client, "hb").get(f"/cases/{case.number}/").status_code == 404
    assert client.get("/cases/MQ-2000-999999/").status_code == 404

    actions.perform(county["disp"], case.number, "dispatch", {"unit": "VA"})
    client.logout()
    page = html(staff(client, "ha").get(f"/cases/{case.number}/"))
    assert 'data-action="reply"' in page and 'data-action="handle"' in page and 'data-action="dispatch"' not in page


@pytest.mark.django_db
@pytest.mark.parametrize("user, action, fields, message", [
    ("disp", "reply", {"text": "已经修好了。"}, "不能执行"),     # wrong status and role
    ("ha", "dispatch", {"unit": "VA"}, "不能执行"),           # a handler does not dispatch
    ("disp", "fly", {}, "未知操作"),
])
def test_illegal_action_shows_an_error_and_writes_nothing(client, county, make_case, user, action, fields, message):
    case = make_case()
    before = CaseEvent.objects.count()
    r = staff(client, user).post(f"/cases/{case.number}/act/{action}/", fields, follow=True)
    assert r.status_code == 200
    assert re.search(r'<li class="error">[^<]*' + message, html(r))
    assert CaseEvent.objects.count() == before
    assert Case.objects.get(pk=case.pk).status == "accepted"


@pytest.mark.django_db
def test_legal_action_moves_the_case(client, county, make_case):
    case = make_case()
    r = staff(client, "disp").post(f"/cases/{case.number}/act/dispatch/", {"unit": "VA", "note": "请甲村处理"},
                                   follow=True)
    assert "已派单" in html(r)
    case.refresh_from_db()
    assert case.status == "dispatched" and case.assigned_unit.code == "VA"


@pytest.mark.django_db
def test_dispatch_form_preselects_the_suggested_unit_never_the_first_listed(client, county, make_case):
    case = make_case()
    page = html(staff(client, "disp").get(f"/cases/{case.number}/"))
    form = page[page.index('data-action="dispatch"'):]
    select = form[form.index('<select name="unit">'):form.index("</select>")]
    assert select.split("<option")[1].startswith(' value=""')  # a placeholder comes first
    selected = re.findall(r'<option value="([^"]*)" selected', select)
    case.refresh_from_db()
    assert selected == ([case.suggested_unit.code] if case.suggested_unit_id else [])
    r = client.post(f"/cases/{case.number}/act/dispatch/", {"unit": "", "note": "x"}, follow=True)
    assert "请选择单位" in html(r) and Case.objects.get(pk=case.pk).status == "accepted"


@pytest.mark.django_db
def test_a_refused_form_reopens_with_what_was_typed(client, county, make_case):
    case = make_case()
    actions.perform(county["disp"], case.number, "dispatch", {"unit": "VA"})
    r = staff(client, "ha").post(f"/cases/{case.number}/act/reply/", {"text": "好的"}, follow=True)
    page = html(r)
    form = page[page.rindex("<details", 0, page.index('data-action="reply"')):]
    assert form.startswith("<details open>") and "至少5" in form[:form.index("</form>")]
    assert '<label class="invalid">' in form and ">好的</textarea>" in form
    assert page.count("<details open>") == 1
    again = html(client.get(f"/cases/{case.number}/"))  # shown once: a reload starts afresh
    assert ">好的</textarea>" not in again


@pytest.mark.django_db
def test_action_on_a_case_out_of_scope_is_404(client, county, make_case):
    case = make_case(unit="VA")
    assert staff(client, "hb").post(f"/cases/{case.number}/act/note/", {"note": "看看"}).status_code == 404


# ------------------------------------------------------------------------------------- attachments

@pytest.mark.django_db
@pytest.mark.parametrize("name, content, ok, message", [
    ("现场照片.png", PNG, True, "附件已上传"),
    ("setup.exe", b"MZ\x90\x00" + b"\x00" * 60, False, "不支持的附件类型"),
    ("fake.png", b"GIF89a not really a png", False, "文件内容与扩展名"),
], ids=["png", "exe", "fake-png"])
def test_attachment_upload_checks_type_and_bytes(client, county, make_case, name, content, ok, message):
    case = make_case()
    r = staff(client, "disp").post(f"/cases/{case.number}/attach/",
                                   {"file": SimpleUploadedFile(name, content)}, follow=True)
    page = html(r)
    assert r.status_code == 200 and message in page
    assert case.attachments.count() == (1 if ok else 0)
    assert case.events.filter(action="attach").count() == (1 if ok else 0)
    if ok:
        assert case.attachments.get().content_type == "image/png" and name in page
    else:
        assert re.search(r'<li class="error">[^<]*' + message, page)


@pytest.mark.django_db
def test_attachment_without_a_file(client, county, make_case):
    case = make_case()
    r = staff(client, "disp").post(f"/cases/{case.number}/attach/", {}, follow=True)
    assert "请选择要上传的文件" in html(r)


# ------------------------------------------------------------------------------------------- import

@pytest.mark.django_db
@pytest.mark.parametrize("name, content, message", [
    ("台账.csv", "留言主题,留言详情\n路灯,路灯坏了\n".encode(), "不是 Excel 文件"),
    ("台账.xlsx", b"this is plain text, renamed", "不是有效的 Excel 表格"),
], ids=["csv", "renamed"])
def test_import_page_rejects_a_file_that_is_not_excel(client, county, name, content, message):
    staff(client, "disp")
    assert client.get("/import/").status_code == 200
    r = client.post("/import/", {"file": SimpleUploadedFile(name, content)})
    assert r.status_code == 400
    assert 'class="error"' in html(r) and message in html(r)
    assert Case.objects.count() == 0


@pytest.mark.django_db
def test_import_page_is_for_dispatchers(client, county):
    assert staff(client, "ha").get("/import/").status_code == 403
    assert "无权访问" in html(client.get("/import/"))


# ----------------------------------------------------------------------------------------- language

@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/submit/", "/login/", "/track/"])
def test_english_browser_still_gets_chinese(client, county, path):
    r = client.get(path, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = html(r)
    assert r.status_code == 200 and '<html lang="zh-hans">' in page
    title = re.search(r"<title>(.*?)</title>", page).group(1)
    assert CJK.search(title) and "民情台账" in title


@pytest.mark.django_db
def test_traditional_chinese_browser_gets_zh_hant(client, county):
    page = html(client.get("/submit/", HTTP_ACCEPT_LANGUAGE="zh-TW,zh;q=0.9,en;q=0.8"))
    assert '<html lang="zh-hant">' in page
    assert CJK.search(page)


@pytest.mark.django_db
def test_error_pages_are_chinese(client, county):
    staff(client, "disp")
    r = client.get("/cases/MQ-2000-000001/", HTTP_ACCEPT_LANGUAGE="en-US")
    assert r.status_code == 404 and "页面不存在" in html(r)


def test_site_paths_in_a_notice_become_links_and_nothing_else_does():
    from minqing.web.templatetags.minqing import sitelinks

    out = sitelinks("请在“月报”页查看（/reports/monthly/?unit=QS&month=2026-10）。<b>")
    assert '<a href="/reports/monthly/?unit=QS&amp;month=2026-10">' in out and "&lt;b&gt;" in out
    assert "<a" not in sitelinks("电话 0731/1234567，A/B 两栋")
