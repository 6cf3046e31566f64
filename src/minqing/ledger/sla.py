"""Time limits per first-level category × urgency, in working days (configurable in the admin)."""

from .deadlines import calendar_from_db
from .models import SlaRule, Urgency

DEFAULTS = {Urgency.NORMAL: (1, 7), Urgency.URGENT: (0, 3), Urgency.CRITICAL: (0, 1)}


def limits(category, urgency: str) -> tuple[int, int]:
    top = category
    while top is not None and top.parent_id:
        top = top.parent
    rules = {(r.category_id, r.urgency): r for r in SlaRule.objects.filter(urgency=urgency)}
    rule = rules.get((top.id if top else None, urgency)) or rules.get((None, urgency))
    if rule:
        return rule.contact_days, rule.resolve_days
    return DEFAULTS.get(urgency, DEFAULTS[Urgency.NORMAL])


def due_dates(category, urgency: str, start, calendar=None):
    cal = calendar or calendar_from_db()
    contact, resolve = limits(category, urgency)
    return cal.add_working_days(start, contact), cal.add_working_days(start, resolve)


def ensure_defaults() -> None:
    for urgency, (contact, resolve) in DEFAULTS.items():
        SlaRule.objects.get_or_create(category=None, urgency=urgency,
                                      defaults={"contact_days": contact, "resolve_days": resolve})
