"""Where a case should go: category × place → one responsible unit.

Rules (RoutingRule) are looked up for the place and each of its ancestors, deepest first; at each
level a rule for the case's first-level category beats a catch-all. With no rule, the case goes to
the lowest unit that covers the place and can act: the village/community (a grid's village), or the
township for a case placed at township level."""

from django.utils.translation import gettext

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
            return r.unit, gettext("规则：%(rule)s") % {"rule": r}
    unit = fallback_unit(place)
    return unit, gettext("无匹配规则，派往所在%(level)s") % {"level": unit.get_level_display()}


def route_case(case: Case) -> tuple[Unit, str]:
    return route(case.category, case.unit)


def may_edit(user) -> bool:
    from ..org.models import Role

    return getattr(user, "role", None) == Role.ADMIN


def save_rule(user, data: dict) -> RoutingRule:
    """Add or replace the rule for (area, category): admins only; the units must exist and be active."""
    from ..errors import Forbidden, Invalid

    if not may_edit(user):
        raise Forbidden("只有管理员可以修改派单规则")
    area = Unit.objects.filter(code=str(data.get("area") or ""), active=True).first()
    unit = Unit.objects.filter(code=str(data.get("unit") or ""), active=True).first()
    if area is None:
        raise Invalid("请选择适用区域", field="area")
    if unit is None:
        raise Invalid("请选择承办单位", field="unit")
    category = None
    if data.get("category"):
        category = Category.objects.filter(level=1, name=str(data["category"])).first()
        if category is None:
            raise Invalid(f"一级分类“{data['category']}”不存在", field="category")
    rule, _ = RoutingRule.objects.update_or_create(area=area, category=category,
                                                   defaults={"unit": unit, "note": str(data.get("note") or "")[:200]})
    return rule


def delete_rule(user, rule_id) -> None:
    from ..errors import Forbidden, NotFound

    if not may_edit(user):
        raise Forbidden("只有管理员可以修改派单规则")
    deleted, _ = RoutingRule.objects.filter(pk=rule_id).delete()
    if not deleted:
        raise NotFound("派单规则不存在")


def set_auto_dispatch(user, category_name: str, threshold) -> Category:
    """The confidence above which a new case of this first-level category is dispatched without a person
    (blank: never). Admins only; 0.5 to 1, since below even odds the machine is guessing."""
    from ..errors import Forbidden, Invalid

    if not may_edit(user):
        raise Forbidden("只有管理员可以设置自动派单阈值")
    category = Category.objects.filter(level=1, name=str(category_name or "")).first()
    if category is None:
        raise Invalid(f"一级分类“{category_name or ''}”不存在", field="category")
    if threshold in (None, ""):
        value = None
    else:
        try:
            value = float(threshold)
        except (TypeError, ValueError):
            raise Invalid("阈值应为 0.5 到 1 之间的小数，如 0.9", field="threshold") from None
        if not 0.5 <= value <= 1:
            raise Invalid("阈值应为 0.5 到 1 之间的小数，如 0.9", field="threshold")
    category.auto_dispatch_at = value
    category.save(update_fields=["auto_dispatch_at"])
    return category
