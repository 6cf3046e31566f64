"""A random sample of a table's rows by id, for statistics rebuilt hourly (word frequencies, reply
phrasing): ids drawn over the whole range spread the sample over the years, where "the newest N" would
learn only this month's words. A sequence leaves gaps (rolled-back writes, refused imports, rows of other
kinds in the same table), so ids drawn blindly from a sparse range find few rows: then the newest rows
are read instead, and the count the sample stands for is the rows found, never the span of the ids."""
import random
from dataclasses import dataclass

from django.db.models import QuerySet


@dataclass(frozen=True)
class Sample:
    ids: list[int]
    rows: int  # rows the id range holds: exact below `size`, estimated from the sample above it
    last: int  # the largest id (0 for an empty table)


def sample_ids(qs: QuerySet, size: int, window: int | None = None) -> Sample:
    """Up to `size` ids of `qs`, among its newest `window` ids (all of them when None)."""
    last = qs.order_by("-id").values_list("id", flat=True).first() or 0
    first = max(1, last - window + 1) if window else 1
    span = last - first + 1
    if span > size:
        drawn = random.Random(last).sample(range(first, last + 1), size)
        found = list(qs.filter(id__in=drawn).values_list("id", flat=True))
        if len(found) >= size // 4:
            return Sample(found, round(len(found) * span / size), last)
    newest = list(qs.filter(id__gte=first).order_by("-id").values_list("id", flat=True)[:size])
    return Sample(newest, len(newest), last)
