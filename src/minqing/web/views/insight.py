"""The hotspots page: what is boiling, where, and the cases behind each number."""

from django.shortcuts import render

from ...errors import DomainError
from ...insight.service import hotspots
from .staff import staff_required


@staff_required
def hotspots_page(request):
    p = request.GET
    error, items = None, []
    try:
        items = hotspots(request.user, p.get("unit", ""), p.get("since", ""), p.get("until", ""))
    except DomainError as e:
        error = e
    return render(request, "minqing/insight/hotspots.html", {"items": items, "params": p, "error": error},
                  status=400 if error else 200)


@staff_required
def warnings_page(request):
    from django.contrib import messages
    from django.shortcuts import redirect

    from ...insight import warnings as svc
    from ...insight.models import WarningKind, WarningStatus

    p, error = request.GET, None
    if request.method == "POST":
        try:
            w = svc.get(request.user, int(request.POST.get("warning") or 0))
            if request.POST.get("what") == "acknowledge":
                svc.acknowledge(request.user, w)
                messages.success(request, f"已认领：{w.title}")
            else:
                svc.handle(request.user, w, request.POST.get("note"))
                messages.success(request, f"已登记处置情况：{w.title}")
        except DomainError as e:
            error = e
        else:
            return redirect(request.get_full_path())
    status = p.get("status", "open")
    try:
        items = list(svc.listing(request.user, status, p.get("kind", ""), p.get("unit", ""))[:200])
    except DomainError as e:
        error, items = e, []
    return render(request, "minqing/insight/warnings.html", {
        "items": items, "error": error, "status": status, "kind": p.get("kind", ""),
        "kinds": WarningKind.choices, "statuses": [("open", "未办结"), *WarningStatus.choices],
    }, status=400 if error else 200)


@staff_required
def dashboard_page(request):
    from ...insight.dashboard import PERIODS, dashboard
    from ...workflow.stats import unit_or_own

    p, error, data = request.GET, None, None
    try:
        data = dashboard(request.user, p.get("unit", ""), p.get("days", "30"), p.get("until", ""))
        base = unit_or_own(request.user, p.get("unit", ""))
    except DomainError as e:
        error, base = e, None
    chart = {k: data[k] for k in ("by_day", "by_channel", "by_category", "by_place")} if data else {}
    if data:
        import datetime as dt

        data["computed"] = dt.datetime.fromisoformat(data["computed_at"])
    return render(request, "minqing/insight/dashboard.html", {
        "d": data, "error": error, "chart": chart, "periods": list(PERIODS), "days": p.get("days", "30"),
        "up": base.parent if base and base.parent_id and base.parent.path.startswith(
            request.user.unit.path if request.user.unit_id else "") else None,
    }, status=400 if error else 200)


@staff_required
def monthly_page(request, fmt: str = ""):
    from django.contrib import messages
    from django.http import Http404, HttpResponse
    from django.shortcuts import redirect

    from ...insight import monthly
    from ...workflow.stats import unit_or_own

    p, error, data = request.GET, None, None
    if request.method == "POST":
        try:
            item = monthly.adopt(request.user, int(request.POST.get("problem") or 0), request.POST)
        except (DomainError, ValueError) as e:
            messages.error(request, getattr(e, "message", "参数有误"))
        else:
            messages.success(request, f"已立为整改项：{item.title}（{item.leader.label()}负责，{item.due}前完成）")
        return redirect(request.get_full_path())
    try:
        base = unit_or_own(request.user, p.get("unit", ""))
        if p.get("refresh") and base is not None:
            start, end = monthly.month_bounds(p.get("month", ""))
            monthly.compute_problems(base, start, end)
        data = monthly.report(request.user, base, p.get("month", ""))
    except DomainError as e:
        error = e
    if fmt and data:
        if fmt not in ("pdf", "xlsx"):
            raise Http404
        try:
            body = monthly.pdf(data) if fmt == "pdf" else monthly.excel(data)
        except DomainError as e:
            return render(request, "minqing/error.html", {"title": "无法生成报告", "message": e.message}, status=e.status)
        ctype = "application/pdf" if fmt == "pdf" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response = HttpResponse(body, content_type=ctype)
        response["Content-Disposition"] = f'attachment; filename="report-{data["figures"]["unit"] or "all"}-{data["month"]}.{fmt}"'
        return response
    return render(request, "minqing/insight/monthly.html", {
        "r": data, "f": data["figures"] if data else None, "error": error, "params": p,
        "month": data["month"] if data else p.get("month", ""),
        "may_adopt": request.user.role in ("leader", "admin"),
    }, status=400 if error else 200)


@staff_required
def foresight_page(request):
    from ...insight.foresight import HORIZON, MIN_EXPECTED, RISE, outlook_for

    error, rows = None, []
    try:
        rows = outlook_for(request.user, request.GET.get("unit", ""))
    except DomainError as e:
        error = e
    return render(request, "minqing/insight/foresight.html", {
        "rows": rows[:60], "rising": [r for r in rows if r["rising"]], "error": error, "horizon": HORIZON,
        "at_least": MIN_EXPECTED, "rise": f"{RISE - 1:.0%}",
    }, status=400 if error else 200)
