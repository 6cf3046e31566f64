"""The demo's cases: 300 real citizens' messages (a derived sample of the TipDM 2020 public data,
`voices.json`) moved through the lifecycle on a fake clock, so the ledger looks like a working
office's: new, dispatched, in hand, overdue, replied, rated, reopened and closed cases."""

import datetime as dt
import json
import random
import re
from pathlib import Path

from .. import clock
from ..intake.services import submit_voice
from ..ledger.actions import perform, rate_by_tracking_code
from ..ledger.models import Category
from ..org.models import Level, Role, Unit, User
from ..workflow.routing import route

DEMO_DAYS = 120  # the demo's voices arrive over the last four months
NAMES = "张伟 王芳 李娜 刘洋 陈静 杨勇 赵敏 黄磊 周杰 吴霞 徐强 孙丽 胡军 朱琳 高峰 林涛".split()


def _parse_time(text: str) -> dt.datetime | None:
    m = re.match(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?", text or "")
    if not m:
        return None
    y, mo, d, h, mi, s = (int(x) if x else 0 for x in m.groups())
    return dt.datetime(y, mo, d, h, mi, s)


VOICES_FILE = Path(__file__).with_name("voices.json")


def demo_voices() -> list[dict]:
    """The shipped sample: title, text, time, category, likes, reply; `group` marks a planted hotspot."""
    return json.loads(VOICES_FILE.read_text(encoding="utf-8"))


def build_cases(now: dt.datetime) -> int:
    """Replay the sample through the lifecycle, spread over the last 120 days. Three planted hotspots
    (messages the public data shows many people sent about one problem) land in one village each, in
    the last three weeks, so the hotspot page has something real to show."""
    rng = random.Random(2026)
    users = {u.username: u for u in User.objects.select_related("unit")}
    villages = list(Unit.objects.filter(level__in=[Level.VILLAGE, Level.GRID]))
    items = demo_voices()
    for item in items:
        item["_t"] = _parse_time(item.get("at", "")) or dt.datetime(2019, 1, 1)
    items.sort(key=lambda i: i["_t"])
    n, start = len(items), now - dt.timedelta(days=DEMO_DAYS)
    hot_places = {g: villages[k * 5 % len(villages)] for k, g in enumerate(sorted({i["group"] for i in items if "group" in i}))}
    for i, item in enumerate(items):
        at = start + dt.timedelta(days=DEMO_DAYS * i / n, hours=rng.randint(0, 8))
        place = rng.choice(villages)
        if "group" in item:  # the planted hotspots: the first of them boils over in two days (a surge warning)
            days = rng.randint(1, 2) if item["group"] == min(hot_places) else rng.randint(1, 20)
            at, place = now - dt.timedelta(days=days, hours=rng.randint(0, 8)), hot_places[item["group"]]
        mode = rng.choice(["named", "protected", "anonymous", "protected"])
        sub = {"mode": mode}
        if mode != "anonymous":
            sub |= {"name": rng.choice(NAMES), "phone": f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"}
        category = Category.objects.filter(level=1, name=item.get("category", "")).first()
        channel = rng.choice(["web", "web", "phone", "visit", "walk_in", "letter"])
        recorder = users["grid"] if channel == "visit" else users["dispatcher"]
        with clock.frozen_at(at):
            voice = submit_voice({"text": item["text"], "title": item["title"], "channel": channel,
                                  "unit": place.code, "submitter": sub, **_point(place, item, i)}, recorder,
                                 received_at=at, extra={"category": category, "endorsements": item.get("likes", 0)})
        _advance(voice, item, at, now, rng, users, perform, rate_by_tracking_code)
    return n


def _point(place: Unit, item: dict, i: int) -> dict:
    """Where the demo's voice was raised, for the map: three voices in four near their place's centre
    (within ~500 m), a planted hotspot's within ~150 m of one spot; the rest without a point, as a real
    ledger has many. Its own random stream, so the demo's cases stay as they were."""
    rng = random.Random(f"point-{i}")
    if place.lat is None or rng.random() < 0.25:
        return {}
    spread, lat, lng = 0.0045, place.lat, place.lng
    if "group" in item:
        spread, lat, lng = 0.0012, place.lat + 0.002, place.lng - 0.002
    return {"lat": round(lat + rng.uniform(-spread, spread), 6), "lng": round(lng + rng.uniform(-spread, spread), 6)}


def _advance(voice, item, at, now, rng, users, perform, rate):
    """Move one demo case as far as its age allows: older cases further along."""
    case = voice.case
    age = (now - at).days
    if age < 2 and rng.random() < 0.7:
        return  # fresh: waits for dispatch
    county = users["dispatcher"]
    step = lambda days: min(now, at + dt.timedelta(days=days, hours=rng.randint(1, 6)))  # noqa: E731
    with clock.frozen_at(step(0.2)):
        if case.category_id is None:
            top = Category.objects.filter(level=1).order_by("?").first()
            perform(county, case.number, "triage", {"category": top.path, "track": "immediate"})
        case.refresh_from_db()
        unit, _why = route(case.category, case.unit)
        perform(county, case.number, "dispatch", {"unit": unit.code})
    handler = _handler_for(unit)
    if handler is None or age < 4:
        return
    with clock.frozen_at(step(0.5)):
        perform(handler, case.number, "handle")
    if rng.random() < 0.85:
        with clock.frozen_at(step(0.6)):
            perform(handler, case.number, "contact", {"note": "已电话联系群众，了解具体情况"})
    if rng.random() < (0.6 if age < 12 else 0.12):
        return  # still in hand: the older ones are overdue
    reply = item.get("reply") or f"您好！您反映的“{case.title}”问题已收悉，经现场核实，已协调有关单位处理，感谢您的监督。"
    with clock.frozen_at(step(rng.randint(2, 8))):
        # the real replies as they were sent, hollow ones too: the reply-quality figures show them (docs/replies.md)
        perform(handler, case.number, "reply", {"text": reply, "override_reason": "演示数据：历史答复原文"})
    if rng.random() < 0.2:
        return
    rating = rng.choices(["satisfied", "basically_satisfied", "unsatisfied"], [6, 3, 1])[0]
    with clock.frozen_at(step(10)):
        rate(voice.tracking_code, rating, "" if rating != "unsatisfied" else "问题没有真正解决")
    if rating != "unsatisfied":
        with clock.frozen_at(step(11)):
            perform(county, case.number, "close")


def _handler_for(unit: Unit):
    return User.objects.filter(unit=unit, role=Role.HANDLER).order_by("id").first()
