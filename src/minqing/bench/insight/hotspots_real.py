"""`python -m minqing.bench insight --hotspots-real` (issue 16): the hottest ten hotspots of the shared
4,326-message votes file over 2017–2020, with their titles, beside the data's most-liked messages.

What a county's installation would do with that file as its ledger, without a database: the lexicon job
(insight/vocabulary.py) discovers the words the messages use that the segmenter lacks — from the file's own
text and, the ledger being young (< 5,000 cases), the shipped sample — and every message is then
segmented, given its places (found whole) and clustered as the hourly hotspot run does
(insight/hotspots.cluster, one unit, no villages). Nothing here looks at particular rows."""

from __future__ import annotations

import time
from collections import Counter


def read_votes(path) -> list[dict]:
    from openpyxl import load_workbook

    from .ledger_free import _parse

    ws = load_workbook(path, read_only=True).active
    it = ws.iter_rows(values_only=True)
    head = [str(h).strip() for h in next(it)]
    col = {h: i for i, h in enumerate(head)}
    out = []
    for r in it:
        when = _parse(r[col["留言时间"]])
        if when is None:
            continue
        out.append({"number": str(r[col["留言编号"]]), "title": str(r[col["留言主题"]] or "").strip(),
                    "text": str(r[col["留言详情"]] or ""), "received_at": when, "person": str(r[col["留言用户"]]),
                    "likes": int(r[col["点赞数"]] or 0), "dislikes": int(r[col["反对数"]] or 0)})
    return out


def hotspots_real(top: int = 10, first_year: int = 2017, last_year: int = 2020) -> dict:
    from ...insight.hotspots import cluster
    from ...insight.vocabulary import TEXT_CHARS, YOUNG, shipped_texts
    from ...text.keywords import places
    from ...text.newwords import discover
    from ...text.normalise import normalise
    from ...text.segment import dictionary_cut, search_tokens, set_lexicon
    from .. import _data

    if not _data.VOTES_FILE.exists():
        return {"skipped": f"{_data.VOTES_FILE} not found"}
    messages = [m for m in read_votes(_data.VOTES_FILE) if first_year <= m["received_at"].year <= last_year]
    for m in messages:
        m["norm"] = f"{normalise(m['title'])} {normalise(m['text'])}"
    t0 = time.perf_counter()
    texts = [m["norm"][:TEXT_CHARS + 60] for m in messages]
    if len(texts) < YOUNG:
        texts += shipped_texts()
    found = discover(texts, dictionary_cut)
    set_lexicon(f.word for f in found)
    known = {f.word for f in found if f.place}
    discovery = time.perf_counter() - t0
    rows = []
    for m in messages:
        rows.append({"number": m["number"], "title": m["title"], "search_text": search_tokens(m["norm"]),
                     "received_at": m["received_at"], "voices": 1, "likes": m["likes"] - m["dislikes"],
                     "raw_likes": m["likes"], "urgency": "normal", "village": "", "village_name": "",
                     "place_words": places(m["norm"], known)[:3], "people_key": m["person"]})
    t0 = time.perf_counter()
    spots = cluster(rows, end=max(r["received_at"] for r in rows), lexicon=[f.word for f in found])
    seconds = time.perf_counter() - t0
    set_lexicon(())
    by_number = {r["number"]: r for r in rows}
    in_spot = {n: i for i, h in enumerate(spots) for n in h.cases}
    liked = sorted(rows, key=lambda r: -r["raw_likes"])
    hot = []
    for h in spots[:top]:
        members = [by_number[n] for n in h.cases]
        hot.append({"title": h.title, "heat": h.heat, "voices": h.voices, "people": h.people,
                    "likes": sum(r["raw_likes"] for r in members), "first": h.first.date().isoformat(),
                    "last": h.last.date().isoformat(), "keywords": h.keywords,
                    "their_titles": [t for t, _ in Counter(r["title"][:40] for r in members).most_common(3)]})
    return {"messages": len(rows), "years": f"{first_year}–{last_year}", "words_discovered": len(found),
            "discovery_seconds": round(discovery, 1), "hotspots": len(spots), "clustering_seconds": round(seconds, 2),
            "hottest": hot,
            "most_liked": [{"title": r["title"][:40], "likes": r["raw_likes"],
                            "our_rank": in_spot[r["number"]] + 1 if r["number"] in in_spot else None}
                           for r in liked[:top]]}


def print_report(report: dict) -> None:
    if "skipped" in report:
        print(report["skipped"])
        return
    print(f"{report['messages']} messages ({report['years']}), {report['words_discovered']} words discovered "
          f"({report['discovery_seconds']} s), {report['hotspots']} hotspots ({report['clustering_seconds']} s)")
    print("\nhottest hotspots                                             heat  voices people  likes")
    for i, h in enumerate(report["hottest"], 1):
        print(f"{i:>2}. {h['title'][:50]:<50} {h['heat']:>7} {h['voices']:>6} {h['people']:>6} {h['likes']:>6}")
        print(f"      e.g. {' | '.join(h['their_titles'])}")
    print("\nmost-liked messages                                   likes  our rank")
    for r in report["most_liked"]:
        print(f"    {r['title']:<44} {r['likes']:>6}  {r['our_rank'] or '—'}")
