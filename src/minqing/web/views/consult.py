"""Consultations on the web: anyone takes part from a phone (a few statements at a time, no account);
staff publish, moderate, enter paper votes and record the decision; everyone sees the opinion groups,
the minority beside the majority."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from ... import clock
from ...consult import report
from ...consult import results as res
from ...consult import services as svc
from ...consult.models import StatementStatus
from ...errors import DomainError, NotFound
from .staff import staff_required

DEVICE_COOKIE = "mq_device"
ONE_YEAR = 365 * 24 * 3600
CHART_POINTS = 5000  # participants drawn on the results chart at most (every k-th: a city's consultation has 100,000)


def _device(request) -> str:
    code = request.COOKIES.get(DEVICE_COOKIE, "")
    return code if code.startswith("d-") and len(code) <= svc.MAX_CODE else ""


def _keep_device(response, code: str):
    response.set_cookie(DEVICE_COOKIE, code, max_age=ONE_YEAR, httponly=True, samesite="Lax",
                        secure=settings.SESSION_COOKIE_SECURE)  # HTTPS only in production
    return response


def _staff(request):
    return request.user if svc.is_staff(request.user) else None


def _consultation(request, cid, *, read=False):
    """The consultation as this visitor may see it (staff: their scope; anyone: once it has opened).
    `read`: a page anyone may read, where staff outside the consultation's scope read it as the public does."""
    staff = _staff(request)
    try:
        if read:
            c, in_scope = svc.get_for_reader(staff, cid)
            return c, staff if in_scope else None
        return (svc.get_for_staff(staff, cid) if staff else svc.get_public(cid)), staff
    except NotFound:
        raise Http404 from None


def consult_list(request):
    staff = _staff(request)
    error, form = None, request.POST
    if request.method == "POST" and staff:
        try:
            c = svc.create(staff, {**form.dict(), "statements": (form.get("statements") or "").splitlines()})
        except DomainError as e:
            error = e
        else:
            messages.success(request, f"已发起征求意见：{c.title}")
            return redirect("consult_manage", cid=c.id)
    items = svc.visible_to(staff) if staff else svc.public_list()
    return render(request, "minqing/consult/list.html", {
        "items": items[:100], "now": clock.now(), "staff": staff, "error": error, "form": form,
        "may_create": staff is not None and staff.role in svc.MANAGERS,
        "units": svc.place_units(staff) if staff else [],
        "default_unit": staff.unit.code if staff and staff.unit_id else "",
    }, status=400 if error else 200)


def participate(request, cid):
    try:
        c = svc.get_public(cid)
    except NotFound:
        raise Http404 from None
    device = _device(request) or svc.new_device_code()
    error = None
    if request.method == "POST":
        try:
            if "statement" in request.POST:
                svc.add_statement(c, request.POST.get("statement"), participant=device)
                messages.success(request, "您的观点已提交，审核通过后大家就能表态")
            else:
                votes = [{"participant": device, "statement": key[2:], "vote": value}
                         for key, value in request.POST.items() if key.startswith("s-") and value]
                if not votes:
                    raise DomainError("请至少对一条观点表态", field="votes")
                svc.cast_votes(c, votes, device=device)
        except DomainError as e:
            error = e
        else:
            return _keep_device(redirect("consult_participate", cid=c.id), device)
    response = render(request, "minqing/consult/participate.html", {
        "c": c, "open": c.is_open(clock.now()), "error": error,
        "statements": svc.next_statements(c, device, 3), "progress": svc.progress(c, device),
    }, status=400 if error else 200)
    return _keep_device(response, device)


def results_page(request, cid):
    c, staff = _consultation(request, cid, read=True)
    out = res.results(c)
    mine = res.standing(out, _device(request))
    view = res.public_view(out)
    points = view["positions"]
    return render(request, "minqing/consult/results.html", {
        "c": c, "r": view, "mine": mine, "majority": view["groups"][:1], "others": view["groups"][1:],
        "computed_at": parse_datetime(out["computed_at"]) if out.get("computed_at") else None,
        "chart": {"points": points[::max(1, len(points) // CHART_POINTS)], "labels": [g["label"] for g in view["groups"]],
                  "mine": [mine["x"], mine["y"]] if mine else None},
        "may_manage": staff is not None and svc.may_manage(staff, c),
    })


def results_export(request, cid, fmt):
    c, staff = _consultation(request, cid, read=True)
    if fmt not in ("xlsx", "pdf"):
        raise Http404
    out = res.public_view(res.results(c))
    if fmt == "xlsx":
        body, ctype = report.excel(c, out), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        try:
            body = report.pdf(c, out, request.build_absolute_uri(reverse("consult_results", args=[c.id])))
        except DomainError as e:
            return render(request, "minqing/error.html", {"title": "无法生成 PDF", "message": e.message}, status=e.status)
        ctype = "application/pdf"
    response = HttpResponse(body, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="consultation-{c.id}.{fmt}"'
    return response


@staff_required
def manage(request, cid):
    user = request.user
    c, _ = _consultation(request, cid)
    error = None
    if request.method == "POST":
        what = request.POST.get("what")
        try:
            if what == "moderate":
                s = c.statements.get(pk=int(request.POST.get("statement") or 0))
                svc.moderate(user, s, request.POST.get("approve") == "1")
                messages.success(request, f"观点 {s.seq} 已{'通过' if s.status == StatementStatus.APPROVED else '不予通过'}")
            elif what == "statement":
                s = svc.add_statement(c, request.POST.get("text"), user=user)
                messages.success(request, f"已添加观点 {s.seq}")
            elif what == "paper":
                n = svc.cast_votes(c, svc.parse_paper_votes(c, request.POST.get("paper")), user=user)
                messages.success(request, f"已录入纸质表态 {n} 条")
            elif what == "decision":
                svc.record_decision(user, c, request.POST.get("decision"), request.POST.get("close") == "1",
                                    (request.POST.get("cases") or "").replace("，", ",").split(","))
                messages.success(request, "已保存决定与采纳情况")
        except (ValueError, c.statements.model.DoesNotExist):
            error = DomainError("观点不存在", field="statement")
        except DomainError as e:
            error = e
        else:
            return redirect("consult_manage", cid=c.id)
    return render(request, "minqing/consult/manage.html", {
        "c": c, "error": error, "form": request.POST, "may_manage": svc.may_manage(user, c),
        "pending": c.statements.filter(status=StatementStatus.PENDING),
        "statements": c.statements.exclude(status=StatementStatus.PENDING),
        "cases": c.cases.all(), "open": c.is_open(clock.now()),
    }, status=400 if error else 200)
