"""The three rates (响应率、解决率、满意率) and the on-time, return and reopen rates.

Definitions (docs/rates.md has the same with examples); each is a fraction, or None with no
denominator:

- response_rate 响应率: of the cases whose first-contact deadline has passed or that were contacted,
  the share contacted (first contact or reply) by the first-contact deadline.
- resolution_rate 解决率: of the cases the citizen has rated, the share the citizen says are resolved.
- satisfaction_rate 满意率: of the rated cases, (满意 + w × 基本满意) / rated, w = BASICALLY_WEIGHT
  (settings.MINQING_BASICALLY_WEIGHT, default 0.8).
- on_time_rate 按时办结率: of the cases whose resolution deadline has passed or that were replied, the
  share replied by the deadline (as extended by approved extensions).
- return_rate 退单率: of the dispatched cases, the share returned at least once.
- reopen_rate 重办率: of the replied cases, the share reopened at least once.
- reply_pass_rate 答复合格率 and reply_median_score: of the cases with a scored reply (text/replies.py), the
  share whose latest reply scores at least settings.MINQING_REPLY_MIN_SCORE, and the median score; beside
  them whether the score predicts 不满意 (workflow/reply_stats.py; docs/replies.md).

`compute` is pure over plain rows, so the figures are easy to check by hand; `rates_for` runs the
query for a unit's subtree and a period and counts row by row in Python; `rates_by_unit` (rankings,
every unit at once) counts the same in SQL, one aggregate query grouped by the responsible unit, and
adds the counts up the unit tree."""

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce

from .. import clock
from ..org.models import PATH_WIDTH
from .reply_stats import reply_quality

FIELDS = ("contact_due", "first_contact_at", "replied_at", "resolve_due", "rating", "resolved",
          "return_count", "reopen_count", "assigned_unit_id", "status", "reply_score")


def reply_threshold() -> float:
    from ..ledger.reply_quality import min_score

    return min_score()


def basically_weight() -> float:
    return float(getattr(settings, "MINQING_BASICALLY_WEIGHT", 0.8))


def _ratio(num: float, den: int) -> float | None:
    return round(num / den, 4) if den else None


class Tally:
    """Counters for one group of cases; `add` one row at a time, `result` gives the rates."""

    __slots__ = ("n", "contact_den", "contacted", "due_den", "on_time", "rated", "resolved", "satisfied",
                 "basically", "dispatched", "returned", "replied", "reopened", "reply_scores")

    def __init__(self):
        for name in self.__slots__:
            setattr(self, name, 0)
        self.reply_scores = []  # (score, rating) of each case with a scored reply: docs/replies.md

    def add(self, r: dict, now: dt.datetime) -> None:
        self.n += 1
        first = r["first_contact_at"] or r["replied_at"]
        if r["contact_due"] and (first or r["contact_due"] < now):
            self.contact_den += 1
            self.contacted += bool(first and first <= r["contact_due"])
        if r["resolve_due"] and (r["replied_at"] or r["resolve_due"] < now):
            self.due_den += 1
            self.on_time += bool(r["replied_at"] and r["replied_at"] <= r["resolve_due"])
        if r["rating"]:
            self.rated += 1
            self.resolved += bool(r["resolved"] if r["resolved"] is not None else r["rating"] != "unsatisfied")
            self.satisfied += r["rating"] == "satisfied"
            self.basically += r["rating"] == "basically_satisfied"
        if r["assigned_unit_id"] or r["return_count"]:
            self.dispatched += 1
            self.returned += r["return_count"] > 0
        if r["replied_at"]:
            self.replied += 1
            self.reopened += r["reopen_count"] > 0
        if r.get("reply_score") is not None:
            self.reply_scores.append((r["reply_score"], r["rating"]))

    def merge(self, other: "Tally") -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def result(self, weight: float | None = None) -> dict:
        weight = basically_weight() if weight is None else weight
        return {
            "response_rate": _ratio(self.contacted, self.contact_den),
            "resolution_rate": _ratio(self.resolved, self.rated),
            "satisfaction_rate": _ratio(self.satisfied + weight * self.basically, self.rated),
            "on_time_rate": _ratio(self.on_time, self.due_den),
            "return_rate": _ratio(self.returned, self.dispatched),
            "reopen_rate": _ratio(self.reopened, self.replied),
            "cases": self.n, "rated": self.rated, "satisfied": self.satisfied,
            "basically_satisfied": self.basically, "unsatisfied": self.rated - self.satisfied - self.basically,
            "contact_due": self.contact_den, "contacted_on_time": self.contacted, "resolve_due": self.due_den,
            "replied_on_time": self.on_time, "returned": self.returned, "reopened": self.reopened,
            **reply_quality(self.reply_scores, reply_threshold()),
        }


def compute(rows: Iterable[dict], now: dt.datetime, weight: float | None = None) -> dict:
    tally = Tally()
    for r in rows:
        tally.add(r, now)
    return tally.result(weight)


def rates_for(qs, now: dt.datetime | None = None) -> dict:
    """Rates over a case queryset (already limited to a scope and period)."""
    return compute(qs.values(*FIELDS).iterator(chunk_size=5000), now or clock.now())


def counts_by_path(qs, now: dt.datetime) -> dict[str, Tally]:
    """The Tally counters of `qs` per responsible unit's path (the assigned unit's, else the place's),
    in one aggregate query: each counter is a COUNT with the condition `Tally.add` applies to a row."""
    first = Coalesce("first_contact_at", "replied_at")
    rated = ~Q(rating="")
    counters = {
        "n": Count("id"),
        "contact_den": Count("id", filter=Q(contact_due__isnull=False)
                             & (Q(first_word_at__isnull=False) | Q(contact_due__lt=now))),
        "contacted": Count("id", filter=Q(contact_due__isnull=False, first_word_at__isnull=False,
                                          first_word_at__lte=F("contact_due"))),
        "due_den": Count("id", filter=Q(resolve_due__isnull=False)
                         & (Q(replied_at__isnull=False) | Q(resolve_due__lt=now))),
        "on_time": Count("id", filter=Q(resolve_due__isnull=False, replied_at__isnull=False,
                                        replied_at__lte=F("resolve_due"))),
        "rated": Count("id", filter=rated),
        "resolved": Count("id", filter=rated & (Q(resolved=True) | (Q(resolved__isnull=True)
                                                                     & ~Q(rating="unsatisfied")))),
        "satisfied": Count("id", filter=Q(rating="satisfied")),
        "basically": Count("id", filter=Q(rating="basically_satisfied")),
        "dispatched": Count("id", filter=Q(assigned_unit__isnull=False) | Q(return_count__gt=0)),
        "returned": Count("id", filter=Q(return_count__gt=0)),
        "replied": Count("id", filter=Q(replied_at__isnull=False)),
        "reopened": Count("id", filter=Q(replied_at__isnull=False, reopen_count__gt=0)),
    }
    rows = (qs.order_by().annotate(first_word_at=first).values("assigned_path", "place_path")
            .annotate(**counters).values_list("assigned_path", "place_path", *counters))
    out: dict[str, Tally] = {}
    for assigned, place, *values in rows:
        tally = out.setdefault(assigned or place, Tally())
        for name, value in zip(counters, values, strict=True):
            setattr(tally, name, getattr(tally, name) + value)
    return out


def rates_by_unit(qs, units, now: dt.datetime | None = None) -> dict[int, dict]:
    """Rates for each of `units`: a case counts for the unit responsible for it (the assigned unit,
    else the place) and for every unit above that one. One aggregate query counts per responsible
    unit (`counts_by_path`); the counts are then summed up the tree here (a unit's figure is its
    subtree's), so the result equals `rates_for` over `responsible_in(unit)` for every unit."""
    now = now or clock.now()
    by_path = {u.path: (u.id, Tally()) for u in units}
    width = PATH_WIDTH
    for path, counts in counts_by_path(qs, now).items():
        for end in range(width, len(path) + 1, width):
            hit = by_path.get(path[:end])
            if hit:
                hit[1].merge(counts)
    scored = qs.order_by().filter(reply_score__isnull=False).values_list("assigned_path", "place_path",
                                                                          "reply_score", "rating")
    for assigned, place, score, rating in scored.iterator(chunk_size=5000):
        path = assigned or place
        for end in range(width, len(path) + 1, width):
            hit = by_path.get(path[:end])
            if hit:
                hit[1].reply_scores.append((score, rating))
    return {uid: tally.result() for uid, tally in by_path.values()}


def rates_by_month(qs, now: dt.datetime | None = None) -> list[dict]:
    """Rates per calendar month of receipt (local time), oldest first."""
    from django.utils import timezone

    now = now or clock.now()
    months: dict[str, Tally] = {}
    for r in qs.values(*FIELDS, "received_at").iterator(chunk_size=5000):
        key = timezone.localtime(r["received_at"]).strftime("%Y-%m")
        months.setdefault(key, Tally()).add(r, now)
    return [{"month": k, **months[k].result()} for k in sorted(months)]
