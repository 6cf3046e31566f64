"""Reply quality (issue 17, docs/replies.md): the pure assessment, the API contract, the county's
threshold on the reply action, and the figures per unit."""

import pytest

from minqing.errors import Invalid
from minqing.ledger.actions import perform
from minqing.ledger.models import CaseEvent, Reply
from minqing.text.replies import HOLLOW_MAX, OFF_TOPIC_NOTE, assess_reply

GENERIC = "您的留言已收悉，已转交相关部门处理"
MESSAGES = [
    ("景蓉华苑小区停车收费过高", "A2区桂花坪街道景蓉华苑小区业委会要求每月收取停车费300元，没有召开业主大会，请问是否合法？"),
    ("潇楚南路修了一年还没修好", "潇楚南路洋湖段从2018年开始修，路挖得稀烂，一直不怎么动工，什么时候能修好？"),
    ("民营幼儿园老师待遇太低", "民营幼儿园教师超负荷工作，收入低，养老和医疗保险都没交，希望提高民办幼儿园教师工资待遇。"),
    ("村口路灯坏了", "甲村村口的路灯坏了三个月，晚上看不清路，老人摔倒过，请尽快修复。"),
]
TWO_QUESTIONS = ("小区门口路灯坏了三个月，什么时候能修好？另外，小区旁边的垃圾中转站臭气熏天，能否搬迁到远离居民楼的地方？")


@pytest.mark.parametrize("title,text", MESSAGES)
def test_a_generic_reply_is_flagged_hollow_for_any_message(title, text):
    a = assess_reply(text, GENERIC, title)
    assert a.hollow and not a.off_message
    assert a.score < 0.2 and a.relevance < 0.25
    assert not a.basis.present
    assert any("空泛" in n for n in a.notes)


def test_a_reply_that_speaks_of_the_message_scores_well_above_a_generic_one():
    title, text = MESSAGES[1]
    good = ("您好！您反映的潇楚南路洋湖段施工问题，经调查，该路段原路基土质较差需整体换填，且有三趟雨污水管道施工。"
            "目前已完成75%土方，预计2019年8月底完工通车。")
    a = assess_reply(text, good, title)
    assert not a.hollow and a.basis.present and "日期" in a.basis.kinds
    assert a.score > assess_reply(text, GENERIC, title).score + 0.3
    assert "潇楚南路" in a.matched or "洋湖" in a.matched


def test_a_reply_written_for_another_message_is_named_off_topic_and_scores_below_a_hollow_one():
    """The reply to the 潇楚南路 message filed on the 景蓉华苑 parking case: it speaks of a road and works the
    message never mentioned — worse than saying nothing, and the handler is told which words."""
    title, text = MESSAGES[0]
    wrong = ("您好！您反映的潇楚南路洋湖段施工问题，经调查，该路段原路基土质较差需整体换填，且有三趟雨污水管道施工。"
             "目前已完成75%土方，预计2019年8月底完工通车。")
    a = assess_reply(text, wrong, title)
    assert a.off_topic >= OFF_TOPIC_NOTE and "洋湖" in a.off_topic_words and "土方" in a.off_topic_words
    assert any("没有提到" in n and "洋湖" in n for n in a.notes)
    assert a.score < assess_reply(text, GENERIC, title).score
    # it says something checkable (75%, 8月底): not hollow, but off this message — and the handler is told so
    assert a.off_message and not a.hollow and a.notes[0].startswith("答复没有针对本留言")
    right = "经核实，景蓉华苑小区停车收费未经业主大会表决，已责令业委会暂停收取，并于6月10日前召开业主大会。"
    b = assess_reply(text, right, title)
    assert b.off_topic < 0.2 and not b.off_topic_words and b.score > 0.5


def test_a_coded_district_is_a_place_and_a_formula_naming_it_is_still_hollow():
    """Anonymised exports write 桃源县 as L1区: a reply naming the message's district speaks of it, one
    naming another district does not; and "已转L1区…核处" is a formula all the same — it cannot pass."""
    title, text = "请求解决L1区独生子女费待遇问题", "我是L1区某厂退休职工，独生子女费一直没有发放，请问什么时候能解决？"
    here = assess_reply(text, "您所反映的问题已收悉，我办已转L1区住建局核处。", title)
    there = assess_reply(text, "您所反映的问题已收悉，我办已转K9县住建局核处。", title)
    assert "L1区" in here.matched and "L1区" in there.missed
    assert here.relevance > there.relevance and here.topicality > there.topicality
    assert here.hollow and here.score <= HOLLOW_MAX


def test_the_ledgers_statistics_count_a_coded_place_whole_as_the_shipped_ones_do(make_case, county):
    """The ledger reads its messages' words from the stored search tokens, where the segmenter split
    L6县 into l6 + 县; the statistics count it whole, as the shipped sample's and the assessment do."""
    from minqing.ledger.reply_quality import forget_corpus, ledger_corpus
    from minqing.text.normalise import normalise
    from minqing.text.reply_corpus import counted_words, sample_corpus

    make_case(text="L6县火马冲镇的路灯坏了三个月，请尽快修复。", title="L6县路灯坏了")
    forget_corpus()
    try:
        corpus = ledger_corpus()
        shipped = sample_corpus().word_df.get("L6县", 0)  # added while the ledger is young
        assert "L6县" in counted_words(normalise("L6县火马冲镇")) and corpus.word_df["L6县"] == shipped + 1
    finally:
        forget_corpus()


def test_a_reply_naming_another_village_of_the_kind_the_message_names_is_told_to_check():
    """A precedent's reply sent unadapted names its own village: the handler is told which one, and the
    same reply naming the message's village speaks to it more. (In a ledger the unit tree teaches the
    segmenter the county's villages, text/segment.py; here two are taught.)"""
    from minqing.text.segment import add_words

    add_words(["桃坪界村", "青山村"])
    title, text = "请求硬化桃坪界村到乡政府的村道", "L3县火场乡桃坪界村到乡政府的村道一直是泥巴路，下雨无法通行，请问何时能硬化？"
    reply = "经核实，{}村道已列入2020年农村公路建设计划，预计10月底前完成水泥路面铺设。"
    there = assess_reply(text, reply.format("青山村"), title)
    here = assess_reply(text, reply.format("桃坪界村"), title)
    assert there.other_places == ["青山村"] and here.other_places == []
    assert any("青山村" in n and "桃坪界村" in n and "核对" in n for n in there.notes)
    assert here.topicality > there.topicality and here.score > there.score


def test_a_reply_naming_only_another_citys_coded_places_is_told_to_check():
    """Coded places carry their city in their letters (A8县 is A市's): a precedent's reply for A8县 sent on a
    message about J11市 names another city, whatever kinds the two name; a county of the message's own
    city, or a message that names no coded place, says nothing of it."""
    from minqing.text.reply_places import city, other_cities

    assert [city(w) for w in ("A8县", "J11市", "A市", "K10县", "西地省", "独生子女")] == ["A", "J", "A", "K", None, None]
    assert other_cities(["J11市", "独生子女"], ["A8县", "政策"]) == (["A8县"], ["J11市"])
    assert other_cities(["A市"], ["A7县"]) == ([], []) and other_cities(["独生子女"], ["A7县"]) == ([], [])
    assert other_cities(["J11市"], ["A8县", "J11市"]) == ([], [])  # it names the message's city too
    title, text = "咨询J11市独生子女证的问题", "J11市独生子女父母没有办理独生子女证的，现在还能补办并领取独生子女优待金吗？"
    reply = "经核实，{}对农村独生子女家庭的奖励有独生子女保健费和农村奖扶，补办独生子女证请到户籍所在地乡镇计生办申请。"
    there = assess_reply(text, reply.format("A8县"), title)
    here = assess_reply(text, reply.format("J11市"), title)
    assert there.other_cities == ["A8县"] and there.other_city == 1 and here.other_cities == []
    assert any("A8县" in n and "J11市" in n and "核对" in n for n in there.notes)
    assert here.topicality > there.topicality and here.score > there.score
    assert there.score <= HOLLOW_MAX  # it does not pass without a stated reason
    assert "other_cities" in there.as_dict()


def test_a_reply_in_other_words_that_share_their_characters_is_counted_by_them():
    """种植蔬菜 for 种菜: not the message's word, but its characters — counted by their rarity among replies,
    named to the handler; a reply about another matter holds few of them."""
    title = "反映B2区市建小区15栋楼上平台种菜问题"
    text = "平台本是住户的公共区域，但一些住户在平台私自种菜，浇粪水发出阵阵恶臭，请加强监管，禁止这种行为。"
    near = assess_reply(text, "经调查，社区工作人员对占用楼顶公共区域种植蔬菜进行了统一清理，今后将加强日常巡管。", title)
    other = assess_reply(text, "经核实，该路段道路硬化工程已列入农村公路建设计划，预计年底前完成水泥路面铺设。", title)
    assert "种菜" in near.char_words and near.char_cover > other.char_cover + 0.1
    assert near.topicality > other.topicality
    if near.relevance < 0.25:
        assert any("种菜" in n and "按字" in n for n in near.notes)
    for a in (near, other):
        assert 0 <= a.char_cover <= 1


def test_the_character_cover_needs_no_reply_statistics():
    from minqing.text.reply_corpus import ReplyCorpus

    a = assess_reply("平台上有人私自种菜", "已对种植蔬菜的行为进行清理", "私自种菜", corpus=ReplyCorpus())
    assert 0 < a.char_cover <= 1 and "种菜" in a.char_words


def test_a_reply_naming_an_estate_or_firm_the_message_never_names_is_taken_for_another_cases():
    """Names (places, and words no general dictionary knows) the reply gives and the message does not
    weigh against it; the message's own names, and everyday words (工作人员), do not."""
    title, text = MESSAGES[0]
    reply = "经核实，{}的停车场由物业公司管理，工作人员已责令其按物价部门核定的标准收取停车费，超出部分于5月底前退还。"
    there = assess_reply(text, reply.format("洋湖片区恒大楼盘"), title)
    here = assess_reply(text, reply.format("景蓉华苑小区"), title)
    assert set(there.other_names_words) == {"洋湖", "恒大"} and there.other_names > 0.2
    assert here.other_names == 0 and here.other_names_words == []
    assert here.topicality > there.topicality and here.score > there.score
    off = assess_reply(text, "经核实，洋湖片区恒大楼盘的停车场已按规定整改。", title)
    assert off.misses and any("洋湖" in n and "恒大" in n and "核对" in n for n in off.notes)


@pytest.mark.parametrize("word,named", [("L6县", "L6县"), ("火马冲镇", "火马冲镇"), ("经金罗镇", "金罗镇"),
                                        ("桃花社区", "桃花社区"), ("和平村", "和平村"), ("自然村", None),
                                        ("行政村", None), ("各乡镇", None), ("新农村", None), ("小区", None),
                                        ("超市", None), ("全县", None)])
def test_a_place_is_a_name_not_a_kind_of_place(word, named):
    from minqing.text.reply_places import place

    assert (place(word) or (None,))[0] == named


def test_a_reply_answering_one_of_two_questions_names_the_other():
    reply = "经核实，小区门口的路灯线路老化，已于5月3日更换修复，路灯现已正常照明。"
    a = assess_reply(TWO_QUESTIONS, reply, "路灯和垃圾站的问题")
    assert len(a.points) == 2
    assert a.completeness == 0.5
    assert len(a.unanswered) == 1 and "垃圾中转站" in a.unanswered[0]
    assert any("未答复的诉求" in n and "垃圾" in n for n in a.notes)
    both = reply + "垃圾中转站已列入搬迁计划，预计年底前迁至远离居民楼的地方。"
    assert assess_reply(TWO_QUESTIONS, both, "路灯和垃圾站的问题").unanswered == []


def test_basis_finds_document_numbers_rules_facts_and_next_steps():
    from minqing.text.reply_basis import find_basis

    b = find_basis("根据《A市人才购房及购房补贴实施办法》和长发〔2019〕2号文件，可申请3万元补贴。下一步将加快审核。2019年4月30日")
    assert b.present and b.strength >= 0.9
    assert {"文号", "政策法规", "核实的事实", "下一步措施"} <= set(b.kinds)
    assert not find_basis("感谢您对我们工作的关心和支持。2019年4月30日").present  # a signature date is no basis


def test_api_contract(api):
    title, text = MESSAGES[0]
    status, body = api("disp")("POST", "/api/text/assess_reply", {"title": title, "text": text, "reply": GENERIC})
    assert status == 200
    for key in ("score", "relevance", "completeness", "basis", "boilerplate", "unanswered", "notes"):
        assert key in body
    for key in ("score", "relevance", "completeness"):
        assert 0 <= body[key] <= 1
    assert isinstance(body["basis"]["present"], bool) and 0 <= body["basis"]["strength"] <= 1
    assert isinstance(body["boilerplate"]["flagged"], bool) and 0 <= body["boilerplate"]["share"] <= 1
    assert isinstance(body["unanswered"], list) and isinstance(body["notes"], list) and body["hollow"]
    assert body["off_message"] is False  # hollow and off the message are two things: saying nothing, or not of this
    status, body = api("disp")("POST", "/api/text/assess_reply", {"text": "", "reply": "x"})
    assert status == 400 and body["error"]["field"] == "text"
    assert api()("POST", "/api/text/assess_reply", {"text": text, "reply": GENERIC})[0] == 401


def test_the_notes_are_in_the_language_of_the_request(client, county):
    """A page switched to English (the language picker's cookie) shows the check's notes in English — the
    message's own words stay as written; the source language is what the pure function says."""
    import json

    from minqing.org.models import ApiToken

    title, text = MESSAGES[0]
    token = ApiToken.issue(county["disp"])
    notes = {}
    for language in ("zh-hans", "en", "zh-hant"):
        client.post("/i18n/setlang/", {"language": language, "next": "/"})
        r = client.post("/api/text/assess_reply", json.dumps({"title": title, "text": text, "reply": GENERIC}),
                        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert r.status_code == 200
        notes[language] = r.json()["notes"]
    assert notes["zh-hans"] == assess_reply(text, GENERIC, title).notes
    assert notes["en"][0].startswith("Hollow reply") and any("Nothing the citizen can check" in n for n in notes["en"])
    missed = next(n for n in notes["en"] if n.startswith("Not mentioned from the message: "))
    said = next(n for n in notes["zh-hans"] if n.startswith("未提到留言中的 "))
    assert missed.split(": ", 1)[1] == said.split(" ", 1)[1]  # the message's own words, as written
    assert notes["zh-hant"][0].startswith("空泛答覆")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    cited = "经核实，已责令业委会按长发〔2019〕2号文件暂停收取停车费，并于6月10日前召开业主大会。"
    r = client.post("/api/text/assess_reply", json.dumps({"title": title, "text": text, "reply": cited}),
                    content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    grounds = next(n for n in r.json()["notes"] if n.startswith("Grounds: "))
    assert "document number: 〔2019〕2号" in grounds and "next step: " in grounds and "；" not in grounds
    assert "文号：〔2019〕2号" in "".join(assess_reply(text, cited, title).notes)  # the source's words unchanged


def _ready(make_case, county):
    case = make_case(text="甲村村口的路灯坏了三个月，晚上看不清路，请尽快修复。", title="村口路灯坏了")
    perform(county["disp"], case.number, "dispatch", {"unit": "VA"})
    return case


def test_a_reply_below_the_threshold_needs_a_stated_reason(settings, make_case, county):
    settings.MINQING_REPLY_MIN_SCORE = 0.3
    case = _ready(make_case, county)
    with pytest.raises(Invalid) as e:
        perform(county["ha"], case.number, "reply", {"text": GENERIC})
    assert e.value.code == "reply_below_threshold" and e.value.field == "override_reason"
    assert "低于本县标准" in e.value.message and "（空泛答复）" in e.value.message
    another = "经核实，潇楚南路洋湖段路基土质较差需整体换填，目前已完成75%土方，预计2019年8月底完工通车。"
    with pytest.raises(Invalid) as e:  # says something checkable, but of another case: told so, not "hollow"
        perform(county["ha"], case.number, "reply", {"text": another})
    assert "（没有针对本留言）" in e.value.message and "空泛" not in e.value.message
    perform(county["ha"], case.number, "reply", {"text": GENERIC, "override_reason": "群众仅要求登记备案"})
    reply = Reply.objects.get(case=case, kind="reply")
    assert reply.score is not None and reply.score < 0.3 and reply.override_reason == "群众仅要求登记备案"
    event = CaseEvent.objects.filter(case=case, action="reply").get()
    assert event.data["override_reason"] == "群众仅要求登记备案"
    assert event.data["reply_quality"]["score"] == reply.score and event.data["reply_quality"]["hollow"]
    case.refresh_from_db()
    assert case.reply_score == reply.score


def test_a_good_reply_passes_without_a_reason_and_the_api_returns_its_assessment(settings, api, make_case, county):
    settings.MINQING_REPLY_MIN_SCORE = 0.3
    case = _ready(make_case, county)
    good = "您好！经现场核实，甲村村口路灯因线路老化损坏，已于6月3日更换灯具和线路，路灯现已恢复照明。"
    status, body = api("ha")("POST", f"/api/cases/{case.number}/reply", {"text": good})
    assert status == 200, body
    assert body["reply_assessment"]["passes"] and body["reply_assessment"]["score"] >= 0.3
    assert "override_reason" not in CaseEvent.objects.get(case=case, action="reply").data


def test_the_api_refuses_a_hollow_reply_with_a_chinese_message(settings, api, make_case, county):
    settings.MINQING_REPLY_MIN_SCORE = 0.3
    case = _ready(make_case, county)
    status, body = api("ha")("POST", f"/api/cases/{case.number}/reply", {"text": GENERIC})
    assert status == 400 and body["error"]["code"] == "reply_below_threshold"
    assert body["error"]["field"] == "override_reason"


def test_the_score_predicting_unsatisfied_is_measured_by_auc():
    from minqing.workflow.reply_stats import auc, reply_quality

    assert auc([(0.1, True), (0.2, True), (0.8, False), (0.9, False)]) == 1.0
    assert auc([(0.5, True), (0.5, False)]) == 0.5
    assert auc([(0.5, False)]) is None
    q = reply_quality([(0.1, "unsatisfied"), (0.2, ""), (0.6, "satisfied"), (0.8, "basically_satisfied")], 0.3)
    assert q["reply_pass_rate"] == 0.5 and q["reply_median_score"] == 0.4 and q["replies_scored"] == 4
    assert q["reply_unsatisfied_auc"] == 1.0
    assert q["unsatisfied_rate_below_threshold"] == 1.0 and q["unsatisfied_rate_at_or_above_threshold"] == 0.0


def test_units_see_reply_quality_beside_the_rates_and_the_worst_replies_one_click_away(
        settings, api, client, make_case, county):
    from minqing.workflow import stats

    settings.MINQING_REPLY_MIN_SCORE = 0.3
    hollow, good = _ready(make_case, county), _ready(make_case, county)
    perform(county["ha"], hollow.number, "reply", {"text": GENERIC, "override_reason": "已电话答复群众"})
    perform(county["ha"], good.number, "reply",
            {"text": "您好！经现场核实，甲村村口路灯因线路老化损坏，已于6月3日更换灯具和线路，路灯现已恢复照明。"})
    rates = stats.rates(county["leader"], "T1")
    assert rates["replies_scored"] == 2 and rates["reply_pass_rate"] == 0.5
    row = next(r for r in stats.ranking(county["leader"], "village") if r["code"] == "VA")
    assert row["replies_scored"] == 2 and row["reply_pass_rate"] == 0.5
    status, body = api("leader")("GET", "/api/stats/rates?unit=T1")
    assert status == 200 and body["reply_pass_rate"] == 0.5 and body["reply_median_score"] is not None
    status, body = api("leader")("GET", "/api/cases?reply_quality=low")
    assert [c["number"] for c in body["items"]] == [hollow.number]
    assert api("leader")("GET", "/api/cases?reply_quality=bad")[0] == 400
    client.force_login(county["leader"])
    page = client.get("/stats/").content.decode()
    assert "答复质量" in page and "reply_quality=low" in page
    listed = client.get("/cases/?reply_quality=low").content.decode()
    assert hollow.number in listed and good.number not in listed


def test_the_case_page_offers_the_check_and_best_scored_precedents(settings, client, make_case, county):
    settings.MINQING_REPLY_MIN_SCORE = 0.3
    old = _ready(make_case, county)
    perform(county["ha"], old.number, "reply",
            {"text": "您好！经现场核实，甲村村口路灯因线路老化损坏，已于6月3日更换灯具和线路，路灯现已恢复照明。"})
    perform(county["disp"], old.number, "follow_up", {"rating": "satisfied"})
    perform(county["disp"], old.number, "close", {})
    new = _ready(make_case, county)
    client.force_login(county["ha"])
    page = client.get(f"/cases/{new.number}/").content.decode()
    assert "检查答复" in page and "reply_check.js" in page and "override_reason" in page
    assert 'data-testid="precedent-replies"' in page and "更换灯具" in page
    assert "<script>" not in page.split("<body")[1].replace("<script src=", "")  # no inline script (CSP)
    assert "答复质量检查" in (help_page := client.get("/docs/replies").content.decode()) and "别处地名和名称" in help_page


@pytest.mark.parametrize("text,reply,title", [
    ("", "", None), ("？？？", "。。。", "！"), ("路燈壞了，何時修復？", "路燈已於5月3日修復。", "路燈"),
    ("停车难" * 3000, "已处理。" * 2000, "停车" * 300), ("<b>x</b>", "=1+1", "\t\n"),
])
def test_every_figure_stays_in_0_to_1_whatever_the_input(text, reply, title):
    d = assess_reply(text, reply, title).as_dict()
    for key in ("score", "relevance", "completeness", "topic", "topicality", "foreign", "off_topic"):
        assert 0 <= d[key] <= 1
    assert 0 <= d["basis"]["strength"] <= 1 and 0 <= d["boilerplate"]["share"] <= 1


def test_the_reply_statistics_count_characters_and_keep_them_through_a_file_and_a_merge():
    from minqing.text.reply_corpus import ReplyCorpus

    corpus = ReplyCorpus.build(["种菜"], ["已清理种植的蔬菜。", "已清理。", "蔬菜已清理"])
    assert corpus.char_df["清"] == 3 and corpus.char_df["菜"] == 2 and corpus.char_df["种"] == 1
    assert corpus.char_idf("清") < corpus.char_idf("菜") < corpus.char_idf("种")
    again = ReplyCorpus.from_json(corpus.to_json())
    assert again.char_df["菜"] == 2 and "种" not in again.char_df  # a character in one reply says nothing
    assert again.merged(corpus).char_df["清"] == 6 and again.merged(corpus).replies == 6
