"""Who may see what. Scope is a query, not an if: every case list, detail, export and search starts
from `cases_visible_to(user)`, and every single case is fetched through `access_case`.

A staff user sees cases whose place lies in their unit's subtree, cases assigned to a unit in that
subtree (so a county department sees what was dispatched to it wherever the place is), and cases
they recorded themselves (a grid cadre follows what they heard next door, outside their own grid), and
cases their unit was called in to co-handle (吹哨报到).
"""

from django.db.models import Q

from .models import PATH_WIDTH, Role


def subtree_range(path: str) -> tuple[str, str]:
    """The half-open string range [path, upper) holding path and all its descendants' paths.

    Paths are fixed-width digit groups, so the upper bound is the path with its last group
    incremented: every descendant path is path + more digits, which sorts before it."""
    last = int(path[-PATH_WIDTH:]) + 1
    return path, path[:-PATH_WIDTH] + str(last).zfill(PATH_WIDTH)


def in_subtree(field: str, path: str) -> Q:
    lo, hi = subtree_range(path)
    return Q(**{f"{field}__gte": lo, f"{field}__lt": hi})


def case_scope_q(user) -> Q | None:
    """The Q that limits cases to those the user may see; None means nothing."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.role == Role.ADMIN and user.unit_id is None:
        return Q()
    if not user.is_staff_member:
        return None
    from ..ledger.models import CoTask

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


def units_visible_to(user):
    from .models import Unit

    if user.role == Role.ADMIN and user.unit_id is None:
        return Unit.objects.all()
    if not getattr(user, "is_staff_member", False):
        return Unit.objects.none()
    return Unit.objects.filter(in_subtree("path", user.unit.path))
