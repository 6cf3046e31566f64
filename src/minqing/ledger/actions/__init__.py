"""The only writers of a case after intake. `perform(user, number, action, fields)` is what the web
views, the API and the CLI call: it fetches the case through the scope gate with a row lock, checks
the transition and the user's right to take it, runs the action's `do_<name>` and writes exactly one
event. Notifications leave through `transaction.on_commit`, so a rolled-back change tells no one.

The actions themselves live by what they touch: dispatch.py (triage, dispatch, handling, returns),
reply.py (replies, extensions), closing.py (ratings, closing, collective approval), cohandle.py
(吹哨报到); common.py reads their fields. The one state machine they follow is ../lifecycle.py."""

from django.db import transaction

from ... import clock
from ...errors import Forbidden, Invalid, NotFound
from ...org.models import Unit, User
from ...privacy import submitter
from .. import lifecycle, seal
from ..inserts import insert_objects
from ..models import Case, CaseEvent, Category, Status, Voice
from ..permissions import access_case, check_may, may_reveal_contact
from ..signals import case_event
from ..sla import due_dates
from . import closing, cohandle, dispatch, reply
from .closing import CLOSE_REASONS, apply_rating
from .common import MAX_TEXT
from .dispatch import may_dispatch_to, set_assigned

__all__ = ["CLOSE_REASONS", "MAX_TEXT", "apply_rating", "auto_dispatch", "event_for", "may_dispatch_to", "perform",
           "rate_by_tracking_code", "record", "record_many", "record_new", "reveal_contact"]

# action name → its do_<name>, from the modules above (every lifecycle action has one)
DOERS = {name[3:]: fn for module in (dispatch, reply, closing, cohandle)
         for name, fn in vars(module).items() if name.startswith("do_")}


def event_for(case: Case, action: str, actor, before: str, note: str = "", data: dict | None = None, at=None,
              after: str | None = None) -> CaseEvent:
    """An event as `record` writes it, not yet sealed: `after` is the status it leaves (default: the case's)."""
    label = actor.label() if isinstance(actor, User) else (actor or "系统")
    return CaseEvent(case=case, at=at or clock.now(), action=action, actor=actor if isinstance(actor, User) else None,
                     actor_label=label, from_status=before, to_status=case.status if after is None else after,
                     note=note, data=data or {})


def record_many(events: list[CaseEvent]) -> list[CaseEvent]:
    """Seal and write events (from `event_for`, in the order they happened) and tell the other apps about
    each: `record` for many cases at once (a bulk import), so the two paths cannot drift apart."""
    seal.append(events)  # sealed onto each case's chain, under its row lock (ledger/seal.py)
    return _announce(events)


def record_new(cases: list[Case], events: list[CaseEvent], *rows: list) -> list[CaseEvent]:
    """`record_many` for cases written in the same breath (a bulk import): the cases — their ids reserved
    (`ledger.inserts.reserve_ids`), not yet written — take their seals from their events first, so each
    case row is written once, already sealed; then `rows` (lists of their voices, replies …), the events,
    and the same announcements."""
    seal.seal_new(events)
    for objs in (cases, *rows, events):
        insert_objects(objs)
    return _announce(events)


def _announce(events: list[CaseEvent]) -> list[CaseEvent]:
    for event in events:
        case_event.send(sender=CaseEvent, event=event, case=event.case)
    return events


def record(case: Case, action: str, actor, before: str, note: str = "", data: dict | None = None,
           at=None) -> CaseEvent:
    return record_many([event_for(case, action, actor, before, note, data, at)])[0]


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
    data = DOERS[action.name](case, user, fields) or {}
    if case.status != Status.WAITING and before == Status.WAITING and action.name != "resume":
        case.paused_at = None
    case.updated_at = clock.now()
    case.save()
    note = str(fields.get("note") or fields.get("reason") or fields.get("text") or "").strip()[:MAX_TEXT]
    record(case, action.name, user, before, note, data)
    for step in case.__dict__.pop("_then", []):  # what the action adds after its event (an escalation)
        step()
    return case


def rate_by_tracking_code(code: str, rating: str, comment: str = "", resolved=None) -> Case:
    """A citizen rates the reply with their tracking code, no account needed."""
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
    set_assigned(case, unit)
    case.status, case.auto_dispatched, case.updated_at = Status.DISPATCHED, True, clock.now()
    case.save()
    record(case, "dispatch", "系统（自动派单）", before, f"置信度 {confidence:.0%} 达到阈值，自动派往{unit.name}",
           {"auto": True, "confidence": confidence, "category": category.path,
            "assigned_unit": {"before": None, "after": unit.code}})
