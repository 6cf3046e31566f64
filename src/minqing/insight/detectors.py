"""Early-warning detectors (预警): pure functions over plain rows and counts; each finding explains
itself in Chinese with the figures that raised it (docs/warnings.md).

- surge (群体性苗头): at least SURGE_VOICES similar voices from SURGE_PEOPLE or more people at one
  village within SURGE_HOURS — the hotspot clustering (insight/hotspots.py) run on that short window,
  with word weights learnt from the month before and a lower link (SURGE_LINK): within one village and
  three days, sharing the unusual words is enough.
- seasonal (高于往年同期): a category's voices in a township (or the county) over the last 7 days against
  its baseline — the level of the previous 8 weeks carried through the change earlier years showed at
  this time of year (the same 3 weeks against the 8 before them) — when the count is at least
  SEASONAL_MIN, 1.5 × the baseline and more than 3 Poisson standard deviations above.
- repeat (重复反映): one person (by verified phone or the source system's user id, never an anonymous
  voice) with at least REPEAT_CASES cases in REPEAT_DAYS days.
- rebound (反弹回潮): a new voice at the same village saying the same thing as a case closed there within
  the last REBOUND_DAYS days, at least REBOUND_GAP after it was closed — the duplicate search's own
  retrieval and score (ledger/similar.py, character-bigram similarity ≥ REBOUND_SIMILARITY, the level
  at which a voice counts as a duplicate), asked of closed cases. Categories are not compared: a new
  voice is usually not yet triaged.
"""

import datetime as dt
import hashlib
import math
from dataclasses import dataclass, field

from .hotspots import cluster

SURGE_HOURS, SURGE_VOICES, SURGE_PEOPLE, SURGE_LINK, SURGE_RISE, BACKGROUND_DAYS = 72, 5, 3, 0.2, 3.0, 30
SEASONAL_MIN, SEASONAL_RATIO, SEASONAL_Z, SMOOTH = 8, 1.5, 3.0, 2.0
REPEAT_DAYS, REPEAT_CASES = 30, 3
REBOUND_DAYS, REBOUND_SIMILARITY, REBOUND_GAP = 180, 0.35, dt.timedelta(days=3)


@dataclass
class Finding:
    kind: str
    key: str                # the event's identity: one warning per event
    place: str              # unit path where it happens
    title: str
    explanation: str
    score: float
    cases: list[str] = field(default_factory=list)
    category: str = ""
    figures: dict = field(default_factory=dict)
    event_at: dt.datetime | None = None


def surges(rows: list[dict], now: dt.datetime, background: list[tuple] = (),
           background_hours: float = BACKGROUND_DAYS * 24) -> list[Finding]:
    """rows: the cases of the last SURGE_HOURS, as for hotspots.cluster (with `village`, `village_name`);
    background: (search_text, title, village) of the cases before (the BACKGROUND_DAYS before, or the
    most recent of them: `background_hours` is the time they cover), for how common each word usually
    is and how often the same thing was said at that village before: a surge is sudden — at least
    SURGE_RISE times what the background would give in SURGE_HOURS (plus one), else it is a standing
    problem, which the hotspots show."""
    by_number = {r["number"]: r for r in rows}
    texts = [(b[0], b[1]) for b in background]
    out, before_at = [], _said_before(rows, background)
    for h in cluster(rows, link=SURGE_LINK, min_voices=SURGE_VOICES, end=now, background=texts):
        members = [by_number[n] for n in h.cases]
        villages = {r["village"] for r in members if r["village"]}
        if len(villages) != 1 or h.people < SURGE_PEOPLE:
            continue
        village = villages.pop()
        name = next(r["village_name"] for r in members if r["village"] == village)
        before = before_at(village, [r["search_text"] for r in members])
        expected = before * SURGE_HOURS / max(background_hours, SURGE_HOURS)
        if h.voices < SURGE_RISE * (expected + 1):
            continue
        hours = max(1, math.ceil((h.last - h.first).total_seconds() / 3600))
        out.append(Finding(
            kind="surge", key=f"surge:{village}:{h.cases[0]}", place=village, cases=h.cases, score=h.heat,
            title=f"{name}：{h.people}人集中反映“{'、'.join(h.keywords[:3]) or h.title}”",
            explanation=(f"{hours}小时内{name}有{h.people}人（{h.voices}条诉求）反映同一问题，关键词：{'、'.join(h.keywords[:5])}；"
                         f"此前{_days(background_hours)}天同地同类诉求{before}件。"
                         f"同地短时集中反映可能引发群体性事件，建议当日研判、主动上门。"),
            figures={"voices": h.voices, "people": h.people, "hours": hours, "keywords": h.keywords,
                     "before": before, "expected": round(expected, 2)},
            event_at=h.last))
    return out


def _days(hours: float) -> str:
    return f"{hours / 24:.0f}" if hours >= 48 else f"{hours / 24:.1f}"


def _said_before(rows: list[dict], background: list[tuple]):
    """before(village, texts) → how many of the village's background cases are close (cosine ≥ SURGE_LINK)
    to the centre of `texts`: how often the same thing was said there in the month before."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    by_village: dict[str, list[str]] = {}
    for b in background:
        if len(b) > 2 and b[2]:
            by_village.setdefault(b[2], []).append(b[0])
    try:
        vec = TfidfVectorizer(token_pattern=r"\S+", sublinear_tf=True).fit(
            [r["search_text"] for r in rows] + [b[0] for b in background])
    except ValueError:
        return lambda village, texts: 0
    matrices: dict = {}

    def before(village: str, texts: list[str]) -> int:
        if not by_village.get(village):
            return 0
        if village not in matrices:
            matrices[village] = normalize(vec.transform(by_village[village]))
        centre = normalize(np.asarray(normalize(vec.transform(texts)).mean(axis=0)))
        return int((np.asarray(matrices[village] @ centre.T).ravel() >= SURGE_LINK).sum())

    return before


def seasonal(now_counts: dict, prior_years: dict, recent_weeks: dict, names: dict, week: str) -> list[Finding]:
    """now_counts[(place, category)] = voices in the last 7 days; recent_weeks[...] = counts of the 8 weeks
    before; prior_years[...] = for each earlier year with data, (weekly mean of the same 3 weeks then,
    weekly mean of the 8 weeks before them). The baseline is this year's level carried through last
    years' season (as insight/foresight.py forecasts): growth of the whole ledger is not a warning."""
    out = []
    for key, count in now_counts.items():
        place, category = key
        recent = recent_weeks.get(key) or []
        level = sum(recent) / len(recent) if recent else 0.0
        prior = prior_years.get(key) or []
        if not prior and not any(recent):
            continue  # nothing to compare with
        ratio = sum((same + SMOOTH) / (before + SMOOTH) for same, before in prior) / len(prior) if prior else 1.0
        base = level * ratio
        basis = (f"按近8周周均{level:.1f}件和往年同期的季节变化（×{ratio:.2f}），预计{base:.1f}件" if prior
                 else f"近8周周均{level:.1f}件")
        z = (count - base) / math.sqrt(max(base, 1.0))
        if count < SEASONAL_MIN or count < SEASONAL_RATIO * base or z < SEASONAL_Z:
            continue
        rise = f"+{(count / base - 1):.0%}" if base >= 0.5 else "新出现"
        out.append(Finding(
            kind="seasonal", key=f"seasonal:{place}:{category}:{week}", place=place, category=category,
            score=round(z, 2), title=f"{names.get(place, place)}“{category}”类诉求明显增多（{rise}）",
            explanation=f"近7天{names.get(place, place)}“{category}”类诉求{count}件，{basis}（{rise}，超出{z:.1f}个标准差）。",
            figures={"count": count, "baseline": round(base, 2), "level": round(level, 2), "season": round(ratio, 3),
                     "z": round(z, 2), "basis": "prior_years" if prior else "recent_weeks"}))
    return out


def person_key(raw: str) -> str:
    """A person's identity in a warning key, without the phone number itself."""
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def repeats(groups: list[dict]) -> list[Finding]:
    """groups: {person, masked, cases: [(number, received_at, title)], place, place_name} with ≥ REPEAT_CASES."""
    out = []
    for g in groups:
        cases = sorted(g["cases"], key=lambda c: c[1])
        if len(cases) < REPEAT_CASES:
            continue
        days = max(1, (cases[-1][1] - cases[0][1]).days)
        out.append(Finding(
            kind="repeat", key=f"repeat:{person_key(g['person'])}:{cases[0][0]}", place=g["place"],
            score=float(len(cases)), cases=[c[0] for c in cases],
            title=f"{g['place_name']}群众（{g['masked']}）{days}天内反映{len(cases)}次",
            explanation=(f"同一人{days}天内反映{len(cases)}次：" + "；".join(f"{c[0]}“{c[2][:20]}”" for c in cases[-5:])
                         + "。请调阅全部记录，当面了解诉求是否得到解决，防止重复信访。"),
            figures={"cases": len(cases), "days": days}, event_at=cases[-1][1]))
    return out


def rebound(new: dict, closed: dict, similarity: float) -> Finding:
    """A new voice saying what a case closed at the same place said (found by insight/warnings.py with
    the duplicate search's retrieval): the problem may have come back."""
    days = (new["received_at"] - closed["closed_at"]).days
    return Finding(
        kind="rebound", key=f"rebound:{closed['number']}", place=closed["village"], category=closed["category"],
        score=round(similarity, 3), cases=[closed["number"], new["number"]],
        title=f"{closed['village_name']}：已办结的“{closed['title'][:24]}”又有人反映",
        explanation=(f"{closed['number']}于{closed['closed_at']:%Y-%m-%d}办结，{days}天后同一地点又收到相同问题的诉求"
                     f"（{new['number']}，相似度{similarity:.2f}）。问题可能反弹回潮，建议回查整改效果、查找根源。"),
        figures={"closed": closed["number"], "days": days, "similarity": round(similarity, 3)},
        event_at=new["received_at"])
