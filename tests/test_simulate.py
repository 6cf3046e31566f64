"""The month simulator (simulate/), run short on the small test county: what it reports is
what the database holds, and its rates are those `rates_for` computes over the same cases."""

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from minqing.ledger.models import Case, CaseEvent, Extension
from minqing.org.models import Role, Unit, User
from minqing.org.services import add_unit
from minqing.simulate import RATE_LABELS, WorkTime, simulate
from minqing.workflow.models import Notification
from minqing.workflow.rates import rates_for
from minqing.workflow.stats import responsible_in

START = timezone.make_aware(dt.datetime(2025, 11, 3))  # a Monday with two ordinary weeks after it
DAYS, PER_DAY, SEED = 5, 15, 7
RATES = [k for k, _zh in RATE_LABELS]


def run(**kw):
    lines: list[str] = []
    summary = simulate(**({"days": DAYS, "seed": SEED, "per_day": PER_DAY, "start": START, "out": lines.append} | kw))
    return summary, lines


@pytest.fixture
def simulated(county):
    return run()


def sim_cases(summary):
    first, last = summary["case_ids"]
    return Case.objects.filter(id__gte=first, id__lte=last)


def test_counts_are_those_in_the_database(simulated):
    s, lines = simulated
    cases = sim_cases(s)
    events = CaseEvent.objects.filter(case__in=cases)
    assert s["voices"] == cases.count() == DAYS * PER_DAY
    assert s["closed"] == cases.filter(status="closed").count() > 0
    assert s["open"] == cases.exclude(status="closed").count()
    levels = [e["escalation_level"]["after"] for e in events.filter(action="escalate").values_list("data", flat=True)]
    assert s["escalations"]["total"] == len(levels) > 0
    assert (s["escalations"]["level1"], s["escalations"]["level2"]) == (levels.count(1), levels.count(2))
    assert s["escalated_cases"] == cases.filter(escalation_level__gt=0).count()
    ext = Extension.objects.filter(case__in=cases)
    assert s["extensions"]["requested"] == ext.count() == events.filter(action="request_extension").count()
    assert s["extensions"]["approved"] == ext.filter(state="approved").count() == \
        events.filter(action="approve_extension").count()
    assert s["extensions"]["rejected"] == ext.filter(state="rejected").count()
    assert s["returns"] == events.filter(action="return").count() == cases.aggregate(n=Sum("return_count"))["n"]
    assert s["reopenings"] == events.filter(to_status="reopened").count() == \
        cases.aggregate(n=Sum("reopen_count"))["n"]
    assert s["cohandled"] == events.filter(action="cohandle").count()
    # The outbox was empty before; every message was delivered at the end of its day.
    assert s["notifications"]["queued"] == Notification.objects.count() > 0
    assert s["notifications"]["sent"] == Notification.objects.filter(state="sent").count() == s["notifications"]["queued"]
    assert sum(s["notifications"]["by_kind"].values()) == s["notifications"]["queued"]
    assert s["refused"] == 0, s["refusals"]  # the simulator never tries what the ledger forbids
    assert any("escalations" in line for line in lines) and any("满意率" in line for line in lines)


def test_every_history_starts_with_accept_and_stays_within_the_period(simulated):
    s, _lines = simulated
    end = START + dt.timedelta(days=DAYS)
    for case in sim_cases(s):
        history = list(case.events.order_by("id"))  # as written
        assert history[0].action == "accept", case.number
        assert [e.action for e in history].count("accept") == 1
        assert all(START <= e.at <= end for e in history), case.number
        assert [e.at for e in history] == sorted(e.at for e in history)  # written in time order


def test_staff_act_in_office_hours(simulated):
    s, _lines = simulated
    work = WorkTime()
    staff = CaseEvent.objects.filter(case__in=sim_cases(s), actor__isnull=False).exclude(action="accept")
    assert staff.exists()
    for e in staff:
        assert work.snap(e.at) == timezone.localtime(e.at), (e.action, e.at)


def test_rates_are_fractions_and_equal_rates_for_over_the_same_cases(simulated):
    s, _lines = simulated
    end = START + dt.timedelta(days=DAYS)
    cases = sim_cases(s)
    for row in [s["rates"], *s["ranking"]]:
        for key in RATES:
            assert row[key] is None or 0 <= row[key] <= 1, (key, row[key])
    assert s["rates"] == rates_for(cases, end)
    assert s["rates"]["cases"] == DAYS * PER_DAY
    assert [r["code"] for r in s["ranking"]] == ["T1"]  # the test county's one township
    township = Unit.objects.get(code="T1")
    ranked = {k: v for k, v in s["ranking"][0].items() if k not in ("code", "name")}
    assert ranked == rates_for(cases.filter(responsible_in(township)), end)


def test_the_same_seed_gives_the_same_month(county):
    def once():
        with transaction.atomic():
            summary, _ = run(days=2, per_day=8)
            transaction.set_rollback(True)
        return {k: v for k, v in summary.items() if k not in ("seconds", "timing", "case_ids")}

    first, second = once(), once()
    assert first == second


def test_missing_handler_accounts_are_created(county):
    add_unit("VC", "丙村", "village", "T1")
    summary, lines = run(days=1, per_day=4)
    handler = User.objects.get(unit__code="VC", role=Role.HANDLER)
    assert handler.username == "h-vc" and handler.check_password("minqing-demo-2026")
    assert summary["voices"] == 4 and any("created" in line for line in lines)


def test_a_county_without_villages_is_refused(db):
    from minqing.errors import DomainError
    from minqing.ledger.reference import ensure_reference_data

    ensure_reference_data()
    add_unit("X", "空县", "county")
    with pytest.raises(DomainError, match="村"):
        simulate(days=1, per_day=1, start=START, out=lambda line: None)
