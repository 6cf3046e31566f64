"""Drop the cached calendar when an admin changes it, so the next deadline uses the new dates."""

from django.db.models.signals import post_delete, post_save

from .deadlines import forget_cached_calendar
from .models import CalendarDay


def connect() -> None:
    post_save.connect(forget_cached_calendar, sender=CalendarDay, dispatch_uid="minqing-calendar-save")
    post_delete.connect(forget_cached_calendar, sender=CalendarDay, dispatch_uid="minqing-calendar-delete")
