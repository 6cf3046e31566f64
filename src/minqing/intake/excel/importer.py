"""The import itself: an Excel ledger (台账) read row by row into the ledger.

`import_ledger` reads an .xlsx/.xls file with python-calamine and turns each data row into a case
through `submit_voice` (channel "import"), so imported cases obey the same rules as any other.
Headers are recognised automatically (the TipDM "mayor's mailbox" files and the common headers of
township and county ledgers) or through a saved `ImportMapping`. Each row is written in its own
transaction; a bad row is reported with its Excel row number and a reason in Chinese and the rest
go on. Every row carries an `import_key`, so importing the same file again adds nothing.

This module decides who imports (a staff member, or the system user for the CLI), where the header
row is, and runs the rows in batches with progress; reading the file, the columns and each row are
in `workbook`, `columns` and `rows`."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DatabaseError, IntegrityError, transaction

from ...errors import DomainError, Forbidden, Invalid
from ...ledger.models import Voice
from ...org.models import Level, Role, Unit, User
from .cells import _filled, _Reject
from .columns import _columns, _load_mapping
from .rows import _Importer, _Row
from .workbook import _first_sheet_with_data, _numbered_rows, read_workbook

log = logging.getLogger(__package__)  # "minqing.intake.excel", the name it had as one module

SYSTEM_USERNAME = "system-import"
BATCH = 500
PROGRESS_EVERY = 1000
HEADER_SCAN_ROWS = 10


@dataclass
class ImportResult:
    imported: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (Excel row number, reason)
    skipped: int = 0  # already in the ledger
    total: int = 0  # data rows in the file
    notes: list[str] = field(default_factory=list)  # imported, but worth knowing (unknown category …)

    def as_dict(self) -> dict:
        return {"imported": self.imported, "rejected": [{"row": r, "reason": m} for r, m in self.rejected],
                "skipped": self.skipped, "total": self.total, "notes": self.notes}



def system_user() -> User:
    """The user imports run as when no one is named (CLI): an admin at the county root that
    cannot log in (unusable password)."""
    user = User.objects.filter(username=SYSTEM_USERNAME).select_related("unit").first()
    if user is None:
        root = Unit.objects.filter(level=Level.COUNTY, parent__isnull=True, active=True).order_by("path").first()
        if root is None:
            raise Invalid("尚未建立县级单位，无法导入台账；请先添加县级单位", code="no_county")
        user = User(username=SYSTEM_USERNAME, role=Role.ADMIN, unit=root, display_name="台账导入（系统）")
        user.set_unusable_password()
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # created meanwhile by a concurrent import
            user = User.objects.select_related("unit").get(username=SYSTEM_USERNAME)
    if not user.is_staff_member:
        raise Forbidden(f"系统导入账号“{SYSTEM_USERNAME}”已停用或没有所属单位，请在用户管理中恢复后再导入")
    return user


def _resolve_default_unit(default_unit, user: User) -> Unit:
    if isinstance(default_unit, Unit):
        return default_unit
    if default_unit:
        unit = Unit.objects.filter(code=str(default_unit).strip(), active=True).first()
        if unit is None:
            raise Invalid(f"默认单位“{default_unit}”不存在", field="unit", code="unknown_unit")
        return unit
    if user.role != Role.ADMIN and user.unit_id:
        return user.unit
    unit = Unit.objects.filter(level=Level.COUNTY, active=True).order_by("path").first()
    if unit is None:
        raise Invalid("尚未建立县级单位，无法确定默认单位；请先添加县级单位", code="no_county")
    return unit


def _source_label(source) -> str:
    name = Path(str(source)).name if isinstance(source, (str, os.PathLike)) else Path(getattr(source, "name", "") or "").name
    return (name or "Excel导入")[:40]


def _batches(rows: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in rows:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def import_ledger(source, mapping: str | None = None, user=None, progress: Callable[[str], None] | None = None,
                  default_unit=None) -> ImportResult:
    """Import an Excel ledger (path or uploaded file). See the module docstring."""
    spec = _load_mapping(mapping)
    if user is None:
        user = system_user()
    elif not getattr(user, "is_staff_member", False):
        raise Forbidden("只有工作人员可以导入台账")
    unit = _resolve_default_unit(default_unit, user)
    wb, archive = read_workbook(source)  # a malicious or broken file stops here, before any row is written
    try:
        sheet = _first_sheet_with_data(wb)
        rows = _numbered_rows(sheet, archive.formulas_for(sheet.name))
        importer = _Importer(spec, user, unit, _source_label(source))
        head: list[tuple[int, list]] = []
        header_at = None
        for number, row in rows:
            if not any(_filled(c) for c in row):
                continue
            head.append((number, row))
            cols = _columns(row, spec)
            if "text" in cols or "title" in cols:
                header_at = len(head) - 1
                break
            if len(head) >= HEADER_SCAN_ROWS:
                break
        importer.check_columns({} if header_at is None else cols)
        data_rows = (r for r in rows if any(_filled(c) for c in r[1]))
        estimate = max(0, (sheet.end[0] if sheet.end else 0) - head[header_at][0] + 1)
        result = _run(importer, data_rows, progress, estimate)
    finally:
        wb.close()
    result.notes = archive.notes + result.notes
    return result


def _run(importer: _Importer, rows: Iterable[tuple[int, list]], progress, estimate: int) -> ImportResult:
    result = ImportResult()
    done = 0
    for batch in _batches(rows, BATCH):
        parsed: list[_Row] = []
        for number, row in batch:
            try:
                parsed.append(importer.parse(number, row))
            except _Reject as e:
                result.rejected.append((number, str(e)))
        existing = set(Voice.objects.filter(import_key__in=[p.key for p in parsed]).values_list("import_key", flat=True))
        for item in parsed:
            raw = bytes.fromhex(item.key)
            first = importer.seen.get(raw)
            if item.key in existing:
                result.skipped += 1
                continue
            if first is not None:
                result.rejected.append((item.number, f"与第{first}行是同一条诉求（编号、标题、时间和内容相同），不重复导入"))
                continue
            try:
                importer.write(item)
            except DomainError as e:
                result.rejected.append((item.number, e.message))
                continue
            except IntegrityError:
                if Voice.objects.filter(import_key=item.key).exists():  # imported meanwhile by someone else
                    result.skipped += 1
                    continue
                log.exception("import row %s failed", item.number)
                result.rejected.append((item.number, "写入台账失败（数据冲突），请检查该行"))
                continue
            except DatabaseError:
                log.exception("import row %s failed", item.number)
                result.rejected.append((item.number, "写入台账失败：某项内容过长或格式不符，请检查该行"))
                continue
            importer.seen[raw] = item.number
            result.imported += 1
        before = done
        done += len(batch)
        if progress and done // PROGRESS_EVERY > before // PROGRESS_EVERY:
            progress(f"已处理 {done}/{max(done, estimate)} 行：导入 {result.imported}，"
                     f"未导入 {len(result.rejected)}，已存在 {result.skipped}")
    result.total = done
    result.rejected.sort()
    result.notes = importer.notes()
    return result
