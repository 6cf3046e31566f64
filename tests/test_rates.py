"""The three rates against a small example computed by hand, and the API/page that serve them."""

import datetime as dt
from zoneinfo import ZoneInfo

from minqing.workflow.rates import compute

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 25, 12, tzinfo=TZ)


def row(contact_due=None, first=None, replied=None, due=None, rating="", resolved=None, returns=0, reopens=0,
        assigned=1):
    d = lambda day: dt.datetime(2026, 3, day, 9, tzinfo=TZ) if day else None  # noqa: E731
    return {"contact_due": d(contact_due), "first_contact_at": d(first), "replied_at": d(replied),
            "resolve_due": d(due), "rating": rating, "resolved": resolved, "return_count": returns,
            "reopen_count": reopens, "assigned_unit_id": assigned, "status": ""}


def test_hand_computed_example():
    rows = [
        row(contact_due=2, first=1, replied=5, due=9, rating="satisfied"),                 # on time everywhere
        row(contact_due=2, first=3, replied=12, due=9, rating="basically_satisfied"),      # late contact, late reply
        row(contact_due=2, replied=2, due=9, rating="unsatisfied", reopens=1),             # reply counts as contact
        row(contact_due=2, first=2, replied=8, due=9, rating="satisfied", resolved=False),  # satisfied yet unresolved
        row(contact_due=28, due=30),                                    # nothing due yet: in no denominator
        row(contact_due=10, due=20, returns=1),                         # contact overdue, resolution overdue
        row(assigned=None),                                             # not dispatched, no deadlines
    ]
    r = compute(rows, NOW, weight=0.8)
    assert r["cases"] == 7
    assert r["response_rate"] == round(3 / 5, 4)        # rows 1, 3, 4 of 1–4 and 6
    assert r["on_time_rate"] == round(3 / 5, 4)         # rows 1, 3, 4 of 1–4 and 6
    assert r["resolution_rate"] == round(2 / 4, 4)      # rows 1, 2 resolved; 3 unsatisfied; 4 says no
    assert r["satisfaction_rate"] == round((2 + 0.8) / 4, 4)
    assert r["return_rate"] == round(1 / 6, 4) and r["reopen_rate"] == round(1 / 4, 4)


def test_no_denominator_gives_none():
    r = compute([], NOW)
    assert r["response_rate"] is None and r["satisfaction_rate"] is None and r["cases"] == 0


def test_rates_api_and_page(api, make_case, county, client):
    from minqing.ledger.actions import perform, rate_by_tracking_code

    case = make_case("VA")
    perform(county["disp"], case.number, "dispatch", {"unit": "VA"})
    perform(county["ha"], case.number, "reply", {"text": "已修好路灯，谢谢反映。"})
    rate_by_tracking_code(case.voices.first().tracking_code, "satisfied")
    status, body = api("leader")("GET", "/api/stats/rates?unit=C")
    assert status == 200 and body["satisfaction_rate"] == 1.0 and body["response_rate"] == 1.0
    status, body = api("hb")("GET", "/api/stats/rates")
    assert status == 200 and body["cases"] == 0  # village B is not responsible for village A's case
    assert api("hb")("GET", "/api/stats/rates?unit=VA")[0] == 400  # outside B's area
    status, ranking = api("leader")("GET", "/api/stats/ranking?level=village")
    assert [r["code"] for r in ranking][0] == "VA" and ranking[0]["satisfaction_rate"] == 1.0
    assert api("leader")("GET", "/api/stats/ranking?level=planet")[0] == 400
    client.force_login(county["leader"])
    page = client.get("/stats/").content.decode()
    assert "满意率" in page and "100.0%" in page


def test_rates_by_unit_in_sql_equal_rates_for_each_unit(make_case, county):
    """The ranking counts in one aggregate query and adds up the tree; every unit's figures must be
    those of `rates_for` over the cases it is responsible for — edge cases included (a contact or a
    reply exactly at the deadline, a reply standing for the contact, 'resolved' against the rating,
    a return without a dispatch, undispatched cases counted for their place)."""
    from minqing.ledger.models import Case
    from minqing.org.models import Unit
    from minqing.workflow.rates import rates_by_unit, rates_for
    from minqing.workflow.stats import responsible_in

    units = {u.code: u for u in Unit.objects.all()}
    d = lambda day, hour=9: dt.datetime(2026, 3, day, hour, tzinfo=TZ)  # noqa: E731
    specs = [  # (place, assigned, fields)
        ("VA", "VA", dict(contact_due=d(2), first_contact_at=d(1), replied_at=d(5), resolve_due=d(9), rating="satisfied")),
        ("VA", "VA", dict(contact_due=d(2), first_contact_at=d(2), replied_at=d(9), resolve_due=d(9),
                          rating="basically_satisfied")),  # both exactly at the deadline: on time
        ("VA", "VB", dict(contact_due=d(2), replied_at=d(2, 10), resolve_due=d(9), rating="unsatisfied",
                          reopen_count=1)),
        ("VB", "VB", dict(contact_due=d(2), first_contact_at=d(2), replied_at=d(8), resolve_due=d(9),
                          rating="satisfied", resolved=False)),
        ("VB", "DZ", dict(contact_due=d(2), first_contact_at=d(3), replied_at=d(8), resolve_due=d(9),
                          rating="unsatisfied", resolved=True)),
        ("GA", None, dict(contact_due=d(28), resolve_due=d(30))),  # nothing due yet
        ("VA", None, dict(contact_due=d(10), resolve_due=d(20), return_count=1)),  # returned, not dispatched now
        ("T1", None, dict()),  # no deadlines at all
        ("VB", "T1", dict(contact_due=d(10), first_contact_at=d(11), resolve_due=d(24, 13), replied_at=d(24, 12))),
    ]
    for place, assigned, fields in specs:
        case = make_case(place)
        unit = units[assigned] if assigned else None
        Case.objects.filter(pk=case.pk).update(
            assigned_unit=unit, assigned_path=unit.path if unit else "", status="handling" if unit else "accepted",
            **{"first_contact_at": None, "replied_at": None, "rating": "", **fields})
    qs = Case.objects.all()
    by_unit = rates_by_unit(qs, list(units.values()), NOW)
    for code, unit in units.items():
        assert by_unit[unit.id] == rates_for(qs.filter(responsible_in(unit)), NOW), code
    county_figures = by_unit[units["C"].id]
    assert county_figures["cases"] == len(specs) and county_figures["returned"] == 1
    assert by_unit[units["VA"].id]["cases"] == 4 and by_unit[units["DZ"].id]["rated"] == 1
