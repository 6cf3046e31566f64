"""Pagination for case lists (web and API alike), with the first voice fetched in one query so
masking needs no query per row."""

from django.db.models import Prefetch

from ..errors import Invalid
from .models import Voice

PAGE_SIZE = 20


def page_of(qs, page, size: int = PAGE_SIZE):
    try:
        page = int(1 if page in (None, "") else page)
    except (TypeError, ValueError):
        raise Invalid("页码应为正整数", field="page") from None
    if page < 1:
        raise Invalid("页码应为正整数", field="page")
    count = qs.count()
    pages = max(1, -(-count // size))
    rows = list(
        qs.select_related("unit", "assigned_unit", "category", "escalated_to")
        .prefetch_related(Prefetch("voices", queryset=Voice.objects.order_by("received_at", "id"),
                                   to_attr="prefetched_voices"))
        .order_by("-received_at", "-id")[(page - 1) * size : page * size]
    )
    return rows, count, page, pages
