"""Hotspot mining (SPEC C10): clusters of voices by topic, place and time, each with a heat index.

Method (pure, over plain rows; docs/hotspots.md):
1. Each case is represented by TF-IDF over its segmented words (search_text) — place words included,
   so "幸福小区 噪音" and "幸福小区 油烟" stay apart from "红星小区 噪音" unless the text says the same —
   joined with TF-IDF over the character bigrams of its title (the citizen's own summary) weighted 1.5.
2. Cases are linked when their cosine similarity is at least LINK (0.3 by default) and, when both
   have a known village, they lie in the same village — then connected groups are the clusters (single
   linkage on a sparse similarity graph: exact, and linear in the number of links). Where both cases
   carry a point, their similarity first gains up to 0.10 within 300 m or loses up to 0.15 beyond 3 km
   (ledger/geo.py: the same problem within a few hundred metres).
3. A cluster of at least MIN_VOICES voices is a hotspot. Its heat index:

       heat = 10 × (log2(1 + voices) + log2(1 + people) + log10(1 + max(0, likes − dislikes)))
                  × growth × severity

   voices = voices carried by its cases, at most PER_PERSON of one person's (`heard`); people = distinct
   submitters (anonymous voices count one each);
   growth = 1 + 0.5 × min(2, max(0, (recent − before) / max(3, before))), recent = voices of the last
   7 days before the window's end, before = the 7 days before those (rising now counts; three voices
   are not a trend; an old cluster does not grow);
   severity = 1 + 0.5 × share of urgent + 1 × share of critical cases.
4. Keywords: the words found in at least half of the cluster's cases, most shared first (ties: rarest),
   generic words (text/keywords.GENERIC) and district codes left out; title: the place as people wrote it
   and the problem in up to three words (insight/titles.py). A cluster whose shared words are all generic
   ("加快、行动、具体"), or whose voices all come from fewer than MIN_PEOPLE people, is no hotspot.
   Generic words take no part in the similarity either.
"""

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import hstack
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from ..text.keywords import GENERIC, content_words
from . import titles as naming

LINK = 0.3
TITLE_WEIGHT = 1.5
MIN_VOICES = 3
PER_PERSON = 3  # voices of one person the heat counts (`heard`)
MIN_PEOPLE = 2  # one person's many messages are a repeat petitioner (warnings.py), not a hotspot
MAX_CASES = 20000
WEEK = dt.timedelta(days=7)


@dataclass
class Hotspot:
    title: str
    heat: float
    voices: int
    people: int
    likes: int
    keywords: list[str]
    place: str
    cases: list[str]
    first: object = None
    last: object = None
    trend: list[int] = field(default_factory=list)


def heat_index(voices: int, people: int, likes: int, before: int, recent: int, urgent: float,
               critical: float) -> float:
    growth = 1 + 0.5 * min(2.0, max(0.0, (recent - before) / max(3, before)))
    severity = 1 + 0.5 * urgent + critical
    base = math.log2(1 + voices) + math.log2(1 + people) + math.log10(1 + max(0, likes))
    return round(10 * base * growth * severity, 2)


def cluster(rows: list[dict], link: float = LINK, min_voices: int = MIN_VOICES, title_weight: float = TITLE_WEIGHT,
            end=None, background: list[tuple[str, str]] = (), lexicon=()) -> list[Hotspot]:
    """rows: {number, title, search_text, village, received_at, voices, people_key, likes, urgency, place_words}.
    background: (search_text, title) of other cases, used only to learn how common each word is — a short
    window that is mostly one surge would otherwise count the surge's own words as common.
    lexicon: the county's words (org/lexicon.py), so that no title names a part of one."""
    if len(rows) < 2:
        return []
    # Words in over a fifth of a large window ("A市", "小区") say nothing about the topic; small windows keep all.
    max_df = 0.2 if len(rows) + len(background) >= 200 else 1.0
    vec = TfidfVectorizer(token_pattern=r"\S+", sublinear_tf=True, max_df=max_df, stop_words=sorted(GENERIC))
    titles = TfidfVectorizer(analyzer="char", ngram_range=(2, 2), sublinear_tf=True, max_df=max_df)
    try:
        vec.fit([r["search_text"] for r in rows] + [b[0] for b in background])
        titles.fit([r.get("title", "") for r in rows] + [b[1] for b in background])
        X = vec.transform([r["search_text"] for r in rows])
        T = titles.transform([r.get("title", "") for r in rows])
    except ValueError:  # nothing but stop words
        return []
    both = normalize(hstack([X, title_weight * T]).tocsr())
    sim = (both @ both.T).tocsr()
    if any(r.get("lat") is not None for r in rows):  # same problem within a few hundred metres (ledger/geo.py)
        sim = _near(sim, rows)
    sim.data[sim.data < link] = 0
    sim.eliminate_zeros()
    if any(r["village"] for r in rows):  # same place only: drop links across villages
        village = np.array([hash(r["village"]) if r["village"] else 0 for r in rows])
        coo = sim.tocoo()
        keep = (village[coo.row] == village[coo.col]) | (village[coo.row] == 0) | (village[coo.col] == 0)
        sim = type(sim)((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=sim.shape)
    n, labels = connected_components(sim, directed=False)
    vocab = np.array(vec.get_feature_names_out())
    window = Counter(p for r in rows for p in {naming.uncoded(p) for p in r["place_words"]})
    out = []
    for label in range(n):
        idx = np.flatnonzero(labels == label)
        members = [rows[i] for i in idx]
        voices = sum(r["voices"] for r in members)
        if voices < min_voices:
            continue
        present = np.asarray((X[idx] > 0).sum(axis=0)).ravel()
        common = np.flatnonzero(present >= max(2, len(idx) / 2))
        # most widely shared in the cluster first; among equals, the rarer in the window
        order = common[np.lexsort((-vec.idf_[common], -present[common]))] if len(common) else np.argsort(-present)[:5]
        if not len(common) or not naming.specific(vocab[common]):
            continue  # held together by nothing but generic words
        people = len({r["people_key"] for r in members})
        if people < MIN_PEOPLE:
            continue
        words = [w for w in content_words(vocab[order]) if naming.usable(w)][:8]
        # search-mode segmentation yields "搅拌" beside "搅拌站": keep the whole word
        keywords = [w for w in words if not any(w != o and w in o for o in words)][:5]
        times = sorted(r["received_at"] for r in members)
        last = end or max(r["received_at"] for r in rows)
        recent = sum(1 for t in times if last - WEEK < t <= last)
        before = sum(1 for t in times if last - 2 * WEEK < t <= last - WEEK)
        place = naming.choose_place([r["place_words"] for r in members], window, len(rows),
                                    members[0]["village_name"] or "")
        said = naming.problem_words(list(vocab[order]), place, lexicon, [r["search_text"].split() for r in members])
        likes = sum(r["likes"] for r in members)
        urgent = sum(r["urgency"] == "urgent" for r in members) / len(members)
        critical = sum(r["urgency"] == "critical" for r in members) / len(members)
        out.append(Hotspot(
            title=naming.title(place, said or [w for w in keywords if w not in place][:naming.WORDS]),
            heat=heat_index(heard(members), people, likes, before, recent, urgent, critical),
            voices=voices, people=people, likes=likes, keywords=keywords, place=place,
            cases=[r["number"] for r in sorted(members, key=lambda r: r["received_at"])],
            first=times[0], last=times[-1], trend=_weekly(times)))
    out.sort(key=lambda h: (-h.heat, -h.voices))
    return out


def heard(members: list[dict]) -> int:
    """The voices the heat counts: at most PER_PERSON cases of one person's — forty messages of one campaign
    weigh as one person saying it a few times, not as forty people. A merged case's further voices are other
    people's (merging joins voices of the same problem) and all count."""
    per = Counter(r["people_key"] for r in members)
    return sum(min(PER_PERSON, v) for v in per.values()) + sum(max(0, r["voices"] - 1) for r in members)


def _weekly(times) -> list[int]:
    start = times[0]
    counts = Counter(int((t - start).days // 7) for t in times)
    return [counts.get(i, 0) for i in range(max(counts) + 1)]


def _near(sim, rows):
    """The similarity of two cases that both carry a point, plus the distance term (ledger/geo.py)."""
    from ..ledger.geo import distance_term

    lat = np.array([np.nan if r.get("lat") is None else r["lat"] for r in rows])
    lng = np.array([np.nan if r.get("lng") is None else r["lng"] for r in rows])
    coo = sim.tocoo()
    data = coo.data + distance_term(lat[coo.row], lng[coo.row], lat[coo.col], lng[coo.col])
    return type(sim)((data, (coo.row, coo.col)), shape=sim.shape)
