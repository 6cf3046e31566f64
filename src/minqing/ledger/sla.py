"""Time limits per first-level category × urgency, in working days (configurable in the admin)."""

from .deadlines import calendar_from_db
from .models import SlaRule, Urgency

DEFAULTS = {Urgency.NORMAL: (1, 7), Urgency.URGENT: (0, 3), Urgency.CRITICAL: (0, 1)}


_rules: tuple[float, dict] | None = None


def _all_rules() -> dict:
    """Rules by (category id, urgency), re-read at most every 60 s per process (admins change them rarely)."""
    global _rules
    import time

    if _rules is None or time.monotonic() - _rules[0] > 60:
        _tops.clear()
        _rules = (time.monotonic(), {(r.category_id, r.urgency): (r.contact_days, r.resolve_days)
                                     for r in SlaRule.objects.all()})
    return _rules[1]


def forget_cached_rules(**_kwargs) -> None:
    global _rules
    _rules = None
    _tops.clear()


def limits(category, urgency: str) -> tuple[int, int]:
    """(contact days, resolution days) for the category's first level, else the catch-all rule."""
    top_id = None
    if category is not None:
        top_id = category.id if not category.parent_id else _top_id(category)
    rules = _all_rules()
    return rules.get((top_id, urgency)) or rules.get((None, urgency)) or DEFAULTS.get(urgency, DEFAULTS[Urgency.NORMAL])


_tops: dict[str, int | None] = {}


def _top_id(category) -> int:
    """The first-level category's id, looked up once per path while the rules are cached (an import asks
    for it on every row)."""
    from .models import Category

    first = category.path.split("/")[0]
    if first not in _tops:
        _tops[first] = Category.objects.filter(level=1, path=first).values_list("id", flat=True).first()
    return _tops[first]


def due_dates(category, urgency: str, start, calendar=None):
    cal = calendar or calendar_from_db()
    contact, resolve = limits(category, urgency)
    return cal.add_working_days(start, contact), cal.add_working_days(start, resolve)


def ensure_defaults() -> None:
    for urgency, (contact, resolve) in DEFAULTS.items():
        SlaRule.objects.get_or_create(category=None, urgency=urgency,
                                      defaults={"contact_days": contact, "resolve_days": resolve})
