"""One problem, many voices (SPEC C8): duplicates of a new case among open cases at the same place,
and precedents — the most similar closed cases with their reply and rating.

Candidates come from the full-text index (the case's rarest words, OR-ed), then are scored by
character-bigram similarity (text/similar.py). Duplicates must share the place: the same village
(a grid's village) — a look-alike from another place is a different problem."""

import random
import time
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q

from ..org.models import Level
from ..org.scope import in_subtree
from ..text.segment import words
from ..text.similar import TermStats, bigrams, similarity
from .models import Case, Reply, Status

DUPLICATE_AT = 0.35
PRECEDENT_AT = 0.12
_stats: tuple[float, TermStats] | None = None


def term_stats(max_age: float = 3600, sample: int = 20000) -> TermStats:
    """Word document frequencies from a random sample of the ledger, rebuilt hourly per process."""
    global _stats
    if _stats and time.monotonic() - _stats[0] < max_age:
        return _stats[1]
    last = Case.objects.order_by("-id").values_list("id", flat=True).first() or 0
    if last <= sample:
        texts = Case.objects.values_list("search_text", flat=True)
    else:
        ids = random.Random(last).sample(range(1, last + 1), sample)
        texts = Case.objects.filter(id__in=ids).values_list("search_text", flat=True)
    _stats = (time.monotonic(), TermStats(texts))
    return _stats[1]


def forget_term_stats() -> None:
    global _stats
    _stats = None


def _candidate_ids(terms: list[str], limit: int) -> list[int]:
    if not terms:
        return []
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT id FROM ledger_case WHERE to_tsvector('simple', search_text) @@ to_tsquery('simple', %s) "
                "ORDER BY id DESC LIMIT %s", [" | ".join(t.replace("'", "") for t in terms), limit])
        else:
            expr = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
            cur.execute("SELECT rowid FROM ledger_case_fts WHERE ledger_case_fts MATCH %s ORDER BY rank LIMIT %s",
                        [expr, limit])
        return [row[0] for row in cur.fetchall()]


@dataclass
class Match:
    case: Case
    score: float
    kind: str  # exact | near | similar


def _scored(case: Case, qs, threshold: float, limit: int, pool: int = 300) -> list[Match]:
    text = f"{case.title} {case.text_norm}"
    terms = term_stats().rare_terms(words(text))
    ids = [i for i in _candidate_ids(terms, pool) if i != case.id]
    mine = bigrams(text)
    out = []
    for other in qs.filter(id__in=ids).select_related("unit", "assigned_unit", "category"):
        if other.text_norm == case.text_norm:
            out.append(Match(other, 1.0, "exact"))
            continue
        score = similarity(mine, bigrams(f"{other.title} {other.text_norm}"))
        if score >= threshold:
            out.append(Match(other, score, "near" if score >= 0.6 else "similar"))
    out.sort(key=lambda m: (-m.score, -m.case.id))
    return out[:limit]


def place_of(case: Case):
    """The village (or higher unit) whose subtree is 'the same place' for duplicates."""
    return case.unit.parent if case.unit.level == Level.GRID and case.unit.parent_id else case.unit


def duplicates_of(case: Case, base=None, limit: int = 5) -> list[Match]:
    """Open cases at the same place saying the same thing; `base` is the viewer's scope."""
    same_place = in_subtree("place_path", place_of(case).path)
    qs = (base if base is not None else Case.objects.all()).filter(same_place).exclude(status=Status.CLOSED)
    return _scored(case, qs, DUPLICATE_AT, limit)


def precedents_of(case: Case, limit: int = 5) -> list[Match]:
    qs = Case.objects.filter(status=Status.CLOSED, close_reason="resolved").filter(~Q(pk=case.pk))
    return _scored(case, qs, PRECEDENT_AT, limit)


def precedent_view(match: Match) -> dict:
    """Anonymised, as on the public board: no submitter, no case text — the problem, who solved it, how."""
    c = match.case
    reply = Reply.objects.filter(case=c, kind=Reply.Kind.REPLY).order_by("-at").first()
    return {"number": c.number, "title": c.title, "score": round(match.score, 3),
            "category": c.category.path if c.category_id else c.category_top or None,
            "unit": c.assigned_unit.name if c.assigned_unit_id else c.unit.name,
            "reply": reply.text if reply else "", "rating": c.rating or None,
            "rating_label": str(c.get_rating_display()) if c.rating else "",
            "closed_at": c.closed_at.isoformat() if c.closed_at else None}


def duplicate_view(match: Match) -> dict:
    c = match.case
    return {"number": c.number, "title": c.title, "score": round(match.score, 3), "kind": match.kind,
            "status": c.status, "unit": c.unit.name, "voices": c.voices_count}


def similar_for(user, case: Case) -> dict:
    """What the case page and the API show: duplicates within the user's scope, anonymised precedents."""
    from .permissions import cases_visible_to

    return {"duplicates": [duplicate_view(m) for m in duplicates_of(case, cases_visible_to(user))],
            "precedents": [precedent_view(m) for m in precedents_of(case)]}
