"""The staff map (docs/map.md): the case list's filters, the cases of the user's scope as clustered points,
the hotspots where their cases are, the units' names on a plain background when no tile server is set."""

from django.http import HttpResponse
from django.shortcuts import render

from ...errors import DomainError
from ...insight.maps import GEOJSON, case_layer, dumps, encoded, hotspot_layer, unit_layer
from ...ledger.models import Category, Channel, Status
from ...ledger.queries import FILTERS
from ...org.scope import units_visible_to
from ..templatetags.maps import map_config
from .staff import staff_required


@staff_required
def map_page(request):
    params = {k: request.GET.get(k, "") for k in FILTERS}
    params["status"] = params["status"] or "open"
    return render(request, "minqing/map/staff.html", {
        "params": params, "statuses": Status.choices, "channels": Channel.choices,
        "categories": Category.objects.filter(level=1).values_list("name", flat=True),
        "units": units_visible_to(request.user).exclude(level__in=["grid", "department"]),
        "config": map_config(unit_layer(request.user), mode="staff"),
    })


@staff_required
def map_cases(request):
    """The page's case layer with the hotspots: the session's twin of GET /api/map/cases?hotspots=1."""
    try:
        data = case_layer(request.user, request.GET)
        data["hotspots"] = hotspot_layer(request.user, request.GET.get("unit", ""))
    except DomainError as e:
        return HttpResponse(dumps(e.as_dict()), status=400, content_type="application/json; charset=utf-8")
    body, encoding = encoded(data, request.headers.get("Accept-Encoding", ""))
    response = HttpResponse(body, content_type=GEOJSON)
    response["Vary"] = "Accept-Encoding"
    if encoding:
        response["Content-Encoding"] = encoding
    return response
