"""Visit plans (走访计划, SPEC C13): go where the voices are loudest, and where nobody has been lately.

`suggest_plans` ranks the villages of a leader's or dispatcher's area, each with its reasons in Chinese:
- 热点 — an active hotspot (the worker's last run, insight/dashboard.latest_hotspots) whose cases lie mostly in the village; weight: its heat;
- 预警 — an open early warning (insight/warnings) placed in the village; weight 40 each;
- 未办结诉求多 — at least 3 open cases placed there, or one overdue; weight 2 per open + 5 per overdue case;
- 走访空白 — no visit to the village or its grids in the last GAP_DAYS days; weight 15 (never visited: 25).
Only cases the user may see count (scope is a query). A suggestion says who already has a plan there.

Plans. Any staff member plans their own visits; leaders, dispatchers and admins also assign a cadre of
their area (a cadre whose unit lies in the user's subtree). Recording a visit (field/services.record_visit)
at the planned place, or at a grid under it, on or after the plan's first day marks the cadre's plan done
and links the visit. Plans are cancelled, never deleted."""

import datetime as dt
from collections import Counter, defaultdict

from django.db import transaction
from django.db.models import Max, Q

from .. import clock
from ..errors import Forbidden, Invalid, NotFound
from ..intake.services import clean_text
from ..ledger.days import parse_day
from ..ledger.models import OPEN_STATUSES
from ..ledger.permissions import cases_visible_to
from ..org.models import PATH_WIDTH, STAFF_ROLES, Level, Role, Unit, User
from ..org.scope import in_subtree
from ..workflow.stats import unit_or_own
from .models import PlanReason, PlanStatus, Visit, VisitPlan

SUGGESTERS = {Role.LEADER, Role.DISPATCHER, Role.ADMIN}
GAP_DAYS = 30
HOTSPOT_DAYS = 30
MAX_SPAN_DAYS = 92
WEIGHTS = {"warning": 40.0, "open": 2.0, "overdue": 5.0, "gap": 15.0, "never": 25.0}


def _village_of(unit_level: str, unit_id: int, parent_id: int | None) -> int | None:
    if unit_level == Level.VILLAGE:
        return unit_id
    if unit_level == Level.GRID:
        return parent_id
    return None


def suggest_plans(user, since: str = "", until: str = "", unit: str = "", limit: int = 20) -> list[dict]:
    if getattr(user, "role", None) not in SUGGESTERS:
        raise Forbidden("只有领导、受理派单员或管理员可以查看走访建议")
    base = unit_or_own(user, unit)
    villages = Unit.objects.filter(level=Level.VILLAGE, active=True).select_related("parent")
    if base is not None:
        villages = villages.filter(in_subtree("path", base.path))
    by_id = {v.id: v for v in villages}
    found: dict[int, list[dict]] = defaultdict(list)
    today = clock.today()
    since = since or (today - dt.timedelta(days=HOTSPOT_DAYS)).isoformat()
    for vid, reason in _hotspot_reasons(user, base, since, until):
        found[vid].append(reason)
    for vid, reason in _warning_reasons(user, base):
        found[vid].append(reason)
    for vid, reason in _case_reasons(user, base):
        found[vid].append(reason)
    for vid, reason in _coverage_reasons(by_id.values(), today):
        found[vid].append(reason)
    planned = _planned_by_unit(by_id, today)
    cadres = _cadres(user, base)
    out = []
    for vid, reasons in found.items():
        village = by_id.get(vid)
        if village is None:
            continue
        reasons.sort(key=lambda r: -r["weight"])
        out.append({
            "unit": village.code, "unit_name": village.name, "parent_name": village.parent.name if village.parent_id else "",
            "score": round(sum(r["weight"] for r in reasons), 1), "reason": reasons[0]["reason"],
            "reasons": reasons, "explanation": "；".join(r["explanation"] for r in reasons),
            "planned": planned.get(vid, []), "cadres": _cadres_for(village, cadres),
        })
    out.sort(key=lambda s: (-s["score"], s["unit"]))
    return out[:limit]


def _hotspot_reasons(user, base, since, until):
    """The worker's last hotspot run for the area (cheap), or a live computation for another period
    or when no run is stored yet."""
    from ..insight.dashboard import latest_hotspots
    from ..insight.service import hotspots
    from ..ledger.models import Case

    stored = latest_hotspots(user, base, limit=10) if not until else {"items": []}
    items = stored["items"] or hotspots(user, base.code if base else "", since, until, limit=10)
    for h in items:
        rows = Case.objects.filter(number__in=h["cases"]).values_list("unit__level", "unit_id", "unit__parent_id")
        counts = Counter(v for v in (_village_of(*r) for r in rows) if v)
        if counts:
            vid = counts.most_common(1)[0][0]
            yield vid, {"reason": PlanReason.HOTSPOT.value, "weight": float(h["heat"]),
                        "explanation": f"热点：{h['title']}（热度 {h['heat']:g}，{h['voices']}人次反映）"}


def _warning_reasons(user, base):
    """Open early warnings (insight/warnings.py) at a village or one of its grids."""
    from ..insight.warnings import listing

    for w in listing(user, status="open", unit=base.code if base else "")[:200]:
        vid = _village_of(w.unit.level, w.unit_id, w.unit.parent_id)
        if vid:
            yield vid, {"reason": PlanReason.WARNING.value, "weight": WEIGHTS["warning"], "explanation": f"预警：{w.title}"}


def _case_reasons(user, base):
    qs = cases_visible_to(user).filter(status__in=OPEN_STATUSES)
    if base is not None:
        qs = qs.filter(in_subtree("place_path", base.path))
    now = clock.now()
    open_n, late_n = Counter(), Counter()
    for level, uid, pid, due in qs.values_list("unit__level", "unit_id", "unit__parent_id", "resolve_due"):
        vid = _village_of(level, uid, pid)
        if vid:
            open_n[vid] += 1
            late_n[vid] += bool(due and due < now)
    for vid, n in open_n.items():
        if n >= 3 or late_n[vid]:
            text = f"未办结诉求{n}件" + (f"，其中超期{late_n[vid]}件" if late_n[vid] else "")
            yield vid, {"reason": PlanReason.CASES.value, "weight": WEIGHTS["open"] * n + WEIGHTS["overdue"] * late_n[vid],
                        "explanation": text}


def _coverage_reasons(villages, today):
    villages = list(villages)
    if not villages:
        return
    last: dict[str, dt.date] = {}
    q = Q()
    for v in villages:
        q |= in_subtree("unit_path", v.path)
    for path, day in Visit.objects.filter(q).values("unit_path").annotate(last=Max("visited_at")).values_list(
            "unit_path", "last"):
        last[path] = max(day, last.get(path, day))
    for v in villages:
        days = [d for p, d in last.items() if p.startswith(v.path)]
        latest = max(days) if days else None
        if latest is None:
            yield v.id, {"reason": PlanReason.COVERAGE.value, "weight": WEIGHTS["never"], "explanation": "从未走访"}
        elif (today - latest).days > GAP_DAYS:
            yield v.id, {"reason": PlanReason.COVERAGE.value, "weight": WEIGHTS["gap"],
                         "explanation": f"近{GAP_DAYS}天未走访（上次 {latest.isoformat()}）"}


def _planned_by_unit(by_id, today) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for p in VisitPlan.objects.filter(unit_id__in=list(by_id), status=PlanStatus.PLANNED, ends__gte=today).select_related(
            "cadre"):
        out[p.unit_id].append(p.cadre.label())
    return out


def _cadres(user, base) -> list[User]:
    qs = User.objects.filter(is_active=True, role__in=[r for r in STAFF_ROLES if r != Role.ADMIN], unit__isnull=False)
    qs = qs.exclude(unit__level=Level.DEPARTMENT).select_related("unit")
    if base is not None:
        qs = qs.filter(in_subtree("unit__path", base.path))
    return list(qs.order_by("unit__path", "username"))


def _cadres_for(unit: Unit, cadres: list[User]) -> list[dict]:
    """Cadres of the place first (its grids' included), then those of the units above it."""
    inside = [c for c in cadres if c.unit.path.startswith(unit.path)]
    above = [c for c in cadres if unit.path.startswith(c.unit.path) and c not in inside]
    return [{"id": c.id, "username": c.username, "label": _cadre_label(c)} for c in inside + above]


def _cadre_label(c: User) -> str:
    name = c.label()
    where = c.get_role_display() if c.unit.name in name else f"{c.unit.name}·{c.get_role_display()}"
    return f"{name}（{where}）"


def _day(value, field: str, label: str, default: dt.date) -> dt.date:
    if value in (None, ""):
        return default
    return parse_day(value, field, label)


def _staff(user):
    if not getattr(user, "is_staff_member", False):
        raise Forbidden("只有工作人员可以制定走访计划")


@transaction.atomic
def create_plan(user, data: dict) -> VisitPlan:
    _staff(user)
    unit = Unit.objects.filter(code=str(data.get("unit") or ""), active=True).exclude(level=Level.DEPARTMENT).first()
    if unit is None:
        raise Invalid(f"地点“{data.get('unit') or ''}”不存在（应为村/社区、网格或乡镇）", field="unit", code="unknown_unit")
    if not unit.path.startswith(user.unit.path):
        raise Forbidden(f"{unit.name}不在您的范围内", field="unit")
    cadre = _cadre(user, data.get("cadre"))
    today = clock.today()
    starts = _day(data.get("starts"), "starts", "开始日期", today)
    ends = _day(data.get("ends"), "ends", "截止日期", starts + dt.timedelta(days=7))
    if ends < starts:
        raise Invalid("截止日期不能早于开始日期", field="ends")
    if ends < today:
        raise Invalid("截止日期已过", field="ends")
    if (ends - starts).days > MAX_SPAN_DAYS:
        raise Invalid(f"一个计划最长{MAX_SPAN_DAYS}天", field="ends")
    reason = str(data.get("reason") or PlanReason.MANUAL)
    if reason not in PlanReason.values:
        raise Invalid("原因应为 hotspot、warning、cases、coverage 或 manual", field="reason")
    note = clean_text(data.get("note"), "说明", "note", required=False, limit=300)
    dup = VisitPlan.objects.filter(cadre=cadre, unit=unit, status=PlanStatus.PLANNED, starts__lte=ends, ends__gte=starts)
    if dup.exists():
        raise Invalid(f"{cadre.label()}在这段时间已有走访{unit.name}的计划", code="duplicate")
    return VisitPlan.objects.create(cadre=cadre, unit=unit, unit_path=unit.path, starts=starts, ends=ends,
                                    reason=reason, note=note, created_by=user, created_at=clock.now())


def _cadre(user, value) -> User:
    if value in (None, "", user.id, user.username, str(user.id)):
        return user
    if user.role not in SUGGESTERS:
        raise Forbidden("只有领导、受理派单员或管理员可以给他人安排走访")
    q = Q(id=int(value)) if str(value).isdigit() else Q(username=str(value))
    cadre = User.objects.filter(q, is_active=True).select_related("unit").first()
    if cadre is None or not cadre.is_staff_member or cadre.role == Role.ADMIN:
        raise Invalid(f"走访人“{value}”不存在或不是工作人员", field="cadre")
    if not cadre.unit.path.startswith(user.unit.path):
        raise Forbidden(f"{cadre.label()}不在您的范围内，不能给他安排走访", field="cadre")
    return cadre


def plans_visible_to(user):
    """One's own plans; leaders, dispatchers and admins also those of places and cadres in their subtree."""
    qs = VisitPlan.objects.select_related("unit", "cadre", "cadre__unit", "visit")
    if user.role == Role.ADMIN and user.unit_id is None:
        return qs
    if not getattr(user, "is_staff_member", False):
        return qs.none()
    if user.role in SUGGESTERS:
        return qs.filter(Q(cadre=user) | in_subtree("unit_path", user.unit.path)
                         | in_subtree("cadre__unit__path", user.unit.path))
    return qs.filter(cadre=user)


def list_plans(user, status: str = "", mine: bool = False):
    qs = plans_visible_to(user)
    if status:
        if status not in PlanStatus.values:
            raise Invalid("状态应为 planned、done 或 cancelled", field="status")
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(cadre=user)
    return qs


@transaction.atomic
def cancel_plan(user, pk) -> VisitPlan:
    plan = plans_visible_to(user).select_for_update(of=("self",)).filter(pk=pk).first()
    if plan is None:
        raise NotFound("走访计划不存在或不在您的范围内")
    if plan.status != PlanStatus.PLANNED:
        raise Invalid("只能取消计划中的走访")
    plan.status, plan.closed_at = PlanStatus.CANCELLED, clock.now()
    plan.save(update_fields=["status", "closed_at"])
    return plan


def fulfil(visit: Visit) -> int:
    """Mark done the visitor's plans for this place (or a unit above it) that had started by the visit's day."""
    ancestors = [visit.unit_path[:i] for i in range(PATH_WIDTH, len(visit.unit_path) + 1, PATH_WIDTH)]
    return VisitPlan.objects.filter(cadre=visit.visitor, status=PlanStatus.PLANNED, unit_path__in=ancestors,
                                    starts__lte=visit.visited_at).update(
        status=PlanStatus.DONE, visit=visit, closed_at=clock.now())


def plan_view(plan: VisitPlan) -> dict:
    return {
        "id": plan.id, "unit": plan.unit.code, "unit_name": plan.unit.name, "cadre": plan.cadre.username,
        "cadre_name": plan.cadre.label(), "starts": plan.starts.isoformat(), "ends": plan.ends.isoformat(),
        "reason": plan.reason, "reason_label": str(PlanReason(plan.reason).label), "note": plan.note,
        "status": plan.status, "status_label": str(PlanStatus(plan.status).label),
        "visit": plan.visit_id, "visited_at": plan.visit.visited_at.isoformat() if plan.visit_id else None,
    }
