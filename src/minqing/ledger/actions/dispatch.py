"""Triage, dispatch and handling: the category, urgency and track (立行立办 / 创造条件办 / 系统治理), the
responsible unit and handler, first contact, the return (退单) with its escalation on repeat, and the
pause while waiting for the citizen. Each `do_<name>` is called by `perform` only."""

from ... import clock
from ...errors import Forbidden, Invalid
from ...org.models import Level, Role, Unit, User
from ..deadlines import calendar_from_db
from ..models import Case, Category, Rectification, Reply, Track, Urgency
from ..signals import case_raised
from ..sla import due_dates
from .common import MAX_TEXT, date, iso, plain, setting, text_field, then, unit_of


def may_dispatch_to(user, unit: Unit) -> bool:
    """Within the dispatcher's own subtree, or a department attached to their unit or above it."""
    if user.role == Role.ADMIN:
        return True
    mine = user.unit
    if unit.is_within(mine):
        return True
    return unit.level == Level.DEPARTMENT and unit.parent_id and mine.is_within(unit.parent)


def set_assigned(case: Case, unit: Unit | None) -> None:
    case.assigned_unit = unit
    case.assigned_path = unit.path if unit else ""


def do_triage(case, user, f):
    changes = {}
    if f.get("category"):
        cat = Category.objects.filter(path=f["category"]).first() or \
            Category.objects.filter(name=f["category"]).order_by("level").first()
        if cat is None:
            raise Invalid(f"分类“{f['category']}”不存在", field="category")
        changes["category"] = (case.category.path if case.category else "", cat.path)
        case.category, case.category_top = cat, cat.top
        if case.suggested_category:
            changes["suggested_category"] = (case.suggested_category, cat.top)
    if f.get("urgency"):
        if f["urgency"] not in Urgency.values:
            raise Invalid("紧急程度应为 normal、urgent 或 critical", field="urgency")
        changes["urgency"] = (case.urgency, f["urgency"])
        case.urgency = f["urgency"]
    if "category" in changes or "urgency" in changes:
        case.contact_due, case.resolve_due = due_dates(case.category, case.urgency, case.received_at)
    if f.get("track"):
        if f["track"] not in Track.values:
            raise Invalid("办理类型应为 immediate、conditional 或 systemic", field="track")
        changes["track"] = (case.track, f["track"])
        case.track = f["track"]
        changes.update(TRACK_RULES[f["track"]](case, user, f))
    if not changes:
        raise Invalid("请至少修改分类、紧急程度或办理类型之一")
    return {k: {"before": plain(a), "after": plain(b)} for k, (a, b) in changes.items()}


def _track_immediate(case, user, f):
    """立行立办: answered the same working day (and so contacted by then, too)."""
    before, changes = case.resolve_due, {}
    case.resolve_due = calendar_from_db().add_working_days(clock.now(), 0)
    if case.contact_due and case.contact_due > case.resolve_due:
        changes["contact_due"] = (case.contact_due, case.resolve_due)
        case.contact_due = case.resolve_due
    return {"resolve_due": (before, case.resolve_due)} | changes


def _track_conditional(case, user, f):
    """需创造条件: explain to the citizen in writing, record a plan date, keep pushing (progress notes)."""
    plan = date(f.get("plan_date"), "plan_date")
    if plan <= clock.now():
        raise Invalid("计划解决日期应晚于今天", field="plan_date")
    text = text_field(f, "text", "给群众的解释说明", minimum=10)
    Reply.objects.create(case=case, kind=Reply.Kind.EXPLANATION, text=text, author=user, author_label=user.label(),
                         at=clock.now())
    first_contact(case, clock.now())
    before = case.resolve_due
    case.plan_date = plan.date()
    case.resolve_due = max(case.resolve_due or plan, plan)
    return {"plan_date": (None, case.plan_date), "resolve_due": (before, case.resolve_due)}


def _track_systemic(case, user, f):
    """系统治理: the case joins a root-cause item (整改项) with a timetable and a responsible leader."""
    if f.get("rectification"):
        item = Rectification.objects.filter(pk=f["rectification"]).first()
        if item is None:
            raise Invalid("整改项不存在", field="rectification")
    else:
        title = text_field(f, "rectification_title", "整改事项", minimum=4)
        leader = User.objects.filter(username=f.get("leader"), role=Role.LEADER, is_active=True).first()
        if leader is None:
            raise Invalid("请指定责任领导（领导账号）", field="leader")
        due = date(f.get("due"), "due")
        item = Rectification.objects.create(title=title, plan=str(f.get("plan") or "")[:MAX_TEXT],
                                            unit=case.assigned_unit or case.unit, leader=leader, due=due.date(),
                                            created_at=clock.now())
    before = case.rectification_id
    case.rectification = item
    return {"rectification": (before, item.id)}


TRACK_RULES = {Track.IMMEDIATE: _track_immediate, Track.CONDITIONAL: _track_conditional,
               Track.SYSTEMIC: _track_systemic}


def do_dispatch(case, user, f):
    unit = unit_of(f.get("unit"))
    if not may_dispatch_to(user, unit):
        raise Forbidden(f"不能派单给“{unit.name}”：不在您的派单范围内", field="unit")
    before = case.assigned_unit.code if case.assigned_unit else None
    set_assigned(case, unit)
    case.handler = None
    if f.get("handler"):
        do_assign(case, user, f)
    suggested = case.suggested_unit.code if case.suggested_unit_id else None
    return {"assigned_unit": {"before": before, "after": unit.code}, "suggested_unit": suggested,
            "followed_suggestion": suggested == unit.code if suggested else None}


def do_handle(case, user, f):
    if case.handler_id is None and user.role != Role.ADMIN:
        case.handler = user
    return {}


def do_assign(case, user, f):
    handler = User.objects.filter(username=f.get("handler"), is_active=True).select_related("unit").first()
    if handler is None or handler.unit is None or not (case.assigned_unit and handler.unit.is_within(case.assigned_unit)):
        raise Invalid("承办人必须是承办单位的工作人员", field="handler")
    before = case.handler.username if case.handler else None
    case.handler = handler
    return {"handler": {"before": before, "after": handler.username}}


def first_contact(case, now):
    if case.first_contact_at is None:
        case.first_contact_at = now


def do_contact(case, user, f):
    text_field(f, "note", "联系情况")
    first_contact(case, clock.now())
    return {}


def do_return(case, user, f):
    """退单: within MINQING_RETURN_WINDOW_DAYS working days of dispatch, with a reason. From the second
    return on, the case is raised to the unit above the returning unit, which settles where it belongs."""
    text_field(f, "note", "退单理由", minimum=4)
    dispatched = case.events.filter(action="dispatch").order_by("-at").values_list("at", flat=True).first()
    window = setting("MINQING_RETURN_WINDOW_DAYS", 2)
    if dispatched and clock.now() > calendar_from_db().add_working_days(dispatched, window):
        raise Invalid(f"派单已超过{window}个工作日，不能再退单；请承办，或申请协办、延期")
    unit = case.assigned_unit
    set_assigned(case, None)
    case.handler = None
    case.return_count += 1
    data = {"assigned_unit": {"before": unit.code if unit else None, "after": None}}
    if case.return_count >= 2 and unit is not None and unit.parent_id:
        before = {"before_level": case.escalation_level, "before_to": case.escalated_to_id}
        case.escalation_level, case.escalated_to = max(case.escalation_level, 1), unit.parent
        data["escalated_to"] = {"before": None, "after": unit.parent.code, "why": "多次退单"}
        # After the return's own event, `case_raised` is sent; workflow answers with an `escalate`
        # event and the notice to the leaders above, written by the same code as the deadline scan's.
        then(case, lambda: case_raised.send(sender=Case, case=case, returning=unit, **before))
    return data


def do_wait(case, user, f):
    text_field(f, "note", "等待原因")
    case.paused_at = clock.now()
    return {}


def do_resume(case, user, f):
    now, cal = clock.now(), calendar_from_db()
    before = case.resolve_due
    if case.paused_at:
        case.resolve_due = cal.shift(case.resolve_due, case.paused_at, now) if case.resolve_due else None
        case.contact_due = cal.shift(case.contact_due, case.paused_at, now) if case.contact_due else None
    case.paused_at = None
    return {"resolve_due": {"before": iso(before), "after": iso(case.resolve_due)}}
