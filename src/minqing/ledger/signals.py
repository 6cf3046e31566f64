"""Ledger signals: the cached calendar is dropped when an admin changes it; `case_event` tells other
apps about every change to a case, `case_raised` about a case the ledger itself raised up the tree.
The ledger never calls the apps built on it: they listen here (workflow/apps.py connects them)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal

from .deadlines import forget_cached_calendar
from .models import CalendarDay

# Sent after every case event is written, inside the same transaction: `event` is the CaseEvent.
# Other apps (notifications, hotspots) listen here instead of the ledger calling them.
case_event = Signal()

# Sent when a ledger action raises a case to the unit above (a repeated return, ledger/actions/dispatch.py
# `do_return`), after the action's own event and in the same transaction. Arguments: `case` (its
# escalation_level and escalated_to already raised), `returning` (the unit that returned it),
# `before_level` and `before_to` (unit id). Workflow answers with the `escalate` event and the notices.
case_raised = Signal()


def _forget_rules(**kwargs):
    from .sla import forget_cached_rules

    forget_cached_rules()


def connect() -> None:
    from .models import SlaRule

    post_save.connect(_forget_rules, sender=SlaRule, dispatch_uid="minqing-sla-save")
    post_delete.connect(_forget_rules, sender=SlaRule, dispatch_uid="minqing-sla-delete")
    post_save.connect(forget_cached_calendar, sender=CalendarDay, dispatch_uid="minqing-calendar-save")
    post_delete.connect(forget_cached_calendar, sender=CalendarDay, dispatch_uid="minqing-calendar-delete")
