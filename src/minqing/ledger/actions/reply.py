"""Writing to the citizen and asking for time: progress notes and explanations, the reply (答复), and
extensions (延期) requested by the handler and decided by the level above."""

from ... import clock
from ...errors import Invalid
from ...sanitize import clean
from .. import reply_quality
from ..models import Extension, Reply
from .common import date, iso, setting, text_field
from .dispatch import first_contact

REPLY_LABELS = {Reply.Kind.REPLY: "答复内容", Reply.Kind.PROGRESS: "进展情况", Reply.Kind.EXPLANATION: "解释说明"}


def _reply(case, user, f, kind, **extra):
    text = text_field(f, "text", REPLY_LABELS[kind], minimum=5)
    now = clock.now()
    Reply.objects.create(case=case, kind=kind, text=text, author=user, author_label=user.label(), at=now, **extra)
    first_contact(case, now)
    return text


def do_progress(case, user, f):
    kind = f.get("kind") or Reply.Kind.PROGRESS
    if kind not in (Reply.Kind.PROGRESS, Reply.Kind.EXPLANATION):
        raise Invalid("类型应为 progress 或 explanation", field="kind")
    _reply(case, user, f, kind)
    return {}


def do_reply(case, user, f):
    """The reply is assessed before it is kept (docs/replies.md): one below the county's threshold
    (MINQING_REPLY_MIN_SCORE) goes out only with a stated reason (`override_reason`); the score, the
    points left unanswered and the reason are kept in the event, the score on the reply and the case."""
    text = text_field(f, "text", REPLY_LABELS[Reply.Kind.REPLY], minimum=5)
    assessment = reply_quality.assess(case, text)
    threshold = reply_quality.min_score()
    below = threshold > 0 and assessment.score < threshold
    reason = clean(str(f.get("override_reason") or "")).strip()[:500] if below else ""
    if below and len(reason) < 4:
        missing = f"；未答复：{'；'.join(p[:30] for p in assessment.unanswered[:3])}" if assessment.unanswered else ""
        raise Invalid(f"答复质量评分 {assessment.score:.2f} 低于本县标准 {threshold:.2f}"
                      f"{'（空泛答复）' if assessment.hollow else '（没有针对本留言）' if assessment.off_message else ''}"
                      f"{missing}。请补充针对性的答复内容，"
                      "或在“低于答复质量标准仍发送的理由”中说明理由（至少4个字）", field="override_reason",
                      code="reply_below_threshold")
    _reply(case, user, f, Reply.Kind.REPLY, score=assessment.score, override_reason=reason)
    case.replied_at = clock.now()
    case.reply_score = assessment.score
    case._reply_assessment = reply_quality.public(assessment)  # what the API answers the sender
    data = {"reply_quality": {"score": assessment.score, "relevance": assessment.relevance,
                              "completeness": assessment.completeness, "basis": assessment.basis.strength,
                              "boilerplate": assessment.boilerplate.share, "hollow": assessment.hollow,
                              "off_message": assessment.off_message, "unanswered": assessment.unanswered[:6], "threshold": threshold}}
    if reason:
        data["override_reason"] = reason
    return data


def do_request_extension(case, user, f):
    reason = text_field(f, "reason", "延期理由", minimum=4)
    new_due = date(f.get("new_due"), "new_due")
    if case.resolve_due and new_due <= case.resolve_due:
        raise Invalid("新的办结时限必须晚于当前时限", field="new_due")
    if case.extensions.filter(state=Extension.State.PENDING).exists():
        raise Invalid("已有待审批的延期申请", field="new_due")
    limit = setting("MINQING_MAX_EXTENSIONS", 2)
    if case.extensions_granted >= limit:
        raise Invalid(f"每件工单最多延期{limit}次", field="new_due")
    ext = Extension.objects.create(case=case, requested_by=user, reason=reason, new_due=new_due, requested_at=clock.now())
    return {"extension": ext.id, "new_due": iso(new_due)}


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
    return {"extension": ext.id, "resolve_due": {"before": iso(before), "after": iso(ext.new_due)}}


def do_reject_extension(case, user, f):
    text_field(f, "note", "驳回理由")
    ext = _pending_extension(case)
    ext.state, ext.decided_by, ext.decided_at = Extension.State.REJECTED, user, clock.now()
    ext.save()
    return {"extension": ext.id}
