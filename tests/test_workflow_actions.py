"""Co-handling (吹哨报到), the three tracks at triage, collective approval of sensitive closures."""

import datetime as dt

import pytest

from minqing import clock
from minqing.errors import Invalid, NotFound
from minqing.ledger.actions import perform
from minqing.ledger.models import Case, Category, Rectification
from minqing.ledger.permissions import cases_visible_to


@pytest.fixture
def in_hand(make_case, county):
    case = make_case("VA")
    perform(county["disp"], case.number, "dispatch", {"unit": "VA"})
    perform(county["ha"], case.number, "handle", {})
    return case


def test_called_in_unit_sees_the_case_and_the_lead_cannot_close_until_it_answers(in_hand, county, client):
    assert not cases_visible_to(county["hz"]).filter(pk=in_hand.pk).exists()
    perform(county["ha"], in_hand.number, "cohandle", {"unit": "DZ", "note": "请住建局查看路灯线路", "due": "2099-01-01"})
    assert cases_visible_to(county["hz"]).filter(pk=in_hand.pk).exists()
    with pytest.raises(NotFound):  # village B was not called in
        perform(county["hb"], in_hand.number, "cotask_done", {"note": "不相干"})
    perform(county["ha"], in_hand.number, "reply", {"text": "路灯已修复。"})
    perform(county["disp"], in_hand.number, "follow_up", {"rating": "satisfied"})
    with pytest.raises(Invalid, match="住建局"):
        perform(county["disp"], in_hand.number, "close", {})
    client.force_login(county["hz"])
    page = client.get(f"/cases/{in_hand.number}/").content.decode()
    assert "完成协办" in page and "请住建局查看路灯线路" in page
    perform(county["hz"], in_hand.number, "cotask_done", {"note": "线路已检修完毕", "state": "done"})
    perform(county["disp"], in_hand.number, "close", {})
    assert Case.objects.get(pk=in_hand.pk).status == "closed"


def test_immediate_track_is_due_the_same_working_day(in_hand, county):
    with clock.frozen_at(dt.datetime(2025, 11, 11, 10, tzinfo=dt.UTC)):  # a Tuesday
        perform(county["ha"], in_hand.number, "triage", {"track": "immediate"})
    case = Case.objects.get(pk=in_hand.pk)
    assert case.track == "immediate" and case.resolve_due.date() == dt.date(2025, 11, 11)
    assert case.contact_due <= case.resolve_due  # never asked to first contact after it is to be resolved


def test_conditional_track_needs_an_explanation_and_a_plan_date(in_hand, county):
    with pytest.raises(Invalid):
        perform(county["ha"], in_hand.number, "triage", {"track": "conditional"})
    perform(county["ha"], in_hand.number, "triage", {"track": "conditional", "plan_date": "2099-06-30",
                                                     "text": "该路段改造需纳入明年预算，我们将先安排临时照明。"})
    case = Case.objects.get(pk=in_hand.pk)
    assert case.plan_date == dt.date(2099, 6, 30) and case.resolve_due.year == 2099
    assert case.replies.get().kind == "explanation" and case.first_contact_at


def test_systemic_track_links_to_a_rectification_item(in_hand, make_case, county):
    with pytest.raises(Invalid):
        perform(county["ha"], in_hand.number, "triage", {"track": "systemic", "rectification_title": "路灯老化"})
    perform(county["ha"], in_hand.number, "triage", {"track": "systemic", "rectification_title": "全镇路灯老化更换",
                                                     "leader": "t_leader", "due": "2099-12-31"})
    item = Rectification.objects.get()
    assert item.leader == county["t_leader"] and list(item.cases.all()) == [Case.objects.get(pk=in_hand.pk)]
    other = make_case("VA", "另一处路灯也不亮了，晚上很黑。")
    perform(county["disp"], other.number, "triage", {"track": "systemic", "rectification": item.id})
    assert item.cases.count() == 2


def test_sensitive_closure_needs_the_quorum_of_leaders(in_hand, county, settings):
    from minqing.org.services import create_user

    settings.MINQING_COLLECTIVE_QUORUM = 2
    cat = Category.objects.get(level=1, name="政法")
    cat.sensitive = True
    cat.save()
    perform(county["ha"], in_hand.number, "triage", {"category": "政法"})
    perform(county["ha"], in_hand.number, "reply", {"text": "已依法处理。"})
    with pytest.raises(Invalid, match="集体审批"):
        perform(county["disp"], in_hand.number, "close", {})
    perform(county["leader"], in_hand.number, "approve_close", {"agree": True})
    with pytest.raises(Invalid):
        perform(county["leader"], in_hand.number, "approve_close", {"agree": True})  # one vote each
    with pytest.raises(Invalid, match="1 人"):
        perform(county["disp"], in_hand.number, "close", {})
    second = create_user("leader2", "pw-test-2026", "leader", "C")
    perform(second, in_hand.number, "approve_close", {"agree": True, "note": "同意"})
    perform(county["disp"], in_hand.number, "close", {})
    assert Case.objects.get(pk=in_hand.pk).status == "closed"


def test_return_window_and_repeated_returns_go_up_a_level(make_case, county):
    case = make_case("VA")
    perform(county["disp"], case.number, "dispatch", {"unit": "VA"})
    perform(county["ha"], case.number, "return", {"note": "不属于本村职责"})
    perform(county["disp"], case.number, "dispatch", {"unit": "VA"})
    perform(county["ha"], case.number, "return", {"note": "仍不属于本村职责"})
    case.refresh_from_db()
    assert case.return_count == 2 and case.escalated_to.code == "T1"
    perform(county["disp"], case.number, "dispatch", {"unit": "VA"})
    with clock.frozen_at(clock.now() + dt.timedelta(days=10)):
        with pytest.raises(Invalid, match="不能再退单"):
            perform(county["ha"], case.number, "return", {"note": "太久了还想退"})


def test_conditional_case_without_progress_for_two_weeks_reminds_the_handlers(in_hand, county):
    from minqing.workflow import escalation
    from minqing.workflow.models import Notification

    perform(county["ha"], in_hand.number, "triage", {"track": "conditional", "plan_date": "2099-06-30",
                                                     "text": "需要列入明年计划，先做临时处理，请您理解。"})
    later = clock.now() + dt.timedelta(days=15)
    assert escalation.progress_due(later) == 1
    assert escalation.progress_due(later) == 0  # once per fortnight
    assert Notification.objects.filter(kind="progress", user=county["ha"]).count() == 1
    with clock.frozen_at(later):
        perform(county["ha"], in_hand.number, "progress", {"text": "临时照明已安装，正式改造已报预算。"})
    assert escalation.progress_due(later + dt.timedelta(days=1)) == 0
