"""Early warnings: the scan the worker runs (gather rows, run the detectors, store each event once,
tell the leaders), and what people do with a warning (acknowledge it as its owner, record how it was
handled). Scope is the same as for cases: a warning belongs to a place, and a staff member sees the
warnings of their unit's subtree."""

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import Count
from django.db.models.functions import Substr
from django.utils import timezone

from .. import clock
from ..errors import Forbidden, IllegalTransition, Invalid, NotFound
from ..intake.services import clean_text
from ..ledger.models import Case, Status, Voice
from ..org.models import PATH_WIDTH, Level, Role, Unit
from ..org.scope import in_subtree
from ..privacy import mask_phone
from . import detectors
from .models import Warning, WarningStatus
from .service import case_rows

LEADERS = [Role.LEADER, Role.DISPATCHER]
TOWNSHIP = 2 * PATH_WIDTH
VILLAGE = 3 * PATH_WIDTH
MERGE_WINDOW = {"surge": dt.timedelta(days=7), "repeat": dt.timedelta(days=30), "rebound": dt.timedelta(days=30)}


PRIORITY = ["surge", "seasonal", "repeat", "rebound"]  # the order a scan's findings are stored (and pushed) in
NOTIFY_DAILY = 10  # warnings pushed one by one to an area's leaders per day; the rest wait on the page
SCAN_WINDOW = dt.timedelta(hours=2)  # new voices checked for rebounds: the worker scans hourly, with overlap


def scan(now: dt.datetime | None = None, window: dt.timedelta = SCAN_WINDOW) -> dict:
    """Run every detector on the windows ending now; returns how many warnings each raised (new ones).
    `window`: how far back new voices are checked against closed cases (since the previous scan)."""
    now = now or clock.now()
    background, hours = _background(now)
    found = (detectors.surges(_recent_rows(now), now, background, hours) + _seasonal(now)
             + detectors.repeats(_repeat_groups(now)) + _rebounds(now, window))
    found.sort(key=lambda f: (PRIORITY.index(f.kind), -f.score))  # the first of the day are pushed
    raised: dict[str, int] = defaultdict(int)
    for f in found:
        if store(f, now):
            raised[f.kind] += 1
    return {"found": len(found), "raised": dict(raised)}


def replay(since: dt.datetime, until: dt.datetime, step: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Scan at each step of a past period, as the worker would have (the demo's history, backfills)."""
    raised, t = 0, since
    while t <= until:
        raised += sum(scan(t, step)["raised"].values())
        t += step
    return raised


def _recent_rows(now):
    qs = Case.objects.filter(received_at__gt=now - dt.timedelta(hours=detectors.SURGE_HOURS), received_at__lte=now)
    return case_rows(qs.exclude(close_reason__in=["spam", "withdrawn"]))


def _background(now, limit: int = 20000) -> tuple[list[tuple[str, str, str]], float]:
    """(search_text, title, village) of the cases of the month before the surge window (the most recent
    `limit`): how common each word usually is, and what each village usually says; and the hours they
    cover (less than the month where more than `limit` cases came in it)."""
    before = now - dt.timedelta(hours=detectors.SURGE_HOURS)
    month = dt.timedelta(days=detectors.BACKGROUND_DAYS)
    qs = (Case.objects.filter(received_at__gt=before - month, received_at__lte=before)
          .order_by("-received_at").values_list("search_text", "title", "place_path", "received_at")[:limit])
    rows = list(qs)
    oldest = rows[-1][3] if len(rows) == limit else before - month
    return ([(t, title, path[:VILLAGE] if len(path) >= VILLAGE else "") for t, title, path, _at in rows],
            max((before - oldest).total_seconds() / 3600, 1.0))


def _township_names() -> dict:
    return dict(Unit.objects.filter(level__in=[Level.COUNTY, Level.TOWNSHIP]).values_list("path", "name"))


def _counts(lo, hi, by_township: bool) -> dict:
    qs = Case.objects.filter(received_at__gte=lo, received_at__lt=hi).exclude(category_top="")
    if by_township:
        rows = (qs.annotate(place=Substr("place_path", 1, TOWNSHIP)).values("place", "category_top")
                .annotate(n=Count("id")).order_by())
        return {(r["place"], r["category_top"]): r["n"] for r in rows if len(r["place"]) == TOWNSHIP}
    rows = (qs.annotate(place=Substr("place_path", 1, PATH_WIDTH)).values("place", "category_top")
            .annotate(n=Count("id")).order_by())
    return {(r["place"], r["category_top"]): r["n"] for r in rows}


def _seasonal(now) -> list:
    week = dt.timedelta(days=7)
    found = []
    for by_township in (False, True):
        current = _counts(now - week, now, by_township)
        prior: dict = defaultdict(list)
        for years in (1, 2, 3):
            then = now - dt.timedelta(weeks=52 * years)  # the same weekday, the same week of the year
            span = _counts(then - 2 * week, then + week, by_township)  # the same week and its neighbours
            before = _counts(then - 10 * week, then - 2 * week, by_township)  # the 8 weeks before them
            if not span or not before:
                continue
            for key in current:
                prior[key].append((span.get(key, 0) / 3, before.get(key, 0) / 8))
        recent: dict = defaultdict(list)
        for k in range(1, 9):
            counts = _counts(now - (k + 1) * week, now - k * week, by_township)
            for key in current:
                recent[key].append(counts.get(key, 0))
        found += detectors.seasonal(current, prior, recent, _township_names(), f"{now:%G-W%V}")
    return found


def _repeat_groups(now) -> list[dict]:
    since = now - dt.timedelta(days=detectors.REPEAT_DAYS)
    voices = (Voice.objects.filter(case__received_at__gt=since, case__received_at__lte=now)
              .exclude(submitter_mode="anonymous"))
    people = defaultdict(dict)
    for phone, ref, number, at, title, path, name in voices.values_list(
            "submitter_phone", "submitter_ref", "case__number", "case__received_at", "case__title",
            "case__place_path", "case__unit__name"):
        person = ("tel:" + "".join(ch for ch in phone if ch.isdigit())) if phone else (f"ref:{ref}" if ref else "")
        if person not in ("", "tel:"):
            people[person][number] = (number, at, title, path, name, phone)
    groups = []
    for person, cases in people.items():
        if len(cases) >= detectors.REPEAT_CASES:
            last = max(cases.values(), key=lambda c: c[1])
            groups.append({"person": person, "masked": mask_phone(last[5]) if last[5] else "用户" + person[4:8] + "…",
                           "cases": [c[:3] for c in cases.values()], "place": last[3][:VILLAGE], "place_name": last[4]})
    return groups


def _rebounds(now, window) -> list:
    """Each voice of the window against the cases closed at its village in the last REBOUND_DAYS (at
    least REBOUND_GAP before it came), with the duplicate search's retrieval and score."""
    from ..ledger.similar import place_of, similar_in

    out = []
    new = (Case.objects.filter(received_at__gt=now - window, received_at__lte=now)
           .exclude(close_reason__in=["spam", "withdrawn"]).select_related("unit", "unit__parent"))
    for case in new.iterator(chunk_size=500):
        place = place_of(case)
        closed = Case.objects.filter(in_subtree("place_path", place.path), status=Status.CLOSED,
                                     closed_at__gt=now - dt.timedelta(days=detectors.REBOUND_DAYS),
                                     closed_at__lte=case.received_at - detectors.REBOUND_GAP
                                     ).exclude(close_reason__in=["spam", "withdrawn", "duplicate", "merged"])
        for m in similar_in(case, closed, detectors.REBOUND_SIMILARITY, 1):
            old = m.case
            out.append(detectors.rebound(
                {"number": case.number, "received_at": case.received_at},
                {"number": old.number, "title": old.title, "closed_at": old.closed_at, "village": place.path,
                 "village_name": place.name, "category": old.category_top}, m.score))
    return out


@transaction.atomic
def store(f: detectors.Finding, now) -> bool:
    """Save a finding as a warning once; a finding about an event already warned of updates it instead
    (more cases, fresher figures) and says nothing new. Returns True for a new warning."""
    from ..workflow.notify import notify_unit_staff

    unit = Unit.objects.filter(path=f.place).first()
    if unit is None:
        return False
    w = Warning.objects.select_for_update().filter(key=f.key).first()
    if w is None and f.kind in MERGE_WINDOW:
        # the same surge / person seen again under a later first case; for rebounds, another closed
        # problem of the same category coming back at the same place joins that place's warning
        same = Warning.objects.select_for_update().filter(kind=f.kind, unit_path=unit.path,
                                                          raised_at__gte=now - MERGE_WINDOW[f.kind])
        same = same.filter(category=f.category) if f.kind == "rebound" else same.filter(cases__number__in=f.cases)
        w = same.order_by("-raised_at").first()
    cases = list(Case.objects.filter(number__in=f.cases))
    fields = {"title": f.title[:200], "explanation": f.explanation, "score": f.score, "figures": f.figures,
              "category": f.category, "event_at": f.event_at or now, "updated_at": now}
    if w is not None and f.kind == "rebound":
        closed = w.figures.get("closed_cases") or [w.figures.get("closed")]
        if f.figures["closed"] not in closed:
            closed = [*closed, f.figures["closed"]]
            fields["explanation"] = f"{w.explanation}\n{f.explanation}"
        else:
            fields["explanation"] = w.explanation
        fields["figures"] = {**f.figures, "closed_cases": closed}
        if len(closed) > 1:
            fields["title"] = f"{unit.name}：{len(closed)}件已办结的“{f.category}”问题又有人反映"
        fields["score"] = max(w.score, f.score)
    if w is not None:
        for k, v in fields.items():
            setattr(w, k, v)
        w.save()
        w.cases.add(*cases)
        return False
    w = Warning.objects.create(kind=f.kind, key=f.key[:200], unit=unit, unit_path=unit.path, raised_at=now, **fields)
    w.cases.add(*cases)
    day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    for target in _responsible(unit):
        today = Warning.objects.filter(in_subtree("unit_path", target.path), raised_at__gte=day).count()
        if today <= NOTIFY_DAILY:
            notify_unit_staff(target, LEADERS, "warning", f"【预警】{w.title}", f"warning:{w.id}:{target.id}")
        else:  # a busy day: one notice says so, and the page ranks them
            notify_unit_staff(target, LEADERS, "warning", f"【预警】{target.name}今天已有{NOTIFY_DAILY}条以上预警，"
                              "其余不再逐条推送，请到预警页查看", f"warning-more:{day:%Y-%m-%d}:{target.id}")
    return True


def _responsible(unit: Unit) -> list[Unit]:
    """Who is told: the township of the place (it acts first) and the county (it watches)."""
    chain = [u for u in Unit.objects.filter(path__in=[unit.path[:TOWNSHIP], unit.path[:PATH_WIDTH]])]
    return chain or [unit]


def visible_to(user):
    if user.role == Role.ADMIN and user.unit_id is None:
        return Warning.objects.select_related("unit", "owner")
    if not getattr(user, "is_staff_member", False):
        return Warning.objects.none()
    return Warning.objects.select_related("unit", "owner").filter(in_subtree("unit_path", user.unit.path))


def listing(user, status: str = "", kind: str = "", unit: str = ""):
    qs = visible_to(user)
    if status == "open":
        qs = qs.exclude(status=WarningStatus.HANDLED)
    elif status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if unit:
        u = Unit.objects.filter(code=unit).first()
        if u is None:
            raise Invalid(f"单位“{unit}”不存在", field="unit")
        qs = qs.filter(in_subtree("unit_path", u.path))
    return qs


def get(user, pk) -> Warning:
    w = visible_to(user).filter(pk=pk).first()
    if w is None:
        raise NotFound("预警不存在或不在您的范围内")
    return w


def acknowledge(user, w: Warning) -> Warning:
    if user.role not in (Role.LEADER, Role.DISPATCHER, Role.ADMIN, Role.GRID):
        raise Forbidden("只有领导、派单员或网格员可以认领预警")
    if w.status != WarningStatus.NEW:
        raise IllegalTransition(f"该预警{w.get_status_display()}，不能再认领")
    w.status, w.owner, w.updated_at = WarningStatus.ACKNOWLEDGED, user, clock.now()
    w.save(update_fields=["status", "owner", "updated_at"])
    return w


def handle(user, w: Warning, note: str) -> Warning:
    if w.status == WarningStatus.HANDLED:
        raise IllegalTransition("该预警已处置")
    if w.owner_id not in (None, user.id) and user.role not in (Role.LEADER, Role.ADMIN):
        raise Forbidden("该预警已由他人认领，只有认领人或领导可以登记处置情况")
    w.note = clean_text(note, "处置情况", "note", required=True)
    w.status, w.owner, w.updated_at = WarningStatus.HANDLED, w.owner or user, clock.now()
    w.save(update_fields=["status", "owner", "note", "updated_at"])
    return w


def as_dict(w: Warning) -> dict:
    return {"id": w.id, "kind": w.kind, "kind_label": w.get_kind_display(), "title": w.title,
            "explanation": w.explanation, "unit": w.unit.code, "unit_name": w.unit.name, "category": w.category,
            "score": w.score, "status": w.status, "status_label": w.get_status_display(),
            "owner": w.owner.label() if w.owner_id else None, "note": w.note,
            "raised_at": w.raised_at.isoformat(), "event_at": w.event_at.isoformat(), "figures": w.figures,
            "cases": list(w.cases.order_by("received_at").values_list("number", flat=True)[:200])}
