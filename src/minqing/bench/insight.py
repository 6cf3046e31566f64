"""Benchmark of issue 6 (see trouble coming): `python -m minqing.bench insight`.

    python -m minqing.bench insight [--sizes 1000000] [--quick] [--step-hours 12] [--days 30]
                                    [--samples 9] [--fresh] [--json FILE] [--db sqlite|postgresql]
                                    [--background real|varied] [--only warnings,rebuild,dashboard]

In this process, without a database:
(1) hotspots on messages_with_votes.xlsx (4,326 real messages with likes): the top-5 hotspots with their
    heat and voices beside the data's own likes ranking, and their agreement (docs/benchmarks.md);
(2) foresight back-test on the real messages' weekly volume and on a synthetic seasonal series:
    mean absolute error of the next-4-weeks forecast beside the naive forecast's, same series.
Per size N, in its own process on a synthetic ledger of N cases (bench/_data.py's generator, 540 days,
loaded once and reused), inside a transaction that is rolled back:
(3) planted events over the last `--days` days — surges (6–9 people at one village within 36 h), repeat
    petitioners (one phone 3–4 times in 20 days), rebounds (a problem closed 60–120 days before comes
    back) and seasonal rises (a category tripled in a township for a week) — then the worker's warning
    scan every `--step-hours` over those days: precision and recall per kind, time to detect
    (from the moment the rule could first fire; the scan step bounds it), time per scan;
(4) a full hotspot rebuild (`refresh_hotspots`: the county and every township, last 30 days);
(5) dashboard page time, median and p95, for the county dispatcher and a township leader, 30 and 365
    days (`GET /dashboard/`, logged in, DEBUG off), as served from the area's snapshot, and the cold
    time of the first view that computes it (what the worker does every 10 minutes). Target: under 1 s
    per view at 1,000,000 cases (SQLite) and at 10,000,000 (PostgreSQL).
The background is made from every real message of ../shared/data (POOL); the same real complaint then
recurs ~140 times per million cases, at random places and times, so some warnings that match no planted
event are true by the rules' own definitions. `--background varied` writes every background text anew,
word by word (bench/_data.Babbler: a word-bigram chain over the real messages), so that nothing recurs
and every warning that matches no planted event is a false alarm.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from ._report import log

DATA_DIR = Path(os.environ.get("MINQING_BENCH_INSIGHT_DIR", "/tmp/minqing-bench-insight"))
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/"
DASHBOARD_TARGET_S = 1.0
POOL = 20_000  # real messages the background is made of: all of them (7,220 in ../shared/data)
PARTS = ("warnings", "rebuild", "dashboard")
SURGE_TOPICS = ["搅拌站粉尘漫天，晾的衣服全是灰", "自来水发黄有异味，已经三天不敢喝", "小区门口烧烤店油烟噪音扰民到凌晨",
                "工地夜间施工噪音太大，孩子没法睡觉", "垃圾中转站臭气熏天，苍蝇成群", "村道被大货车压坏，坑洼积水出行难",
                "变压器老化经常停电，冰箱里的东西都坏了", "河道被倾倒建筑垃圾，下雨就漫到路上", "养殖场污水直排，周边臭味很大",
                "小区电梯频繁故障，老人被困"]
VARIANTS = ["{t}", "我们{v}这边{t}，请尽快处理", "{t}，希望政府管一管", "反映{v}：{t}", "{t}，已经好几天了", "{v}{t}，大家意见很大",
            "{t}，多次反映没人管", "紧急：{t}", "{v}居民反映{t}"]


# ------------------------------------------------------------------ (1) hotspots vs the data's likes
def hotspot_agreement(top: int = 5) -> dict:
    from ..insight.hotspots import cluster
    from ..text.segment import search_tokens
    from . import _data

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
    from ..intake.excel import DateParser

    try:
        return DateParser()(value, "留言时间")
    except Exception:  # a row the importer would reject: skipped here too
        return None


# ------------------------------------------------------------------------- (2) foresight back-test
def backtest(series: list[float], last: int = 26, horizon: int = 4) -> dict:
    from ..insight.foresight import forecast, naive, seasonal_forecast

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
    from . import _data

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


# --------------------------------------------------------------------------- (3) planted events
def plant(now: dt.datetime, days: int, seed: int = 11) -> list[dict]:
    """Events in the last `days` days, written through the real intake (submit_voice)."""
    from .. import clock
    from ..intake.services import submit_voice
    from ..ledger.models import Case
    from ..org.models import Level, Unit, User

    rng = random.Random(seed)
    clerk = User.objects.get(username="dispatcher")
    villages = list(Unit.objects.filter(level=Level.VILLAGE).order_by("path"))
    townships = list(Unit.objects.filter(level=Level.TOWNSHIP).order_by("path"))
    events, phone = [], [13700000000]

    def voice(unit, text, at, person=None, category=""):
        phone[0] += 1
        sub = {"mode": "protected", "name": "群众", "phone": person or str(phone[0])}
        with clock.frozen_at(at):
            case = submit_voice({"text": text, "channel": "phone", "unit": unit.code, "submitter": sub}, clerk,
                                received_at=at).case
        if category:
            Case.objects.filter(pk=case.pk).update(category_top=category)
        return case

    span = dt.timedelta(days=days - 3)
    for k, topic in enumerate(SURGE_TOPICS):  # surges
        v = villages[(3 * k) % len(villages)]
        start = now - span + dt.timedelta(days=rng.uniform(0, days - 5))
        n = rng.randint(6, 9)
        times = sorted(start + dt.timedelta(hours=rng.uniform(0, 36)) for _ in range(n))
        cases = [voice(v, rng.choice(VARIANTS).format(t=topic, v=v.name), t) for t in times]
        events.append({"kind": "surge", "cases": {c.number for c in cases}, "ready": times[4], "unit": v.code})
    reach = min(20, days - 4)  # a petitioner's voices all fall within the scanned days
    for k in range(8):  # repeat petitioners
        v = villages[(5 * k + 1) % len(villages)]
        start = now - span + dt.timedelta(days=rng.uniform(0, max(0, days - 4 - reach)))
        person = f"1880000{k:04d}"
        times = sorted(start + dt.timedelta(days=rng.uniform(0, reach)) for _ in range(rng.randint(3, 4)))
        cases = [voice(v, f"第{i + 1}次反映：{rng.choice(SURGE_TOPICS)[:12]}，至今未解决", t, person) for i, t in enumerate(times)]
        events.append({"kind": "repeat", "cases": {c.number for c in cases}, "ready": times[2], "unit": v.code})
    for k in range(8):  # rebounds
        v = villages[(7 * k + 2) % len(villages)]
        topic = SURGE_TOPICS[(k + 3) % len(SURGE_TOPICS)]
        old_at = now - dt.timedelta(days=rng.uniform(60, 120))
        old = voice(v, f"{v.name}{topic}", old_at, category="城乡建设")
        closed = old_at + dt.timedelta(days=rng.uniform(5, 20))
        Case.objects.filter(pk=old.pk).update(status="closed", closed_at=closed, close_reason="resolved")
        at = now - span + dt.timedelta(days=rng.uniform(0, days - 4))
        again = voice(v, f"{v.name}又出现{topic}的问题", at, category="城乡建设")
        events.append({"kind": "rebound", "cases": {old.number, again.number}, "ready": at, "unit": v.code,
                       "key": f"rebound:{old.number}"})
    for k, category in enumerate(["教育文体", "卫生计生"]):  # seasonal rises: a township's week tripled
        t = townships[k % len(townships)]
        places = [u for u in villages if u.parent_id == t.id]
        base = Case.objects.filter(category_top=category, place_path__startswith=t.path,
                                   received_at__gte=now - dt.timedelta(days=63), received_at__lt=now - dt.timedelta(days=7)).count() / 8
        extra = max(10, int(2.5 * base))
        start = now - dt.timedelta(days=rng.uniform(6, max(6.0, days - 8)))  # the week ends a day before now
        times = sorted(start + dt.timedelta(days=rng.uniform(0, 5)) for _ in range(extra))
        cases = [voice(rng.choice(places), f"{category}方面的问题：{rng.choice(SURGE_TOPICS)[:10]}", at, category=category)
                 for at in times]
        events.append({"kind": "seasonal", "cases": {c.number for c in cases}, "ready": times[len(times) // 2],
                       "unit": t.code, "category": category, "path": t.path})
    return events


def measure_warnings(now: dt.datetime, days: int, step_hours: int) -> dict:
    from ..insight import warnings
    from ..insight.models import Warning

    t0 = time.perf_counter()
    events = plant(now, days)
    planting = time.perf_counter() - t0
    times, t = [], now - dt.timedelta(days=days)
    while t <= now:
        s = time.perf_counter()
        warnings.scan(t, dt.timedelta(hours=step_hours))
        times.append(time.perf_counter() - s)
        t += dt.timedelta(hours=step_hours)
    found = list(Warning.objects.prefetch_related("cases"))
    pushed = _pushed_to_county_leader()
    per_kind = {}
    for kind in ("surge", "repeat", "rebound", "seasonal"):
        planted = [e for e in events if e["kind"] == kind]
        raised = [w for w in found if w.kind == kind]
        matched_w, delays, hits, told = set(), [], 0, 0
        for e in planted:
            ws = [w for w in raised if _matches(w, e)]
            if ws:
                hits += 1
                told += any(w.id in pushed for w in ws)
                matched_w |= {w.id for w in ws}
                delays.append(max(0.0, (min(w.raised_at for w in ws) - e["ready"]).total_seconds() / 3600))
        per_kind[kind] = {"planted": len(planted), "found": hits, "raised": len(raised),
                          "recall": round(hits / len(planted), 3) if planted else None,
                          "precision": round(len(matched_w) / len(raised), 3) if raised else None,
                          "unplanted": len(raised) - len(matched_w),
                          "unplanted_per_day": round((len(raised) - len(matched_w)) / days, 1),
                          "planted_pushed_to_county_leader": told,
                          "detect_hours_median": round(statistics.median(delays), 1) if delays else None,
                          "detect_hours_max": round(max(delays), 1) if delays else None}
    return {"name": "warnings", "scans": len(times), "step_hours": step_hours, "days": days,
            "scan_seconds_median": round(statistics.median(times), 2), "scan_seconds_max": round(max(times), 2),
            "planting_seconds": round(planting, 1), "kinds": per_kind,
            "county_leader": {"pushed": len(pushed), "pushed_per_day": round(len(pushed) / days, 1),
                              "raised": len(found), "raised_per_day": round(len(found) / days, 1)}}


def _pushed_to_county_leader() -> set[int]:
    """Ids of the warnings the county's leader was told of one by one (the daily cap holds the rest)."""
    from ..org.models import Level, Role, User
    from ..workflow.models import Notification

    leader = User.objects.filter(role=Role.LEADER, unit__level=Level.COUNTY).order_by("id").first()
    if leader is None:
        return set()
    keys = Notification.objects.filter(user=leader, kind="warning", key__startswith="warning:")
    return {int(k.split(":")[1]) for k in keys.values_list("key", flat=True)}


def _matches(w, e) -> bool:
    if e["kind"] == "seasonal":
        return e["path"].startswith(w.unit_path) and w.category == e["category"]  # the township, or the county
    return bool(e["cases"] & {c.number for c in w.cases.all()})


# -------------------------------------------------------------------- (4) rebuild, (5) dashboard
def measure_rebuild(now) -> dict:
    from ..insight.dashboard import refresh_hotspots
    from ..insight.models import HotspotRun

    t0 = time.perf_counter()
    areas = refresh_hotspots(now)
    seconds = time.perf_counter() - t0
    runs = list(HotspotRun.objects.filter(computed_at=now))
    return {"name": "hotspot rebuild", "areas": areas, "seconds": round(seconds, 2),
            "cases": sum(r.cases for r in runs), "hotspots": sum(len(r.items) for r in runs),
            "slowest_area_seconds": max((r.seconds for r in runs), default=0)}


def measure_dashboard(samples: int) -> list[dict]:
    from django.test import Client

    from ..org.models import User

    out = []
    for username, label in (("dispatcher", "county dispatcher"), ("cg_leader", "township leader")):
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        client = Client()
        client.force_login(user)
        for days in ("30", "365"):
            url = f"/dashboard/?days={days}"
            from ..insight.models import DashboardSnapshot

            DashboardSnapshot.objects.all().delete()
            t0 = time.perf_counter()
            assert client.get(url).status_code == 200  # computes the area's figures (what the worker does)
            cold = time.perf_counter() - t0
            times = []
            for _ in range(samples):
                t0 = time.perf_counter()
                r = client.get(url)
                times.append(time.perf_counter() - t0)
                assert r.status_code == 200
            times.sort()
            p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
            out.append({"name": f"dashboard {label}, {days} days", "median_s": round(statistics.median(times), 3),
                        "p95_s": round(p95, 3), "samples": samples, "cold_s": round(cold, 3),
                        "result": "PASS" if p95 < DASHBOARD_TARGET_S else "FAIL"})
    return out


# -------------------------------------------------------------------------------- the processes
def child(args) -> dict:
    import logging

    logging.getLogger("minqing.workflow.notify").setLevel(logging.WARNING)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from .. import clock
    from .workflow import prepare

    call_command("migrate", verbosity=0)
    load = prepare(args.size, fresh=args.fresh, cache_dir=args.data_dir, pool_size=POOL,
                   varied=args.background == "varied")
    from ..demo.county import DEMO_USERS
    from ..org.models import User
    from ..org.services import create_user

    for username, role, unit, password, label in DEMO_USERS:
        if not User.objects.filter(username=username).exists():
            create_user(username, password, role, unit, label)
    report = {"size": args.size, "vendor": connection.vendor, "background": args.background, "load": load,
              "results": []}
    now = clock.now()

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            if "warnings" in args.only:
                log(f"[{args.size:,}] planting events and scanning every {args.step_hours} h over {args.days} days …")
                report["results"].append(measure_warnings(now, args.days, args.step_hours))
            if "rebuild" in args.only:
                log(f"[{args.size:,}] full hotspot rebuild …")
                report["results"].append(measure_rebuild(now))
            if "dashboard" in args.only:
                log(f"[{args.size:,}] dashboard views …")
                report["results"] += measure_dashboard(args.samples)
            raise Rollback
    except Rollback:
        pass
    return report


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m minqing.bench insight")
    p.add_argument("--sizes", default="1000000")
    p.add_argument("--quick", action="store_true", help="20,000 cases, 9 scans, 3 samples")
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--step-hours", type=int, default=12)
    p.add_argument("--samples", type=int, default=9)
    p.add_argument("--fresh", action="store_true")
    p.add_argument("--json", type=Path)
    p.add_argument("--data-dir", type=Path, default=DATA_DIR)
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--pg-url", default=os.environ.get("MINQING_BENCH_PG_URL", DEFAULT_PG_URL))
    p.add_argument("--background", choices=["real", "varied"], default="real")
    p.add_argument("--only", default=",".join(PARTS), help="what to measure per size: " + ",".join(PARTS))
    p.add_argument("--child", action="store_true")
    p.add_argument("--size", type=int)
    p.add_argument("--out", type=Path)
    args = p.parse_args(argv)
    args.sizes = [20_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    args.only = [part.strip() for part in args.only.split(",") if part.strip()]
    if set(args.only) - set(PARTS):
        p.error(f"--only: choose among {', '.join(PARTS)}")
    if args.quick:
        args.samples, args.step_hours = 3, 24
    return args


def _environment(args, size: int) -> dict:
    """The child's database: its own SQLite folder or PostgreSQL database per size and background."""
    name = f"{size}" + ("-varied" if args.background == "varied" else "")
    env = dict(os.environ)
    if args.db == "sqlite":
        env.pop("MINQING_DATABASE_URL", None)
        env["MINQING_HOME"] = str(args.data_dir / f"sqlite-{name}")
    else:
        from .ledger import _pg_admin, _pg_database_exists

        db = "mqinsight_" + name.replace("-", "_")
        if args.fresh or not _pg_database_exists(args, db):
            _pg_admin(args.pg_url, [f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)', f'CREATE DATABASE "{db}"'])
        env["MINQING_DATABASE_URL"] = urlunparse(urlparse(args.pg_url)._replace(path="/" + db))
        env["MINQING_HOME"] = str(args.data_dir / "pg-home")
    Path(env["MINQING_HOME"]).mkdir(parents=True, exist_ok=True)
    return env


def main(argv: list[str]) -> None:
    args = parse(argv)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    if args.child:
        args.out.write_text(json.dumps(child(args), ensure_ascii=False, default=str), "utf-8")
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")
    import django

    django.setup()
    started = time.perf_counter()
    report = {"date": time.strftime("%Y-%m-%d %H:%M"), "cpus": os.cpu_count()}
    if "warnings" in args.only:  # the ledger-free parts go with the warnings
        log("hotspots on messages_with_votes.xlsx …")
        report["hotspots"] = hotspot_agreement()
        log("foresight back-tests …")
        report["foresight"] = foresight_backtests()
    report["sizes"] = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            out = Path(tmp) / f"{size}.json"
            env = _environment(args, size)
            cmd = [sys.executable, "-m", "minqing.bench", "insight", "--child", "--size", str(size), "--out", str(out),
                   "--days", str(args.days), "--step-hours", str(args.step_hours), "--samples", str(args.samples),
                   "--data-dir", str(args.data_dir), "--db", args.db, "--background", args.background,
                   "--only", ",".join(args.only)] + (["--fresh"] if args.fresh else [])
            if subprocess.run(cmd, env=env).returncode != 0 or not out.exists():
                report["sizes"].append({"size": size, "failed": True})
                continue
            report["sizes"].append(json.loads(out.read_text("utf-8")))
    report["seconds"] = round(time.perf_counter() - started)
    print(json.dumps(report, ensure_ascii=False, indent=1, default=str))
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str), "utf-8")
    if any(s.get("failed") for s in report["sizes"]):
        sys.exit(1)
