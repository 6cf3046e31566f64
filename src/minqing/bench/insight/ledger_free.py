"""The parts of the insight benchmark measured in the parent process, without a database:

(1) hotspots on messages_with_votes.xlsx (4,326 real messages with likes): the top-5 hotspots with their
    heat and voices beside the data's own likes ranking, and their agreement (docs/benchmarks.md);
(2) foresight back-test on the real messages' weekly volume and on a synthetic seasonal series:
    mean absolute error of the next-4-weeks forecast beside the naive forecast's, same series.

Both read the real messages straight from the TipDM files (bench/_data/), with the importer's date
parser; a file that is not there skips its part."""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time


# ------------------------------------------------------------------ (1) hotspots vs the data's likes
def hotspot_agreement(top: int = 5) -> dict:
    from ...insight.hotspots import cluster
    from ...text.segment import search_tokens
    from .. import _data

    if not _data.VOTES_FILE.exists():
        return {"skipped": f"{_data.VOTES_FILE} not found"}
    from openpyxl import load_workbook

    ws = load_workbook(_data.VOTES_FILE, read_only=True).active
    it = ws.iter_rows(values_only=True)
    head = [str(h).strip() for h in next(it)]
    col = {h: i for i, h in enumerate(head)}
    rows = []
    for r in it:
        when = _parse(r[col["留言时间"]])
        if when is None:
            continue
        text = f"{r[col['留言主题']] or ''} {r[col['留言详情']] or ''}"
        likes, dislikes = int(r[col["点赞数"]] or 0), int(r[col["反对数"]] or 0)
        rows.append({"number": str(r[col["留言编号"]]), "title": str(r[col["留言主题"]] or "").strip(),
                     "search_text": search_tokens(text), "received_at": when, "voices": 1, "likes": likes - dislikes,
                     "raw_likes": likes, "urgency": "normal", "village": "", "village_name": "", "place_words": [],
                     "people_key": str(r[col["留言用户"]])})
    t0 = time.perf_counter()
    spots = cluster(rows, end=max(r["received_at"] for r in rows))
    seconds = time.perf_counter() - t0
    by_number = {r["number"]: r for r in rows}
    liked = sorted(rows, key=lambda r: -r["raw_likes"])
    in_spot = {n: i for i, h in enumerate(spots) for n in h.cases}
    # agreement: (a) of the data's top-k most-liked messages, how many fall in one of our top-2k hotspots;
    # (b) of our top-k hotspots, how many hold one of the data's 50 most-liked messages;
    # (c) Spearman's rho between a hotspot's heat and its total likes, over all hotspots
    from scipy.stats import spearmanr

    top_liked = [r["number"] for r in liked[:top]]
    a = sum(1 for n in top_liked if in_spot.get(n, 10**9) < 2 * top)
    fifty = {r["number"] for r in liked[:50]}
    b = sum(1 for h in spots[:top] if fifty & set(h.cases))
    rho = spearmanr([h.heat for h in spots], [sum(by_number[n]["raw_likes"] for n in h.cases) for h in spots])[0] \
        if len(spots) > 2 else None
    return {
        "messages": len(rows), "hotspots": len(spots), "seconds": round(seconds, 2),
        "top": [{"title": h.title, "heat": h.heat, "voices": h.voices, "people": h.people,
                 "likes": sum(by_number[n]["raw_likes"] for n in h.cases)} for h in spots[:top]],
        "most_liked": [{"title": r["title"][:40], "likes": r["raw_likes"],
                        "our_rank": in_spot[r["number"]] + 1 if r["number"] in in_spot else None} for r in liked[:top]],
        "liked_in_our_top": f"{a}/{top}", "our_top_holding_a_top50_liked": f"{b}/{top}",
        "spearman_heat_likes": round(float(rho), 3) if rho is not None else None,
    }


def _parse(value):
    from ...intake.excel import DateParser

    try:
        return DateParser()(value, "留言时间")
    except Exception:  # a row the importer would reject: skipped here too
        return None


# ------------------------------------------------------------------------- (2) foresight back-test
def backtest(series: list[float], last: int = 26, horizon: int = 4) -> dict:
    from ...insight.foresight import forecast, naive, seasonal_forecast

    err = {"minqing": [], "seasonal only": [], "naive": []}
    for cut in range(len(series) - last - horizon + 1, len(series) - horizon + 1):
        actual = series[cut:cut + horizon]
        for name, f in (("minqing", forecast), ("seasonal only", seasonal_forecast), ("naive", naive)):
            err[name].append(sum(abs(p - a) for p, a in zip(f(series[:cut], horizon), actual, strict=True)) / horizon)
    mae = {k: round(statistics.mean(v), 3) for k, v in err.items() if v}
    mean = statistics.mean(series[-last:]) if series else 0
    return {"weeks": len(series), "held_out": last, "mae": mae, "mean_weekly": round(mean, 2),
            "ratio": round(mae["minqing"] / mae["naive"], 3) if mae.get("naive") else None}


def foresight_backtests(seed: int = 7) -> dict:
    out = {}
    real = _real_weekly()
    if real:
        out["real messages (weekly total)"] = backtest(real)
    rng = random.Random(seed)
    synthetic = []
    for year in range(3):  # 3 years of a county category: level 20 a week, rising 10%/year, enrolment surge
        for w in range(52):
            lam = 20 * (1.1 ** year) * (2.5 if 33 <= w <= 37 else 1.0)
            synthetic.append(float(sum(rng.random() < lam / 200 for _ in range(200))))
    out["synthetic 教育文体 with enrolment surge (3 years)"] = backtest(synthetic, last=52)
    return out


def _real_weekly() -> list[float]:
    from .. import _data

    files = [_data.TIPDM / "messages_with_votes.xlsx", _data.TIPDM / "messages_with_replies.xlsx"]
    if not all(f.exists() for f in files):
        return []
    from openpyxl import load_workbook

    times = []
    for f in files:
        ws = load_workbook(f, read_only=True).active
        it = ws.iter_rows(values_only=True)
        head = [str(h).strip() for h in next(it)]
        i = head.index("留言时间")
        times += [t for t in (_parse(r[i]) for r in it) if t is not None]
    times.sort()
    # both ends are thin tails (a few old messages; the weeks the collection stopped): cut them
    cut, stop = times[int(len(times) * 0.02)], times[int(len(times) * 0.995)]
    start = cut - dt.timedelta(days=cut.weekday())
    weeks = int((stop - start).days // 7)
    series = [0.0] * weeks
    for t in times:
        if start <= t and (t - start).days // 7 < weeks:
            series[(t - start).days // 7] += 1
    return series
