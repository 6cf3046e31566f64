"""The public progress board (村务公开, SPEC C14): cases of a unit's area as the public may see them.

Anonymised always: no submitter's name, phone or address, ever; mobile and ID numbers, the submitter's
own name, the case's address and house numbers (18号, 3单元) are masked inside titles and replies too.
Cases of sensitive categories and cases closed as spam or withdrawn are not shown. A case's point is
shown rounded to about 100 m (privacy.public_point), or at its village's centre when it has none."""

from django.db.models import Q

from ..errors import NotFound
from ..ledger.models import Case, Reply, Status
from ..org.models import Unit
from ..org.scope import in_subtree
from ..privacy import public_point, redact_address, redact_text

PAGE = 30


def unit_or_404(code: str) -> Unit:
    unit = Unit.objects.filter(code=code, active=True).first()
    if unit is None:
        raise NotFound("单位不存在")
    return unit


def shown_publicly(qs):
    """Cases the public may see at all: not of a sensitive category, not closed as spam or withdrawn."""
    return qs.exclude(category__sensitive=True).exclude(close_reason__in=["spam", "withdrawn"])


def public_cases(unit: Unit, category: str = "", place: str = "", limit: int = PAGE, offset: int = 0):
    qs = shown_publicly(Case.objects.filter(in_subtree("place_path", unit.path) | in_subtree("assigned_path", unit.path)))
    if category:
        qs = qs.filter(category_top=category)
    if place:
        sub = Unit.objects.filter(code=place).first()
        qs = qs.filter(in_subtree("place_path", sub.path)) if sub else qs.none()
    return qs.select_related("unit", "assigned_unit").prefetch_related("voices").order_by("-received_at", "-id")[offset:offset + limit]


def _clean(text: str, case) -> str:
    out = redact_address(text, case.address)
    for v in case.voices.all():
        out = redact_text(out, v.submitter_name, v.submitter_phone)
    return redact_text(out)


def public_view(case) -> dict:
    reply = Reply.objects.filter(case=case, kind__in=[Reply.Kind.REPLY, Reply.Kind.EXPLANATION]).order_by("-at").first()
    lat, lng = public_point(case.lat, case.lng)  # about 100 m: the neighbourhood, never the home
    approximate = lat is None
    if approximate:  # no point of its own: its village's centre, itself public
        lat, lng = public_point(case.unit.lat, case.unit.lng)
    return {
        "number": case.number, "title": _clean(case.title, case), "status": case.status,
        "status_label": str(Status(case.status).label), "category": case.category_top or "",
        "place": case.unit.name, "handled_by": case.assigned_unit.name if case.assigned_unit_id else "",
        "received_at": case.received_at, "voices": case.voices_count,
        "reply": _clean(reply.text, case) if reply else "", "replied_at": reply.at if reply else None,
        "lat": lat, "lng": lng, "approximate": approximate if lat is not None else None,
    }


def board(unit: Unit, category: str = "", place: str = "") -> list[dict]:
    return [public_view(c) for c in public_cases(unit, category, place)]


def board_page_of(unit: Unit, category: str = "", place: str = "", page: int = 1) -> tuple[list[dict], bool]:
    """One page of the board, newest first, and whether older cases follow."""
    page = max(1, page)
    cases = list(public_cases(unit, category, place, limit=PAGE + 1, offset=(page - 1) * PAGE))
    return [public_view(c) for c in cases[:PAGE]], len(cases) > PAGE


def places_under(unit: Unit):
    return Unit.objects.filter(in_subtree("path", unit.path)).filter(~Q(level="department")).exclude(pk=unit.pk)
