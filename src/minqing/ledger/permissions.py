"""Which case a user may touch, and with which action. One gate for UI, API, CLI and worker.

Scope is a query, not an if: every case list, detail, export and search starts from
`cases_visible_to(user)`, and every single case is fetched through `access_case`. A staff user sees
cases whose place lies in their unit's subtree, cases assigned to a unit in that subtree (so a county
department sees what was dispatched to it wherever the place is), cases they recorded themselves (a
grid cadre follows what they heard next door, outside their own grid), and cases their unit was
called in to co-handle (吹哨报到)."""

from django.db.models import Q

from ..errors import Forbidden, NotFound
from ..org.models import Role
from ..org.scope import in_subtree
from .lifecycle import ACTIONS, Action
from .models import Case, CoTask


def case_scope_q(user) -> Q | None:
    """The Q that limits cases to those the user may see; None means nothing."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.role == Role.ADMIN and user.unit_id is None:
        return Q()
    if not user.is_staff_member:
        return None
    unit = user.unit
    if unit.parent_id is None and not type(unit).objects.filter(parent__isnull=True).exclude(pk=unit.pk).exists():
        # The root of the only unit tree: every case's place lies in its subtree, so the scope is
        # everything. Without this, a county dispatcher's every list evaluated a four-way OR over
        # a million cases (docs/benchmarks.md).
        return Q()
    path = unit.path
    called_in = CoTask.objects.filter(in_subtree("unit_path", path)).values("case_id")
    return (in_subtree("place_path", path) | in_subtree("assigned_path", path) | Q(created_by_id=user.id)
            | Q(id__in=called_in))


def cases_visible_to(user):
    """The only starting point for a user's case lists, searches and exports."""
    q = case_scope_q(user)
    if q is None:
        return Case.objects.none()
    return Case.objects.filter(q)


def access_case(user, number: str, *, for_update: bool = False) -> Case:
    """Fetch a case the user may see, or raise NotFound (never reveal that another unit's case exists)."""
    qs = cases_visible_to(user).select_related("unit", "assigned_unit", "category", "handler")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    case = qs.filter(number=number).first()
    if case is None:
        raise NotFound(f"工单“{number}”不存在或无权查看")
    return case


def _within(path: str, user) -> bool:
    return bool(path) and path.startswith(user.unit.path)


def reach_ok(user, action: Action, case: Case) -> bool:
    if user.role == Role.ADMIN:
        return True
    if action.reach == "assigned":
        return _within(case.assigned_path, user)
    if action.reach == "above":
        return _within(case.assigned_path, user) and case.assigned_path != user.unit.path
    if action.reach == "cotask":
        return any(_within(t.unit_path, user) for t in case.cotasks.filter(state="open"))
    return True


def may(user, action: Action, case: Case) -> bool:
    return user.role in action.roles and reach_ok(user, action, case)


def check_may(user, action: Action, case: Case) -> None:
    if user.role not in action.roles:
        raise Forbidden(f"您的角色不能执行“{action.label}”")
    if not reach_ok(user, action, case):
        raise Forbidden(f"该工单不在您单位的承办范围内，不能执行“{action.label}”")


def allowed_actions(user, case: Case) -> list[Action]:
    """Actions the user may take on the case now (for the buttons on the case page)."""
    from .models import Extension

    pending = case.extensions.filter(state=Extension.State.PENDING).exists()
    sensitive = bool(case.category_id and case.category.sensitive)
    return [a for a in ACTIONS.values() if case.status in a.sources and may(user, a, case)
            and (pending if a.name in ("approve_extension", "reject_extension") else True)
            and not (a.name == "request_extension" and pending)
            and (sensitive if a.name == "approve_close" else True)]


def may_reveal_contact(user, case: Case, voice=None) -> bool:
    """A protected submitter's identity is for the intake centre that must call back (a dispatcher
    whose area covers the place) and the cadre who wrote the voice down; masked for everyone else."""
    if voice is not None and voice.recorded_by_id == user.id:
        return True
    return user.role == Role.DISPATCHER and _within(case.place_path, user)
