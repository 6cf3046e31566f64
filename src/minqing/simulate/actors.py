"""The run itself: every step of every simulated case (arrival, triage and dispatch, taking, returns,
co-handling, extensions, replies, ratings, follow-up calls, closing) is a timed entry on one agenda;
`Simulation.run` moves the fake clock hour by hour through it and runs the deadline scan and the
outbox as the worker would. Every action goes through the ledger's own services."""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .. import clock
from ..demo.cases import demo_voices
from ..errors import DomainError
from ..intake.services import submit_voice
from ..ledger.actions import perform, rate_by_tracking_code
from ..ledger.models import Case
from ..workflow import escalation, notify
from .world import CHANNELS, HOUR_WEIGHTS, MODES, NAMES, PROFILES, Profile, WorkTime, cast


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
        self.voices = [v for v in demo_voices() if len(v.get("text", "")) >= 4]
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
        if not self.act(h, sc, "reply", {"text": text, "override_reason": "模拟：历史答复原文"}):
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
                        escalation.progress_due(end)
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
