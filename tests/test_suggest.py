"""Suggestions on intake: category with confidence and alternatives, the routed unit, keywords and
places, one-click acceptance, automatic dispatch above the admin's threshold, /api/text/classify."""

import pytest

from minqing.ledger.models import Case, Category
from minqing.text import classify
from minqing.text.keywords import places
from minqing.workflow.models import RoutingRule

TRAIN = [
    ("物业乱收停车费", "小区物业未经业主同意乱收停车费，业主意见很大。", "城乡建设"),
    ("小区电梯坏了", "小区电梯坏了一个月，物业不修。", "城乡建设"),
    ("楼房漏水", "新房交房后墙体漏水，开发商不处理。", "城乡建设"),
    ("学校乱收费", "学校强制学生购买教辅资料，乱收费。", "教育文体"),
    ("孩子入学难", "孩子上小学报名难，学位不够。", "教育文体"),
    ("幼儿园收费高", "幼儿园收费太高，家长负担重。", "教育文体"),
    ("拖欠工资", "公司拖欠工人工资三个月不发。", "劳动和社会保障"),
    ("社保断缴", "单位不给员工缴纳社保。", "劳动和社会保障"),
    ("养老金", "退休人员养老金发放不及时。", "劳动和社会保障"),
]


@pytest.fixture(scope="module")
def tiny_model():
    return classify.train([(t, x) for t, x, _ in TRAIN], [y for *_, y in TRAIN], taxonomy=False, calibrate=False)


@pytest.fixture
def model(monkeypatch, tiny_model):
    monkeypatch.setattr(classify, "default_model", lambda build=True: tiny_model)
    return tiny_model


def test_places_are_found_from_the_unit_tree_and_place_words():
    found = places("我家住在桂花坪社区3栋，楼下的幸福小区门口的红星路经常堵车", ["桂花坪社区"])
    assert found[0] == "桂花坪社区" and "幸福小区" in found and "红星路" in found


def test_a_place_name_of_several_words_is_kept_whole():
    assert places("魅力之城小区临街门面油烟直排扰民") == ["魅力之城小区"]  # not "城小区"
    assert places("A市暮云街道丽发新城社区搅拌站灰尘") == ["A市", "暮云街道", "丽发新城社区"]
    assert places("A3区梅溪湖看云路一师润芳园小区临街门面")[-1] == "一师润芳园小区"


def test_intake_stores_suggestion_keywords_and_places(model, make_case, county):
    case = make_case("VA", "幸福小区物业乱收停车费，还不让业主进车库。")
    assert case.suggested_category == "城乡建设" and 0 < case.suggestion_confidence <= 1
    assert case.suggested_unit.code == "VA"  # no rule: the village
    assert "幸福小区" in case.places and case.keywords
    assert case.status == "accepted" and not case.auto_dispatched


def test_routing_rule_decides_the_suggested_unit_and_auto_dispatch_above_threshold(model, make_case, county):
    housing = Category.objects.get(level=1, name="城乡建设")
    RoutingRule.objects.create(category=housing, area=county["disp"].unit, unit=county["hz"].unit)
    housing.auto_dispatch_at = 0.0
    housing.save()
    case = Case.objects.get(pk=make_case("VA", "小区物业乱收停车费，业主意见很大。").pk)
    assert case.auto_dispatched and case.status == "dispatched" and case.assigned_unit.code == "DZ"
    event = case.events.get(action="dispatch")
    assert event.data["auto"] is True and event.actor_label.startswith("系统")
    housing.auto_dispatch_at = None
    housing.save()
    assert make_case("VA", "小区物业乱收停车费，业主意见很大。").status == "accepted"


def test_dispatcher_accepts_the_suggestion_in_one_click_and_the_choice_is_recorded(model, make_case, county, client):
    case = make_case("VA", "学校强制学生购买教辅资料。")
    client.force_login(county["disp"])
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert "系统建议" in page and "教育文体" in page and "采纳并派单" in page
    client.post(f"/cases/{case.number}/suggestion/")
    case.refresh_from_db()
    assert case.status == "dispatched" and case.category_top == "教育文体"
    triage = case.events.get(action="triage")
    assert triage.data["suggested_category"]["after"] == "教育文体"
    assert case.events.get(action="dispatch").data["followed_suggestion"] is True


def test_classify_api(model, api, county):
    status, body = api("disp")("POST", "/api/text/classify", {"text": "公司拖欠工资不发", "unit": "VB"})
    assert status == 200 and body["category"] == "劳动和社会保障" and body["unit"] == "VB"
    assert len(body["alternatives"]) == 3 and body["alternatives"][0]["category"] == body["category"]
    assert api("disp")("POST", "/api/text/classify", {"text": ""})[0] == 400
    assert api("disp")("POST", "/api/text/classify", {"text": "有问题", "unit": "NOPE"})[0] == 400


def test_without_a_model_intake_still_works(monkeypatch, make_case, api):
    monkeypatch.setattr(classify, "default_model", lambda build=True: None)
    case = make_case("VA", "路灯坏了很久没人修。")
    assert case.suggested_category == "" and case.status == "accepted"
    status, body = api("disp")("POST", "/api/text/classify", {"text": "路灯坏了"})
    assert status == 200 and body["category"] is None and body["note"]


def test_deeper_categories_come_from_the_taxonomys_own_words(county):
    from minqing.workflow.suggest import deeper

    found = deeper("小区物业公司乱收物业费，电梯坏了也不修", "城乡建设")
    assert found and all(d["category"].startswith("城乡建设/") for d in found)
    assert any("小区" in d["category"] for d in found)
    assert any(d["category"].startswith("教育文体/教育收费") for d in deeper("幼儿园收费太高，乱收费", "教育文体"))
    assert deeper("小区物业公司乱收物业费", None) == [] and deeper("今天天气很好", "城乡建设") == []
