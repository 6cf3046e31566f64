"""The only writers of a case after intake. `perform(user, number, action, fields)` is what the web
views, the API and the CLI call: it fetches the case through the scope gate with a row lock, checks
the transition and the user's right to take it, runs the action's `do_<name>` and writes exactly one
event. Notifications leave through `transaction.on_commit`, so a rolled-back change tells no one."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from .. import clock
from ..errors import Forbidden, Invalid, NotFound, unknown_unit
from ..org.models import Level, Role, Unit, User
from . import lifecycle
from .deadlines import calendar_from_db
from .models import (
    Approval,
    Case,
    CaseEvent,
    Category,
    CoTask,
    Extension,
    Rating,
    Reply,
    Status,
    Track,
    Urgency,
)
from .permissions import access_case, check_may
from .signals import case_event, case_raised
from .sla import due_dates

MAX_TEXT = 10000  # real letters run to 7,000 characters; a 1 MB paste is still refused
CLOSE_REASONS = {"withdrawn": "群众撤回", "spam": "无效/骚扰", "duplicate": "重复件"}


def record(case: Case, action: str, actor, before: str, note: str = "", data: dict | None = None,
           at=None) -> CaseEvent:
    label = actor.label() if isinstance(actor, User) else (actor or "系统")
    event = CaseEvent.objects.create(case=case, at=at or clock.now(), action=action,
                                     actor=actor if isinstance(actor, User) else None, actor_label=label,
                                     from_status=before, to_status=case.status, note=note, data=data or {})
    case_event.send(sender=CaseEvent, event=event, case=case)
    return event


def _text(fields: dict, name: str, label: str, minimum: int = 2) -> str:
    value = str(fields.get(name) or "").strip()
    if len(value) < minimum:
        raise Invalid(f"请填写{label}（至少{minimum}个字）", field=name)
    if len(value) > MAX_TEXT:
        raise Invalid(f"{label}过长（最多{MAX_TEXT}字）", field=name)
    return value


def _unit(code: str, field: str = "unit") -> Unit:
    unit = Unit.objects.filter(code=(code or "").strip(), active=True).first()
    if unit is None:
        raise unknown_unit(code, field)
    return unit


def _date(value, field: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if not value:
        raise Invalid("请选择日期", field=field)
    try:
        day = dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise Invalid("日期格式应为 YYYY-MM-DD", field=field) from None
    return timezone.make_aware(dt.datetime.combine(day, dt.time(17, 30)))


def _set_assigned(case: Case, unit: Unit | None) -> None:
    case.assigned_unit = unit
    case.assigned_path = unit.path if unit else ""


def may_dispatch_to(user, unit: Unit) -> bool:
    """Within the dispatcher's own subtree, or a department attached to their unit or above it."""
    if user.role == Role.ADMIN:
        return True
    mine = user.unit
    if unit.is_within(mine):
        return True
    return unit.level == Level.DEPARTMENT and unit.parent_id and mine.is_within(unit.parent)


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
    return {k: {"before": _plain(a), "after": _plain(b)} for k, (a, b) in changes.items()}


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


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
    plan = _date(f.get("plan_date"), "plan_date")
    if plan <= clock.now():
        raise Invalid("计划解决日期应晚于今天", field="plan_date")
    text = _text(f, "text", "给群众的解释说明", minimum=10)
    Reply.objects.create(case=case, kind=Reply.Kind.EXPLANATION, text=text, author=user, author_label=user.label(),
                         at=clock.now())
    _first_contact(case, clock.now())
    before = case.resolve_due
    case.plan_date = plan.date()
    case.resolve_due = max(case.resolve_due or plan, plan)
    return {"plan_date": (None, case.plan_date), "resolve_due": (before, case.resolve_due)}


def _track_systemic(case, user, f):
    """系统治理: the case joins a root-cause item (整改项) with a timetable and a responsible leader."""
    from .models import Rectification

    if f.get("rectification"):
        item = Rectification.objects.filter(pk=f["rectification"]).first()
        if item is None:
            raise Invalid("整改项不存在", field="rectification")
    else:
        title = _text(f, "rectification_title", "整改事项", minimum=4)
        leader = User.objects.filter(username=f.get("leader"), role=Role.LEADER, is_active=True).first()
        if leader is None:
            raise Invalid("请指定责任领导（领导账号）", field="leader")
        due = _date(f.get("due"), "due")
        item = Rectification.objects.create(title=title, plan=str(f.get("plan") or "")[:MAX_TEXT],
                                            unit=case.assigned_unit or case.unit, leader=leader, due=due.date(),
                                            created_at=clock.now())
    before = case.rectification_id
    case.rectification = item
    return {"rectification": (before, item.id)}


TRACK_RULES = {Track.IMMEDIATE: _track_immediate, Track.CONDITIONAL: _track_conditional,
               Track.SYSTEMIC: _track_systemic}


def do_dispatch(case, user, f):
    unit = _unit(f.get("unit"))
    if not may_dispatch_to(user, unit):
        raise Forbidden(f"不能派单给“{unit.name}”：不在您的派单范围内", field="unit")
    before = case.assigned_unit.code if case.assigned_unit else None
    _set_assigned(case, unit)
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


def _first_contact(case, now):
    if case.first_contact_at is None:
        case.first_contact_at = now


def do_contact(case, user, f):
    _text(f, "note", "联系情况")
    _first_contact(case, clock.now())
    return {}


def _setting(name: str, default: int) -> int:
    from django.conf import settings

    return int(getattr(settings, name, default))


def do_return(case, user, f):
    """退单: within MINQING_RETURN_WINDOW_DAYS working days of dispatch, with a reason. From the second
    return on, the case is raised to the unit above the returning unit, which settles where it belongs."""
    _text(f, "note", "退单理由", minimum=4)
    dispatched = case.events.filter(action="dispatch").order_by("-at").values_list("at", flat=True).first()
    window = _setting("MINQING_RETURN_WINDOW_DAYS", 2)
    if dispatched and clock.now() > calendar_from_db().add_working_days(dispatched, window):
        raise Invalid(f"派单已超过{window}个工作日，不能再退单；请承办，或申请协办、延期")
    unit = case.assigned_unit
    _set_assigned(case, None)
    case.handler = None
    case.return_count += 1
    data = {"assigned_unit": {"before": unit.code if unit else None, "after": None}}
    if case.return_count >= 2 and unit is not None and unit.parent_id:
        before = {"before_level": case.escalation_level, "before_to": case.escalated_to_id}
        case.escalation_level, case.escalated_to = max(case.escalation_level, 1), unit.parent
        data["escalated_to"] = {"before": None, "after": unit.parent.code, "why": "多次退单"}
        # After the return's own event, `case_raised` is sent; workflow answers with an `escalate`
        # event and the notice to the leaders above, written by the same code as the deadline scan's.
        _then(case, lambda: case_raised.send(sender=Case, case=case, returning=unit, **before))
    return data


def do_wait(case, user, f):
    _text(f, "note", "等待原因")
    case.paused_at = clock.now()
    return {}


def do_resume(case, user, f):
    now, cal = clock.now(), calendar_from_db()
    before = case.resolve_due
    if case.paused_at:
        case.resolve_due = cal.shift(case.resolve_due, case.paused_at, now) if case.resolve_due else None
        case.contact_due = cal.shift(case.contact_due, case.paused_at, now) if case.contact_due else None
    case.paused_at = None
    return {"resolve_due": {"before": _iso(before), "after": _iso(case.resolve_due)}}


REPLY_LABELS = {Reply.Kind.REPLY: "答复内容", Reply.Kind.PROGRESS: "进展情况", Reply.Kind.EXPLANATION: "解释说明"}


def _reply(case, user, f, kind):
    text = _text(f, "text", REPLY_LABELS[kind], minimum=5)
    now = clock.now()
    Reply.objects.create(case=case, kind=kind, text=text, author=user, author_label=user.label(), at=now)
    _first_contact(case, now)
    return text


def do_progress(case, user, f):
    kind = f.get("kind") or Reply.Kind.PROGRESS
    if kind not in (Reply.Kind.PROGRESS, Reply.Kind.EXPLANATION):
        raise Invalid("类型应为 progress 或 explanation", field="kind")
    _reply(case, user, f, kind)
    return {}


def do_reply(case, user, f):
    _reply(case, user, f, Reply.Kind.REPLY)
    case.replied_at = clock.now()
    return {}


def do_request_extension(case, user, f):
    reason = _text(f, "reason", "延期理由", minimum=4)
    new_due = _date(f.get("new_due"), "new_due")
    if case.resolve_due and new_due <= case.resolve_due:
        raise Invalid("新的办结时限必须晚于当前时限", field="new_due")
    if case.extensions.filter(state=Extension.State.PENDING).exists():
        raise Invalid("已有待审批的延期申请", field="new_due")
    limit = _setting("MINQING_MAX_EXTENSIONS", 2)
    if case.extensions_granted >= limit:
        raise Invalid(f"每件工单最多延期{limit}次", field="new_due")
    ext = Extension.objects.create(case=case, requested_by=user, reason=reason, new_due=new_due, requested_at=clock.now())
    return {"extension": ext.id, "new_due": _iso(new_due)}


def _pending_extension(case):
    ext = case.extensions.filter(state=Extension.State.PENDING).first()
    if ext is None:
        raise Invalid("没有待审批的延期申请")
    return ext


def do_approve_extension(case, user, f):
    ext = _pending_extension(case)
    before = case.resolve_due
    ext.state, ext.decided_by, ext.decided_at = Extension.State.APPROVED, user, clock.now()
    ext.save()
    case.resolve_due = ext.new_due
    case.extensions_granted += 1
    return {"extension": ext.id, "resolve_due": {"before": _iso(before), "after": _iso(ext.new_due)}}


def do_reject_extension(case, user, f):
    _text(f, "note", "驳回理由")
    ext = _pending_extension(case)
    ext.state, ext.decided_by, ext.decided_at = Extension.State.REJECTED, user, clock.now()
    ext.save()
    return {"extension": ext.id}


def apply_rating(case, rating: str, comment: str, voice=None, resolved=None):
    """Shared by staff follow-up and the citizen's own rating on the tracking page. `resolved` is the
    citizen's answer to "问题解决了吗"; when not asked, a rating other than 不满意 counts as resolved."""
    if rating not in Rating.values:
        raise Invalid("请选择评价：" + "、".join(f"{label}（{value}）" for value, label in Rating.choices), field="rating")
    if len(comment) > MAX_TEXT:
        raise Invalid(f"评价内容过长（最多{MAX_TEXT}字）", field="comment")
    resolved = _yes_no(resolved, default=rating != Rating.UNSATISFIED)
    case.rating, case.resolved = rating, resolved
    if voice is not None:
        voice.rating, voice.rating_comment, voice.rated_at, voice.resolved = rating, comment, clock.now(), resolved
        voice.save(update_fields=["rating", "rating_comment", "rated_at", "resolved"])
    new_status = lifecycle.status_after_rating(case.status, rating)
    if new_status == Status.REOPENED:
        case.reopen_count += 1
        case.closed_at = None
    case.status = new_status
    return {"rating": rating, "resolved": resolved}


def _yes_no(value, default: bool) -> bool:
    if value in (None, ""):
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "是", "已解决"):
        return True
    if text in ("0", "false", "no", "否", "未解决"):
        return False
    raise Invalid("“是否解决”应为 true 或 false", field="resolved")


def do_follow_up(case, user, f):
    voice = case.voices.filter(rating="").order_by("received_at", "id").first() or case.voices.first()
    return apply_rating(case, str(f.get("rating") or ""), str(f.get("note") or "").strip(), voice, f.get("resolved"))


def do_close(case, user, f):
    if not case.replies.filter(kind=Reply.Kind.REPLY).exists():
        raise Invalid("工单必须先有书面答复才能办结")
    open_tasks = case.cotasks.filter(state=CoTask.State.OPEN).select_related("unit")
    if open_tasks:
        raise Invalid("还有协办单位未完成或说明：" + "、".join(t.unit.name for t in open_tasks))
    if case.category_id and case.category.sensitive:
        agreed = case.approvals.filter(agree=True).count()
        if agreed < collective_quorum():
            raise Invalid(f"敏感事项办结需集体审批：已同意 {agreed} 人，需 {collective_quorum()} 人")
    case.close_reason = "resolved"
    case.closed_at = clock.now()
    return {}


def do_dismiss(case, user, f):
    reason = f.get("reason")
    if reason not in CLOSE_REASONS:
        raise Invalid("办结理由应为 withdrawn（群众撤回）、spam（无效）或 duplicate（重复件）", field="reason")
    _text(f, "note", "说明")
    case.close_reason = reason
    case.closed_at = clock.now()
    return {"close_reason": reason}


def do_reopen(case, user, f):
    _text(f, "note", "重新办理理由")
    case.reopen_count += 1
    case.closed_at = None
    return {}


def do_cohandle(case, user, f):
    """吹哨报到: the lead unit calls in another unit with a task and a deadline on the same case."""
    unit = _unit(f.get("unit"))
    if case.assigned_unit_id and unit.id == case.assigned_unit_id:
        raise Invalid("不能请求本单位协办", field="unit")
    if case.cotasks.filter(unit=unit, state=CoTask.State.OPEN).exists():
        raise Invalid(f"已请{unit.name}协办，尚未完成", field="unit")
    request = _text(f, "note", "协办事项", minimum=4)
    due = _date(f.get("new_due") or f.get("due"), "due") if (f.get("new_due") or f.get("due")) else \
        calendar_from_db().add_working_days(clock.now(), 3)
    task = CoTask.objects.create(case=case, unit=unit, unit_path=unit.path, request=request, due=due,
                                 created_by=user, created_at=clock.now())
    return {"cotask": task.id, "unit": unit.code, "due": _iso(due)}


def do_cotask_done(case, user, f):
    answer = _text(f, "note", "协办情况", minimum=4)
    state = f.get("state") or CoTask.State.DONE
    if state not in (CoTask.State.DONE, CoTask.State.EXPLAINED):
        raise Invalid("协办结果应为 done（已完成）或 explained（说明无法办理）", field="state")
    task = next(t for t in case.cotasks.filter(state=CoTask.State.OPEN) if t.unit_path.startswith(user.unit.path)) \
        if user.unit_id else case.cotasks.filter(state=CoTask.State.OPEN).first()
    task.state, task.answer, task.done_at = state, answer, clock.now()
    task.save()
    return {"cotask": task.id, "state": state}


def collective_quorum() -> int:
    from django.conf import settings

    return int(getattr(settings, "MINQING_COLLECTIVE_QUORUM", 2))


def do_approve_close(case, user, f):
    """集体审批: each leader votes once; closing a sensitive case needs the quorum of agreements."""
    if not (case.category_id and case.category.sensitive):
        raise Invalid("该工单不属于需要集体审批的敏感事项")
    agree = _yes_no(f.get("agree"), default=True)
    if case.approvals.filter(leader=user).exists():
        raise Invalid("您已就此事项表决")
    Approval.objects.create(case=case, leader=user, agree=agree, note=str(f.get("note") or "")[:MAX_TEXT],
                            at=clock.now())
    return {"agree": agree, "agreed": case.approvals.filter(agree=True).count(), "quorum": collective_quorum()}


def do_note(case, user, f):
    _text(f, "note", "备注", minimum=1)
    return {}


def _iso(value):
    return value.isoformat() if value else None


@transaction.atomic
def perform(user, number: str, action_name: str, fields: dict | None = None) -> Case:
    fields = dict(fields or {})
    action = lifecycle.get_action(action_name)
    case = access_case(user, number, for_update=True)
    check_may(user, action, case)
    lifecycle.check_transition(action, case.status)
    before = case.status
    if action.target:
        case.status = action.target
    data = globals()[f"do_{action.name}"](case, user, fields) or {}
    if case.status != Status.WAITING and before == Status.WAITING and action.name != "resume":
        case.paused_at = None
    case.updated_at = clock.now()
    case.save()
    note = str(fields.get("note") or fields.get("reason") or fields.get("text") or "").strip()[:MAX_TEXT]
    record(case, action.name, user, before, note, data)
    for step in case.__dict__.pop("_then", []):  # what the action adds after its event (an escalation)
        step()
    return case


def _then(case: Case, step) -> None:
    """Run `step` in `perform`, in the same transaction, once the action's own event is written."""
    case.__dict__.setdefault("_then", []).append(step)


def rate_by_tracking_code(code: str, rating: str, comment: str = "", resolved=None) -> Case:
    """A citizen rates the reply with their tracking code, no account needed."""
    from .models import Voice

    with transaction.atomic():
        voice = Voice.objects.select_related("case").filter(tracking_code=(code or "").strip().upper()).first()
        if voice is None:
            raise NotFound("查询码不存在")
        case = Case.objects.select_for_update().get(pk=voice.case_id)
        if case.status not in lifecycle.RATEABLE:
            raise Invalid("该诉求尚未答复，答复后才能评价", code="not_replied")
        if voice.rating:
            raise Invalid("您已评价过此诉求", code="already_rated")
        before = case.status
        data = apply_rating(case, rating, (comment or "").strip(), voice, resolved)
        case.updated_at = clock.now()
        case.save()
        record(case, "rate", "群众（查询码）", before, comment or "", data)
    return case


@transaction.atomic
def reveal_contact(user, number: str) -> dict:
    """Show a protected submitter's full contact to one who must call back, and log that it was seen."""
    from ..privacy import submitter
    from .permissions import may_reveal_contact

    case = access_case(user, number)
    voice = case.voices.order_by("received_at", "id").first()
    if voice is None or voice.submitter_mode == "anonymous":
        raise Invalid("匿名诉求没有联系方式")
    if voice.submitter_mode == "protected" and not may_reveal_contact(user, case, voice):
        raise Forbidden("保密诉求人的身份只对负责回访的受理人员可见")
    record(case, "reveal_contact", user, case.status, "查看了诉求人联系方式")
    return submitter(voice, reveal=True)


def auto_dispatch(case: Case, unit: Unit, category: Category, confidence: float) -> None:
    """Dispatch without a person: the suggestion was above the admin's threshold for its category.
    Marked on the case and in the event, so a dispatcher can see and undo (return/re-dispatch) it."""
    before = case.status
    case.category, case.category_top = category, category.top
    case.contact_due, case.resolve_due = due_dates(category, case.urgency, case.received_at)
    _set_assigned(case, unit)
    case.status, case.auto_dispatched, case.updated_at = Status.DISPATCHED, True, clock.now()
    case.save()
    record(case, "dispatch", "系统（自动派单）", before, f"置信度 {confidence:.0%} 达到阈值，自动派往{unit.name}",
           {"auto": True, "confidence": confidence, "category": category.path,
            "assigned_unit": {"before": None, "after": unit.code}})
