"""What the system suggests for a new voice (SPEC C7): first-level category with confidence and the top
three alternatives (text/classify.py), the responsible unit for that category at that place
(routing.py), keywords and place mentions. The dispatcher confirms; with an admin-set per-category
confidence threshold the case is dispatched automatically."""

import logging

from ..ledger.models import Category
from ..ledger.similar import term_stats
from ..org import lexicon
from ..org.models import Level, Unit
from ..text.keywords import keywords, places
from ..text.segment import words
from .routing import route

log = logging.getLogger(__name__)


def classify(text: str, title: str = ""):
    """The model's suggestion, or None when no model is ready (never a reason to refuse a voice)."""
    from ..text.classify import default_model

    try:
        model = default_model(build=False)
        return model.predict(text, title) if model is not None else None
    except Exception:  # a broken model file must not stop intake
        log.exception("category suggestion failed")
        return None


def root_unit() -> Unit | None:
    return Unit.objects.filter(level=Level.COUNTY).order_by("path").first()


def suggest(text: str, title: str = "", place: Unit | None = None) -> dict:
    """{category, confidence, alternatives, unit, unit_name, why} — category None without a model."""
    s = classify(text, title)
    category = Category.objects.filter(level=1, name=s.category).first() if s else None
    place = place or root_unit()
    unit, why = route(category, place) if place else (None, "")
    return {
        "category": s.category if s else None,
        "confidence": round(float(s.confidence), 4) if s else None,
        "alternatives": [{"category": c, "confidence": round(float(p), 4)} for c, p in (s.alternatives if s else [])],
        "unit": unit.code if unit else None,
        "unit_name": unit.name if unit else None,
        "why": why,
        "_category": category,
        "_unit": unit,
    }


def describe(text: str) -> tuple[str, str]:
    """(keywords, places) of a normalised text, space-joined for storage."""
    lexicon.ensure_loaded()
    known = lexicon.known_names()
    return " ".join(keywords(words(text), term_stats())), " ".join(places(text, known))


def public(suggestion: dict) -> dict:
    return {k: v for k, v in suggestion.items() if not k.startswith("_")}


def for_case(case) -> dict:
    """The suggestion as shown on a case page (recomputed: it may have improved since intake)."""
    return public(suggest(case.text_norm, case.title, case.unit))


def accept_suggestion(user, number: str):
    """One click for the dispatcher: confirm the suggested category and dispatch to the suggested unit.
    Both steps are ordinary lifecycle actions (two events), in one transaction."""
    from django.db import transaction

    from ..errors import Invalid
    from ..ledger.actions import perform
    from ..ledger.permissions import access_case

    with transaction.atomic():
        case = access_case(user, number)
        s = suggest(case.text_norm, case.title, case.unit)
        if s["category"] is None or s["unit"] is None:
            raise Invalid("暂无可采纳的系统建议")
        perform(user, number, "triage", {"category": s["category"]})
        return perform(user, number, "dispatch", {"unit": s["unit"], "note": "采纳系统建议"})
