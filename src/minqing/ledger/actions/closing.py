"""The people's judgement and the end of a case: ratings (the citizen's own, or a follow-up call 回访;
不满意 reopens), closing with a written reply and, for sensitive categories, the collective approval of
leaders (集体审批), dismissal of a withdrawn, spam or duplicate voice, reopening, and notes."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ... import clock
from ...errors import Invalid
from .. import lifecycle
from ..models import Approval, CoTask, Rating, Reply, Status
from .common import MAX_TEXT, text_field, yes_no

CLOSE_REASONS = {"withdrawn": _("群众撤回"), "spam": _("无效/骚扰"), "duplicate": _("重复件")}  # labels for the form


def apply_rating(case, rating: str, comment: str, voice=None, resolved=None):
    """Shared by staff follow-up and the citizen's own rating on the tracking page. `resolved` is the
    citizen's answer to "问题解决了吗"; when not asked, a rating other than 不满意 counts as resolved."""
    if rating not in Rating.values:
        raise Invalid("请选择评价：" + "、".join(f"{label}（{value}）" for value, label in Rating.choices), field="rating")
    if len(comment) > MAX_TEXT:
        raise Invalid(f"评价内容过长（最多{MAX_TEXT}字）", field="comment")
    resolved = yes_no(resolved, default=rating != Rating.UNSATISFIED)
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
    text_field(f, "note", "说明")
    case.close_reason = reason
    case.closed_at = clock.now()
    return {"close_reason": reason}


def do_reopen(case, user, f):
    text_field(f, "note", "重新办理理由")
    case.reopen_count += 1
    case.closed_at = None
    return {}


def collective_quorum() -> int:
    return int(getattr(settings, "MINQING_COLLECTIVE_QUORUM", 2))


def do_approve_close(case, user, f):
    """集体审批: each leader votes once; closing a sensitive case needs the quorum of agreements."""
    if not (case.category_id and case.category.sensitive):
        raise Invalid("该工单不属于需要集体审批的敏感事项")
    if f.get("agree") in (None, ""):  # a vote is never assumed: no answer is not "agree"
        raise Invalid("请表决：同意办结（true）或不同意（false）", field="agree", code="required")
    agree = yes_no(f.get("agree"), default=False, field="agree", label="表决")
    if case.approvals.filter(leader=user).exists():
        raise Invalid("您已就此事项表决")
    Approval.objects.create(case=case, leader=user, agree=agree, note=str(f.get("note") or "")[:MAX_TEXT],
                            at=clock.now())
    return {"agree": agree, "agreed": case.approvals.filter(agree=True).count(), "quorum": collective_quorum()}


def do_note(case, user, f):
    text_field(f, "note", "备注", minimum=1)
    return {}
