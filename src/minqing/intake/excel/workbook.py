"""Reading the file: from a path or an upload to the first sheet with data and its numbered rows.

Kept apart from what the rows mean because this is where the file itself can be wrong — not Excel at
all, empty, only renamed to .xlsx, password-protected, corrupt — and each of those must become one
`Invalid` in Chinese that tells the office what to do, before any row is looked at. The file is read
with python-calamine (.xlsx and .xls alike); an .xlsx is first checked as a zip (`archive.py`: zip bombs,
a vast used range, a zip that is not a workbook), because calamine itself would abort the process on some
of them. An .xls is bounded by its format (65,536 rows × 256 columns)."""

from __future__ import annotations

import io
import itertools
import os
from collections.abc import Iterator
from pathlib import Path

from ...errors import Invalid
from .archive import Archive, bad_file, check_xlsx
from .cells import _filled

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}


def _check_name(name: str) -> None:
    suffix = Path(name).suffix.lower() if name else ""
    if suffix and suffix not in EXCEL_SUFFIXES:
        raise Invalid(f"只能导入 Excel 表格（.xlsx 或 .xls），“{Path(name).name}”不是 Excel 文件；"
                      "CSV、WPS 等格式请先另存为 .xlsx", field="file", code="bad_file")


def _check_magic(head: bytes) -> bool:
    """True for a zip (.xlsx), False for an OLE file (.xls); Invalid for anything else."""
    if not head:
        raise Invalid("文件是空的（0 字节），请重新选择 Excel 表格", field="file", code="bad_file")
    if not (head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0")):
        raise bad_file()
    return head.startswith(b"PK")


def _checked(head: bytes, source) -> Archive:
    return check_xlsx(source) if _check_magic(head) else Archive()


def open_workbook(source):
    """A CalamineWorkbook from a path or a file-like object (an upload), or Invalid in Chinese."""
    return read_workbook(source)[0]


def read_workbook(source) -> tuple:
    """(CalamineWorkbook, Archive) from a path or a file-like object (an upload), or Invalid in Chinese;
    the file is checked (`archive.check_xlsx`) before calamine reads a byte of it."""
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    try:
        if isinstance(source, (str, os.PathLike)):
            path = Path(source)
            _check_name(path.name)
            if not path.is_file():
                raise Invalid(f"文件不存在：{path}", field="file", code="not_found")
            with open(path, "rb") as f:
                archive = _checked(f.read(8), path)
            return CalamineWorkbook.from_path(str(path)), archive
        _check_name(getattr(source, "name", "") or "")
        temp_path = getattr(source, "temporary_file_path", None)
        if callable(temp_path):  # a large upload Django already spooled to disk
            with open(temp_path(), "rb") as f:
                archive = _checked(f.read(8), temp_path())
            return CalamineWorkbook.from_path(temp_path()), archive
        if hasattr(source, "seek"):
            source.seek(0)
        data = source.read()
        if isinstance(data, str):
            raise bad_file()
        archive = _checked(bytes(data[:8]), io.BytesIO(data))
        return CalamineWorkbook.from_filelike(io.BytesIO(data)), archive
    except PasswordError:
        raise Invalid("表格设有密码保护，请先取消密码再导入", field="file", code="bad_file") from None
    except CalamineError:
        raise bad_file() from None
    except (OSError, ValueError) as e:
        if isinstance(e, FileNotFoundError):
            raise Invalid(f"文件不存在：{e.filename}", field="file", code="not_found") from None
        raise bad_file() from None


def _first_sheet_with_data(wb):
    from python_calamine import CalamineError

    try:
        names = wb.sheet_names
        for index in range(len(names)):
            sheet = wb.get_sheet_by_index(index)
            if sheet.start is not None and sheet.height > 0:
                return sheet
    except CalamineError:
        raise bad_file() from None
    raise Invalid("表格是空的：没有任何数据", field="file", code="empty")


def _numbered_rows(sheet, formulas: dict[tuple[int, int], str] | None = None) -> Iterator[tuple[int, list]]:
    """(Excel row number, cells) for each row. python-calamine's iter_rows starts at row 1 of the sheet
    in the versions we know, but at the first used row in others: tell the two apart. `formulas`
    ({(row, column) from 0: "=…"}, formulas without a saved value, `archive.py`) fill the cells calamine
    reads as empty, so that they are imported as their text."""
    rows = sheet.iter_rows()
    start_row, start_col = sheet.start if sheet.start else (0, 0)
    first = next(rows, None)
    if first is None:
        return
    base = 1 if (start_row == 0 or not any(_filled(c) for c in first)) else start_row + 1
    numbered = ((base + offset, row) for offset, row in enumerate(itertools.chain([first], rows)))
    yield from _with_formulas(numbered, formulas, start_col) if formulas else numbered


def _with_formulas(numbered, formulas: dict[tuple[int, int], str], start_col: int):
    by_row: dict[int, dict[int, str]] = {}
    for (row, col), text in formulas.items():
        by_row.setdefault(row + 1, {})[col] = text
    left = min(start_col, *(c for cols in by_row.values() for c in cols))
    pending = sorted(by_row, reverse=True)  # popped from the end: the lowest row number first

    def fill(number: int, row: list) -> list:
        row = [None] * (start_col - left) + list(row)
        for col, text in by_row.get(number, {}).items():
            i = col - left
            row.extend([None] * (i + 1 - len(row)))
            if not _filled(row[i]):
                row[i] = text
        return row

    for number, row in numbered:
        while pending and pending[-1] < number:  # a row of formulas only, outside calamine's range
            missing = pending.pop()
            yield missing, fill(missing, [])
        if pending and pending[-1] == number:
            pending.pop()
        yield number, fill(number, row)
    for number in reversed(pending):
        yield number, fill(number, [])
