"""Citizens' pages: no account needed. Submit a voice, follow it with a tracking code, rate the reply."""

import uuid

from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ...errors import DomainError
from ...intake.once import run_once
from ...intake.services import submit_voice
from ...ledger.actions import rate_by_tracking_code
from ...ledger.models import Rating, Voice
from ...ledger.present import tracking_view
from ...org.models import Level, Unit


def place_choices(with_grids: bool = False):
    """Townships with their villages/communities (and, for staff, the grids under each village)
    for the place picker, in tree order."""
    levels = [Level.VILLAGE, Level.GRID] if with_grids else [Level.VILLAGE]
    units = Unit.objects.filter(active=True, level__in=levels).select_related("parent", "parent__parent")
    groups: dict[str, list] = {}
    for u in units:  # ordered by path: a village comes before its grids
        township = u.parent.parent if u.level == Level.GRID else u.parent
        u.indent = u.level == Level.GRID
        groups.setdefault(township.name, []).append(u)
    return groups


@require_http_methods(["GET", "POST"])
def submit(request):
    form, error = request.POST, None
    if request.method == "POST":
        mode = form.get("mode")  # none chosen: the service decides (and asks when a name was given)
        data = {"text": form.get("text"), "title": form.get("title"), "channel": "web", "unit": form.get("unit"),
                "address": form.get("address"), "lat": form.get("lat"), "lng": form.get("lng"),
                "submitter": {"mode": mode, "name": form.get("name"), "phone": form.get("phone")}}
        try:  # the page's key: a resend after a lost reply finds the first case (intake/once.py)
            _, body, _ = run_once(form.get("idempotency_key") or None, None, "submit", data,
                                  lambda: (201, {"tracking_code": submit_voice(data, None).tracking_code}))
        except DomainError as e:
            error = e
        else:
            request.session["just_submitted"] = body["tracking_code"]
            return redirect("track", code=body["tracking_code"])
    return render(request, "minqing/citizen/submit.html",
                  {"groups": place_choices(), "form": form, "error": error, "key": uuid.uuid4()},
                  status=400 if error else 200)


def track_lookup(request):
    code = (request.GET.get("code") or "").strip().upper()
    if code:
        return redirect("track", code=code)
    return render(request, "minqing/citizen/track_lookup.html")


@require_http_methods(["GET", "POST"])
def track(request, code):
    voice = Voice.objects.select_related("case", "case__unit", "case__assigned_unit").filter(
        tracking_code=code.strip().upper()).first()
    if voice is None:
        return render(request, "minqing/citizen/track_lookup.html",
                      {"error": "查询码不存在，请核对后重试", "code": code}, status=404)
    error = None
    if request.method == "POST":
        try:
            rate_by_tracking_code(code, request.POST.get("rating", ""), request.POST.get("comment", ""),
                                  request.POST.get("resolved"))
            return redirect("track", code=voice.tracking_code)
        except DomainError as e:
            error = e
    voice.refresh_from_db()
    fresh = request.session.pop("just_submitted", None) == voice.tracking_code
    return render(request, "minqing/citizen/track.html",
                  {"t": tracking_view(voice.case, voice), "code": voice.tracking_code, "fresh": fresh,
                   "ratings": Rating.choices, "error": error}, status=400 if error else 200)
