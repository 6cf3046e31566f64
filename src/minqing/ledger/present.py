"""How a case is shown to a given user: the one place masking is applied for lists, detail pages,
API responses and exports. Views, API handlers and the exporter only call these."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import clock
from ..privacy import list_submitter, public_text, submitter
from .lifecycle import EVENT_LABELS
from .models import Case, Status
from .permissions import allowed_actions, may_reveal_contact


def deadline_state(case: Case, now=None) -> str:
    """'overdue', 'due_soon' (within 24 h), 'paused', 'answered', 'closed' or 'ok' — shown wherever a
    case is listed. A replied case is no longer running against its deadline."""
    now = now or clock.now()
    if case.status == Status.CLOSED:
        return "closed"
    if case.status in (Status.REPLIED, Status.FOLLOWED_UP):
        return "answered"
    if case.status == Status.WAITING:
        return "paused"
    if overdue_by(case, now):
        return "overdue"
    if case.resolve_due and (case.resolve_due - now).total_seconds() < 24 * 3600:
        return "due_soon"
    return "ok"


def overdue_by(case: Case, now=None) -> str | None:
    """Which deadline a running case has missed: "resolve" (办结时限), "contact" (首次联系时限, with no
    contact recorded) or None — a list shows the missed one, not a later one beside 已超期."""
    now = now or clock.now()
    if case.resolve_due and case.resolve_due < now:
        return "resolve"
    if case.contact_due and case.first_contact_at is None and case.contact_due < now:
        return "contact"
    return None


DEADLINE_LABELS = {"overdue": _("已超期"), "due_soon": _("即将到期"), "paused": _("停表中"), "answered": _("已答复"),
                   "closed": _("已办结"), "ok": _("正常")}


def _iso(value):
    return timezone.localtime(value).isoformat() if value else None


def first_voice(case: Case):
    voices = getattr(case, "prefetched_voices", None)
    if voices is not None:
        return voices[0] if voices else None
    return case.voices.order_by("received_at", "id").first()


def case_summary(case: Case, now=None) -> dict:
    voice = first_voice(case)
    state = deadline_state(case, now)
    return {
        "number": case.number,
        "title": public_text(case.title, voice),
        "status": case.status,
        "status_label": str(Status(case.status).label),
        "channel": case.channel,
        "category": case.category.path if case.category_id else (case.category_top or None),
        "unit": case.unit.code,
        "unit_name": case.unit.name,
        "assigned_unit": case.assigned_unit.code if case.assigned_unit_id else None,
        "assigned_unit_name": case.assigned_unit.name if case.assigned_unit_id else None,
        "urgency": case.urgency,
        "track": case.track or None,
        "received_at": _iso(case.received_at),
        "contact_due": _iso(case.contact_due),
        "resolve_due": _iso(case.resolve_due),
        "deadline_state": state,
        "overdue": state == "overdue",
        "overdue_by": overdue_by(case, now) if state == "overdue" else None,
        "voices": case.voices_count,
        "escalation_level": case.escalation_level,
        "escalated_to_name": case.escalated_to.name if case.escalated_to_id else None,
        "endorsements": case.endorsements,
        "rating": case.rating or None,
        "submitter": list_submitter(voice) if voice else None,
    }


def case_detail(case: Case, user) -> dict:
    voice = first_voice(case)
    data = case_summary(case)
    data.update({
        "text": public_text(case.text, voice),
        "address": case.address,  # the problem's place: the handler needs it; public pages never show it
        "lat": case.lat,
        "lng": case.lng,
        # the words the text is about and the place names found in it, whole (text/keywords.py, the lexicon)
        "keywords": case.keywords.split(),
        "places": case.places.split(),
        "handler": case.handler.username if case.handler_id else None,
        "first_contact_at": _iso(case.first_contact_at),
        "replied_at": _iso(case.replied_at),
        "closed_at": _iso(case.closed_at),
        "close_reason": case.close_reason or None,
        "submitter": submitter(voice) if voice else None,
        "can_reveal_contact": bool(voice and voice.submitter_mode == "protected" and may_reveal_contact(user, case, voice)),
        "replies": [{"kind": r.kind, "text": r.text, "at": _iso(r.at), "author": r.author_label}
                    for r in case.replies.all()],
        "extensions": [{"id": e.id, "state": e.state, "reason": e.reason, "new_due": _iso(e.new_due),
                        "requested_at": _iso(e.requested_at)} for e in case.extensions.all()],
        "plan_date": case.plan_date.isoformat() if case.plan_date else None,
        "rectification": {"id": case.rectification.id, "title": case.rectification.title,
                          "due": case.rectification.due.isoformat(), "leader": case.rectification.leader.label()}
        if case.rectification_id else None,
        "cotasks": [{"id": t.id, "unit": t.unit.code, "unit_name": t.unit.name, "request": t.request,
                     "due": _iso(t.due), "state": t.state, "state_label": str(t.get_state_display()), "answer": t.answer}
                    for t in case.cotasks.select_related("unit")],
        "approvals": [{"leader": a.leader.label(), "agree": a.agree, "note": a.note, "at": _iso(a.at)}
                      for a in case.approvals.select_related("leader")],
        "attachments": [{"id": a.id, "name": a.name, "size": a.size, "content_type": a.content_type}
                        for a in case.attachments.all()],
        "events": [{"at": _iso(e.at), "action": e.action, "label": str(EVENT_LABELS.get(e.action, e.action)),
                    "actor": e.actor_label, "from_status": e.from_status or None,
                    "to_status": e.to_status or None, "note": public_text(e.note, voice), "data": e.data}
                   for e in case.events.all()],
        "actions": [a.name for a in allowed_actions(user, case)],
    })
    return data


def tracking_view(case: Case, voice) -> dict:
    """What a citizen sees with their tracking code: no staff names, no other voices."""
    return {
        "number": case.number,
        "title": case.title,
        "status": case.status,
        "status_label": str(Status(case.status).label),
        "received_at": _iso(case.received_at),
        "resolve_due": _iso(case.resolve_due),
        "unit_name": case.unit.name,
        "assigned_unit_name": case.assigned_unit.name if case.assigned_unit_id else None,
        "replies": [{"kind": r.kind, "text": r.text, "at": _iso(r.at)} for r in case.replies.all()],
        "rating": voice.rating or None,
        "can_rate": case.status in ("replied", "followed_up", "closed") and not voice.rating,
        "timeline": [{"at": _iso(e.at), "action": e.action, "label": str(EVENT_LABELS.get(e.action, e.action)),
                      "status_label": str(Status(e.to_status).label) if e.to_status else ""}
                     for e in case.events.all() if e.action not in ("note", "reveal_contact", "assign")],
    }
