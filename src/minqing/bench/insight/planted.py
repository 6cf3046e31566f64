"""(3) of the insight benchmark: planted events over the last `--days` days, written through the real
intake — surges (6–9 people at one village within 36 h), repeat petitioners (one phone 3–4 times in
20 days), rebounds (a problem closed 60–120 days before comes back) and seasonal rises (a category
tripled in a township for a week) — then the worker's warning scan every `--step-hours` over those
days: precision and recall per kind, time to detect (from the moment the rule could first fire; the
scan step bounds it), time per scan, and how many warnings reached the county's leader.

A warning that matches no planted event counts against precision; with the real background some of
those are true by the rules' own definitions, with `--background varied` none is (see process.py)."""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time

SURGE_TOPICS = ["搅拌站粉尘漫天，晾的衣服全是灰", "自来水发黄有异味，已经三天不敢喝", "小区门口烧烤店油烟噪音扰民到凌晨",
                "工地夜间施工噪音太大，孩子没法睡觉", "垃圾中转站臭气熏天，苍蝇成群", "村道被大货车压坏，坑洼积水出行难",
                "变压器老化经常停电，冰箱里的东西都坏了", "河道被倾倒建筑垃圾，下雨就漫到路上", "养殖场污水直排，周边臭味很大",
                "小区电梯频繁故障，老人被困"]
VARIANTS = ["{t}", "我们{v}这边{t}，请尽快处理", "{t}，希望政府管一管", "反映{v}：{t}", "{t}，已经好几天了", "{v}{t}，大家意见很大",
            "{t}，多次反映没人管", "紧急：{t}", "{v}居民反映{t}"]


# --------------------------------------------------------------------------- (3) planted events
def plant(now: dt.datetime, days: int, seed: int = 11) -> list[dict]:
    """Events in the last `days` days, written through the real intake (submit_voice)."""
    from ... import clock
    from ...intake.services import submit_voice
    from ...ledger.models import Case
    from ...org.models import Level, Unit, User

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
    from ...insight import warnings
    from ...insight.models import Warning

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
    from ...org.models import Level, Role, User
    from ...workflow.models import Notification

    leader = User.objects.filter(role=Role.LEADER, unit__level=Level.COUNTY).order_by("id").first()
    if leader is None:
        return set()
    keys = Notification.objects.filter(user=leader, kind="warning", key__startswith="warning:")
    return {int(k.split(":")[1]) for k in keys.values_list("key", flat=True)}


def _matches(w, e) -> bool:
    if e["kind"] == "seasonal":
        return e["path"].startswith(w.unit_path) and w.category == e["category"]  # the township, or the county
    return bool(e["cases"] & {c.number for c in w.cases.all()})
