"""Reading the file: from a path or an upload to the first sheet with data and its numbered rows.

Kept apart from what the rows mean because this is where the file itself can be wrong — not Excel at
all, empty, only renamed to .xlsx, password-protected, corrupt — and each of those must become one
`Invalid` in Chinese that tells the office what to do, before any row is looked at. The file is read
with python-calamine (.xlsx and .xls alike)."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

from ...errors import Invalid
from .cells import _filled

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}


def _bad_file(detail: str = "") -> Invalid:
    msg = "文件不是有效的 Excel 表格（.xlsx）"
    return Invalid(msg + (f"：{detail}" if detail else "，可能已损坏或只是改了扩展名；请用 Excel 打开后另存为 .xlsx 再导入"),
                   field="file", code="bad_file")


def _check_name(name: str) -> None:
    suffix = Path(name).suffix.lower() if name else ""
    if suffix and suffix not in EXCEL_SUFFIXES:
        raise Invalid(f"只能导入 Excel 表格（.xlsx 或 .xls），“{Path(name).name}”不是 Excel 文件；"
                      "CSV、WPS 等格式请先另存为 .xlsx", field="file", code="bad_file")


def _check_magic(head: bytes) -> None:
    if not head:
        raise Invalid("文件是空的（0 字节），请重新选择 Excel 表格", field="file", code="bad_file")
    if not (head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0")):
        raise _bad_file()


def open_workbook(source):
    """A CalamineWorkbook from a path or a file-like object (an upload), or Invalid in Chinese."""
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    try:
        if isinstance(source, (str, os.PathLike)):
            path = Path(source)
            _check_name(path.name)
            if not path.is_file():
                raise Invalid(f"文件不存在：{path}", field="file", code="not_found")
            with open(path, "rb") as f:
                _check_magic(f.read(8))
            return CalamineWorkbook.from_path(str(path))
        _check_name(getattr(source, "name", "") or "")
        temp_path = getattr(source, "temporary_file_path", None)
        if callable(temp_path):  # a large upload Django already spooled to disk
            with open(temp_path(), "rb") as f:
                _check_magic(f.read(8))
            return CalamineWorkbook.from_path(temp_path())
        if hasattr(source, "seek"):
            source.seek(0)
        data = source.read()
        if isinstance(data, str):
            raise _bad_file()
        _check_magic(bytes(data[:8]))
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError:
        raise Invalid("表格设有密码保护，请先取消密码再导入", field="file", code="bad_file") from None
    except CalamineError:
        raise _bad_file() from None
    except (OSError, ValueError) as e:
        if isinstance(e, FileNotFoundError):
            raise Invalid(f"文件不存在：{e.filename}", field="file", code="not_found") from None
        raise _bad_file() from None


def _first_sheet_with_data(wb):
    from python_calamine import CalamineError

    try:
        names = wb.sheet_names
        for index in range(len(names)):
            sheet = wb.get_sheet_by_index(index)
            if sheet.start is not None and sheet.height > 0:
                return sheet
    except CalamineError:
        raise _bad_file() from None
    raise Invalid("表格是空的：没有任何数据", field="file", code="empty")


def _numbered_rows(sheet) -> Iterator[tuple[int, list]]:
    """(Excel row number, cells) for each row. python-calamine's iter_rows starts at row 1 of the sheet
    in the versions we know, but at the first used row in others: tell the two apart."""
    rows = sheet.iter_rows()
    start_row = sheet.start[0] if sheet.start else 0
    first = next(rows, None)
    if first is None:
        return
    base = 1 if (start_row == 0 or not any(_filled(c) for c in first)) else start_row + 1
    yield base, first
    for offset, row in enumerate(rows, start=1):
        yield base + offset, row
