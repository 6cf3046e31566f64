"""The demo county 青山县: four levels, county and township departments, a user for every role,
and 300 real citizens' messages (a derived sample of the TipDM 2020 public data, see
docs/data.md) moved through the lifecycle on a fake clock so the ledger looks like a working
office's: new, dispatched, in hand, overdue, replied, rated, reopened and closed cases."""

import datetime as dt
import json
import random
import re
from pathlib import Path

from django.db import transaction

from .. import clock
from ..ledger.models import Case, Category
from .models import Level, Role, Unit, User
from .services import add_unit, create_user

PASSWORD = "minqing-demo-2026"
TOWNSHIPS = {
    "CG": ("城关镇", {"DM": "东门社区", "XJ": "西街社区", "HK": "河口村"}),
    "GH": ("桂花街道", {"GP": "桂花坪社区", "JR": "景蓉社区", "HJ": "火炬村"}),
    "YH": ("洋湖镇", {"YH": "洋湖村", "XJ": "湘江村", "XM": "新民村"}),
    "SM": ("石门乡", {"SM": "石门村", "BY": "白云村", "QL": "青龙村"}),
}
DEPARTMENTS = {  # first-level category → the county department that usually handles it
    "MZ": ("民政局", "民政"), "ZJ": ("住建局", "城乡建设"), "JY": ("教育局", "教育文体"),
    "RS": ("人社局", "劳动和社会保障"), "WJ": ("卫健委", "卫生计生"), "JT": ("交通运输局", "交通运输"),
    "HB": ("生态环境局", "环境保护"), "SJ": ("市场监管局", "商贸旅游"), "GA": ("公安局", "政法"),
    "NY": ("农业农村局", "农村农业"),
}
DEMO_USERS = [  # username, role, unit, password, what they are
    ("admin", Role.ADMIN, "QS", PASSWORD, "系统管理员"),
    ("dispatcher", Role.DISPATCHER, "QS", PASSWORD, "县群众诉求受理中心 派单员"),
    ("cg_dispatcher", Role.DISPATCHER, "QS-CG", PASSWORD, "城关镇 受理派单员"),
    ("leader", Role.LEADER, "QS", PASSWORD, "县领导"),
    ("cg_leader", Role.LEADER, "QS-CG", PASSWORD, "城关镇 党委书记"),
    ("dm_handler", Role.HANDLER, "QS-CG-DM", PASSWORD, "东门社区 承办人"),
    ("hk_handler", Role.HANDLER, "QS-CG-HK", PASSWORD, "河口村 承办人"),
    ("zj_handler", Role.HANDLER, "QS-ZJ", PASSWORD, "县住建局 承办人"),
    ("grid", Role.GRID, "QS-CG-DM-G1", PASSWORD, "东门社区第一网格 网格员"),
]
DEMO_DAYS = 120  # the demo's voices arrive over the last four months
NAMES = "张伟 王芳 李娜 刘洋 陈静 杨勇 赵敏 黄磊 周杰 吴霞 徐强 孙丽 胡军 朱琳 高峰 林涛".split()


# County-wide routing: these categories go to their department; the rest to the village or township.
ROUTED_TO_DEPARTMENT = ("教育文体", "卫生计生", "劳动和社会保障", "民政", "环境保护")


def build_routing() -> None:
    from ..workflow.models import RoutingRule

    county = Unit.objects.get(code="QS")
    for code, (_name, category) in DEPARTMENTS.items():
        if category in ROUTED_TO_DEPARTMENT:
            RoutingRule.objects.create(category=Category.objects.get(level=1, name=category), area=county,
                                       unit=Unit.objects.get(code=f"QS-{code}"), note="县级部门统一承办")


def build_units() -> None:
    add_unit("QS", "青山县", Level.COUNTY, phone="0731-12345")
    for code, (name, _cat) in DEPARTMENTS.items():
        add_unit(f"QS-{code}", f"青山县{name}", Level.DEPARTMENT, "QS")
    for t_code, (t_name, villages) in TOWNSHIPS.items():
        township = f"QS-{t_code}"
        add_unit(township, t_name, Level.TOWNSHIP, "QS", phone=f"0731-8{len(t_code)}{ord(t_code[0]) % 100:02d}001")
        add_unit(f"{township}-SW", f"{t_name}社会事务办", Level.DEPARTMENT, township)
        for v_code, v_name in villages.items():
            village = f"{township}-{v_code}"
            add_unit(village, v_name, Level.VILLAGE, township)
            for g in (1, 2):
                add_unit(f"{village}-G{g}", f"{v_name}第{'一二'[g - 1]}网格", Level.GRID, village)


def _parse_time(text: str) -> dt.datetime | None:
    m = re.match(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?", text or "")
    if not m:
        return None
    y, mo, d, h, mi, s = (int(x) if x else 0 for x in m.groups())
    return dt.datetime(y, mo, d, h, mi, s)


def _voices() -> list[dict]:
    return json.loads((Path(__file__).with_name("demo_voices.json")).read_text(encoding="utf-8"))


def build_cases(now: dt.datetime) -> int:
    """Replay the sample through the lifecycle, spread over the last 120 days. Three planted hotspots
    (messages the public data shows many people sent about one problem) land in one village each, in
    the last three weeks, so the hotspot page has something real to show."""
    from ..intake.services import submit_voice
    from ..ledger.actions import perform, rate_by_tracking_code

    rng = random.Random(2026)
    users = {u.username: u for u in User.objects.select_related("unit")}
    villages = list(Unit.objects.filter(level__in=[Level.VILLAGE, Level.GRID]))
    items = _voices()
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
                                  "unit": place.code, "submitter": sub}, recorder,
                                 received_at=at, extra={"category": category, "endorsements": item.get("likes", 0)})
        _advance(voice, item, at, now, rng, users, perform, rate_by_tracking_code)
    return n


def _advance(voice, item, at, now, rng, users, perform, rate):
    """Move one demo case as far as its age allows: older cases further along."""
    case = voice.case
    age = (now - at).days
    if age < 2 and rng.random() < 0.7:
        return  # fresh: waits for dispatch
    from ..workflow.routing import route

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
        perform(handler, case.number, "reply", {"text": reply})
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


def build_handlers() -> None:
    """Every village and department gets a handler account (h-<code>), besides the named demo users."""
    for unit in Unit.objects.filter(level__in=[Level.VILLAGE, Level.DEPARTMENT]):
        if not User.objects.filter(unit=unit, role=Role.HANDLER).exists():
            create_user(f"h-{unit.code.lower()}", PASSWORD, Role.HANDLER, unit.code, f"{unit.name} 承办人")


@transaction.atomic
def load_demo_if_empty(now: dt.datetime | None = None) -> bool:
    if Unit.objects.exists() or Case.objects.exists():
        return False
    from ..bootstrap import ensure_reference_data

    ensure_reference_data()
    build_units()
    build_routing()
    for username, role, unit, password, label in DEMO_USERS:
        create_user(username, password, role, unit, label)
    build_handlers()
    build_cases(now or clock.now())
    from ..consult.demo import load_demo_consultations

    load_demo_consultations()
    from ..publicity.demo import load_demo_notices

    load_demo_notices()
    from ..insight.warnings import replay

    now = now or clock.now()
    replay(now - dt.timedelta(days=DEMO_DAYS), now)  # the warnings the worker would have raised
    from ..insight.dashboard import refresh_hotspots

    refresh_hotspots(now)
    return True
