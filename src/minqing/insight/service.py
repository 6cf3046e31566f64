"""Hotspots for a user's view: scope, unit and period; served by the API and the hotspots page."""

from ..ledger.permissions import cases_visible_to
from ..org.models import Level
from ..workflow.stats import period, responsible_in, unit_or_own
from .hotspots import MAX_CASES, cluster


def case_rows(qs):
    """Cases as the clustering wants them (hotspots.cluster): text, place, village, people, likes."""
    from django.db.models import OuterRef, Subquery

    from ..ledger.models import Voice

    first_ref = Voice.objects.filter(case=OuterRef("pk")).order_by("id").values("submitter_ref")[:1]
    qs = qs.annotate(person=Subquery(first_ref))
    rows = []
    fields = ("number", "title", "search_text", "received_at", "voices_count", "endorsements", "objections", "urgency",
              "places", "unit__level", "unit__name", "unit__path", "unit__parent__name", "unit__parent__path", "id", "person", "lat", "lng")
    for r in qs.order_by("-received_at").values(*fields)[:MAX_CASES]:
        grid = r["unit__level"] == Level.GRID
        village = r["unit__parent__path"] if grid else (r["unit__path"] if r["unit__level"] == Level.VILLAGE else "")
        rows.append({
            "number": r["number"], "title": r["title"], "search_text": r["search_text"], "received_at": r["received_at"],
            "voices": r["voices_count"], "likes": r["endorsements"] - r["objections"], "urgency": r["urgency"],
            "village": village, "village_name": r["unit__parent__name"] if grid else r["unit__name"],
            "place_words": [p for p in r["places"].split() if len(p) >= 2][:3], "people_key": r["person"] or r["id"],
            "lat": r["lat"], "lng": r["lng"],
        })
    return rows


def hotspots(user, unit: str = "", since: str = "", until: str = "", limit: int = 20) -> list[dict]:
    base = unit_or_own(user, unit)
    qs = period(cases_visible_to(user), since, until)
    if base is not None:
        qs = qs.filter(in_area(base))
    return hotspots_of(qs, _window_end(until), limit)


def hotspots_of(qs, end, limit: int = 20) -> list[dict]:
    return [{"title": h.title, "heat": h.heat, "voices": h.voices, "people": h.people, "likes": h.likes,
             "keywords": h.keywords, "place": h.place, "cases": h.cases[:200],
             "first": h.first.isoformat(), "last": h.last.isoformat(), "trend": h.trend}
            for h in cluster(case_rows(qs), end=end, lexicon=_lexicon())[:limit]]


def _lexicon() -> frozenset[str]:
    """The county lexicon's words, so that no title names a part of one (insight/titles.py)."""
    from ..org import lexicon
    from ..text.segment import lexicon as taught

    lexicon.ensure_loaded()
    return taught() | frozenset(lexicon.known_names())


def _window_end(until: str):
    from .. import clock
    from ..ledger.queries import day_bounds

    return day_bounds("", until)[1] if until else clock.now()


def in_area(unit):
    """Cases of a unit's area for hotspots and reports: placed in its subtree, or its subtree's to handle."""
    from ..org.scope import in_subtree

    return responsible_in(unit) | in_subtree("place_path", unit.path)
