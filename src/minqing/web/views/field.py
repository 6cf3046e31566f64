"""Field visits on a phone: record a visit and what was heard; see this month's coverage; plan visits
(suggested where the voices are loudest and where nobody has been lately)."""

import datetime as dt

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ... import clock
from ...errors import DomainError
from ...field import plans
from ...field.models import PlanStatus, Visit
from ...field.services import coverage, record_visit
from ...org.scope import in_subtree
from .citizen import place_choices
from .staff import attach_photo, staff_required

VOICE_SLOTS = 3


@staff_required
def visits_page(request):
    form, error = request.POST, None
    if request.method == "POST":
        point = {"lat": form.get("lat"), "lng": form.get("lng")}  # where the visit was: each voice heard there
        voices = [{"text": form.get(f"voice{i}"), "submitter": {"mode": "anonymous"}, **point}
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
            numbers = list(visit.cases.order_by("id").values_list("number", flat=True))
            messages.success(request, "走访已登记" + (f"，诉求已受理：{'、'.join(numbers)}" if numbers else ""))
            if numbers:
                attach_photo(request, numbers[0])  # the visit's photo goes with its first voice
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
        "today": clock.today().isoformat(), "slots": range(VOICE_SLOTS),
        "default_unit": request.GET.get("at") or (request.user.unit.code if request.user.unit_id else ""),
        **_plans_context(request),
    }, status=400 if error else 200)


def _plans_context(request) -> dict:
    """The 走访计划 section: my plans; for leaders and dispatchers, the area's plans and the suggestions."""
    user = request.user
    today = clock.today()
    ctx = {"my_plans": plans.list_plans(user, PlanStatus.PLANNED, mine=True)[:30], "may_suggest": False,
           "plan_starts": today.isoformat(), "plan_ends": (today + dt.timedelta(days=7)).isoformat()}
    if user.role in plans.SUGGESTERS and (user.unit_id or user.role == "admin"):
        try:
            ctx["suggestions"] = plans.suggest_plans(user, limit=12)
        except DomainError as e:
            ctx["plan_error"] = e.message
        ctx["may_suggest"] = True
        ctx["area_plans"] = plans.list_plans(user, PlanStatus.PLANNED).exclude(cadre=user)[:30]
    return ctx


@staff_required
@require_POST
def plan_create(request):
    form = request.POST
    try:
        plan = plans.create_plan(request.user, {k: form.get(k) for k in ("unit", "cadre", "starts", "ends", "reason",
                                                                          "note")})
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"已加入走访计划：{plan.cadre.label()} · {plan.unit.name}（{plan.starts}—{plan.ends}）")
    return redirect(reverse("visits") + "#plans")


@staff_required
@require_POST
def plan_cancel(request, plan_id):
    try:
        plans.cancel_plan(request.user, plan_id)
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, "走访计划已取消")
    return redirect(reverse("visits") + "#plans")
