"""A simulated month (issue 5 acceptance): `minqing simulate [--days 30] [--seed N] [--per-day 40]`.

The simulator replays a stretch of time hour by hour on the current database with the fake clock
(`clock.frozen_at`): every action goes through the same services as the web UI and the API
(`submit_voice`, `perform`, `rate_by_tracking_code`), so the history, deadlines, escalations,
notifications and rates it leaves are what a real office would produce.

- Each day `per_day` voices arrive (texts from the demo sample, random villages and grids, the usual
  channels; some citizens anonymous, some protected with a phone). Staff-recorded channels arrive in
  office hours, web messages at any hour.
- The county dispatcher triages (category, sometimes urgency or a track) and dispatches most voices
  within a few working hours, to the village or to the county department for the category.
- Each handling unit has a behaviour profile, drawn once per run: *prompt*, *steady*, *slow* (misses
  first-contact deadlines, asks for extensions that the leader above approves or rejects) or
  *bouncer* (returns cases within the return window; the dispatcher re-routes them). Handlers
  sometimes call in a department (`cohandle`), which answers its task.
- Handlers reply; citizens rate on the tracking page or are called back by the dispatcher; an
  unsatisfied rating reopens the case to the same unit, which handles and replies again; the
  dispatcher closes.
- Every simulated hour `escalation.scan(now)` runs (reminders and escalations), and at the end of
  each day `notify.deliver_pending()` empties the outbox.

Staff act only in working time (08:30–17:30 on working days of the calendar). The run is
deterministic for a seed and a start (the default start is local midnight `days` days ago).
At the end a summary is printed and returned as a dict: voices, closed, escalations by level,
extensions, returns, reopenings, notifications, the rates for the county (`rates.rates_for`) and the
ranking of its townships (`rates.rates_by_unit`, ordered as the ranking page orders them)."""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import logging
import random
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from .. import clock
from ..errors import DomainError

WORK_START = dt.time(8, 30)
WORK_END = dt.time(17, 30)
WORK_HOURS = 9.0  # hours in a working day


@dataclass(frozen=True)
class Profile:
    """How a handling unit behaves. Delays are in working hours (9 to a working day)."""

    name: str
    take: tuple[float, float]  # dispatch → signed for and first contact with the citizen
    reply: tuple[float, float]  # taken → written reply
    return_p: float  # chance of sending a case back (within the return window)
    extension_p: float  # chance of asking for an extension before the resolution deadline
    cohandle_p: float  # chance of calling in a department
    ratings: tuple[int, int, int]  # weights of 满意 / 基本满意 / 不满意 for its replies


PROFILES = {
    "prompt": Profile("prompt", (0.3, 4), (3, 25), 0.02, 0.0, 0.08, (72, 22, 6)),
    "steady": Profile("steady", (1, 8), (15, 50), 0.04, 0.08, 0.10, (60, 28, 12)),
    "slow": Profile("slow", (5, 16), (45, 85), 0.03, 0.55, 0.05, (42, 33, 25)),
    "bouncer": Profile("bouncer", (0.5, 6), (10, 40), 0.35, 0.05, 0.05, (55, 30, 15)),
}
# Profiles are dealt round-robin from this list over the shuffled handling units, so even a
# three-unit county gets a slow one and a prompt one.
PROFILE_DECK = ["slow", "prompt", "steady", "bouncer", "prompt", "steady", "prompt", "slow", "steady", "prompt"]
CHANNELS = [("web", 35), ("phone", 30), ("visit", 15), ("walk_in", 12), ("letter", 8)]
MODES = [("anonymous", 30), ("protected", 45), ("named", 25)]
NAMES = "张伟 王芳 李娜 刘洋 陈静 杨勇 赵敏 黄磊 周杰 吴霞 徐强 孙丽 胡军 朱琳 高峰 林涛".split()
# Local hour of arrival (web messages); staff-recorded channels are moved into office hours.
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 3, 6, 12, 14, 14, 12, 8, 10, 13, 13, 12, 10, 7, 5, 4, 3, 2, 1]


# ------------------------------------------------------------------------------ working time
class WorkTime:
    """Office hours on the working-day calendar (holidays and make-up days included)."""

    def __init__(self):
        from ..ledger.deadlines import calendar_from_db

        self.cal = calendar_from_db()

    @staticmethod
    def at(day: dt.date, moment: dt.time) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, moment))

    def snap(self, t: dt.datetime) -> dt.datetime:
        """t if it is in office hours, else the start of the next office hours."""
        t = timezone.localtime(t)
        day = t.date()
        if self.cal.is_workday(day):
            if t.time() < WORK_START:
                return self.at(day, WORK_START)
            if t.time() < WORK_END:
                return t
        return self.at(self.cal.next_workday(day), WORK_START)

    def add(self, t: dt.datetime, hours: float) -> dt.datetime:
        """`hours` working hours after t."""
        t, left = self.snap(t), dt.timedelta(hours=hours)
        while True:
            end = self.at(t.date(), WORK_END)
            if t + left < end:
                return t + left
            left -= end - t
            t = self.at(self.cal.next_workday(t.date()), WORK_START)


# ------------------------------------------------------------------------------ the county
def ensure_county(out: Callable[[str], None] = print) -> None:
    """The demo units and users if the database has no units (as `load_demo_if_empty` makes them,
    without its cases); otherwise the missing accounts the simulation needs: a handler in every
    village and department (h-<code>, as `org.demo.build_handlers` names them), a dispatcher and a
    leader at the top unit. New accounts get the demo password."""
    from ..bootstrap import ensure_reference_data
    from ..org.demo import DEMO_USERS, PASSWORD, build_units
    from ..org.models import Level, Role, Unit, User

    added = []
    with transaction.atomic():
        ensure_reference_data()
        if not Unit.objects.exists():
            build_units()
            for username, role, unit, _password, label in DEMO_USERS:
                if not User.objects.filter(username=username).exists():
                    added.append(User(username=username, role=role, unit=Unit.objects.get(code=unit), display_name=label))
            out("built the demo county (units and users, no cases)")
        root = _root()
        if not Unit.objects.filter(level=Level.VILLAGE, path__startswith=root.path).exists():
            raise DomainError(f"“{root.name}”下没有村/社区，无法模拟")
        staffed = set(User.objects.filter(role=Role.HANDLER).values_list("unit_id", flat=True))
        for unit in Unit.objects.filter(level__in=[Level.VILLAGE, Level.DEPARTMENT], path__startswith=root.path):
            if unit.id not in staffed:
                added.append(User(username=f"h-{unit.code.lower()}", role=Role.HANDLER, unit=unit,
                                  display_name=f"{unit.name} 承办人"))
        for role, label in ((Role.DISPATCHER, "受理派单员"), (Role.LEADER, "领导")):
            if not any(u.role == role and u.unit_id == root.id for u in added) and \
                    not User.objects.filter(role=role, unit=root, is_active=True).exists():
                added.append(User(username=f"sim-{role}", role=role, unit=root, display_name=f"{root.name} {label}（模拟）"))
        if added:
            # One hash for all: the password is the published demo one, and hashing it thirty
            # times (Argon2, ~0.4 s each) would be most of a short simulation.
            hashed = make_password(PASSWORD)
            taken = set(User.objects.values_list("username", flat=True))
            for user in added:
                base, n = user.username, 1
                while user.username in taken:
                    n += 1
                    user.username = f"{base}-{n}"
                taken.add(user.username)
                user.password = hashed
                user.is_staff = user.is_superuser = user.role == Role.ADMIN
                user.save()
            out(f"created {len(added)} staff accounts (password: the demo password)")


def _root():
    from ..org.models import Unit

    root = Unit.objects.filter(parent__isnull=True, active=True).order_by("path").first()
    if root is None:
        raise DomainError("数据库中没有单位")
    return root


@dataclass
class Cast:
    """Who acts in the simulation, read once."""

    root: object
    dispatcher: object
    handlers: dict  # unit id → handler
    leaders: list  # active leaders, nearest-first lookups by unit path
    places: list  # villages and grids
    village_of: dict  # place id → the village that handles it
    departments: list
    department_for: dict  # first-level category → department unit
    townships: list
    leaves: dict  # first-level category → leaf category paths
    tops: list  # (first-level name, weight)
    sensitive: set  # paths of sensitive categories
    categories: dict  # path → Category
    profiles: dict  # unit id → Profile
    units: dict  # unit id → Unit

    def leader_above(self, unit):
        """The nearest leader whose unit is strictly above `unit` (who may decide its extensions)."""
        best = None
        for leader in self.leaders:
            p = leader.unit.path
            if unit.path.startswith(p) and unit.path != p and (best is None or len(p) > len(best.unit.path)):
                best = leader
        return best


def cast(rng: random.Random) -> Cast:
    from ..ledger.models import Category
    from ..org.demo import DEPARTMENTS
    from ..org.models import Level, Role, Unit, User

    root = _root()
    units = {u.id: u for u in Unit.objects.filter(active=True, path__startswith=root.path).order_by("path")}
    staff = list(User.objects.filter(is_active=True, unit__in=list(units)).select_related("unit").order_by("id"))
    handlers: dict = {}
    for u in staff:
        if u.role == Role.HANDLER:
            handlers.setdefault(u.unit_id, u)
    dispatcher = next(u for u in staff if u.role == Role.DISPATCHER and u.unit_id == root.id)
    leaders = [u for u in staff if u.role == Role.LEADER]
    villages = {u.id: u for u in units.values() if u.level == Level.VILLAGE}
    places, village_of = [], {}
    for u in units.values():
        if u.level == Level.VILLAGE:
            village_of[u.id] = u
        elif u.level == Level.GRID and u.parent_id in villages:
            village_of[u.id] = villages[u.parent_id]
        else:
            continue
        places.append(u)
    departments = [u for u in units.values() if u.level == Level.DEPARTMENT and u.id in handlers]
    department_for = {}
    for _code, (dept_name, category) in DEPARTMENTS.items():
        match = next((d for d in departments if d.parent_id == root.id and d.name.endswith(dept_name)), None)
        if match:
            department_for[category] = match
    categories = {c.path: c for c in Category.objects.order_by("path")}
    leaves: dict[str, list[str]] = {}
    for c in categories.values():
        if c.level == 3:
            leaves.setdefault(c.top, []).append(c.path)
    for c in categories.values():
        if c.level == 1:
            leaves.setdefault(c.path, [c.path])
    sensitive = {c.path for c in categories.values() if c.sensitive}
    tops = [(name, 1 / (rank + 1) ** 0.8) for rank, name in enumerate(sorted(leaves))]
    workers = sorted({v.id for v in village_of.values()} | {d.id for d in departments})
    rng.shuffle(workers)
    profiles = {uid: PROFILES[PROFILE_DECK[i % len(PROFILE_DECK)]] for i, uid in enumerate(workers)}
    townships = [u for u in units.values() if u.level == Level.TOWNSHIP]
    return Cast(root, dispatcher, handlers, leaders, places, village_of, departments, department_for, townships,
                leaves, tops, sensitive, categories, profiles, units)


# ------------------------------------------------------------------------------ the simulation
@dataclass
class SimCase:
    number: str
    case_id: int
    code: str  # the citizen's tracking code
    has_phone: bool
    item: dict
    place: object
    status: str = "accepted"
    unit: object = None  # assigned unit
    units_tried: list = field(default_factory=list)
    round: int = 0  # replies written so far
    token: int = 0  # bumped when a case changes hands, so stale plans are dropped
    open_cotasks: int = 0
    resolve_due: dt.datetime | None = None
    dispatched_at: dt.datetime | None = None
    extension_asked: bool = False
    top: str = ""  # first-level category, set at triage
    category: str = ""
    immediate: bool = False


class Simulation:
    """The agenda of one run: every step of every case is a timed entry; `run` moves the clock
    hour by hour, takes the entries due in that hour in time order, then scans."""

    def __init__(self, seed: int, out: Callable[[str], None]):
        self.rng = random.Random(seed)
        self.out = out
        self.work = WorkTime()
        self.cast = cast(self.rng)
        self.agenda: list = []
        self.seq = itertools.count()
        self.cases: list[SimCase] = []
        self.voices = [v for v in _voices() if len(v.get("text", "")) >= 4]
        self.counts: Counter = Counter()
        self.timing: Counter = Counter()  # seconds spent per kind of step (in the summary's "timing")
        self.refusals: list[str] = []
        self.quorum = int(getattr(settings, "MINQING_COLLECTIVE_QUORUM", 2))
        self.root_leaders = [u for u in self.cast.leaders if u.unit_id == self.cast.root.id]
        self.window = int(getattr(settings, "MINQING_RETURN_WINDOW_DAYS", 2))
        self.max_extensions = int(getattr(settings, "MINQING_MAX_EXTENSIONS", 2))

    # -- the agenda: (time, sequence, function, case, token)
    def plan(self, when: dt.datetime, fn, sc: SimCase | None = None, *args) -> None:
        heapq.heappush(self.agenda, (when, next(self.seq), fn, sc, sc.token if sc else 0, args))

    def run_until(self, end: dt.datetime) -> None:
        while self.agenda and self.agenda[0][0] < end:
            when, _seq, fn, sc, token, args = heapq.heappop(self.agenda)
            if sc is not None and token != sc.token:
                continue  # the case changed hands since this was planned
            t0 = time.perf_counter()
            with clock.frozen_at(when):
                fn(when, sc, *args)
            self.timing[fn.__name__] += time.perf_counter() - t0

    def act(self, user, sc: SimCase, action: str, fields: dict | None = None) -> bool:
        from ..ledger.actions import perform

        try:
            case = perform(user, sc.number, action, fields or {})
        except DomainError as e:
            self._refused(f"{sc.number} {action} by {user.username}: {e.message}")
            return False
        sc.status, sc.resolve_due = case.status, case.resolve_due
        self.counts[action] += 1
        return True

    def _refused(self, what: str) -> None:
        self.counts["refused"] += 1
        if len(self.refusals) < 20:
            self.refusals.append(what)

    def pick(self, pairs):
        values, weights = zip(*pairs, strict=True)
        return self.rng.choices(values, weights)[0]

    def handler(self, unit):
        return self.cast.handlers[unit.id]

    def profile(self, sc: SimCase) -> Profile:
        return self.cast.profiles.get(sc.unit.id, PROFILES["steady"])

    # -- arrivals
    def plan_day(self, day_start: dt.datetime, per_day: int) -> None:
        for _ in range(per_day):
            hour = self.rng.choices(range(24), HOUR_WEIGHTS)[0]
            at = day_start + dt.timedelta(hours=hour, seconds=self.rng.randrange(3600))
            channel = self.pick(CHANNELS)
            if channel != "web":
                at = self.work.snap(at)
                if at >= day_start + dt.timedelta(days=1):  # an office closed all day: tomorrow's web form
                    at, channel = day_start + dt.timedelta(hours=20, seconds=self.rng.randrange(3600)), "web"
            self.plan(at, self.arrive, None, channel)

    def arrive(self, at, _sc, channel):
        from ..intake.services import submit_voice

        item = self.rng.choice(self.voices)
        place = self.rng.choice(self.cast.places)
        mode = self.pick(MODES)
        sub = {"mode": mode}
        if mode != "anonymous":
            phone = f"13{self.rng.randint(0, 9)}{self.rng.randint(10000000, 99999999)}" if self.rng.random() < 0.85 \
                else ""
            sub |= {"name": self.rng.choice(NAMES), "phone": phone}
        recorder = None if channel == "web" else self.cast.dispatcher
        # Staff who write a call or a visit down usually classify it at once; web messages are
        # classified at triage.
        category = self.category_for(item) if recorder is not None and self.rng.random() < 0.8 else ""
        extra = {"category": self.cast.categories[category]} if category else None
        voice = submit_voice({"text": item["text"], "title": item.get("title", ""), "channel": channel,
                              "unit": place.code, "submitter": sub}, recorder, received_at=at, extra=extra)
        sc = SimCase(voice.case.number, voice.case_id, voice.tracking_code, bool(sub.get("phone")), item, place,
                     category=category, top=category.split("/")[0])
        self.cases.append(sc)
        self.counts["voices"] += 1
        delay = self.rng.uniform(6, 12) if self.rng.random() < 0.1 else self.rng.uniform(0.2, 3)
        self.plan(self.work.add(at, delay), self.dispatch, sc)

    # -- the dispatcher
    def category_for(self, item: dict) -> str:
        top = item.get("category")
        if top not in self.cast.leaves:
            names, weights = zip(*self.cast.tops, strict=True)
            top = self.rng.choices(names, weights)[0]
        choices = self.cast.leaves[top]
        if len(self.root_leaders) < self.quorum:  # no collective approval possible: avoid sensitive ones
            choices = [p for p in choices if p not in self.cast.sensitive] or choices
        return self.rng.choice(choices)

    def dispatch(self, at, sc):
        d = self.cast.dispatcher
        if sc.status == "accepted":
            if self.rng.random() < 0.02:
                reason = self.rng.choice(["duplicate", "spam"])
                self.act(d, sc, "dismiss", {"reason": reason, "note": "经核实为重复件" if reason == "duplicate" else "无效内容"})
                return
            fields = {}
            if not sc.category:
                sc.category = self.category_for(sc.item)
                sc.top = sc.category.split("/")[0]
                fields["category"] = sc.category
            if self.rng.random() < 0.08:
                fields["urgency"] = "urgent"
            r = self.rng.random()
            if r < 0.10:
                fields["track"] = "immediate"
                sc.immediate = True
            elif r < 0.16:
                plan = timezone.localtime(at).date() + dt.timedelta(days=self.rng.randint(20, 40))
                fields |= {"track": "conditional", "plan_date": plan.isoformat(),
                           "text": "您反映的问题需协调资金和施工条件，我们已制定计划，将按期解决并随时告知进展。"}
            if fields and not self.act(d, sc, "triage", fields):
                return
        unit = self.route(sc)
        if not self.act(d, sc, "dispatch", {"unit": unit.code}):
            return
        sc.unit, sc.dispatched_at = unit, at
        sc.units_tried.append(unit.id)
        sc.token += 1
        self.plan(self.work.add(at, self.rng.uniform(*self.profile(sc).take)), self.take, sc)

    def route(self, sc: SimCase):
        village = self.cast.village_of[sc.place.id]
        dept = self.cast.department_for.get(sc.top)
        if dept is None and self.cast.departments and self.rng.random() < 0.2:
            dept = self.rng.choice(self.cast.departments)
        options = [u for u in (village, dept) if u is not None]
        fresh = [u for u in options if u.id not in sc.units_tried]
        if fresh:
            options = fresh
        elif sc.units_tried:  # both tried: the village settles it (a third return is not planned)
            return village
        if len(options) == 2:
            return options[0] if self.rng.random() < 0.6 else options[1]
        return options[0]

    # -- the handling unit
    def take(self, at, sc):
        p, h = self.profile(sc), self.handler(sc.unit)
        returns = len(sc.units_tried) - 1
        in_window = at <= self.work.cal.add_working_days(sc.dispatched_at, self.window)
        if returns < 2 and in_window and self.rng.random() < p.return_p:
            if self.act(h, sc, "return", {"note": "经核实，该事项不属于本单位职责范围，请重新派单"}):
                self.counts["returned"] += 1
                sc.token += 1
                self.plan(self.work.add(at, self.rng.uniform(0.5, 4)), self.dispatch, sc)
            return
        if sc.status == "dispatched" and not self.act(h, sc, "handle"):
            return
        self.act(h, sc, "contact", {"note": "已电话联系群众，了解具体情况"})
        if self.cast.departments and self.rng.random() < p.cohandle_p:
            others = [d for d in self.cast.departments if d.id != sc.unit.id]
            dept = self.cast.department_for.get(sc.top)
            dept = dept if dept is not None and dept.id != sc.unit.id else (self.rng.choice(others) if others else None)
            if dept is not None and self.act(h, sc, "cohandle", {"unit": dept.code, "note": "请协助现场核查并提出处理意见"}):
                sc.open_cotasks += 1
                self.plan(self.work.add(at, self.rng.uniform(4, 30)), self.cotask_done, None, sc, dept)
        reply_in = self.rng.uniform(*p.reply)
        if sc.immediate and p.name != "slow":
            reply_in = self.rng.uniform(0.5, 6)
        elif self.rng.random() < p.extension_p and sc.resolve_due and not sc.extension_asked:
            ask = self.work.add(sc.resolve_due - dt.timedelta(hours=self.rng.uniform(20, 50)), 0)
            if ask > at:
                self.plan(ask, self.request_extension, sc)
        self.plan(self.work.add(at, reply_in), self.reply, sc)

    def cotask_done(self, at, _none, sc, dept):
        explained = self.rng.random() < 0.15
        fields = {"note": "已派员现场核查，配合牵头单位完成处理" if not explained else "经核查不属本部门职责，已书面说明",
                  "state": "explained" if explained else "done"}
        from ..ledger.actions import perform

        try:
            perform(self.handler(dept), sc.number, "cotask_done", fields)
        except DomainError as e:
            self._refused(f"{sc.number} cotask_done by {dept.code}: {e.message}")
            return
        self.counts["cotask_done"] += 1
        sc.open_cotasks -= 1

    def request_extension(self, at, sc):
        if sc.status not in ("dispatched", "handling", "reopened") or sc.round or sc.extension_asked:
            return
        from ..ledger.models import Case

        if Case.objects.filter(pk=sc.case_id).values_list("extensions_granted", flat=True).first() >= \
                self.max_extensions:
            return
        new_due = self.work.cal.add_working_days(timezone.localtime(sc.resolve_due), self.rng.randint(4, 8))
        if self.act(self.handler(sc.unit), sc, "request_extension",
                    {"reason": "需协调相关部门共同处理，现场施工需要时间", "new_due": new_due.date().isoformat()}):
            sc.extension_asked = True
            self.plan(self.work.add(at, self.rng.uniform(1, 12)), self.decide_extension, sc)

    def decide_extension(self, at, sc):
        if sc.status not in ("dispatched", "handling", "waiting", "reopened"):
            return
        leader = self.cast.leader_above(sc.unit)
        if leader is None:
            self._refused(f"{sc.number}: no leader above {sc.unit.code} to decide the extension")
            return
        if self.rng.random() < 0.7:
            self.act(leader, sc, "approve_extension", {"note": "同意延期，请按期办结"})
        else:
            self.act(leader, sc, "reject_extension", {"note": "理由不充分，请按原时限办结"})

    def reply(self, at, sc):
        if sc.status not in ("dispatched", "handling", "reopened"):
            return
        h = self.handler(sc.unit)
        if sc.status == "reopened" and not self.act(h, sc, "handle"):
            return
        text = sc.item.get("reply") if sc.round == 0 and sc.item.get("reply") else \
            f"您好！您反映的“{sc.item.get('title') or '问题'}”已收悉，经现场核实，已协调有关单位处理，感谢您的监督。"
        if sc.round:
            text = "您好！针对您的再次反映，我们重新组织了现场核查和整改，问题已处理到位，请您监督。"
        if not self.act(h, sc, "reply", {"text": text}):
            return
        sc.round += 1
        self.plan_rating(at, sc)

    # -- the citizen and the dispatcher's follow-up
    def rating_for(self, sc: SimCase) -> tuple[str, bool | None]:
        p = self.profile(sc)
        weights = p.ratings if sc.round == 1 else (p.ratings[0] + 20, p.ratings[1], max(1, p.ratings[2] // 2))
        rating = self.rng.choices(["satisfied", "basically_satisfied", "unsatisfied"], weights)[0]
        resolved = None
        if rating == "basically_satisfied" and self.rng.random() < 0.25:
            resolved = False  # "basically satisfied with the attitude, but it is not solved"
        return rating, resolved

    def plan_rating(self, at, sc):
        if sc.round >= 3:  # the third reply is final: closed without asking again
            self.plan(self.work.add(at, self.rng.uniform(1, 9)), self.close, sc)
        elif sc.round == 1 and self.rng.random() < 0.6:
            when = at + dt.timedelta(hours=self.rng.uniform(2, 72))
            hour = timezone.localtime(when).hour
            if hour < 8 or hour >= 22:
                when += dt.timedelta(hours=10)
            self.plan(when, self.citizen_rates, sc)
        elif sc.has_phone or sc.round > 1:
            self.plan(self.work.add(at, self.rng.uniform(4, 27)), self.follow_up, sc)
        else:  # anonymous and silent: closed on the reply after the waiting period
            self.plan(self.work.add(at, 27), self.close, sc)

    def citizen_rates(self, at, sc):
        from ..ledger.actions import rate_by_tracking_code

        if sc.status not in ("replied", "followed_up"):
            return
        rating, resolved = self.rating_for(sc)
        try:
            case = rate_by_tracking_code(sc.code, rating, "问题没有真正解决" if rating == "unsatisfied" else "", resolved)
        except DomainError as e:
            self._refused(f"{sc.number} rate: {e.message}")
            return
        self.counts["rate"] += 1
        sc.status = case.status
        self.after_rating(at, sc)

    def follow_up(self, at, sc):
        if sc.status != "replied":
            return
        rating, resolved = self.rating_for(sc)
        fields = {"rating": rating, "note": "电话回访" + ("：群众表示问题仍未解决" if rating == "unsatisfied" else "")}
        if resolved is not None:
            fields["resolved"] = resolved
        if self.act(self.cast.dispatcher, sc, "follow_up", fields):
            self.after_rating(at, sc)

    def after_rating(self, at, sc):
        if sc.status == "reopened":
            self.counts["reopened"] += 1
            sc.token += 1
            p = self.profile(sc)
            self.plan(self.work.add(at, self.rng.uniform(p.take[0], p.take[1]) + self.rng.uniform(*p.reply) / 2),
                      self.reply, sc)
        else:
            self.plan(self.work.add(at, self.rng.uniform(1, 9)), self.close, sc)

    def close(self, at, sc):
        if sc.status not in ("replied", "followed_up"):
            return
        if sc.open_cotasks:
            self.plan(self.work.add(at, 9), self.close, sc)
            return
        if sc.category in self.cast.sensitive:
            for leader in self.root_leaders[: self.quorum]:
                self.act(leader, sc, "approve_close", {"agree": True, "note": "同意办结"})
        self.act(self.cast.dispatcher, sc, "close")

    # -- the clock
    def run(self, start: dt.datetime, days: int, per_day: int) -> None:
        from . import escalation, notify

        for day in range(days):
            day_start = start + dt.timedelta(days=day)
            self.plan_day(day_start, per_day)
            with transaction.atomic():
                for hour in range(24):
                    end = day_start + dt.timedelta(hours=hour + 1)
                    self.run_until(end)
                    t0 = time.perf_counter()
                    with clock.frozen_at(end):
                        done = escalation.scan(end)
                    self.timing["scan"] += time.perf_counter() - t0
                    self.counts["reminders"] += done["reminders"]
                    self.counts["escalated"] += done["escalated"]
            t0 = time.perf_counter()
            with clock.frozen_at(day_start + dt.timedelta(days=1)):
                for _ in range(1000):
                    if notify.deliver_pending() < 200:
                        break
            self.timing["deliver"] += time.perf_counter() - t0
            if (day + 1) % 7 == 0 or day + 1 == days:
                c = self.counts
                self.out(f"  day {day + 1:>3} {timezone.localtime(day_start):%Y-%m-%d}: {c['voices']} voices, "
                         f"{c['close']} closed, {c['escalated']} escalations, {c['reopened']} reopened")


def _voices() -> list[dict]:
    from ..org.demo import _voices as demo_voices

    return demo_voices()


def default_start(days: int) -> dt.datetime:
    today = timezone.localdate()
    return timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=days), dt.time()))


# ------------------------------------------------------------------------------ the summary
def summarise(first_id: int, last_id: int, notes_after: int, end: dt.datetime) -> dict:
    """Counted from the database (not from the simulator's own tallies), over the simulated cases."""
    from django.db.models import Sum

    from ..ledger.models import Case, CaseEvent, Extension
    from ..org.models import Level, Unit
    from .models import Notification
    from .rates import rates_by_unit, rates_for

    cases = Case.objects.filter(id__gte=first_id, id__lte=last_id)
    events = CaseEvent.objects.filter(case__in=cases)
    deadline = [d for d in events.filter(action="escalate").values_list("data", flat=True)
                if "why" not in d.get("escalated_to", {})]  # escalations for repeated returns say why
    levels = Counter(d["escalation_level"]["after"] for d in deadline)
    by_return = sum(1 for d in events.filter(action="return").values_list("data", flat=True) if "escalated_to" in d)
    ext = Counter(Extension.objects.filter(case__in=cases).values_list("state", flat=True))
    notes = Notification.objects.filter(id__gt=notes_after)
    by_status = Counter(cases.values_list("status", flat=True))
    townships = list(Unit.objects.filter(level=Level.TOWNSHIP).order_by("path"))
    by_unit = rates_by_unit(cases, townships, end)
    ranking = [{"code": u.code, "name": u.name, **by_unit[u.id]} for u in townships]
    ranking.sort(key=lambda r: (r["satisfaction_rate"] is None, -(r["satisfaction_rate"] or 0), -r["cases"]))
    return {
        "voices": cases.count(),
        "closed": by_status.get("closed", 0),
        "dismissed": cases.filter(status="closed").exclude(close_reason="resolved").count(),
        "open": sum(n for s, n in by_status.items() if s != "closed"),
        "by_status": dict(sorted(by_status.items())),
        "escalations": {"level1": levels.get(1, 0), "level2": levels.get(2, 0),
                        "total": sum(levels.values()) + by_return, "by_return": by_return},
        "escalated_cases": cases.filter(escalation_level__gt=0).count(),
        "extensions": {"requested": sum(ext.values()), "approved": ext.get("approved", 0),
                       "rejected": ext.get("rejected", 0), "pending": ext.get("pending", 0)},
        "returns": events.filter(action="return").count(),
        "reopenings": cases.aggregate(n=Sum("reopen_count"))["n"] or 0,
        "cohandled": events.filter(action="cohandle").count(),
        "notifications": {"queued": notes.count(), "sent": notes.filter(state="sent").count(),
                          "by_kind": dict(sorted(Counter(notes.values_list("kind", flat=True)).items()))},
        "rates": rates_for(cases, end),
        "ranking": ranking,
    }


RATE_LABELS = [("response_rate", "响应率"), ("resolution_rate", "解决率"), ("satisfaction_rate", "满意率"),
               ("on_time_rate", "按时办结率"), ("return_rate", "退单率"), ("reopen_rate", "重办率")]


def _pct(v) -> str:
    return "—" if v is None else f"{v:.1%}"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _ljust(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _rjust(text: str, width: int) -> str:
    return " " * max(0, width - _width(text)) + text


def print_summary(s: dict, out: Callable[[str], None]) -> None:
    e, x, n = s["escalations"], s["extensions"], s["notifications"]
    out(f"simulated {s['days']} days from {s['start'][:10]} (seed {s['seed']}, {s['per_day']} voices a day) "
        f"in {s['seconds']:.1f}s")
    out(f"  voices {s['voices']}, closed {s['closed']} (dismissed {s['dismissed']}), still open {s['open']}")
    out(f"  escalations {e['total']}: level 1 (first contact late) {e['level1']}, level 2 (resolution late) "
        f"{e['level2']}; raised by repeated returns {e['by_return']}; cases escalated {s['escalated_cases']}")
    out(f"  extensions requested {x['requested']}: approved {x['approved']}, rejected {x['rejected']}, "
        f"pending {x['pending']}")
    out(f"  returns {s['returns']}, reopenings {s['reopenings']}, co-handling requests {s['cohandled']}")
    out(f"  notifications queued {n['queued']}, sent {n['sent']} "
        f"({', '.join(f'{k} {v}' for k, v in n['by_kind'].items())})")
    if s["refused"]:
        out(f"  actions refused by the ledger: {s['refused']} (first: {s['refusals'][0]})")
    r = s["rates"]
    out(f"  county rates over {r['cases']} cases: " + ", ".join(f"{zh} {_pct(r[k])}" for k, zh in RATE_LABELS))
    if s["ranking"]:
        out("  township ranking (by satisfaction):")
        out(f"    {'#':>2} {_ljust('township', 12)} {'cases':>5} " + " ".join(_rjust(zh, 10) for _k, zh in RATE_LABELS))
        for i, row in enumerate(s["ranking"], 1):
            out(f"    {i:>2} {_ljust(row['name'], 12)} {row['cases']:>5} "
                + " ".join(_rjust(_pct(row[k]), 10) for k, _zh in RATE_LABELS))


def simulate(days: int = 30, seed: int = 1, per_day: int = 40, start: dt.datetime | None = None,
             out: Callable[[str], None] = print) -> dict:
    """Replay `days` days from `start` (default: local midnight `days` days ago) on this database."""
    from ..ledger.models import Case
    from .models import Notification

    if days < 1 or per_day < 1:
        raise DomainError("days 和 per-day 应为正整数")
    started = time.perf_counter()
    ensure_county(out)
    start = timezone.localtime(start) if start is not None else default_start(days)
    first_id = (Case.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    notes_after = Notification.objects.aggregate(m=Max("id"))["m"] or 0
    sim = Simulation(seed, out)
    out(f"simulating {days} days from {start:%Y-%m-%d} …")
    sms_log = logging.getLogger("minqing.workflow.notify")  # one INFO line per SMS: too many here
    level = sms_log.level
    sms_log.setLevel(logging.WARNING)
    try:
        sim.run(start, days, per_day)
    finally:
        sms_log.setLevel(level)
    end = start + dt.timedelta(days=days)
    ids = [sc.case_id for sc in sim.cases]  # not max + 1: a sequence may have moved on (PostgreSQL)
    first_id, last_id = (min(ids), max(ids)) if ids else (first_id, first_id - 1)
    summary = {"start": start.isoformat(), "end": end.isoformat(), "days": days, "seed": seed, "per_day": per_day,
               **summarise(first_id, last_id, notes_after, end),
               "reminders": sim.counts["reminders"], "refused": sim.counts["refused"], "refusals": sim.refusals,
               "case_ids": [first_id, last_id], "seconds": time.perf_counter() - started,
               "timing": {k: round(v, 2) for k, v in sim.timing.most_common()},
               "basically_weight": float(getattr(settings, "MINQING_BASICALLY_WEIGHT", 0.8))}
    print_summary(summary, out)
    return summary
