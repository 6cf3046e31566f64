"""Public pages, no account: the progress board of a unit and its Atom feed."""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from ...errors import NotFound
from ...ledger.taxonomy import top_level_names
from ...publicity.board import board, board_page_of, places_under, unit_or_404
from ...publicity.notices import board_notices
from ..templatetags.maps import map_config, place_centres


def _unit(code):
    try:
        return unit_or_404(code)
    except NotFound:
        raise Http404 from None


def board_page(request, unit_code):
    unit = _unit(unit_code)
    category, place = request.GET.get("category", ""), request.GET.get("place", "")
    page = int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1
    items, more = board_page_of(unit, category, place, page)
    return render(request, "minqing/public/board.html", {
        "unit": unit, "items": items, "page": page, "more": more, "categories": top_level_names(),
        "notices": board_notices(unit),
        "places": places_under(unit), "category": category, "place": place,
        "map": map_config(place_centres(unit), points=[
            {k: c[k] for k in ("number", "title", "status", "status_label", "place", "lat", "lng", "approximate")}
            for c in items if c["lat"] is not None]),
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
        """Notices and cases in one feed, newest first (a notice by its publication, a case by its receipt)."""
        url = reverse("public_board", args=[unit.code])
        notices = [{**n, "is_notice": True, "url": f"{url}#notice-{n['id']}"} for n in board_notices(unit)]
        cases = [{**item, "url": f"{url}#{item['number']}"} for item in board(unit)]
        return sorted(notices + cases, key=self.item_pubdate, reverse=True)

    def item_title(self, item):
        if item.get("is_notice"):
            return f"【{item['kind_label']}】{item['title']}"
        return f"[{item['status_label']}] {item['title']}"

    def item_description(self, item):
        if item.get("is_notice"):
            return item["body"]
        return item["reply"] or f"{item['place']} · {item['category']} · {item['status_label']}"

    def item_link(self, item):
        return item["url"]

    def item_pubdate(self, item):
        return item["published_at"] if item.get("is_notice") else item["received_at"]

    def item_updateddate(self, item):
        if item.get("is_notice"):
            return item["published_at"]
        return item["replied_at"] or item["received_at"]


def public_root(request):
    """Context processor: the county's code, for the public board link in the header."""
    from ...org.models import Level, Unit

    code = Unit.objects.filter(level=Level.COUNTY, active=True).order_by("path").values_list("code", flat=True).first()
    return {"public_root": code}
