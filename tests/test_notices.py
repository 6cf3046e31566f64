"""Notices (公告) on the public board: who publishes, what the board and the feed show, and the privacy
rule of SPEC C14 — a named or protected submitter's name, phone or address never reaches a public page,
the feed or the public API, even when a notice links their case or staff paste their words."""

from minqing.ledger.actions import perform
from minqing.publicity.models import Notice

NAMED = {"name": "周桂英", "phone": "13811112222", "address": "向阳路27号2单元"}
PROTECTED = {"name": "钱德明", "phone": "15933334444", "address": "东风巷5号401室"}


def _voice(make_case, who, mode):
    return make_case("VA", f"我是{who['name']}，住{who['address']}，电话{who['phone']}，楼道灯坏了一个月没人修。",
                     address=who["address"], submitter={"mode": mode, "name": who["name"], "phone": who["phone"]})


def test_publish_and_board_shows_own_and_ancestors_notices(api, county, client):
    status, body = api("t_disp")("POST", "/api/notices", {"unit": "T1", "kind": "plan", "title": "一镇今冬道路硬化计划",
                                                          "body": "十二月底前完成甲村、乙村主干道硬化。"})
    assert status == 201, body
    status, _ = api("disp")("POST", "/api/notices", {"unit": "VA", "kind": "doing", "title": "甲村正在修路灯",
                                                     "body": "本周内修好村口路灯。"})
    assert status == 201
    status, _ = api("disp")("POST", "/api/notices", {"unit": "VB", "kind": "faq", "title": "乙村低保怎么申请",
                                                     "body": "带户口本到村委会登记。"})
    assert status == 201
    status, items = api()("GET", "/api/public/VA/notices")  # no token
    assert status == 200
    assert [n["title"] for n in items] == ["甲村正在修路灯", "一镇今冬道路硬化计划"]  # own + township, newest first
    assert items[0]["kind_label"] == "正在办" and items[1]["unit_name"] == "一镇"
    page = client.get("/public/VA/").content.decode()
    assert "一镇今冬道路硬化计划" in page and "甲村正在修路灯" in page and "乙村低保怎么申请" not in page
    feed = client.get("/public/VA/feed.atom").content.decode()
    assert "【计划】一镇今冬道路硬化计划" in feed and "乙村低保怎么申请" not in feed
    county_titles = [n["title"] for n in api()("GET", "/api/public/C/notices")[1]]
    assert county_titles == []  # the units below are not pulled up
    assert api()("GET", "/api/public/NOPE/notices")[0] == 404


def test_who_may_publish_and_validation_writes_nothing(api, county):
    good = {"unit": "VA", "kind": "doing", "title": "标题", "body": "正文内容"}
    for user in ("ha", "grid"):
        status, body = api(user)("POST", "/api/notices", good)
        assert status == 403 and "只有" in body["error"]["message"]
    status, body = api("t_disp")("POST", "/api/notices", {**good, "unit": "C"})  # above their own unit
    assert status == 403 and "不在您的范围内" in body["error"]["message"]
    assert api()("POST", "/api/notices", good)[0] == 401
    for bad, field in [({"kind": "news"}, "kind"), ({"title": "  "}, "title"), ({"body": "<script>x</script>"}, "body"),
                       ({"unit": "NOPE"}, "unit"), ({"cases": ["MQ-1999-000001"]}, "cases"),
                       ({"consultation": 999}, "consultation")]:
        status, body = api("disp")("POST", "/api/notices", {**good, **bad})
        assert status == 400 and body["error"]["field"] == field, (bad, body)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in body["error"]["message"])
    assert Notice.objects.count() == 0


def test_withdraw_hides_and_keeps(api, county, client):
    nid = api("t_disp")("POST", "/api/notices", {"unit": "VA", "kind": "result", "title": "路灯维修结果公示",
                                                 "body": "已修好。"})[1]["id"]
    assert api("ha")("POST", f"/api/notices/{nid}/withdraw")[0] == 403  # a handler sees it, may not withdraw
    assert api("hb")("POST", f"/api/notices/{nid}/withdraw")[0] == 404  # another village: not in scope
    status, body = api("disp")("POST", f"/api/notices/{nid}/withdraw")
    assert status == 200 and body["withdrawn"] is True
    assert api("disp")("POST", f"/api/notices/{nid}/withdraw")[0] == 400
    assert api()("GET", "/api/public/VA/notices")[1] == []
    assert "路灯维修结果公示" not in client.get("/public/VA/").content.decode()
    assert Notice.objects.get(pk=nid).withdrawn_by.username == "disp"  # kept, with who withdrew it
    assert [n["title"] for n in api("ha")("GET", "/api/notices")[1]] == ["路灯维修结果公示"]


def test_privacy_named_and_protected_voices_never_public(api, county, client, make_case):
    named = _voice(make_case, NAMED, "named")
    protected = _voice(make_case, PROTECTED, "protected")
    for case, who in ((named, NAMED), (protected, PROTECTED)):
        perform(county["disp"], case.number, "dispatch", {"unit": "VA"})
        perform(county["ha"], case.number, "reply",
                {"text": f"{who['name']}您好，{who['address']}的楼道灯已修好，有问题请拨{who['phone']}。"})
    # staff paste the citizens' words into notices that link the cases, and one that does not
    for who in (NAMED, PROTECTED):
        status, _ = api("disp")("POST", "/api/notices", {
            "unit": "VA", "kind": "result", "title": f"{who['name']}反映的楼道灯已修好",
            "body": f"{who['name']}（{who['phone']}，{who['address']}）反映的问题已解决。",
            "cases": [named.number, protected.number]})
        assert status == 201
    assert api("disp")("POST", "/api/notices", {"unit": "T1", "kind": "faq", "title": "咨询电话",
                                                "body": f"有事请拨{NAMED['phone']}。"})[0] == 201
    secrets = [v for who in (NAMED, PROTECTED) for v in who.values()] + ["向阳路27号", "东风巷5号"]
    pages = {url: client.get(url) for url in ("/public/VA/", "/public/T1/", "/public/C/", "/public/VA/feed.atom",
                                              "/public/T1/feed.atom", "/api/public/VA/notices",
                                              "/api/public/T1/notices")}
    for url, r in pages.items():
        assert r.status_code == 200, url
        text = r.content.decode()
        leaked = [s for s in secrets if s in text]
        assert not leaked, (url, leaked)
    page = pages["/public/VA/"].content.decode()
    assert named.number in page and protected.number in page and "楼道灯已修好" in page
    assert "周**反映的楼道灯已修好" in page and "138****2222" in page
    feed = pages["/public/VA/feed.atom"].content.decode()
    assert feed.index("咨询电话") < feed.index(named.number)  # notices and cases in one feed, newest first


def test_staff_page_publish_and_withdraw(client, county):
    client.force_login(county["disp"])
    r = client.post("/board/notices/", {"unit": "VA", "kind": "plan", "title": "甲村明年修桥", "body": "预计三月开工。"})
    assert r.status_code == 302
    notice = Notice.objects.get()
    page = client.get("/board/notices/").content.decode()
    assert "甲村明年修桥" in page and "发布公告" in page
    bad = client.post("/board/notices/", {"unit": "VA", "kind": "plan", "title": "", "body": "x"})
    assert bad.status_code == 400 and "标题不能为空" in bad.content.decode()
    client.post(f"/board/notices/{notice.id}/withdraw/")
    assert Notice.objects.get().withdrawn
    client.force_login(county["ha"])
    page = client.get("/board/notices/").content.decode()
    assert "甲村明年修桥" in page and "发布公告" not in page
