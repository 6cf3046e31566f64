"""The import rate of the ledger benchmark (issue 16), through `import_ledger`.

Into the empty ledger (once per database): with `--import-rows N` above the votes file's 4,326 rows, a
generated N-row file — the votes file's rows repeated, each copy with its own message number, a time
shifted by whole days and a few words added, so no two rows are the same voice — imported in bulk;
beside it, in the same run and the same database, the former path (each row through `submit_voice` in
its own transaction, `per_row=True`) on the first BASELINE_ROWS rows of the votes file, committed first.
Then `audit verify` over the whole ledger (the bulk import's events must be sealed), and the worker's
text work on a slice of the new cases (cases/s: how long the search index takes to catch up).

Into a loaded ledger: a slice of the votes file, rolled back so the ledger is kept. Rows per second;
skipped, with the reason, when the file is not there."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

BASELINE_ROWS = 500  # the former path is ~60–100 rows/s: a slice says as much as the whole file
TARGET_ROWS_PER_S = 1000.0
TEXT_SAMPLE = 1000  # cases of the bulk import whose text work is measured
_VARIANTS = ["", "，请尽快处理", "，希望有关部门重视", "，已经反映多次", "，恳请领导关注", "，谢谢"]


# --------------------------------------------------------------------------------------- files
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


def generated_file(source: Path, rows: int, folder: Path) -> Path:
    """`rows` data rows made from the source's by repeating and varying them (see the module docstring);
    kept in `folder` and reused while the source is unchanged."""
    import datetime as dt

    import openpyxl
    from python_calamine import CalamineWorkbook

    target = folder / f"{source.stem}-generated-{rows}-{source.stat().st_size}.xlsx"
    if target.exists():
        return target
    data = CalamineWorkbook.from_path(str(source)).get_sheet_by_index(0).to_python()
    head, body = data[0], [r for r in data[1:] if any(c not in (None, "") for c in r)]
    col = {name: i for i, name in enumerate(head)}
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("台账")
    ws.append(head)
    for n in range(rows):
        copy, row = divmod(n, len(body))
        row = list(body[row])
        if "留言编号" in col:
            row[col["留言编号"]] = f"{row[col['留言编号']]}-{copy + 1}"
        if "留言时间" in col and row[col["留言时间"]]:
            value = row[col["留言时间"]]
            when = value if isinstance(value, dt.datetime) else _parse(str(value))
            if when is not None:
                row[col["留言时间"]] = (when + dt.timedelta(days=copy)).strftime("%Y-%m-%d %H:%M:%S")
        if "留言详情" in col and isinstance(row[col["留言详情"]], str):
            row[col["留言详情"]] = row[col["留言详情"]].rstrip() + _VARIANTS[copy % len(_VARIANTS)]
        ws.append(row)
    partial = target.with_suffix(".part")
    wb.save(partial)
    partial.rename(target)
    return target


def _parse(text: str):
    import datetime as dt

    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    return None


# --------------------------------------------------------------------------------------- measuring
def _timed_import(path, **kw) -> tuple:
    from ...intake.excel import import_ledger

    started, cpu = time.perf_counter(), time.process_time()
    result = import_ledger(str(path), **kw)
    result.cpu_seconds = time.process_time() - cpu  # this process's CPU: what an idle machine would take
    return result, time.perf_counter() - started


def _entry(name: str, result, seconds: float, **extra) -> dict:
    cpu = getattr(result, "cpu_seconds", None)
    return {"name": name, "kind": "import", "rows": result.total, "imported": result.imported,
            "rejected": len(result.rejected), "skipped_rows": result.skipped, "seconds": seconds,
            "rows_per_s": result.total / seconds if seconds else 0.0, "cpu_seconds": cpu,
            "rows_per_cpu_s": result.total / cpu if cpu else None, **extra}


def measure_import(rows: int | None = None, *, rollback: bool = False, where: str = "",
                   data_dir: Path | None = None, log=lambda s: None) -> dict | list[dict]:
    """Into a loaded ledger (`rollback`): the votes file's first `rows` rows, rolled back; one entry.
    Into the empty ledger: the bulk import of `rows` rows (generated above the file's size) beside the
    former per-row path, then audit verify and the text work; a list of entries."""
    from django.db import transaction

    from .._data import VOTES_FILE

    name = f"import {VOTES_FILE.name}" + (f" ({where})" if where else "")
    if not VOTES_FILE.exists():
        return {"name": name, "kind": "import", "skipped": f"{VOTES_FILE} not found"}
    from ...text.segment import search_tokens

    search_tokens("预热分词器")  # the segmenter's one-off load is not part of the rate
    if rollback:
        with tempfile.TemporaryDirectory() as tmp:
            path = _slice_file(VOTES_FILE, rows, Path(tmp)) if rows else VOTES_FILE
            try:
                with transaction.atomic():
                    result, seconds = _timed_import(path)
                    transaction.set_rollback(True)
            except RuntimeError as e:  # e.g. a durable transaction inside: cannot be rolled back
                return {"name": name, "kind": "import", "skipped": f"could not run inside a transaction: {e}"}
        return _entry(name, result, seconds, rolled_back=True)
    return _empty_ledger(rows, where, data_dir or Path(tempfile.gettempdir()), log)


def _empty_ledger(rows: int | None, where: str, data_dir: Path, log) -> list[dict]:
    from ...intake.textwork import index_chunk
    from ...ledger import audit
    from .._data import VOTES_FILE

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        log(f"  former path (row by row, submit_voice): first {BASELINE_ROWS:,} rows of {VOTES_FILE.name} …")
        base, base_s = _timed_import(_slice_file(VOTES_FILE, BASELINE_ROWS, Path(tmp)), per_row=True)
    baseline = _entry(f"import first {BASELINE_ROWS:,} rows of {VOTES_FILE.name}, row by row (former path, "
                      f"{where})", base, base_s, baseline=True)
    out.append(baseline)
    source_rows = 4326
    if rows and rows > source_rows:
        log(f"  generating a {rows:,}-row file from {VOTES_FILE.name} …")
        path, label = generated_file(VOTES_FILE, rows, data_dir), f"generated {rows:,}-row file"
    else:
        path, label = VOTES_FILE, VOTES_FILE.name
    log(f"  bulk import of the {label} …")
    result, seconds = _timed_import(path)
    bulk = _entry(f"import {label}, bulk ({where})", result, seconds,
                  baseline_rows_per_s=baseline["rows_per_s"], target_rows_per_s=TARGET_ROWS_PER_S)
    bulk["ratio"] = bulk["rows_per_s"] / baseline["rows_per_s"] if baseline["rows_per_s"] else None
    bulk["passed"] = bulk["rows_per_s"] >= TARGET_ROWS_PER_S
    log("  audit verify …")
    checked = audit.verify()
    bulk["audit_ok"], bulk["audit_events"] = checked.ok, checked.events
    if not checked.ok:
        bulk["errors"] = audit.report_lines(checked)[-1:]
    out.append(bulk)
    if result.job is not None:
        log(f"  the worker's text work on {TEXT_SAMPLE:,} of the new cases …")
        started, cpu, done = time.perf_counter(), time.process_time(), 0
        while done < TEXT_SAMPLE:
            n = index_chunk(result.job)
            if not n:
                break
            done += n
        text_s, cpu = time.perf_counter() - started, time.process_time() - cpu
        out.append({"name": f"text work of imported cases (worker, first {done:,})", "kind": "import", "rows": done,
                    "imported": done, "rejected": 0, "skipped_rows": 0, "seconds": text_s,
                    "rows_per_s": done / text_s if text_s else 0.0, "unit": "cases", "cpu_seconds": cpu,
                    "rows_per_cpu_s": done / cpu if cpu else None})
    return out
