"""The import itself: an Excel ledger (台账) read and written into the ledger in bulk (issue 16).

`import_ledger` reads an .xlsx/.xls file with python-calamine. Headers are recognised automatically (the
TipDM "mayor's mailbox" files and the common headers of township and county ledgers) or through a saved
`ImportMapping`. Every row is checked by the rules of intake (`prepare_voice`, as `submit_voice` checks a
typed voice); a bad row is reported with its Excel row number and a reason in Chinese and the rest go on.
The good rows are written in batches (intake/bulk.py: numbers taken a block at a time, `bulk_create`,
events sealed) inside ONE transaction: a file is imported whole or not at all — a failure half-way
leaves no case, no number taken and nothing to clean up. Every row carries an `import_key`, so importing
the same file again adds nothing. The text work of the new cases (normalising, search index, keywords)
is left to the worker (intake/textwork.py); the `ImportJob` written with the cases shows its progress.

This module decides who imports (a staff member, or the system user for the CLI), where the header
row is, and runs the rows in batches with progress; reading the file, the columns and each row are
in `workbook`, `columns` and `rows`. `per_row=True` runs the former path — each row through
`submit_voice` in its own transaction — kept as the import benchmark's baseline."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DatabaseError, IntegrityError, transaction

from ...errors import DomainError, Forbidden, Invalid
from ...ledger.models import Voice
from ...org.models import Level, Role, Unit, User
from ..models import ImportJob
from .cells import _filled, _Reject
from .columns import _columns, _load_mapping
from .rows import _Importer, _Row
from .workbook import _first_sheet_with_data, _numbered_rows, read_workbook

log = logging.getLogger(__package__)  # "minqing.intake.excel", the name it had as one module

SYSTEM_USERNAME = "system-import"
BATCH = 500
HEADER_SCAN_ROWS = 10


@dataclass
class ImportResult:
    imported: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (Excel row number, reason)
    skipped: int = 0  # already in the ledger
    total: int = 0  # data rows in the file
    notes: list[str] = field(default_factory=list)  # imported, but worth knowing (unknown category …)
    job: ImportJob | None = None  # the text work of the new cases, left to the worker (None: nothing imported)

    def as_dict(self) -> dict:
        return {"imported": self.imported, "rejected": [{"row": r, "reason": m} for r, m in self.rejected],
                "skipped": self.skipped, "total": self.total, "notes": self.notes,
                "job": self.job.pk if self.job else None, "text_pending": self.text_pending}

    @property
    def text_pending(self) -> int:
        return self.job.imported - self.job.text_done if self.job else 0


@dataclass
class Progress:
    """How far an import has come, for a progress bar; str() is the line the CLI printed before bars."""

    done: int  # data rows read
    estimate: int  # data rows the sheet says it has (at least `done`)
    imported: int
    rejected: int
    skipped: int

    def __str__(self) -> str:
        return (f"已处理 {self.done}/{max(self.done, self.estimate)} 行：导入 {self.imported}，"
                f"未导入 {self.rejected}，已存在 {self.skipped}")



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


def import_ledger(source, mapping: str | None = None, user=None, progress: Callable[[Progress], None] | None = None,
                  default_unit=None, *, per_row: bool = False) -> ImportResult:
    """Import an Excel ledger (path or uploaded file). See the module docstring. `progress` is called after
    every batch with a `Progress`."""
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
        run = _run_per_row if per_row else _run
        result = run(importer, data_rows, progress, estimate)
    finally:
        wb.close()
    result.notes = archive.notes + result.notes
    return result


def _run(importer: _Importer, rows: Iterable[tuple[int, list]], progress, estimate: int) -> ImportResult:
    """All rows checked, the good ones written in batches, in one transaction (see the module docstring)."""
    from ..bulk import write_drafts

    result = ImportResult()
    done, first, last = 0, None, None
    started = time.perf_counter()
    try:
        with transaction.atomic():
            for batch in _batches(rows, BATCH):
                drafts, replies = [], {}
                for item in _new_rows(importer, batch, result):
                    try:
                        draft = importer.prepare(item)
                    except DomainError as e:
                        result.rejected.append((item.number, e.message))
                        continue
                    importer.seen[bytes.fromhex(item.key)] = item.number
                    if item.reply:
                        replies[len(drafts)] = (item.reply, item.reply_at)
                    drafts.append(draft)
                cases = write_drafts(drafts, replies)
                if cases:
                    first = cases[0].pk if first is None else first
                    last = cases[-1].pk
                result.imported += len(cases)
                done += len(batch)
                if progress:
                    progress(Progress(done, estimate, result.imported, len(result.rejected), result.skipped))
            result.total = done
            if result.imported:
                result.job = ImportJob.objects.create(
                    source=importer.source_label, user=importer.user if importer.user.pk else None,
                    total=done, imported=result.imported, rejected=len(result.rejected), skipped=result.skipped,
                    seconds=time.perf_counter() - started, first_case=first, last_case=last)
    except IntegrityError:
        log.exception("import failed")
        raise Invalid("导入时台账中已有其中的诉求（可能有人同时导入了同一文件），本次未导入任何一行；请重新导入，"
                      "已导入的行会自动跳过", field="file", code="conflict") from None
    except DatabaseError:
        log.exception("import failed")
        raise Invalid("写入台账失败，本次未导入任何一行；请检查表格后重新导入", field="file", code="write_failed") from None
    result.rejected.sort()
    result.notes = importer.notes()
    return result


def _new_rows(importer: _Importer, batch: list, result: ImportResult) -> Iterator[_Row]:
    """The batch's rows that parse, are not in the ledger yet and not given twice in the file; the others
    counted in `result` (rejected with their reason, or skipped)."""
    parsed: list[_Row] = []
    for number, row in batch:
        try:
            parsed.append(importer.parse(number, row))
        except _Reject as e:
            result.rejected.append((number, str(e)))
    existing = set(Voice.objects.filter(import_key__in=[p.key for p in parsed]).values_list("import_key", flat=True))
    for item in parsed:
        first = importer.seen.get(bytes.fromhex(item.key))
        if item.key in existing:
            result.skipped += 1
        elif first is not None:
            result.rejected.append((item.number, f"与第{first}行是同一条诉求（编号、标题、时间和内容相同），不重复导入"))
        else:
            yield item


def _run_per_row(importer: _Importer, rows: Iterable[tuple[int, list]], progress, estimate: int) -> ImportResult:
    """The former path, row by row through `submit_voice`, each in its own transaction (the benchmark's
    baseline): a failed row is rejected and the rest go on."""
    result = ImportResult()
    done = 0
    for batch in _batches(rows, BATCH):
        for item in _new_rows(importer, batch, result):  # lazily: a row given twice in one batch is seen
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
            importer.seen[bytes.fromhex(item.key)] = item.number
            result.imported += 1
        done += len(batch)
        if progress:
            progress(Progress(done, estimate, result.imported, len(result.rejected), result.skipped))
    result.total = done
    result.rejected.sort()
    result.notes = importer.notes()
    return result
