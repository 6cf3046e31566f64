"""The state machine: every illegal transition is refused, every legal one leaves exactly one event."""

import pytest

from minqing.errors import DomainError, Forbidden, IllegalTransition, Invalid, NotFound
from minqing.ledger.actions import perform, rate_by_tracking_code
from minqing.ledger.lifecycle import ACTIONS
from minqing.ledger.models import Case, CaseEvent, CoTask, Extension, Reply, Status

# Valid fields for each action on a case in the test county (assigned to village VA).
FIELDS = {
    "triage": {"category": "城乡建设", "track": "immediate"},
    "dispatch": {"unit": "VA"},
    "handle": {},
    "assign": {"handler": "ha"},
    "contact": {"note": "已电话联系群众"},
    "return": {"note": "不属于本村职责"},
    "wait": {"note": "等待群众补充材料"},
    "resume": {},
    "progress": {"text": "已联系施工单位，本周内维修"},
    "reply": {"text": "路灯已于今日修复，感谢反映。"},
    "request_extension": {"reason": "需要采购配件", "new_due": "2099-01-01"},
    "approve_extension": {},
    "reject_extension": {"note": "理由不充分"},
    "follow_up": {"rating": "satisfied", "note": "回访满意"},
    "close": {},
    "dismiss": {"reason": "spam", "note": "骚扰信息"},
    "reopen": {"note": "群众再次反映"},
    "note": {"note": "内部备注"},
    "cohandle": {"unit": "DZ", "note": "请住建局派人查看线路"},
    "cotask_done": {"note": "已派人查看，线路正常"},
    "approve_close": {"agree": True},
}
# Legal transitions whose business precondition is not met by the case put_in() builds.
PRECONDITION = {"request_extension": "待审批", "close": "协办", "approve_close": "敏感"}


def put_in(case: Case, status: str, county) -> Case:
    """Force a case into a status with what that status implies (an assigned unit, a reply…)."""
    Case.objects.filter(pk=case.pk).update(status=status, assigned_unit=county["ha"].unit,
                                           assigned_path=county["ha"].unit.path)
    Reply.objects.create(case=case, text="已处理完毕，特此答复。", author_label="测试")
    Extension.objects.create(case=case, requested_by=county["ha"], reason="需要时间", new_due="2099-01-01T00:00Z")
    vb = county["hb"].unit
    CoTask.objects.create(case=case, unit=vb, unit_path=vb.path, request="请乙村协助", due="2099-01-01T00:00Z",
                          created_by=county["disp"])
    return Case.objects.get(pk=case.pk)


@pytest.mark.parametrize("status", Status.values)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_each_action_from_each_status(make_case, county, action, status):
    case = put_in(make_case(), status, county)
    before = CaseEvent.objects.filter(case=case).count()
    legal = status in ACTIONS[action].sources
    try:
        actor = county["leader"] if action == "approve_close" else county["admin"]  # leaders vote, not admins
        perform(actor, case.number, action, FIELDS[action])
    except IllegalTransition:
        assert not legal, f"{action} from {status} should be allowed"
        assert CaseEvent.objects.filter(case=case).count() == before
        assert Case.objects.get(pk=case.pk).status == status
        return
    except Invalid as e:  # a legal transition whose business precondition fails here
        assert legal and PRECONDITION.get(action, "—") in e.message, e.message
        assert CaseEvent.objects.filter(case=case).count() == before
        return
    assert legal, f"{action} from {status} should be refused"
    assert CaseEvent.objects.filter(case=case).count() == before + 1
    event = CaseEvent.objects.filter(case=case).last()
    assert event.action == action and event.from_status == status
    assert event.to_status == Case.objects.get(pk=case.pk).status


def test_full_journey_leaves_one_event_per_step(make_case, county):
    case = make_case()
    steps = [("disp", "dispatch", {"unit": "VA"}), ("ha", "handle", {}), ("ha", "contact", {"note": "电话联系"}),
             ("ha", "reply", {"text": "路灯已修好，谢谢。"}), ("disp", "follow_up", {"rating": "satisfied"}),
             ("disp", "close", {})]
    for who, action, fields in steps:
        perform(county[who], case.number, action, fields)
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.first_contact_at and case.closed_at
    assert [e.action for e in case.events.all()] == ["accept"] + [s[1] for s in steps]


def test_return_requires_a_reason_and_clears_the_unit(make_case, county):
    case = make_case()
    perform(county["disp"], case.number, "dispatch", {"unit": "VA"})
    with pytest.raises(Invalid):
        perform(county["ha"], case.number, "return", {"note": ""})
    perform(county["ha"], case.number, "return", {"note": "应由住建局办理"})
    case.refresh_from_db()
    assert case.status == Status.RETURNED and case.assigned_unit is None and case.return_count == 1


def test_cannot_close_without_a_written_reply(make_case, county):
    case = make_case()
    Case.objects.filter(pk=case.pk).update(status=Status.FOLLOWED_UP)
    with pytest.raises(Invalid, match="答复"):
        perform(county["disp"], case.number, "close", {})


def test_unsatisfied_rating_reopens_to_the_same_unit(make_case, county):
    case = make_case()
    perform(county["disp"], case.number, "dispatch", {"unit": "VA"})
    perform(county["ha"], case.number, "reply", {"text": "已经处理好了。"})
    code = case.voices.first().tracking_code
    rate_by_tracking_code(code, "unsatisfied", "根本没修")
    case.refresh_from_db()
    assert case.status == Status.REOPENED and case.reopen_count == 1 and case.assigned_unit.code == "VA"
    with pytest.raises(Invalid):
        rate_by_tracking_code(code, "satisfied")  # one rating per voice


def test_rating_before_a_reply_is_refused(make_case):
    case = make_case()
    with pytest.raises(Invalid, match="尚未答复"):
        rate_by_tracking_code(case.voices.first().tracking_code, "satisfied")


def test_wrong_role_is_refused(make_case, county):
    case = make_case()
    with pytest.raises(Forbidden):
        perform(county["ha"], case.number, "dispatch", {"unit": "VA"})
    perform(county["disp"], case.number, "dispatch", {"unit": "VA"})
    with pytest.raises(NotFound):  # a department that was not assigned does not even see it
        perform(county["hz"], case.number, "reply", {"text": "不是我的事"})
    with pytest.raises(Forbidden):  # the township leader sees it but may not reply for the village
        perform(county["t_leader"], case.number, "reply", {"text": "不是我的事"})


def test_extension_is_approved_only_by_the_level_above(make_case, county):
    case = make_case()
    perform(county["disp"], case.number, "dispatch", {"unit": "VA"})
    perform(county["ha"], case.number, "request_extension", {"reason": "需要采购配件", "new_due": "2099-01-01"})
    with pytest.raises(DomainError):
        perform(county["ha"], case.number, "approve_extension", {})
    perform(county["t_leader"], case.number, "approve_extension", {})
    case.refresh_from_db()
    assert case.extensions_granted == 1 and case.resolve_due.year == 2099


def test_waiting_pauses_the_clock_and_resume_moves_the_deadline(make_case, county):
    import datetime as dt

    from minqing import clock

    case = make_case()
    perform(county["disp"], case.number, "dispatch", {"unit": "VA"})
    perform(county["ha"], case.number, "handle", {})
    perform(county["ha"], case.number, "wait", {"note": "等群众回家后上门查看"})
    case.refresh_from_db()
    due = case.resolve_due
    with clock.frozen_at(case.paused_at + dt.timedelta(days=14)):
        perform(county["ha"], case.number, "resume", {})
    case.refresh_from_db()
    assert case.resolve_due > due + dt.timedelta(days=13) and case.paused_at is None


def test_nothing_is_ever_hard_deleted(make_case):
    case = make_case()
    with pytest.raises(PermissionError):
        case.delete()
    event = case.events.first()
    with pytest.raises(PermissionError):
        event.delete()
    event.note = "changed"
    with pytest.raises(PermissionError):
        event.save()


def test_every_lifecycle_action_has_its_one_writer():
    """ledger/actions/ is split by what an action touches; `perform` finds each action's do_<name> there."""
    from minqing.ledger.actions import DOERS

    assert set(DOERS) == set(ACTIONS)
