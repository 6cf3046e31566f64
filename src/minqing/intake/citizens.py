"""The people's history (群众档案, SPEC C15): the other cases of the person behind a case, and the
vulnerable-group flags staff keep about them — so whoever answers sees the whole story first.

The join. Voices are joined by verified contact only: a named or protected voice carries the digits of
its phone (ledger.Voice.phone_key, set at intake); every other named or protected voice with the same key
is the same person. Anonymous voices carry no phone and never join. A `Citizen` row exists only where
staff wrote flags or a note; the history itself needs none.

Who sees what.
- The history (the person's other cases) is shown to a staff member only as far as they may see those
  cases: it is a query on `cases_visible_to(user)`, so another unit's case is neither listed nor counted.
  Titles are masked as in any list (a protected submitter's name and phone redacted).
- The name and phone are never repeated in the history; the case page shows them under the existing rules
  (`may_reveal_contact`).
- Vulnerable-group flags and the note are read by the roles that act for the person: grid cadres (who
  visit them), dispatchers (who decide how urgently and by whom) and handlers (who contact and answer).
  Leaders and admins see the history without the flags. Flags are set by grid cadres and dispatchers.
  They are never on public pages, in exports, in notifications or in the case's event log."""

from django.db import transaction

from .. import clock
from ..errors import Forbidden, Invalid
from ..ledger.models import Case, Rating, Status, SubmitterMode
from ..ledger.permissions import access_case, cases_visible_to
from ..org.models import Role
from ..privacy import public_text
from .models import Citizen, Vulnerable
from .services import clean_text

FLAG_READERS = {Role.GRID, Role.DISPATCHER, Role.HANDLER}
FLAG_EDITORS = {Role.GRID, Role.DISPATCHER}
IDENTIFIED = [SubmitterMode.NAMED, SubmitterMode.PROTECTED]
MAX_HISTORY = 50
MAX_NOTE = 500


def identified_voice(case: Case):
    """The first voice of the case that names a person by phone (None: nobody to join)."""
    return (case.voices.filter(submitter_mode__in=IDENTIFIED, phone_key__isnull=False)
            .exclude(phone_key="").order_by("received_at", "id").first())


def may_read_flags(user) -> bool:
    return getattr(user, "role", None) in FLAG_READERS


def history(user, case: Case) -> dict | None:
    """The person's other cases as `user` may see them; None when the case names nobody by phone.
    `case` must have been fetched with `access_case(user, …)`."""
    voice = identified_voice(case)
    if voice is None:
        return None
    others = (cases_visible_to(user).filter(voices__phone_key=voice.phone_key, voices__submitter_mode__in=IDENTIFIED)
              .exclude(pk=case.pk).distinct().prefetch_related("voices").order_by("-received_at", "-id"))
    rows = list(others[:MAX_HISTORY])
    earlier = sum(1 for c in rows if (c.received_at, c.id) < (case.received_at, case.id))
    out = {
        "times": earlier + 1,  # 此人第N次反映: this case counted, within what the user may see
        "total": len(rows) + 1,
        "cases": [_row(c, case) for c in rows],
        "flags": None, "flag_labels": None, "note": None,
        "may_edit_flags": getattr(user, "role", None) in FLAG_EDITORS,
    }
    if may_read_flags(user):
        citizen = Citizen.objects.filter(phone_key=voice.phone_key).first()
        flags = citizen.flags if citizen else []
        out.update(flags=flags, flag_labels=[str(Vulnerable(f).label) for f in flags if f in Vulnerable.values],
                   note=citizen.note if citizen else "")
    return out


def _row(other: Case, case: Case) -> dict:
    voices = list(other.voices.all())
    first = voices[0] if voices else None
    return {
        "number": other.number, "title": public_text(other.title, first), "received_at": other.received_at,
        "status": other.status, "status_label": str(Status(other.status).label),
        "rating": other.rating or None, "rating_label": str(Rating(other.rating).label) if other.rating else "",
        "earlier": (other.received_at, other.id) < (case.received_at, case.id),
    }


@transaction.atomic
def set_flags(user, number: str, flags, note=None) -> Citizen:
    """Set the vulnerable-group flags (and note) of the person behind a case the user may see."""
    if getattr(user, "role", None) not in FLAG_EDITORS:
        raise Forbidden("只有网格员和受理派单员可以标记困难群体")
    case = access_case(user, str(number or ""))
    voice = identified_voice(case)
    if voice is None:
        raise Invalid("该工单的诉求人未留电话或为匿名，不能建立群众档案", field="case", code="anonymous")
    if flags is None:
        flags = []
    if isinstance(flags, str):
        flags = [flags]
    if not isinstance(flags, list) or any(f not in Vulnerable.values for f in flags):
        allowed = "、".join(f"{v}（{label}）" for v, label in Vulnerable.choices)
        raise Invalid(f"困难群体标记应为以下之一：{allowed}", field="flags")
    citizen = Citizen.objects.select_for_update().filter(phone_key=voice.phone_key).first()
    citizen = citizen or Citizen(phone_key=voice.phone_key)
    if note is not None:
        citizen.note = clean_text(note, "备注", "note", required=False, limit=MAX_NOTE)
    citizen.flags = [f for f in Vulnerable.values if f in flags]  # the choices' order, no repeats
    citizen.name = voice.submitter_name or citizen.name
    citizen.updated_by, citizen.updated_at = user, clock.now()
    citizen.save()
    return citizen
