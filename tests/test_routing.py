"""Routing: category × place → exactly one responsible unit."""

import pytest

from minqing.ledger.models import Category
from minqing.org.models import Unit
from minqing.workflow.models import RoutingRule
from minqing.workflow.routing import route


@pytest.fixture
def rules(county):
    u = {x.code: x for x in Unit.objects.all()}
    housing = Category.objects.get(level=1, name="城乡建设")
    RoutingRule.objects.create(category=housing, area=u["C"], unit=u["DZ"])
    RoutingRule.objects.create(category=None, area=u["VB"], unit=u["T1"], note="乙村一律先交镇里")
    return u, housing


def test_without_rules_a_grid_case_goes_to_its_village(county):
    grid = Unit.objects.get(code="GA")
    assert route(None, grid)[0].code == "VA"
    assert route(None, Unit.objects.get(code="VB"))[0].code == "VB"


def test_category_rule_of_an_ancestor_applies(rules):
    u, housing = rules
    assert route(housing, u["GA"])[0].code == "DZ"
    assert route(Category.objects.get(level=1, name="教育文体"), u["GA"])[0].code == "VA"


def test_deeper_catch_all_beats_a_higher_category_rule(rules):
    u, housing = rules
    assert route(housing, u["VB"])[0].code == "T1"


def test_a_second_level_category_routes_by_its_first_level(rules):
    u, housing = rules
    child = housing.children.first()
    assert route(child, u["VA"])[0].code == "DZ"


def test_every_category_at_every_place_of_the_demo_county_routes_to_exactly_one_unit(db):
    from minqing.demo.county import build_routing, build_units
    from minqing.ledger.reference import ensure_reference_data

    ensure_reference_data()
    build_units()
    build_routing()
    rules = list(RoutingRule.objects.select_related("area", "unit", "category"))
    places = list(Unit.objects.exclude(level="department"))
    categories = [None, *Category.objects.filter(level=1)]
    for place in places:
        for category in categories:
            unit, why = route(category, place, rules)
            assert isinstance(unit, Unit) and unit.active and why
            assert unit.level != "grid"
    education = Category.objects.get(level=1, name="教育文体")
    assert route(education, Unit.objects.get(code="QS-CG-DM-G1"), rules)[0].code == "QS-JY"
    assert route(Category.objects.get(level=1, name="城乡建设"), Unit.objects.get(code="QS-CG-DM-G1"), rules)[0].code == "QS-CG-DM"


def test_admins_edit_routing_rules_in_the_ui_and_anyone_on_staff_can_try_them(client, county):
    from minqing.workflow.models import RoutingRule

    client.force_login(county["disp"])
    assert client.post("/routing/", {"area": "T1", "unit": "DZ", "category": "城乡建设"}).status_code == 400
    assert RoutingRule.objects.count() == 0
    client.force_login(county["admin"])
    r = client.post("/routing/", {"area": "T1", "unit": "DZ", "category": "城乡建设", "note": "一镇的建设类归住建局"})
    assert r.status_code == 302 and RoutingRule.objects.get().unit.code == "DZ"
    assert client.post("/routing/", {"area": "T1", "unit": "DZ", "category": "不存在"}).status_code == 400
    page = client.get("/routing/?place=VA&category=城乡建设").content.decode()
    assert "住建局" in page and "规则" in page
    page = client.get("/routing/?place=GA&category=教育文体").content.decode()
    assert "派往所在" in page and "甲村" in page
    rule = RoutingRule.objects.get()
    assert client.post("/routing/", {"delete": rule.id}).status_code == 302 and RoutingRule.objects.count() == 0


def test_admins_set_the_auto_dispatch_threshold_per_category(client, county):
    from minqing.ledger.models import Category

    client.force_login(county["admin"])
    name = Category.objects.filter(level=1).first().name
    assert client.post("/routing/", {"category": name, "threshold": "0.92"}).status_code == 302
    assert Category.objects.get(level=1, name=name).auto_dispatch_at == 0.92
    for bad in ("0.2", "很高", "1.5"):
        assert client.post("/routing/", {"category": name, "threshold": bad}).status_code == 400
    assert client.post("/routing/", {"category": name, "threshold": ""}).status_code == 302
    assert Category.objects.get(level=1, name=name).auto_dispatch_at is None
    client.force_login(county["disp"])
    assert client.post("/routing/", {"category": name, "threshold": "0.9"}).status_code == 400
