"""Where a user stands in the unit tree: a unit's subtree as a range of path strings, and the units a
user may see. Scope is a query, not an if: the case scope built on these ranges lives in the ledger's
one permission gate (ledger/permissions.py, `case_scope_q`), which also knows co-handling."""

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


def units_visible_to(user):
    from .models import Unit

    if user.role == Role.ADMIN and user.unit_id is None:
        return Unit.objects.all()
    if not getattr(user, "is_staff_member", False):
        return Unit.objects.none()
    return Unit.objects.filter(in_subtree("path", user.unit.path))
