"""Field visits on a phone: record a visit and what was heard; see this month's coverage."""

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render

from ... import clock
from ...errors import DomainError
from ...field.models import Visit
from ...field.services import coverage, record_visit
from ...org.scope import in_subtree
from .citizen import place_choices
from .staff import staff_required

VOICE_SLOTS = 3


@staff_required
def visits_page(request):
    form, error = request.POST, None
    if request.method == "POST":
        voices = [{"text": form.get(f"voice{i}"), "submitter": {"mode": "anonymous"}}
                  for i in range(VOICE_SLOTS) if (form.get(f"voice{i}") or "").strip()]
        try:
            households = int(form.get("households") or 0)
            visit = record_visit(request.user, {"unit": form.get("unit"), "visited_at": form.get("visited_at"),
                                                "households": households, "notes": form.get("notes"),
                                                "voices": voices})
        except ValueError:
            error = DomainError("走访户数应为整数", field="households")
        except DomainError as e:
            error = e
        else:
            numbers = "、".join(visit.cases.values_list("number", flat=True))
            messages.success(request, "走访已登记" + (f"，诉求已受理：{numbers}" if numbers else ""))
            return redirect("visits")
    try:
        cov = coverage(request.user, request.GET.get("unit", ""), request.GET.get("since", ""), request.GET.get("until", ""))
    except DomainError as e:
        error, cov = e, {}
    recent = Visit.objects.select_related("unit", "visitor").order_by("-visited_at", "-id")
    if request.user.unit_id:
        recent = recent.filter(in_subtree("unit_path", request.user.unit.path) | Q(visitor=request.user))
    return render(request, "minqing/field/visits.html", {
        "cov": cov, "recent": recent[:30], "groups": place_choices(with_grids=True), "form": form, "error": error,
        "today": clock.now().date().isoformat(), "slots": range(VOICE_SLOTS),
        "default_unit": request.user.unit.code if request.user.unit_id else "",
    }, status=400 if error else 200)
