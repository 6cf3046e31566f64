"""Visit plans (SPEC C13): suggestions say why (hotspot, warning, open cases, coverage gap), who may plan for
whom, and recording a visit at a planned place marks the plan done."""

import datetime as dt

from minqing import clock
from minqing.field.models import PlanStatus, Visit, VisitPlan
from minqing.ledger.models import Case
from minqing.org.models import Unit

DRAIN = ["甲村村口排水沟堵塞，下雨就淹到路上。", "村口排水沟堵塞了，下雨路上全是水。", "甲村排水沟堵塞，下雨后村口积水严重。"]


def _days_ago(n):
    return (clock.today() - dt.timedelta(days=n)).isoformat()


def test_suggestions_rank_villages_and_say_why(make_case, api, county):
    for text in DRAIN:
        make_case("VA", text)
    Case.objects.filter(pk=Case.objects.order_by("id").first().pk).update(resolve_due=clock.now() - dt.timedelta(days=1))
    Visit.objects.create(visitor=county["grid"], unit=Unit.objects.get(code="GA"), unit_path=Unit.objects.get(code="GA").path,
                         visited_at=dt.date.fromisoformat(_days_ago(40)))
    status, items = api("leader")("GET", "/api/visits/plans/suggestions")
    assert status == 200, items
    assert [s["unit"] for s in items] == ["VA", "VB"]
    va, vb = items
    reasons = {r["reason"] for r in va["reasons"]}
    assert reasons == {"hotspot", "cases", "coverage"}, va
    assert "热点：" in va["explanation"] and "未办结诉求3件，其中超期1件" in va["explanation"]
    assert f"近30天未走访（上次 {_days_ago(40)}）" in va["explanation"]
    assert vb["explanation"] == "从未走访" and vb["reason"] == "coverage"
    assert [c["username"] for c in va["cadres"]][:2] == ["ha", "grid"]  # the village's own cadres first
    # a visit today to VB closes its gap
    Visit.objects.create(visitor=county["hb"], unit=Unit.objects.get(code="VB"), unit_path=Unit.objects.get(code="VB").path,
                         visited_at=clock.today())
    assert [s["unit"] for s in api("t_disp")("GET", "/api/visits/plans/suggestions")[1]] == ["VA"]
    for user in ("grid", "ha"):
        status, body = api(user)("GET", "/api/visits/plans/suggestions")
        assert status == 403 and "领导" in body["error"]["message"]


def test_open_warnings_are_a_reason(api, county):
    from minqing.insight.models import Warning

    vb = Unit.objects.get(code="VB")
    Warning.objects.create(kind="surge", key="t-1", unit=vb, unit_path=vb.path, title="乙村集中反映停水",
                           explanation="3天内5人反映")
    items = api("disp")("GET", "/api/visits/plans/suggestions")[1]
    assert items[0]["unit"] == "VB" and items[0]["reason"] == "warning"
    assert "预警：乙村集中反映停水" in items[0]["explanation"]


def test_plans_permissions_validation_and_fulfilment(api, county):
    status, body = api("leader")("POST", "/api/visits/plans", {"unit": "VA", "cadre": "grid", "reason": "hotspot",
                                                               "note": "热点：排水沟"})
    assert status == 201 and body["cadre"] == "grid" and body["status"] == "planned", body
    plan_id = body["id"]
    for user, bad, code in [
        ("leader", {"unit": "VA", "cadre": "grid", "starts": _days_ago(0), "ends": _days_ago(2)}, 400),  # ends first
        ("leader", {"unit": "VA", "cadre": "grid"}, 400),                                   # duplicate
        ("leader", {"unit": "VA", "cadre": "nobody"}, 400),
        ("leader", {"unit": "DZ"}, 400),                                                    # a department
        ("leader", {"unit": "VA", "reason": "fun"}, 400),
        ("grid", {"unit": "GA", "cadre": "ha"}, 403),                                       # a grid cadre plans only for self
        ("t_disp", {"unit": "C"}, 403),                                                     # above their unit
        ("t_disp", {"unit": "VA", "cadre": "hz"}, 403),                                     # a county department's handler
    ]:
        status, err = api(user)("POST", "/api/visits/plans", bad)
        assert status == code and err["error"]["message"], (user, bad, err)
    assert VisitPlan.objects.count() == 1
    assert [p["id"] for p in api("grid")("GET", "/api/visits/plans")[1]] == [plan_id]
    assert api("hb")("GET", "/api/visits/plans")[1] == []
    assert api("hb")("POST", f"/api/visits/plans/{plan_id}/cancel")[0] == 404
    # the grid cadre visits a grid under the planned village: the plan is done and linked
    status, visit = api("grid")("POST", "/api/visits", {"unit": "GA", "visited_at": _days_ago(0), "households": 3})
    assert status == 201
    plan = VisitPlan.objects.get()
    assert plan.status == PlanStatus.DONE and plan.visit_id == visit["id"]
    assert api("grid")("GET", "/api/visits/plans?status=done")[1][0]["visited_at"] == _days_ago(0)
    assert api("grid")("POST", f"/api/visits/plans/{plan_id}/cancel")[0] == 400  # done: no longer cancellable
    status, own = api("grid")("POST", "/api/visits/plans", {"unit": "GA"})  # for self, default this week
    assert status == 201 and own["ends"] == (clock.today() + dt.timedelta(days=7)).isoformat()
    assert api("grid")("POST", f"/api/visits/plans/{own['id']}/cancel")[1]["status"] == "cancelled"


def test_visits_page_plans_section(client, county, make_case):
    client.force_login(county["leader"])
    page = client.get("/visits/").content.decode()
    assert "走访建议" in page and "从未走访" in page and "加入计划" in page
    grid = county["grid"]
    r = client.post("/visits/plans/", {"unit": "VA", "cadre": str(grid.id), "reason": "coverage", "note": "从未走访",
                                       "starts": _days_ago(0), "ends": _days_ago(-7)})
    assert r.status_code == 302 and VisitPlan.objects.get().cadre == grid
    assert "已有计划" in client.get("/visits/").content.decode()
    client.force_login(grid)
    page = client.get("/visits/").content.decode()
    assert "我的走访计划" in page and "甲村" in page and "走访建议" not in page
    client.post(f"/visits/plans/{VisitPlan.objects.get().id}/cancel/")
    assert VisitPlan.objects.get().status == PlanStatus.CANCELLED
