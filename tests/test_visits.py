"""Field visits: each voice heard becomes a case at once; coverage of places and cadres."""

import datetime as dt

from minqing import clock


def test_visit_records_voices_as_cases_and_counts_coverage(api, county):
    today = clock.today().isoformat()
    status, body = api("grid")("POST", "/api/visits", {
        "unit": "VA", "visited_at": today, "households": 12, "notes": "走访甲村东头",
        "voices": [{"text": "王大爷家门前排水沟堵塞。"}, {"text": "村口路灯不亮。", "submitter": {"mode": "named", "name": "王大爷"}}]})
    assert status == 201 and len(body["cases"]) == 2
    status, case = api("grid")("GET", f"/api/cases/{body['cases'][0]}")
    assert status == 200 and case["channel"] == "visit"
    status, cov = api("leader")("GET", "/api/visits/coverage?unit=C")
    assert status == 200
    assert cov["units_total"] == 3 and cov["units_visited"] == 1  # VA, VB, GA
    assert cov["cadres_visited"] == 1 and cov["cadres_total"] == 8 and cov["voices"] == 2


def test_bad_visits_are_refused_and_write_nothing(api, county):
    from minqing.field.models import Visit
    from minqing.ledger.models import Case

    tomorrow = (clock.today() + dt.timedelta(days=1)).isoformat()
    for bad in ({"unit": "NOPE", "visited_at": "2026-01-01"}, {"unit": "VA", "visited_at": tomorrow},
                {"unit": "VA", "visited_at": "昨天"}, {"unit": "VA", "visited_at": "2026-01-01", "voices": [{"text": ""}]}):
        status, body = api("grid")("POST", "/api/visits", bad)
        assert 400 <= status < 500 and body["error"]["message"], bad
    assert Visit.objects.count() == 0 and Case.objects.count() == 0
    assert api()("POST", "/api/visits", {"unit": "VA", "visited_at": "2026-01-01"})[0] == 401


def test_visit_page_records_a_visit_from_a_phone_form(client, county):
    from minqing.field.models import Visit

    client.force_login(county["grid"])
    r = client.post("/visits/", {"unit": "GA", "visited_at": clock.today().isoformat(), "households": "5",
                                 "notes": "入户走访", "voice0": "张奶奶家屋顶漏雨，需要帮助修缮。", "voice1": ""})
    assert r.status_code == 302
    visit = Visit.objects.get()
    assert visit.cases.count() == 1 and visit.households == 5
    page = client.get("/visits/").content.decode()
    assert "入户走访" in page and 'data-testid="units">1/' in page
    r = client.post("/visits/", {"unit": "GA", "visited_at": "2026-13-01", "households": "x"})
    assert r.status_code == 400 and Visit.objects.count() == 1


def test_the_demo_records_each_cadres_rounds_without_new_cases(api, county):
    from minqing.demo.visits import ROUNDS, load_demo_visits
    from minqing.field.models import Visit
    from minqing.ledger.models import Case
    from minqing.org.models import Level, Role, User

    cadres = User.objects.filter(role__in=(Role.GRID, Role.HANDLER), unit__level__in=(Level.VILLAGE, Level.GRID))
    assert load_demo_visits(clock.now()) == ROUNDS * cadres.count() > 0
    today = clock.today()
    days = set(Visit.objects.values_list("visited_at", flat=True))
    assert all(today - dt.timedelta(days=21) < d <= today for d in days) and len(days) > 1
    assert not Case.objects.exists()
    status, cov = api("leader")("GET", "/api/visits/coverage?unit=C")
    assert status == 200 and cov["units_visited"] >= 1 and cov["voices"] == 0
