"""Staff pages: inbox and case list, case detail with the actions the user may take, quick entry
of a voice, Excel import and export. Views only parse and call the services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from ...errors import DomainError, Invalid, NotFound
from ...insight.dashboard import hotspot_of
from ...intake.citizens import history as citizen_history
from ...intake.models import Vulnerable
from ...intake.services import submit_voice
from ...ledger import actions, paging
from ...ledger.attachments import add_attachment, open_attachment
from ...ledger.lifecycle import ACTIONS, CENTRE
from ...ledger.merge import merge
from ...ledger.models import Category, Channel, Status, SubmitterMode, Urgency
from ...ledger.paging import page_of
from ...ledger.permissions import access_case, allowed_actions, cases_visible_to
from ...ledger.present import DEADLINE_LABELS, case_summary
from ...ledger.present import case_detail as present_detail
from ...ledger.queries import FILTERS, apply_filters, inbox, recorded_open
from ...ledger.similar import similar_for
from ...org.models import Role
from ...org.scope import units_visible_to
from ...workflow import suggest
from ..actionforms import field_specs
from .citizen import place_choices


def staff_required(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        if not request.user.is_staff_member and request.user.role != Role.ADMIN:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def home(request):
    if request.user.is_authenticated and (request.user.is_staff_member or request.user.role == Role.ADMIN):
        return redirect(reverse("case_list") + "?box=inbox")
    return redirect("submit")


@staff_required
def case_list(request):
    params = {k: request.GET.get(k, "") for k in FILTERS}
    box = request.GET.get("box", "all")
    qs = cases_visible_to(request.user)
    error = None
    try:
        if box == "inbox":
            qs = inbox(qs, request.user)
        elif box == "mine":
            qs = recorded_open(qs, request.user)
        qs = apply_filters(qs, params)
        rows, count, page, pages, exact = page_of(qs, request.GET.get("page", 1), search=bool(params["q"].strip()))
    except DomainError as e:
        error, rows, count, page, pages, exact = e, [], 0, 1, 1, True
    query = {k: v for k, v in params.items() if v}
    if box != "all":
        query["box"] = box
    return render(request, "minqing/staff/case_list.html", {
        "items": [case_summary(c) for c in rows], "count": count, "count_exact": exact, "page": page, "pages": pages,
        "more": page < pages or (not exact and len(rows) == paging.PAGE_SIZE),
        "params": params, "box": box, "error": error, "query": urlencode(query),
        "statuses": Status.choices, "channels": Channel.choices, "deadline_labels": DEADLINE_LABELS,
        "categories": Category.objects.filter(level=1).values_list("name", flat=True),
        "units": units_visible_to(request.user).exclude(level="grid"),
    }, status=400 if error else 200)


@staff_required
def case_detail(request, number):
    try:
        case = access_case(request.user, number)
    except NotFound:
        raise Http404 from None
    forms = [{"action": a, "fields": field_specs(a.name, request.user, case)} for a in allowed_actions(request.user, case)]
    kept = request.session.pop(f"form:{number}", None)  # a form refused a moment ago: reopened as it was typed
    for f in forms:
        if kept and kept["action"] == f["action"].name:
            f["open"], f["error"] = True, kept["message"]
            for fld in f["fields"]:
                fld["value"] = kept["values"].get(fld["name"], fld.get("value", ""))
                fld["invalid"] = fld["name"] == kept["field"]
    if forms and not any(f.get("open") for f in forms):
        forms[0]["open"] = True
    return render(request, "minqing/staff/case_detail.html", {
        "c": present_detail(case, request.user), "case": case, "forms": forms,
        "contact": request.session.pop(f"contact:{number}", None),
        "deadline_labels": DEADLINE_LABELS, "status_labels": dict(Status.choices),
        "mode_labels": dict(SubmitterMode.choices),
        "similar": similar_for(request.user, case), "may_merge": request.user.role in CENTRE,
        "hotspot": hotspot_of(request.user, case),
        "suggestion": suggest.for_case(case) if case.status in ("accepted", "returned") else None,
        "may_dispatch": any(f["action"].name == "dispatch" for f in forms),
        "history": citizen_history(request.user, case), "vulnerable": Vulnerable.choices,
        **_reply_help(case, forms),
    })


def _reply_help(case, forms) -> dict:
    """Beside the reply form (docs/replies.md): the county's threshold and the best-scored replies of
    similar closed cases, to adapt — never sent as they are."""
    if not any(f["action"].name == "reply" for f in forms):
        return {}
    from ...ledger.reply_quality import min_score, precedent_replies

    return {"reply_threshold": min_score(), "reply_precedents": precedent_replies(case)}


def _on_case(request, number, do, success: str = ""):
    """Run one change on a case from a button: a message either way, back to the case page; a case the
    user may not see is a 404, as everywhere."""
    try:
        do()
        if success:
            messages.success(request, success)
    except NotFound:
        raise Http404 from None
    except DomainError as e:
        messages.error(request, e.message)
    return redirect("case_detail", number=number)


@staff_required
@require_POST
def case_act(request, number, action):
    fields = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken" and v != ""}
    label = ACTIONS[action].label if action in ACTIONS else action

    def act():
        try:
            actions.perform(request.user, number, action, fields)
        except NotFound:
            raise
        except DomainError as e:  # the case page reopens this form with what was typed
            request.session[f"form:{number}"] = {"action": action, "values": fields, "field": e.field,
                                                 "message": e.message}
            raise

    return _on_case(request, number, act, f"已{label}")


@staff_required
@require_POST
def case_attach(request, number):
    def upload():
        if "file" not in request.FILES:
            raise Invalid("请选择要上传的文件", field="file")
        add_attachment(request.user, number, request.FILES["file"])

    return _on_case(request, number, upload, "附件已上传")


@staff_required
def case_attachment(request, number, attachment_id):
    try:
        att = open_attachment(request.user, number, attachment_id)
    except DomainError:
        raise Http404 from None
    return FileResponse(att.file.open("rb"), as_attachment=True, filename=att.name, content_type=att.content_type)


@staff_required
@require_POST
def case_accept_suggestion(request, number):
    return _on_case(request, number, lambda: suggest.accept_suggestion(request.user, number), "已采纳系统建议并派单")


@staff_required
@require_POST
def case_merge(request, number):
    source = request.POST.get("source", "")
    return _on_case(request, number, lambda: merge(request.user, number, source), f"已将 {source} 并入本件")


@staff_required
@require_POST
def case_contact(request, number):
    def reveal():
        request.session[f"contact:{number}"] = actions.reveal_contact(request.user, number)

    return _on_case(request, number, reveal)


@staff_required
def case_new(request):
    """Quick entry of a voice heard on a visit, at the window or on the phone."""
    form, error = request.POST, None
    if request.method == "POST":
        data = {k: form.get(k) for k in ("text", "title", "channel", "unit", "address", "urgency", "lat", "lng")}
        data["submitter"] = {"mode": form.get("mode"), "name": form.get("name"), "phone": form.get("phone")}
        try:
            voice = submit_voice(data, request.user)
        except DomainError as e:
            error = e
        else:
            messages.success(request, f"已受理，编号 {voice.case.number}，查询码 {voice.tracking_code}（请告知群众）")
            attach_photo(request, voice.case.number)
            return redirect("case_detail", number=voice.case.number)
    default_channel = "visit" if request.user.role == Role.GRID else "phone"
    return render(request, "minqing/staff/case_new.html", {
        "groups": place_choices(with_grids=True), "form": form, "error": error,
        "channels": [c for c in Channel.choices if c[0] != Channel.OPEN311],  # only Open311 clients write it
        "urgencies": Urgency.choices, "default_channel": default_channel,
        "default_unit": request.user.unit.code if request.user.unit_id else "",
    }, status=400 if error else 200)


def attach_photo(request, number: str) -> None:
    """The photo taken on the spot (the form's `photo` field, when the page is sent without its script):
    attached to the new case; a refused file is said, the case stays."""
    from ...ledger.attachments import add_attachment

    if photo := request.FILES.get("photo"):
        try:
            add_attachment(request.user, number, photo)
        except DomainError as e:
            messages.warning(request, f"照片没有附上：{e.message}")


@staff_required
def case_export(request):
    from ...intake.excel import export_ledger

    try:
        qs = apply_filters(cases_visible_to(request.user), {k: request.GET.get(k, "") for k in FILTERS})
    except DomainError as e:
        messages.error(request, e.message)
        return redirect("case_list")
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="minqing-ledger.xlsx"'
    export_ledger(qs, response)
    return response


@staff_required
def ledger_import(request):
    from ...intake.excel import import_ledger

    if request.user.role not in (Role.DISPATCHER, Role.ADMIN):
        raise PermissionDenied
    result, error = None, None
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise Invalid("请选择要导入的 Excel 文件（.xlsx）", field="file")
            result = import_ledger(upload, mapping=request.POST.get("mapping") or None, user=request.user)
        except DomainError as e:
            error = e
    return render(request, "minqing/staff/import.html", {"result": result, "error": error,
                                                         "jobs": _import_jobs(request.user)[:10]},
                  status=400 if error else 200)


def _import_jobs(user):
    """The imports a user may follow: their own; an admin's, everyone's."""
    from ...intake.models import ImportJob

    jobs = ImportJob.objects.order_by("-id")
    return jobs if user.role == Role.ADMIN else jobs.filter(user=user)


@staff_required
def ledger_import_job(request, job_id: int):
    """How far an import's text work has come (polled by the import page's import.js)."""
    if request.user.role not in (Role.DISPATCHER, Role.ADMIN):
        raise PermissionDenied
    job = _import_jobs(request.user).filter(pk=job_id).first()
    if job is None:
        raise Http404
    return JsonResponse(job.as_dict())
