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
