"""Hotspots for a user's view: scope, unit and period; served by the API and the hotspots page."""

import datetime as dt

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


STORED_FOR = dt.timedelta(hours=2)  # the worker's hourly run, with an hour to spare


def hotspots(user, unit: str = "", since: str = "", until: str = "", limit: int = 20) -> list[dict]:
    """Without a period, the county's or a township's hotspots are the worker's last run (the hourly
    `hotspot_refresh`, last 30 days — the dashboard's) while it is fresh: clustering on every request
    cost seconds a call once a busy county's month held thousands of voices (the load benchmark). With a
    period, for other units, or with no fresh run, they are clustered on request."""
    base = unit_or_own(user, unit)
    if not since and not until and (base is None or base.level == Level.TOWNSHIP or base.parent_id is None):
        stored = _stored(user, base, limit)
        if stored is not None:
            return stored
    qs = period(cases_visible_to(user), since, until)
    if base is not None:
        qs = qs.filter(in_area(base))
    return hotspots_of(qs, _window_end(until), limit)


def _stored(user, base, limit: int) -> list[dict] | None:
    """The area's own fresh run, keeping the hotspots with a case the user may see (None: no fresh run)."""
    from .. import clock
    from .models import HotspotRun

    runs = HotspotRun.objects.filter(unit=base) if base is not None else HotspotRun.objects.filter(unit__parent=None)
    run = runs.filter(computed_at__gte=clock.now() - STORED_FOR).order_by("-computed_at").first()
    if run is None:
        return None
    numbers = {n for h in run.items for n in h["cases"][:50]}
    seen = set(cases_visible_to(user).filter(number__in=numbers).values_list("number", flat=True))
    return [h for h in run.items if seen & set(h["cases"][:50])][:limit]


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
