"""One problem, many voices (SPEC C8): duplicates of a new case among open cases at the same place,
and precedents — the most similar closed cases with their reply and rating.

Candidates come from the full-text index (the case's rarest indexed words, OR-ed, within a budget
of document frequency) with the columns scoring needs, in one query per case for both lookups; the
place and status rules are applied to those rows, the rest are scored by character-bigram similarity
(text/similar.py), and only the matches are loaded whole, through the viewer's scope. Duplicates
must share the place: the same village (a grid's village) — a look-alike from another place is a
different problem; where both cases carry a point, their distance adds a little to the score or takes a
little away (+0.10 within 300 m, −0.15 beyond 3 km: ledger/geo.py). Figures: docs/duplicates.md."""

import functools
import time
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q
from django.db.models.functions import Length, Substr

from ..org.models import Level
from ..org.scope import in_subtree
from ..text.normalise import normalise
from ..text.segment import words
from ..text.similar import TermStats, bigrams, similarity
from .geo import distance_term
from .models import Case, Reply, Status
from .sampling import sample_ids

DUPLICATE_AT = 0.35
SCORE_CHARS = 1000  # texts are compared on the title and their first 1,000 characters
PRECEDENT_AT = 0.12
CANDIDATE_POOL = 300  # best-ranked candidates scored for duplicates
# The candidate query's budget: the rare words' document frequencies may add up to this share of the
# ledger. SQLite's FTS5 ranks the matches inside its index; PostgreSQL reads a heap page per matching
# row to get its id (~6 µs a row at 1,000,000 cases), so it gets half the budget (docs/duplicates.md).
WORD_BUDGET = {"postgresql": 0.0025}
DEFAULT_WORD_BUDGET = 0.005
PRECEDENT_POOL = 100  # … and for precedents (closed cases anywhere: the first hundred are plenty)
# Beyond WINDOW cases, candidates come from the newest WINDOW cases only (PostgreSQL): the query ANDs its
# words with the window lexemes of the stored vector (ledger/fulltext_sql.py), so its cost — index entries
# and heap pages read — does not grow with the years of history behind the window. A million cases is 33
# years of a county's voices and 17 days of a city of 59,000 a day (docs/duplicates.md).
WINDOW = 1_000_000
WINDOW_AHEAD = 10  # window lexemes past the newest case sampled: cases arriving before the next sample
_stats: tuple[float, TermStats, int] | None = None


BACKGROUND_BELOW = 5000  # a younger ledger also counts words in the shipped messages


@functools.cache
def background_texts() -> tuple[str, ...]:
    """The shipped sample's 2,395 real messages in index form (~2 s once per process): how common a word
    is in citizens' messages at all, for a ledger too young to say — otherwise 严重 or 举报, in every
    other complaint, look rare among a county's first few hundred cases and become their keywords."""
    from ..text.corpus import load_sample
    from ..text.segment import search_tokens

    try:
        labelled, unlabelled = load_sample()
    except OSError:  # a package built without its data: the ledger alone
        return ()
    return tuple(search_tokens(normalise(f"{m.title} {m.text}")) for m in labelled + unlabelled)


def term_stats(max_age: float = 3600, sample: int = 20000) -> TermStats:
    """Word document frequencies from a random sample of the newest WINDOW cases (the cases the candidate
    query searches), rebuilt hourly per process; below BACKGROUND_BELOW cases, with the shipped messages
    counted beside the ledger's."""
    global _stats
    if _stats and time.monotonic() - _stats[0] < max_age:
        return _stats[1]
    drawn = sample_ids(Case.objects.all(), sample, window=WINDOW)
    texts = list(Case.objects.filter(id__in=drawn.ids).values_list("search_text", flat=True))
    extra = background_texts() if drawn.rows < BACKGROUND_BELOW else ()
    _stats = (time.monotonic(), TermStats(texts + list(extra), total=drawn.rows + len(extra)), drawn.last)
    return _stats[1]


def window_lexemes(last: int) -> str:
    """The tsquery (window lexemes OR-ed) matching the newest WINDOW cases and those to come after case
    `last`; '' while the ledger is no larger than the window."""
    from .fulltext_sql import WINDOW_BUCKET

    if last <= WINDOW:
        return ""
    first, upto = (last - WINDOW + 1) // WINDOW_BUCKET, last // WINDOW_BUCKET + WINDOW_AHEAD
    return " | ".join(f"'§{b}'" for b in range(first, upto + 1))


def forget_term_stats() -> None:
    global _stats
    _stats = None


@dataclass(frozen=True)
class Candidate:
    id: int
    title: str
    head: str  # the first SCORE_CHARS characters of text_norm
    length: int  # of text_norm
    place_path: str
    status: str
    close_reason: str
    lat: float | None
    lng: float | None


_COLUMNS = (f"c.id, c.title, substr(c.text_norm, 1, {SCORE_CHARS}), length(c.text_norm), c.place_path, c.status, "
            "c.close_reason, c.lat, c.lng")


def _candidate_rows(terms: list[str], limit: int, window: str = "") -> list[Candidate]:
    """The best-ranked cases holding any of `terms`, best first, with what scoring and the place and
    status rules need: one round trip for the search and the rows. `window` (PostgreSQL): the window
    lexemes a candidate must also hold (window_lexemes)."""
    if not terms:
        return []
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            words = " | ".join(t.replace("'", "") for t in terms)
            # MATERIALIZED keeps the planner on the GIN index: with ORDER BY id DESC LIMIT alone it walks
            # the primary key backwards computing to_tsvector for every row until enough match
            # (390 ms at 10,000 cases; at 1,000,000 a median 21 s, every row, when fewer than 300 match).
            cur.execute(
                "WITH m AS MATERIALIZED (SELECT id FROM ledger_case WHERE search_tsv @@ "
                + ("(to_tsquery('simple', %s) && %s::tsquery)), " if window else "to_tsquery('simple', %s)), ")
                + "top AS (SELECT id FROM m ORDER BY id DESC LIMIT %s) "
                f"SELECT {_COLUMNS} FROM top JOIN ledger_case c ON c.id = top.id ORDER BY c.id DESC",
                [words, window, limit] if window else [words, limit])
        else:
            expr = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
            cur.execute(
                "SELECT " + _COLUMNS + " FROM (SELECT rowid AS id, rank FROM ledger_case_fts "
                "WHERE ledger_case_fts MATCH %s ORDER BY rank LIMIT %s) f JOIN ledger_case c ON c.id = f.id "
                "ORDER BY f.rank", [expr, limit])
        return [Candidate(*row) for row in cur.fetchall()]


@dataclass
class Match:
    case: Case
    score: float
    kind: str  # exact | near | similar


def _candidates(case: Case) -> list[Candidate]:
    """The best-ranked cases sharing the case's rarest words, best first: one full-text query per case
    object, shared by duplicates_of and precedents_of. The words come from the stored search_text
    (already segmented at intake, from the normalised title and text), not from a second segmentation."""
    key = (case.pk, case.search_text, case.text_norm)
    memo = getattr(case, "_similar_candidates", None)
    if memo is not None and memo[0] == key:
        return memo[1]
    tokens = case.search_text.split() if case.search_text else words(f"{case.title} {case.text_norm}")
    terms = term_stats().search_terms(tokens, budget=WORD_BUDGET.get(connection.vendor, DEFAULT_WORD_BUDGET))
    window = window_lexemes(_stats[2]) if connection.vendor == "postgresql" else ""
    rows = [c for c in _candidate_rows(terms, CANDIDATE_POOL, window) if c.id != case.id]
    case._similar_candidates = (key, rows)
    return rows


def _scored(case: Case, rows, qs, threshold: float, limit: int, by_distance: bool = False) -> list[Match]:
    """`rows` ((id, title, head of text_norm, its length, lat, lng) each) scored against the case; those at
    `threshold` or above, best first, loaded from `qs` (which has the final word on which may be
    shown) up to `limit`. `by_distance`: the text's score gains or loses a little with the distance
    between the two points, where both have one (ledger/geo.py)."""
    text = case.text_norm or ""
    mine = bigrams(f"{normalise(case.title)} {text[:SCORE_CHARS]}")
    found = []
    for pk, title, head, length, lat, lng in rows:
        if length == len(text) and head == text[:SCORE_CHARS]:
            found.append((1.0, pk, "exact"))
            continue
        score = similarity(mine, bigrams(f"{title} {head}"))
        if by_distance and lat is not None and case.lat is not None:
            score = min(1.0, max(0.0, score + distance_term(case.lat, case.lng, lat, lng)))
        if score >= threshold:
            found.append((score, pk, "near" if score >= 0.6 else "similar"))
    found.sort(key=lambda f: (-f[0], -f[1]))
    loaded = qs.select_related("unit", "assigned_unit", "category").in_bulk([pk for _s, pk, _k in found])
    return [Match(loaded[pk], score, kind) for score, pk, kind in found if pk in loaded][:limit]


def similar_in(case: Case, qs, threshold: float, limit: int = 5) -> list[Match]:
    """Cases of `qs` saying what `case` says (the same retrieval and score as duplicates), best first."""
    ids = [c.id for c in _candidates(case)]
    rows = qs.filter(id__in=ids).values_list("id", "title", Substr("text_norm", 1, SCORE_CHARS), Length("text_norm"),
                                             "lat", "lng")
    return _scored(case, rows, qs, threshold, limit, by_distance=True)


def place_of(case: Case):
    """The village (or higher unit) whose subtree is 'the same place' for duplicates."""
    return case.unit.parent if case.unit.level == Level.GRID and case.unit.parent_id else case.unit


def duplicates_of(case: Case, base=None, limit: int = 5) -> list[Match]:
    """Open cases at the same place saying the same thing; `base` is the viewer's scope."""
    place = place_of(case).path
    rows = [(c.id, c.title, c.head, c.length, c.lat, c.lng) for c in _candidates(case)
            if c.place_path.startswith(place) and c.status != Status.CLOSED]
    qs = (base if base is not None else Case.objects.all()).filter(in_subtree("place_path", place))
    return _scored(case, rows, qs.exclude(status=Status.CLOSED), DUPLICATE_AT, limit, by_distance=True)


def precedents_of(case: Case, limit: int = 5) -> list[Match]:
    rows = [(c.id, c.title, c.head, c.length, None, None) for c in _candidates(case)[:PRECEDENT_POOL]
            if c.status == Status.CLOSED and c.close_reason == "resolved"]
    qs = Case.objects.filter(status=Status.CLOSED, close_reason="resolved").filter(~Q(pk=case.pk))
    return _scored(case, rows, qs, PRECEDENT_AT, limit)


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
