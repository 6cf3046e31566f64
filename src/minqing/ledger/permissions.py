"""Which case a user may touch, and with which action. One gate for UI, API, CLI and worker."""

from ..errors import Forbidden, NotFound
from ..org.models import Role
from ..org.scope import case_scope_q
from .lifecycle import ACTIONS, Action
from .models import Case


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
