"""Ledger signals: the cached calendar is dropped when an admin changes it; `case_event` tells other
apps about every change to a case."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal

from .deadlines import forget_cached_calendar
from .models import CalendarDay

# Sent after every case event is written, inside the same transaction: `event` is the CaseEvent.
# Other apps (notifications, hotspots) listen here instead of the ledger calling them.
case_event = Signal()


def _forget_rules(**kwargs):
    from .sla import forget_cached_rules

    forget_cached_rules()


def connect() -> None:
    from .models import SlaRule

    post_save.connect(_forget_rules, sender=SlaRule, dispatch_uid="minqing-sla-save")
    post_delete.connect(_forget_rules, sender=SlaRule, dispatch_uid="minqing-sla-delete")
    post_save.connect(forget_cached_calendar, sender=CalendarDay, dispatch_uid="minqing-calendar-save")
    post_delete.connect(forget_cached_calendar, sender=CalendarDay, dispatch_uid="minqing-calendar-delete")
