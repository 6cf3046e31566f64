"""Excel ledger (台账) import and export.

`import_ledger` reads an .xlsx/.xls file with python-calamine and turns each data row into a case
through `submit_voice` (channel "import"), so imported cases obey the same rules as any other.
Headers are recognised automatically (the TipDM "mayor's mailbox" files and the common headers of
township and county ledgers) or through a saved `ImportMapping`. Each row is written in its own
transaction; a bad row is reported with its Excel row number and a reason in Chinese and the rest
go on. Every row carries an `import_key`, so importing the same file again adds nothing.

`export_ledger` writes a case queryset to .xlsx; what a row shows comes from `case_summary`, the
one place masking is applied."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone

from .. import clock
from ..errors import DomainError, Forbidden, Invalid
from ..ledger.actions import record
from ..ledger.models import Category, Channel, Rating, Reply, Status, Urgency, Voice
from ..org.models import Level, Role, Unit, User
from .models import ImportMapping

log = logging.getLogger(__name__)

SYSTEM_USERNAME = "system-import"
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
BATCH = 500
PROGRESS_EVERY = 1000
HEADER_SCAN_ROWS = 10

# Field names a mapping may use, with their Chinese labels (for messages and the API docs).
FIELDS = {
    "title": "标题", "text": "诉求内容", "received_at": "时间", "external_id": "编号",
    "submitter_ref": "用户编号", "name": "姓名", "phone": "电话", "address": "地址", "unit": "单位",
    "category": "分类", "channel": "渠道/来源", "reply": "答复意见", "reply_at": "答复时间",
    "endorsements": "点赞数", "objections": "反对数",
}

# Headers recognised without a mapping (compared after removing whitespace and a bracketed suffix).
AUTO_HEADERS: dict[str, tuple[str, ...]] = {
    "external_id": ("留言编号", "编号", "工单编号", "工单号", "诉求编号", "来电编号", "登记编号"),
    "submitter_ref": ("留言用户", "用户编号"),
    "name": ("姓名", "联系人", "诉求人", "诉求人姓名", "联系人姓名", "来电人", "反映人", "来访人"),
    "phone": ("电话", "联系电话", "手机", "手机号", "手机号码", "电话号码", "联系方式", "来电号码"),
    "title": ("留言主题", "标题", "诉求标题", "主题", "诉求主题"),
    "text": ("留言详情", "内容", "诉求内容", "问题描述", "详情", "反映内容", "反映问题", "来电内容", "诉求详情",
             "具体内容", "事项内容"),
    "received_at": ("留言时间", "时间", "受理时间", "来电时间", "登记时间", "收到时间", "反映时间", "来访时间",
                    "诉求时间", "日期", "登记日期", "受理日期"),
    "address": ("地址", "诉求地址", "事发地址", "详细地址", "事发地点"),
    "unit": ("所属单位", "所在单位", "单位", "单位代码", "所在村", "村", "社区", "所在社区", "村社区", "乡镇",
             "所在乡镇", "街道", "乡镇街道", "网格"),
    "category": ("一级分类", "分类", "问题类别", "诉求类别", "问题分类", "诉求分类", "类别"),
    "channel": ("渠道", "来源", "诉求渠道", "受理渠道", "来源渠道"),
    "reply": ("答复意见", "答复内容", "回复内容", "答复"),
    "reply_at": ("答复时间", "回复时间", "答复日期"),
    "endorsements": ("点赞数", "点赞", "支持数"),
    "objections": ("反对数", "反对"),
}
_AUTO = {alias: name for name, aliases in AUTO_HEADERS.items() for alias in aliases}
_MULTI = {"unit"}  # fields that may come from several columns (township + village)
_BRACKETED = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]$")
_SPACE = re.compile(r"\s+")

_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*T?\s*(\d{1,2})\s*[:：时点]\s*(\d{1,2})\s*分?(?:\s*[:：]?\s*(\d{1,2})(?:\.\d+)?\s*秒?)?)?"
)
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})(?:\s*(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_PHONE_IN_CELL = re.compile(r"\+?\d[\d\-]{4,19}")
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


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


class _Reject(Exception):
    """One row cannot be imported; the message says why, in Chinese."""


# ---------------------------------------------------------------------------------------------- files


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


def _filled(value) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


# ---------------------------------------------------------------------------------------- cell values


def _header(value) -> str:
    text = _SPACE.sub("", _cell_str(value)).rstrip("*＊:：")
    return text


def _cell_str(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value)


def _count(value, label: str) -> int:
    if not _filled(value):
        return 0
    try:
        number = float(str(value).strip().replace(",", "")) if not isinstance(value, (int, float)) else float(value)
    except ValueError:
        raise _Reject(f"{label}“{value}”不是数字") from None
    if number < 0 or not number.is_integer() or number > 2_000_000_000:
        raise _Reject(f"{label}“{_cell_str(value)}”应为非负整数")
    return int(number)


class DateParser:
    def __init__(self, date_format: str = ""):
        self.date_format = date_format
        self.tz = ZoneInfo(settings.TIME_ZONE)

    def __call__(self, value, label: str) -> dt.datetime:
        naive = self.naive(value)
        if naive is None:
            shown = _cell_str(value).strip()
            if len(shown) > 40:
                shown = shown[:40] + "…"
            raise _Reject(f"{label}“{shown}”无法识别，应为如 2019/5/10 14:56:53 或 2019-05-10 的日期时间")
        if naive.tzinfo is not None:
            return naive
        if not 1900 <= naive.year <= 2100:
            raise _Reject(f"{label}“{_cell_str(value)}”超出合理范围")
        return timezone.make_aware(naive, self.tz)

    def naive(self, value) -> dt.datetime | None:
        if isinstance(value, dt.datetime):
            return value
        if isinstance(value, dt.date):
            return dt.datetime.combine(value, dt.time())
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return self.serial(value)
        if not isinstance(value, str):
            return None
        text = value.strip()
        if not text:
            return None
        if self.date_format:
            try:
                return dt.datetime.strptime(text, self.date_format)
            except ValueError:
                pass
        m = _DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
        if m:
            y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
            try:
                return dt.datetime(y, mo, d, h, mi, s)
            except ValueError:
                return None
        try:
            return self.serial(float(text))
        except ValueError:
            pass
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            return None

    @staticmethod
    def serial(number: float) -> dt.datetime | None:
        """An Excel date serial (days since 1899-12-30, fraction = time of day)."""
        if not 1 <= number < 2958466:
            return None
        moment = _EXCEL_EPOCH + dt.timedelta(days=number)
        return moment.replace(microsecond=0) + dt.timedelta(seconds=round(moment.microsecond / 1e6))


# ------------------------------------------------------------------------------------------- mappings


def _load_mapping(name: str | None) -> ImportMapping | None:
    if not name:
        return None
    found = ImportMapping.objects.filter(name=name.strip()).first()
    if found is None:
        raise Invalid(f"导入映射“{name}”不存在", field="mapping", code="unknown_mapping")
    return found


def save_mapping(name: str, columns: dict, date_format: str = "") -> ImportMapping:
    """Create a named mapping {Excel header: field}. Used by the API and the admin."""
    name = str(name or "").strip()
    if not name:
        raise Invalid("请填写映射名称", field="name")
    if len(name) > 60:
        raise Invalid("映射名称过长（最多60字）", field="name")
    if ImportMapping.objects.filter(name=name).exists():
        raise Invalid(f"导入映射“{name}”已存在", field="name", code="duplicate")
    clean = validate_columns(columns)
    date_format = str(date_format or "").strip()
    if date_format and "%" not in date_format:
        raise Invalid("日期格式应使用 %Y、%m、%d、%H、%M、%S 等占位符，如 %Y年%m月%d日", field="date_format")
    if len(date_format) > 40:
        raise Invalid("日期格式过长", field="date_format")
    return ImportMapping.objects.create(name=name, columns=clean, date_format=date_format)


def validate_columns(columns) -> dict[str, str]:
    if not isinstance(columns, dict) or not columns:
        raise Invalid("columns 应为 {Excel 表头: 字段名} 的对象，且不能为空", field="columns")
    clean = {}
    for header, name in columns.items():
        header_key = _header(header)
        if not header_key:
            raise Invalid("表头不能为空", field="columns")
        if name not in FIELDS:
            raise Invalid(f"未知字段“{name}”，可用字段：" + "、".join(f"{k}（{v}）" for k, v in FIELDS.items()),
                          field="columns")
        clean[header_key] = name
    if not {"text", "title"} & set(clean.values()):
        raise Invalid("映射中至少要有诉求内容（text）或标题（title）之一", field="columns")
    return clean


def _columns(header_row: list, mapping: ImportMapping | None) -> dict[str, list[int]]:
    wanted = {_header(k): v for k, v in mapping.columns.items()} if mapping else _AUTO
    cols: dict[str, list[int]] = {}
    for index, cell in enumerate(header_row):
        key = _header(cell)
        name = wanted.get(key)
        if name is None and not mapping:
            name = wanted.get(_BRACKETED.sub("", key))
        if name is None:
            continue
        if name in _MULTI or name not in cols:
            cols.setdefault(name, []).append(index)
    return cols


# ------------------------------------------------------------------------------------- the importer


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


@dataclass
class _Row:
    number: int
    data: dict
    received_at: dt.datetime | None
    extra: dict
    reply: str
    reply_at: dt.datetime | None
    key: str


class _Importer:
    def __init__(self, mapping: ImportMapping | None, user: User, default_unit: Unit, source_label: str):
        self.mapping = mapping
        self.mapping_name = mapping.name if mapping else "auto"
        self.user = user
        self.default_unit = default_unit
        self.source_label = source_label
        self.dates = DateParser(mapping.date_format if mapping else "")
        self.scope = None if user.role == Role.ADMIN else user.unit
        units = list(Unit.objects.filter(active=True))
        self.units_by_code = {u.code: u for u in units}
        self.units_by_name: dict[str, list[Unit]] = {}
        for u in units:
            self.units_by_name.setdefault(u.name, []).append(u)
        self.unit_cache: dict[tuple, Unit | str] = {}
        cats = list(Category.objects.all())
        by_id = {c.pk: c for c in cats}
        for c in cats:  # link parents in memory: the time-limit rules walk up to the top level
            if c.parent_id in by_id:
                c.parent = by_id[c.parent_id]
        self.cat_by_path = {c.path: c for c in cats}
        self.cat_top = {c.name: c for c in cats if c.level == 1}
        self.cat_by_name: dict[str, list[Category]] = {}
        for c in cats:
            self.cat_by_name.setdefault(c.name, []).append(c)
        self.unknown_categories: dict[str, list[int]] = {}  # value -> [first row, count]
        self.reply_without_time: list[int] = []
        self.seen: dict[bytes, int] = {}

    # -- columns

    def check_columns(self, cols: dict[str, list[int]]) -> None:
        if "text" not in cols and "title" not in cols:
            if self.mapping:
                raise Invalid(f"表格中找不到导入映射“{self.mapping.name}”中的诉求内容列或标题列，请核对表头",
                              field="file", code="no_text_column")
            raise Invalid("表格中找不到诉求内容列（如“留言详情”“诉求内容”“问题描述”）或标题列（如“留言主题”“标题”），"
                          "无法导入；表头不同时请先建立导入映射", field="file", code="no_text_column")
        self.cols = {name: idx for name, idx in cols.items() if name not in _MULTI}
        self.unit_cols = cols.get("unit", [])
        self.has_reply_time = "reply_at" in cols

    def _get(self, row: list, name: str):
        idx = self.cols.get(name)
        if idx is None or idx[0] >= len(row):
            return None
        return row[idx[0]]

    def _str(self, row: list, name: str) -> str:
        return _cell_str(self._get(row, name))

    # -- lookups (cached: no query per row)

    def unit_for(self, row: list) -> Unit:
        values = tuple(v for v in (_cell_str(row[i]).strip() for i in self.unit_cols if i < len(row)) if v)
        if not values:
            return self.default_unit
        hit = self.unit_cache.get(values)
        if hit is None:
            hit = self.unit_cache[values] = self._resolve_unit(values)
        if isinstance(hit, str):
            raise _Reject(hit)
        return hit

    def _resolve_unit(self, values: tuple[str, ...]) -> Unit | str:
        candidates = []
        for v in values:
            found = [self.units_by_code[v]] if v in self.units_by_code else self.units_by_name.get(v, [])
            if not found:
                return f"单位“{v}”不存在，请先在单位管理中添加，或在表格中改用已有单位的名称或代码"
            candidates.append(found)

        def related(a: Unit, b: Unit) -> bool:
            return a.path.startswith(b.path) or b.path.startswith(a.path)

        pool = {u.pk: u for found in candidates for u in found
                if all(any(related(u, o) for o in other) for other in candidates)}
        if not pool:
            return "单位“" + "”与“".join(values) + "”互不隶属，请核对"
        deepest = max(u.depth for u in pool.values())
        best = [u for u in pool.values() if u.depth == deepest]
        if len(best) > 1:
            return f"单位名称“{best[0].name}”有重名（{len(best)}个），请在表格中使用单位代码"
        unit = best[0]
        if self.scope is not None and not unit.is_within(self.scope):
            return f"单位“{unit.name}”不在您的管辖范围（{self.scope.name}）内"
        return unit

    def category_for(self, value: str, row_number: int) -> Category | None:
        value = value.strip()
        if not value:
            return None
        cat = self.cat_by_path.get(value) or self.cat_top.get(value)
        if cat is None:
            named = self.cat_by_name.get(value, [])
            if len(named) == 1:
                cat = named[0]
        if cat is None:
            seen = self.unknown_categories.setdefault(value, [row_number, 0])
            seen[1] += 1
        return cat

    # -- one row

    def parse(self, number: int, row: list) -> _Row:
        title_raw = self._str(row, "title")
        text_raw = self._str(row, "text")
        if not text_raw.strip():
            if not title_raw.strip():
                raise _Reject("诉求内容为空")
            text_raw = title_raw
        received_at = None
        if "received_at" in self.cols:
            value = self._get(row, "received_at")
            if not _filled(value):
                raise _Reject("时间为空")
            received_at = self.dates(value, "时间")
        reply = self._str(row, "reply").strip()
        reply_at = None
        if reply:
            value = self._get(row, "reply_at")
            if _filled(value):
                reply_at = self.dates(value, "答复时间")
            else:
                self.reply_without_time.append(number)
        external_id = self._str(row, "external_id").strip()
        if len(external_id) > 60:
            raise _Reject("编号过长（最多60字）")
        submitter_ref = self._str(row, "submitter_ref").strip()
        if len(submitter_ref) > 60:
            raise _Reject("用户编号过长（最多60字）")
        name = self._str(row, "name").strip()
        if "*" in name:  # a masked name (e.g. from an export) identifies no one
            name = ""
        phone = self._str(row, "phone").strip()
        if "*" in phone:
            phone = ""
        elif phone:
            m = _PHONE_IN_CELL.search(phone)
            phone = m.group(0) if m else phone
        submitter = {"mode": "protected", "name": name, "phone": phone} if (name or phone) else {"mode": "anonymous"}
        unit = self.unit_for(row)
        category = self.category_for(self._str(row, "category"), number)
        source = self._str(row, "channel").strip()[:40] or self.source_label
        when = timezone.localtime(received_at).replace(tzinfo=None).isoformat() if received_at else ""
        digest = hashlib.sha1("\x1f".join((self.mapping_name, external_id, title_raw, when, text_raw[:200]))
                              .encode("utf-8")).hexdigest()
        extra = {"category": category, "endorsements": _count(self._get(row, "endorsements"), "点赞数"),
                 "objections": _count(self._get(row, "objections"), "反对数"), "source": source,
                 "external_id": external_id, "import_key": digest, "submitter_ref": submitter_ref}
        data = {"channel": Channel.IMPORT, "text": text_raw, "title": title_raw, "unit": unit.code,
                "address": self._str(row, "address"), "submitter": submitter}
        return _Row(number, data, received_at, extra, reply, reply_at, digest)

    def write(self, item: _Row) -> None:
        from .services import submit_voice

        with transaction.atomic():
            voice = submit_voice(item.data, self.user, received_at=item.received_at, extra=item.extra)
            if item.reply:
                record_imported_reply(voice.case, item.reply, item.reply_at, self.user)

    def notes(self) -> list[str]:
        out = []
        for value, (first, count) in sorted(self.unknown_categories.items(), key=lambda kv: kv[1][0]):
            where = f"第{first}行" + (f"等{count}行" if count > 1 else "")
            out.append(f"{where}：分类“{value}”不存在，已导入但未分类，请在工单中补充分类")
        if self.reply_without_time:
            rows = self.reply_without_time
            where = f"第{rows[0]}行" + (f"等{len(rows)}行" if len(rows) > 1 else "")
            out.append(f"{where}：有答复意见但没有答复时间，答复时间记为导入时间")
        return out


def record_imported_reply(case, text: str, at: dt.datetime | None, user) -> Reply:
    """A reply that already happened (it is in the imported ledger): write it with its own time and
    move the case to `replied`. A historical fact, so it does not pass the dispatcher's checks."""
    now = clock.now()
    at = at or now
    before = case.status
    reply = Reply.objects.create(case=case, kind=Reply.Kind.REPLY, text=text, at=at, author=None,
                                 author_label="原台账答复")
    case.status = Status.REPLIED
    case.replied_at = at
    if case.first_contact_at is None:
        case.first_contact_at = at
    case.updated_at = now
    case.save(update_fields=["status", "replied_at", "first_contact_at", "updated_at"])
    record(case, "reply", user, before, "", data={"imported": True, "replied_at": timezone.localtime(at).isoformat()}, at=at)
    return reply


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
    wb = open_workbook(source)
    try:
        sheet = _first_sheet_with_data(wb)
        rows = _numbered_rows(sheet)
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


# -------------------------------------------------------------------------------------------- export

EXPORT_HEADERS = ["编号", "标题", "状态", "渠道", "分类", "所在单位", "承办单位", "紧急程度", "收到时间", "办结时限",
                  "时限状态", "诉求人", "电话", "点赞数", "满意度"]
_WIDTHS = [18, 40, 12, 10, 28, 16, 16, 10, 18, 18, 10, 12, 16, 8, 10]
EXPORT_CHUNK = 2000


def _excel_time(iso: str | None):
    if not iso:
        return None
    return timezone.localtime(dt.datetime.fromisoformat(iso)).replace(tzinfo=None)


def export_ledger(qs, target) -> int:
    """Write the cases of `qs` (already scoped and filtered by the caller) to an .xlsx at `target`
    (a path or a binary file-like object). Returns the number of cases written."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from ..ledger.present import DEADLINE_LABELS, case_summary

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("台账")
    ws.freeze_panes = "A2"
    for i, width in enumerate(_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    bold = Font(bold=True)
    header = []
    for title in EXPORT_HEADERS:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = bold
        header.append(cell)
    ws.append(header)

    def dated(value):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell

    channels, urgencies, ratings = ({k: str(v) for k, v in c.choices} for c in (Channel, Urgency, Rating))
    # Only the first voice (whose submitter the row shows): a merged hotspot case may carry thousands.
    first_voice = Prefetch("voices", queryset=Voice.objects.order_by("received_at", "id")[:1],
                           to_attr="prefetched_voices")
    rows = (qs.select_related("unit", "assigned_unit", "category").prefetch_related(first_voice)
            .defer("text_norm", "search_text"))
    now = clock.now()
    count = 0
    for case in rows.iterator(chunk_size=EXPORT_CHUNK):
        s = case_summary(case, now)
        person = s["submitter"] or {}
        ws.append([
            s["number"], s["title"], s["status_label"], channels.get(s["channel"], s["channel"]), s["category"] or "",
            s["unit_name"], s["assigned_unit_name"] or "", urgencies.get(s["urgency"], s["urgency"]),
            dated(_excel_time(s["received_at"])), dated(_excel_time(s["resolve_due"])),
            str(DEADLINE_LABELS.get(s["deadline_state"], s["deadline_state"])), person.get("name", ""),
            person.get("phone", ""), s["endorsements"], ratings.get(s["rating"], "") if s["rating"] else "",
        ])
        count += 1
    wb.save(target)
    return count
