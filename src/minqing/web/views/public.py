"""Public pages, no account: the progress board of a unit and its Atom feed."""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from ...errors import NotFound
from ...ledger.taxonomy import top_level_names
from ...publicity.board import board, places_under, unit_or_404


def _unit(code):
    try:
        return unit_or_404(code)
    except NotFound:
        raise Http404 from None


def board_page(request, unit_code):
    unit = _unit(unit_code)
    category, place = request.GET.get("category", ""), request.GET.get("place", "")
    return render(request, "minqing/public/board.html", {
        "unit": unit, "items": board(unit, category, place), "categories": top_level_names(),
        "places": places_under(unit), "category": category, "place": place,
    })


class BoardFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, unit_code):
        return _unit(unit_code)

    def title(self, unit):
        return f"{unit.name} · 民情办理公开"

    def link(self, unit):
        return reverse("public_board", args=[unit.code])

    def subtitle(self, unit):
        return f"{unit.name}群众诉求办理进展（已隐去诉求人信息）"

    def items(self, unit):
        url = reverse("public_board", args=[unit.code])
        return [{**item, "url": f"{url}#{item['number']}"} for item in board(unit)]

    def item_title(self, item):
        return f"[{item['status_label']}] {item['title']}"

    def item_description(self, item):
        return item["reply"] or f"{item['place']} · {item['category']} · {item['status_label']}"

    def item_link(self, item):
        return item["url"]

    def item_pubdate(self, item):
        return item["received_at"]

    def item_updateddate(self, item):
        return item["replied_at"] or item["received_at"]


def public_root(request):
    """Context processor: the county's code, for the public board link in the header."""
    from ...org.models import Level, Unit

    code = Unit.objects.filter(level=Level.COUNTY, active=True).order_by("path").values_list("code", flat=True).first()
    return {"public_root": code}
