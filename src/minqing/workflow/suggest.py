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
    from ..ledger.model_sync import sync
    from ..text.classify import default_model

    try:
        sync()  # the cluster's current model (a cheap look at most every 10 s: ledger/model_sync.py)
        model = default_model(build=False)
        return model.predict(text, title) if model is not None else None
    except Exception:  # a broken model file must not stop intake
        log.exception("category suggestion failed")
        return None


def root_unit() -> Unit | None:
    return Unit.objects.filter(level=Level.COUNTY).order_by("path").first()


def suggest(text: str, title: str = "", place: Unit | None = None) -> dict:
    """{category, confidence, alternatives, deeper, unit, unit_name, why} — category None without a model."""
    from ..text.classify import prepare

    prepared = prepare((title, text))  # normalised and segmented once, for the model and for `deeper`
    s = classify(prepared)
    category = Category.objects.filter(level=1, name=s.category).first() if s else None
    place = place or root_unit()
    unit, why = route(category, place) if place else (None, "")
    return {
        "category": s.category if s else None,
        "confidence": round(float(s.confidence), 4) if s else None,
        "alternatives": [{"category": c, "confidence": round(float(p), 4)} for c, p in (s.alternatives if s else [])],
        "deeper": deeper(text, s.category if s else None, said=set(prepared[2].split())),
        "unit": unit.code if unit else None,
        "unit_name": unit.name if unit else None,
        "why": why,
        "_category": category,
        "_unit": unit,
    }


DEEPER_MIN = 0.4
_nodes_cache: dict = {}


def _taxonomy_nodes(top: str) -> list[tuple[str, set[str], set[str]]]:
    """The second- and third-level nodes under a first-level category, each with the words of its own
    name and of its second-level parent's (segmented once; the taxonomy rarely changes)."""
    stamp = Category.objects.count()
    if _nodes_cache.get("stamp") != stamp:
        _nodes_cache.clear()
        _nodes_cache["stamp"] = stamp
    if top not in _nodes_cache:
        nodes = []
        for path in Category.objects.filter(level__gte=2, path__startswith=top + "/").values_list("path", flat=True):
            names = path.split("/")[1:]
            own = {w for w in words(names[-1]) if len(w) >= 2}
            nodes.append((path, own, {w for w in words(names[0]) if len(w) >= 2} if len(names) > 1 else set()))
        _nodes_cache[top] = nodes
    return _nodes_cache[top]


def deeper(text: str, top: str | None, limit: int = 3, said: set[str] | None = None) -> list[dict]:
    """Second/third-level categories under the suggested first-level one whose names the text speaks of:
    score = the idf-weighted share of the node's own name words found in the text (words shared by many
    nodes, like 管理 or 问题, weigh little), plus a quarter of the same share for its parent's name. There are no labelled examples below the first level, so the taxonomy's
    own words are the evidence; the dispatcher decides. `said`: the words of title and text, where the
    caller has segmented them already."""
    import math

    nodes = _taxonomy_nodes(top) if top else []
    if not nodes:
        return []
    df: dict[str, int] = {}
    for _, own, _parent in nodes:
        for w in own:
            df[w] = df.get(w, 0) + 1
    idf = {w: math.log(1 + len(nodes) / n) for w, n in df.items()}
    said = said if said is not None else set(words(text))

    def share(ws):
        total = sum(idf.get(w, 1.0) for w in ws)
        return sum(idf.get(w, 1.0) for w in ws & said) / total if total else 0.0

    scored = []
    for path, own, parent in nodes:
        score = share(own)
        if score >= DEEPER_MIN:
            scored.append({"category": path, "score": round(score + 0.25 * share(parent), 3)})
    scored.sort(key=lambda d: (-d["score"], -d["category"].count("/"), d["category"]))
    return scored[:limit]


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
