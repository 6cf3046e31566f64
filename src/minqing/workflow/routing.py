"""Where a case should go: category × place → one responsible unit.

Rules (RoutingRule) are looked up for the place and each of its ancestors, deepest first; at each
level a rule for the case's first-level category beats a catch-all. With no rule, the case goes to
the lowest unit that covers the place and can act: the village/community (a grid's village), or the
township for a case placed at township level."""

from ..ledger.models import Case, Category
from ..org.models import PATH_WIDTH, Level, Unit
from .models import RoutingRule


def _top(category: Category | None) -> Category | None:
    while category is not None and category.parent_id:
        category = category.parent
    return category


def fallback_unit(place: Unit) -> Unit:
    if place.level == Level.GRID and place.parent_id:
        return place.parent
    return place


def route(category: Category | None, place: Unit, rules: list[RoutingRule] | None = None) -> tuple[Unit, str]:
    """(unit, why) for a case of `category` at `place`."""
    top = _top(category)
    chain = [place.path[: i + PATH_WIDTH] for i in range(0, len(place.path), PATH_WIDTH)][::-1]  # deepest first
    if rules is None:
        ids = [int(p[-PATH_WIDTH:]) for p in chain]
        rules = list(RoutingRule.objects.filter(area_id__in=ids).select_related("area", "unit", "category"))
    by_area: dict[str, list[RoutingRule]] = {}
    for r in rules:
        by_area.setdefault(r.area.path, []).append(r)
    for path in chain:
        candidates = by_area.get(path, [])
        specific = [r for r in candidates if top is not None and r.category_id == top.id]
        general = [r for r in candidates if r.category_id is None]
        for r in specific or general:
            return r.unit, f"规则：{r}"
    unit = fallback_unit(place)
    return unit, f"无匹配规则，派往所在{unit.get_level_display()}"


def route_case(case: Case) -> tuple[Unit, str]:
    return route(case.category, case.unit)
