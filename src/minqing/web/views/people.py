"""The people's history on the case page: setting the submitter's vulnerable-group flags."""

from django.views.decorators.http import require_POST

from ...intake.citizens import set_flags
from .staff import _on_case, staff_required


@staff_required
@require_POST
def citizen_flags(request, number):
    flags, note = request.POST.getlist("flags"), request.POST.get("note", "")
    return _on_case(request, number, lambda: set_flags(request.user, number, flags, note), "群众档案已更新")
