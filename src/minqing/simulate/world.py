"""The simulated county: office hours on the working-day calendar, the behaviour profiles of the
handling units, the demo county's units and accounts where the database lacks them, and the cast —
who acts in a run, read once."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from ..demo.county import DEMO_USERS, DEPARTMENTS, PASSWORD, build_units
from ..errors import DomainError
from ..ledger.deadlines import calendar_from_db
from ..ledger.models import Category
from ..ledger.reference import ensure_reference_data
from ..org.models import Level, Role, Unit, User

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
    village and department (h-<code>, as `demo.county.build_handlers` names them), a dispatcher and a
    leader at the top unit. New accounts get the demo password."""
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
