"""The import rate of the ledger benchmark: the TipDM votes file through `import_ledger`, into an
empty ledger (once per database) and into the loaded ledger (a slice of the file, rolled back so the
ledger is kept). Rows per second; skipped, with the reason, when the file is not there."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path


# --------------------------------------------------------------------------------------- import
def _slice_file(source: Path, rows: int, folder: Path) -> Path:
    """The header and the first `rows` data rows of an Excel file, as a new .xlsx."""
    import openpyxl
    from python_calamine import CalamineWorkbook

    data = CalamineWorkbook.from_path(str(source)).get_sheet_by_index(0).to_python()
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in data[: rows + 1]:
        ws.append(row)
    target = folder / f"{source.stem}-{rows}.xlsx"
    wb.save(target)
    return target


def measure_import(rows: int | None = None, *, rollback: bool = False, where: str = "") -> dict:
    """Import the votes file (or its first `rows` rows) through import_ledger; rows/s."""
    from django.db import transaction

    from ...intake.excel import import_ledger
    from .._data import VOTES_FILE

    name = f"import {VOTES_FILE.name}" + (f" ({where})" if where else "")
    if not VOTES_FILE.exists():
        return {"name": name, "kind": "import", "skipped": f"{VOTES_FILE} not found"}
    from ...text.segment import search_tokens

    search_tokens("预热分词器")  # the segmenter's one-off load is not part of the rate
    with tempfile.TemporaryDirectory() as tmp:
        path = _slice_file(VOTES_FILE, rows, Path(tmp)) if rows else VOTES_FILE
        try:
            with transaction.atomic():
                started = time.perf_counter()
                result = import_ledger(str(path))
                seconds = time.perf_counter() - started
                if rollback:
                    transaction.set_rollback(True)
        except RuntimeError as e:  # e.g. a durable transaction inside: cannot be rolled back
            return {"name": name, "kind": "import", "skipped": f"could not run inside a transaction: {e}"}
    return {"name": name, "kind": "import", "rows": result.total, "imported": result.imported,
            "rejected": len(result.rejected), "skipped_rows": result.skipped, "seconds": seconds,
            "rows_per_s": result.total / seconds if seconds else 0.0, "rolled_back": rollback}
