"""A staff member's messages: reminders, escalations, extension decisions."""

from django.shortcuts import render

from ...workflow import notify
from .staff import staff_required


@staff_required
def notices(request):
    items = list(notify.inbox(request.user))
    notify.mark_read(request.user)
    return render(request, "minqing/staff/notices.html", {"items": items})


def unread(request):
    """Context processor: the unread count for the header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not getattr(user, "is_staff_member", False):
        return {}
    return {"unread_notices": notify.unread_count(user)}
