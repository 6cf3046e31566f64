"""Pagination for case lists (web and API alike), with the first voice fetched in one query so
masking needs no query per row.

At a million cases three things matter (docs/benchmarks.md):
- A page is read in two steps: the ids of its cases (a narrow query, newest first), then those
  twenty cases with their units, category and first voice. Sorting whole case rows, texts
  included, to keep twenty of them is what made lists take seconds.
- The total is counted exactly up to COUNT_LIMIT; above it the list says "10000+" (`exact` is
  False). Counting 600,000 closed cases to print a number nobody reads cost more than the page.
  A text search counts up to SEARCH_COUNT_LIMIT, newest first (on PostgreSQL the planner then walks
  the list index as for the page and stops at the limit): its matches are read one heap page each,
  and counting 10,000 of them took 1–6 s at 10,000,000 cases (docs/benchmarks.md, "The ledger's
  hot paths at 10,000,000 cases"); "more than 100" tells the searcher to narrow the words.
- SQLite's planner keeps no histogram of ranges (no STAT4): it takes a unit-subtree range or a
  status list for selective, reads every matching case and sorts them. When many cases match —
  and the count says how many — the ids are read by walking LIST_INDEX newest first, which holds
  every column a list filters on, and stopping at the page."""

from django.db import connection
from django.db.models import Max, Prefetch

from ..errors import Invalid
from .models import Case, Voice

PAGE_SIZE = 20
COUNT_LIMIT = 10_000
SEARCH_COUNT_LIMIT = 100
LIST_INDEX = "case_list_idx"  # see Case.Meta.indexes
SCAN_BUDGET = 200_000  # index entries SQLite may walk to fill one page (~50 ms)
MAX_PAGE = 1_000_000  # 20 million cases; a larger page number would overflow the databases' OFFSET


def page_of(qs, page, size: int = PAGE_SIZE, *, search: bool = False):
    """(rows, count, page, pages, exact): `count` is exact when `exact`, else a lower bound.
    `search`: the query has a text search (its count stops at SEARCH_COUNT_LIMIT)."""
    try:
        page = int(1 if page in (None, "") else page)
    except (TypeError, ValueError):
        raise Invalid("页码应为正整数", field="page") from None
    if page < 1:
        raise Invalid("页码应为正整数", field="page")
    if page > MAX_PAGE:
        raise Invalid(f"页码应为 1 到 {MAX_PAGE} 之间的整数", field="page")
    count, exact = count_of(qs, SEARCH_COUNT_LIMIT, newest_first=True) if search else count_of(qs)
    pages = max(1, -(-count // size))
    ids = page_ids(qs, (page - 1) * size, size, count, exact)
    found = (Case.objects.select_related("unit", "assigned_unit", "category", "escalated_to")
             .prefetch_related(Prefetch("voices", queryset=Voice.objects.order_by("received_at", "id"),
                                        to_attr="prefetched_voices"))
             .in_bulk(ids))
    return [found[i] for i in ids if i in found], count, page, pages, exact


def count_of(qs, limit: int = COUNT_LIMIT, newest_first: bool = False) -> tuple[int, bool]:
    """(count, exact): counting stops after `limit` matches (`newest_first` on PostgreSQL: the newest,
    so that the count reads the list index like the page does, not every match of the words)."""
    ordered = newest_first and connection.vendor == "postgresql"
    n = (qs.order_by("-received_at", "-id") if ordered else qs.order_by()).values("id")[: limit + 1].count()
    return (n, True) if n <= limit else (limit, False)


def page_ids(qs, offset: int, size: int, count: int, exact: bool = True) -> list[int]:
    ids = qs.order_by("-received_at", "-id").values_list("id", flat=True)[offset : offset + size]
    if connection.vendor != "sqlite" or not count or (exact and offset >= count):
        return list(ids)
    table = Case.objects.aggregate(n=Max("id"))["n"] or 0  # an upper bound of the table's size, cheap
    if exact and (offset + size) * table / count > SCAN_BUDGET:
        return list(ids)  # few match: the planner's filter index and a small sort are cheaper
    sql, params = ids.query.sql_with_params()
    sql = sql.replace('FROM "ledger_case"', f'FROM "ledger_case" INDEXED BY "{LIST_INDEX}"', 1)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return [row[0] for row in cur.fetchall()]
