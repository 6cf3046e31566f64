"""Routing rules (派单规则) in the UI: admins add, replace and remove rules and set each category's
auto-dispatch threshold; anyone on staff can try where a case of a category at a place would go."""

from django.contrib import messages
from django.shortcuts import redirect, render

from ...errors import DomainError
from ...ledger.models import Category
from ...org.models import Level, Unit
from ...workflow import routing
from ...workflow.models import RoutingRule
from .staff import staff_required


@staff_required
def routing_page(request):
    error = None
    if request.method == "POST":
        try:
            if "threshold" in request.POST:
                c = routing.set_auto_dispatch(request.user, request.POST.get("category"), request.POST.get("threshold"))
                messages.success(request, f"{c.name}：" + (f"置信度≥{c.auto_dispatch_at:g}时自动派单" if c.auto_dispatch_at
                                                          else "不自动派单"))
            elif request.POST.get("delete"):
                routing.delete_rule(request.user, int(request.POST["delete"]))
                messages.success(request, "已删除派单规则")
            else:
                rule = routing.save_rule(request.user, request.POST)
                messages.success(request, f"已保存：{rule}")
        except (DomainError, ValueError) as e:
            error = e if isinstance(e, DomainError) else DomainError("参数有误")
        else:
            return redirect("routing")
    tried = None
    if request.GET.get("place"):
        place = Unit.objects.filter(code=request.GET["place"]).first()
        category = Category.objects.filter(level=1, name=request.GET.get("category", "")).first()
        if place is not None:
            unit, why = routing.route(category, place)
            tried = {"place": place, "category": category, "unit": unit, "why": why}
    return render(request, "minqing/staff/routing.html", {
        "rules": RoutingRule.objects.select_related("area", "unit", "category").order_by("area__path", "category__name"),
        "areas": Unit.objects.filter(active=True).exclude(level=Level.DEPARTMENT).order_by("path"),
        "units": Unit.objects.filter(active=True).order_by("path"),
        "categories": Category.objects.filter(level=1).order_by("name"),
        "may_edit": routing.may_edit(request.user), "error": error, "tried": tried, "params": request.GET,
    }, status=400 if error else 200)
