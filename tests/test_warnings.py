"""Early warnings: each detector on a small planted example, once per event, in scope, and the
new → acknowledged → handled life of a warning through the API and the page."""

import datetime as dt

from minqing import clock
from minqing.insight import detectors, warnings
from minqing.insight.models import Warning
from minqing.ledger.models import Case, Status
from minqing.workflow.models import Notification

DUST = ["甲村搅拌站粉尘太大，晾的衣服全是灰", "甲村搅拌站每天粉尘漫天，呼吸困难", "搅拌站粉尘污染甲村，请尽快处理",
        "甲村旁边搅拌站粉尘和噪音扰民", "甲村搅拌站粉尘严重影响孩子健康", "搅拌站的粉尘把甲村的菜地都盖住了"]
NOW = dt.datetime(2026, 10, 20, 10, 0, tzinfo=dt.UTC)
USUAL = ["村口路灯坏了晚上看不清", "低保申请材料怎么准备", "孩子上学报名需要什么证明", "自来水水压太低", "道路坑洼需要修补",
         "医保报销比例是多少", "垃圾清运不及时有异味", "邻居装修噪音扰民", "公交车班次太少等车太久", "养老金什么时候发放"]


def at(moment, make_case, unit, text, **kw):
    with clock.frozen_at(moment):
        return make_case(unit, text, **kw)


def person(i):
    return {"mode": "named", "name": f"村民{i}", "phone": f"1390000{i:04d}"}


def usual_weeks(make_case):
    """The village's ordinary voices of the weeks before: what words are common here."""
    for i, text in enumerate(USUAL):
        at(NOW - dt.timedelta(days=5 + i), make_case, "VA" if i % 2 else "VB", text)


def test_a_surge_of_similar_voices_at_one_village_is_warned_once(make_case, county):
    usual_weeks(make_case)
    for i, text in enumerate(DUST):
        at(NOW - dt.timedelta(hours=40 - 6 * i), make_case, "VA", text, submitter=person(i))
    at(NOW - dt.timedelta(hours=5), make_case, "VB", "乙村自来水发黄")
    result = warnings.scan(NOW)
    assert result["raised"] == {"surge": 1}
    w = Warning.objects.get()
    assert w.kind == "surge" and w.unit.code == "VA" and w.cases.count() == 6
    assert "6人" in w.title and "粉尘" in w.title + w.explanation
    told = set(Notification.objects.filter(kind="warning").values_list("user__username", flat=True))
    assert told == {"leader", "disp", "t_leader", "t_disp"}
    # another voice of the same surge: merged into it, nobody told twice
    at(NOW + dt.timedelta(hours=1), make_case, "VA", "甲村搅拌站粉尘还是很大", submitter=person(9))
    assert warnings.scan(NOW + dt.timedelta(hours=2))["raised"] == {}
    assert Warning.objects.count() == 1 and Warning.objects.get().cases.count() == 7
    assert Notification.objects.filter(kind="warning").count() == 4


def test_scattered_or_single_person_voices_raise_no_surge(make_case, county):
    for i, text in enumerate(DUST[:3]):  # only 3 voices
        at(NOW - dt.timedelta(hours=10 + i), make_case, "VA", text, submitter=person(i))
    for i, text in enumerate(DUST[3:]):  # one person, however many times, is not a crowd
        at(NOW - dt.timedelta(hours=20 + i), make_case, "VB", text.replace("甲村", "乙村"), submitter=person(50))
    assert "surge" not in warnings.scan(NOW)["raised"]


def test_the_same_person_again_and_again_is_warned_without_their_phone(make_case, county):
    for k in range(3):
        at(NOW - dt.timedelta(days=20 - 8 * k), make_case, "VB", f"第{k + 1}次反映：宅基地纠纷一直没有解决",
           submitter={"mode": "protected", "name": "李四", "phone": "13812345678"})
    at(NOW - dt.timedelta(days=3), make_case, "VB", "另一件事", submitter=person(7))
    result = warnings.scan(NOW)
    assert result["raised"] == {"repeat": 1}
    w = Warning.objects.get(kind="repeat")
    assert w.cases.count() == 3 and "3次" in w.title
    text = w.title + w.explanation + str(w.figures) + w.key
    assert "13812345678" not in text and "李四" not in text and "138****5678" in w.title


def test_a_closed_problem_coming_back_at_the_same_place_is_a_rebound(make_case, county):
    old = at(NOW - dt.timedelta(days=60), make_case, "VA", "甲村东头排水沟堵塞，下雨就积水进院子")
    Case.objects.filter(pk=old.pk).update(status=Status.CLOSED, closed_at=NOW - dt.timedelta(days=40),
                                          category_top="城乡建设")
    elsewhere = at(NOW - dt.timedelta(days=2), make_case, "VB", "乙村东头排水沟堵塞，下雨就积水进院子")
    again = at(NOW - dt.timedelta(days=1), make_case, "VA", "甲村东头的排水沟又堵塞了，下雨积水进院子")
    Case.objects.filter(pk__in=[elsewhere.pk, again.pk]).update(category_top="城乡建设")
    assert warnings.scan(NOW, dt.timedelta(days=2))["raised"] == {"rebound": 1}  # voices of the last two days
    w = Warning.objects.get(kind="rebound")
    assert set(w.cases.values_list("number", flat=True)) == {old.number, again.number}
    assert w.figures["days"] == 39 and w.unit.code == "VA"
    # another closed problem of the same kind coming back at the same place joins this warning
    old2 = at(NOW - dt.timedelta(days=50), make_case, "VA", "甲村西头路灯不亮，晚上走路摔跤")
    Case.objects.filter(pk=old2.pk).update(status=Status.CLOSED, closed_at=NOW - dt.timedelta(days=30),
                                           category_top="城乡建设")
    again2 = at(NOW + dt.timedelta(hours=2), make_case, "VA", "甲村西头的路灯又不亮了，晚上走路摔跤")
    Case.objects.filter(pk=again2.pk).update(category_top="城乡建设")
    assert warnings.scan(NOW + dt.timedelta(hours=3))["raised"] == {}
    w = Warning.objects.get(kind="rebound")
    assert w.cases.count() == 4 and "2件已办结" in w.title and len(w.figures["closed_cases"]) == 2


def test_seasonal_rise_against_this_years_level_carried_through_last_years_season():
    names = {"P": "一镇"}
    recent = {("P", "教育文体"): [6] * 8, ("P", "城乡建设"): [10, 11, 9, 12, 10, 11, 10, 12]}
    found = detectors.seasonal({("P", "教育文体"): 40, ("P", "城乡建设"): 12}, {("P", "教育文体"): [(12, 6)]},
                               recent, names, "2026-W36")
    assert [f.category for f in found] == ["教育文体"]
    f = found[0]  # 6 a week, and last year this week ran (12 + 2) / (6 + 2) = 1.75 × the weeks before
    assert f.figures["baseline"] == 10.5 and f.figures["basis"] == "prior_years" and "+281%" in f.title
    # the season explains it: last year rose just as much, so 18 is expected and 20 is no warning
    assert detectors.seasonal({("P", "x"): 20}, {("P", "x"): [(30, 10)]}, {("P", "x"): [6] * 8}, names, "w") == []
    # the whole ledger grew: last year's counts were small, this year's level is the measure
    assert detectors.seasonal({("P", "x"): 22}, {("P", "x"): [(5, 5)]}, {("P", "x"): [20] * 8}, names, "w") == []
    # no earlier years: against the recent weeks; nothing to compare with says nothing
    assert detectors.seasonal({("P", "x"): 30}, {}, {("P", "x"): [5] * 8}, names, "w")[0].figures["basis"] == "recent_weeks"
    assert detectors.seasonal({("P", "x"): 30}, {}, {("P", "x"): [0] * 8}, names, "w") == []
    assert detectors.seasonal({("P", "x"): 6}, {("P", "x"): [(1, 1)]}, {("P", "x"): [1] * 8}, names, "w") == []


def test_seasonal_scan_reads_the_same_weeks_of_last_year(make_case, county):
    for w in range(1, 11):  # one a week, last year and this year
        at(NOW - dt.timedelta(weeks=52 + w, days=1), make_case, "VA", f"孩子上学的问题{w}")
        at(NOW - dt.timedelta(weeks=w, days=1), make_case, "VB", f"学校的问题{w}")
    for i in range(12):
        at(NOW - dt.timedelta(days=1, hours=i), make_case, "VA", f"孩子入学报名难，学位不够{i}")
    Case.objects.update(category_top="教育文体")
    found = {(f.place, f.category): f for f in warnings._seasonal(NOW)}
    f = found[(county["disp"].unit.path, "教育文体")]
    assert f.figures["basis"] == "prior_years" and f.figures["count"] == 12


def test_warnings_in_scope_and_their_life_through_api_and_page(make_case, county, api, client):
    usual_weeks(make_case)
    for i, text in enumerate(DUST):
        at(NOW - dt.timedelta(hours=30 - i), make_case, "VA", text, submitter=person(i))
    warnings.scan(NOW)
    w = Warning.objects.get()
    assert [x["id"] for x in api("t_leader")("GET", "/api/warnings")[1]] == [w.id]
    assert api("hb")("GET", "/api/warnings")[1] == []  # 乙村 does not see 甲村's warning
    assert api("hb")("POST", f"/api/warnings/{w.id}/acknowledge")[0] == 404
    assert api("ha")("POST", f"/api/warnings/{w.id}/acknowledge")[0] == 403  # a handler does not own warnings
    status, body = api("t_leader")("POST", f"/api/warnings/{w.id}/acknowledge")
    assert status == 200 and body["status"] == "acknowledged" and body["owner"]
    assert api("t_leader")("POST", f"/api/warnings/{w.id}/acknowledge")[0] == 409
    status, err = api("t_leader")("POST", f"/api/warnings/{w.id}/handle", {"note": " "})
    assert status == 400 and err["error"]["field"] == "note"
    assert api("t_leader")("GET", "/api/warnings?status=open")[1][0]["status"] == "acknowledged"
    client.force_login(county["t_leader"])
    page = client.get("/warnings/").content.decode()
    assert w.title in page and "登记处置情况" in page
    r = client.post("/warnings/", {"warning": w.id, "what": "handle", "note": "已上门协调，搅拌站加装喷淋降尘"})
    assert r.status_code == 302
    assert api("t_leader")("GET", "/api/warnings?status=open")[1] == []
    assert api("t_leader")("GET", "/api/warnings?status=handled")[1][0]["note"].startswith("已上门")
    assert client.get("/docs/warnings").status_code == 200


def test_a_standing_problem_is_no_surge(make_case, county):
    """The same complaint every other day for a month: a hotspot, not a sudden surge."""
    usual_weeks(make_case)
    for i in range(15):
        at(NOW - dt.timedelta(days=5 + 2 * i), make_case, "VA", DUST[i % len(DUST)], submitter=person(20 + i))
    for i, text in enumerate(DUST):
        at(NOW - dt.timedelta(hours=40 - 6 * i), make_case, "VA", text, submitter=person(i))
    assert "surge" not in warnings.scan(NOW)["raised"]


def test_a_busy_day_pushes_the_first_warnings_and_then_one_notice(make_case, county, monkeypatch):
    """Leaders get the first NOTIFY_DAILY warnings of a day one by one (the scan stores its findings by
    priority); after that one notice per day says there are more, and the page lists them all."""
    monkeypatch.setattr(warnings, "NOTIFY_DAILY", 1)
    for who in range(3):
        for k in range(3):
            at(NOW - dt.timedelta(days=20 - 8 * k, hours=who), make_case, "VB", f"第{k + 1}次反映：宅基地纠纷{who}",
               submitter={"mode": "protected", "name": "李四", "phone": f"1381234567{who}"})
    assert warnings.scan(NOW)["raised"] == {"repeat": 3}
    pushed = Notification.objects.filter(kind="warning", user__username="leader")
    texts = sorted(pushed.values_list("text", flat=True))
    assert len(texts) == 2 and sum("其余不再逐条推送" in t for t in texts) == 1
    assert Warning.objects.count() == 3


def test_the_surge_baseline_counts_the_hours_its_sample_covers(make_case, county):
    """At high volume the month before is sampled (the most recent cases): the expected count is
    scaled by the hours the sample covers, not by the whole month."""
    for i in range(6):
        at(NOW - dt.timedelta(days=4 + i), make_case, "VA", USUAL[i])
    rows, hours = warnings._background(NOW, limit=3)
    assert len(rows) == 3 and 24 * 2 < hours < 24 * 4
    rows, hours = warnings._background(NOW)
    assert len(rows) == 6 and hours == 24 * detectors.BACKGROUND_DAYS
