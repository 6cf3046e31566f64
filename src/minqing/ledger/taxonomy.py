"""The three-level category taxonomy. The default is the 15 first-level / 517-leaf tree of the
TipDM 2020 government-messages data (shipped as data/taxonomy.csv); an admin may load another
file with the same three columns (一级分类, 二级分类, 三级分类) from CSV or Excel."""

import csv
from pathlib import Path

from django.db import transaction

from .models import Category

DEFAULT = Path(__file__).parent / "data" / "taxonomy.csv"


def read_rows(path: Path) -> list[list[str]]:
    if path.suffix.lower() in (".xlsx", ".xls"):
        from python_calamine import CalamineWorkbook

        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    else:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
    out = [[str(c).strip() for c in r[:3]] for r in rows[1:]]
    return [r for r in out if r and r[0]]


@transaction.atomic
def load(path: Path = DEFAULT) -> int:
    """Create missing categories (idempotent); returns how many were created."""
    existing = {c.path: c for c in Category.objects.all()}
    created = 0
    for row in read_rows(Path(path)):
        parent = None
        for level, name in enumerate(row, start=1):
            if not name:
                break
            key = "/".join(row[:level])
            node = existing.get(key)
            if node is None:
                node = existing[key] = Category.objects.create(name=name, parent=parent, level=level, path=key)
                created += 1
            parent = node
    return created


def top_level_names() -> list[str]:
    return list(Category.objects.filter(level=1).order_by("path").values_list("name", flat=True))
