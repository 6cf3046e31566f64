"""One row of a ledger: its cells checked and cleaned into the arguments of `submit_voice`, then written.

`_Importer` holds what every row needs looked up — units by code and name, categories by path and
name — loaded once per import, so that looking them up costs no query per row. A row that cannot be
imported raises `_Reject` with the reason in Chinese; one that can but is worth a word (an unknown
category, a reply without its time) is imported and remembered for `notes()`. A row's `import_key`
is a digest of the mapping, number, title, time and the start of the text. `record_imported_reply`
is here because a row may carry its reply: a historical fact, written as one."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ... import clock
from ...errors import Invalid
from ...ledger.actions import event_for, record_many
from ...ledger.models import Category, Channel, Reply, Status
from ...org.models import Role, Unit, User
from ..models import ImportMapping
from .cells import DateParser, _cell_str, _count, _filled, _point, _Reject
from .columns import _MULTI

_PHONE_IN_CELL = re.compile(r"\+?\d[\d\-]{4,19}")


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
                "address": self._str(row, "address"), "submitter": submitter,
                **_point(self._get(row, "lat"), self._get(row, "lng"), self._get(row, "point"))}
        return _Row(number, data, received_at, extra, reply, reply_at, digest)

    def prepare(self, item: _Row):
        """The row checked by every rule of intake (`prepare_voice`), its text work left to the worker."""
        from ..services import prepare_voice

        return prepare_voice(item.data, self.user, received_at=item.received_at, extra=item.extra,
                             units=self.units_by_code, defer_text=True)

    def write(self, item: _Row) -> None:
        """One row through `submit_voice` in its own transaction: the former path, kept as the import
        benchmark's baseline (`import_ledger(..., per_row=True)`)."""
        from ..services import submit_voice

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


def mark_imported_reply(case, text: str, at: dt.datetime | None, now: dt.datetime) -> Reply:
    """A reply that already happened (it is in the imported ledger): the case as it leaves it — replied at
    the reply's own time — and the reply, unsaved. A historical fact, so it does not pass the dispatcher's
    checks. Shared by `record_imported_reply` and the bulk import (intake/bulk.py)."""
    at = at or now
    case.status = Status.REPLIED
    case.replied_at = at
    if case.first_contact_at is None:
        case.first_contact_at = at
    case.updated_at = now
    return Reply(case=case, kind=Reply.Kind.REPLY, text=text, at=at, author=None, author_label="原台账答复")


def imported_reply_event(case, reply: Reply, user, before: str):
    """The `reply` event of an imported reply (unsealed); `imported` keeps it out of the citizens' SMS."""
    return event_for(case, "reply", user, before, "",
                     data={"imported": True, "replied_at": timezone.localtime(reply.at).isoformat()}, at=reply.at)


def record_imported_reply(case, text: str, at: dt.datetime | None, user) -> Reply:
    """Write an imported reply on an existing case (see `mark_imported_reply`)."""
    before = case.status
    reply = mark_imported_reply(case, text, at, clock.now())
    reply.save()
    case.save(update_fields=["status", "replied_at", "first_contact_at", "updated_at"])
    record_many([imported_reply_event(case, reply, user, before)])
    return reply
