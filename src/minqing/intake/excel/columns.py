"""Column mapping: which column of a ledger holds which field of a voice.

Headers are recognised automatically — the TipDM "mayor's mailbox" files and the common headers of
township and county ledgers, compared after removing whitespace and a bracketed suffix — or through a
saved `ImportMapping` {Excel header: field} for an office whose headers are its own. Both end in the
same {field: [column indexes]} that the row parser reads."""

from __future__ import annotations

import re

from ...errors import Invalid
from ..models import ImportMapping
from .cells import _cell_str

# Field names a mapping may use, with their Chinese labels (for messages and the API docs).
FIELDS = {
    "title": "标题", "text": "诉求内容", "received_at": "时间", "external_id": "编号",
    "submitter_ref": "用户编号", "name": "姓名", "phone": "电话", "address": "地址", "unit": "单位",
    "category": "分类", "channel": "渠道/来源", "reply": "答复意见", "reply_at": "答复时间",
    "endorsements": "点赞数", "objections": "反对数", "lat": "纬度", "lng": "经度", "point": "经纬度",
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
    "lat": ("纬度", "lat", "latitude", "y坐标"),
    "lng": ("经度", "lng", "lon", "long", "longitude", "x坐标"),
    "point": ("经纬度", "坐标", "位置坐标", "gps"),
}
_AUTO = {alias: name for name, aliases in AUTO_HEADERS.items() for alias in aliases}
_MULTI = {"unit"}  # fields that may come from several columns (township + village)
_BRACKETED = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]$")
_SPACE = re.compile(r"\s+")


def _header(value) -> str:
    text = _SPACE.sub("", _cell_str(value)).rstrip("*＊:：")
    return text


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
            name = wanted.get(_BRACKETED.sub("", key)) or wanted.get(_BRACKETED.sub("", key).lower())
        if name is None:
            continue
        if name in _MULTI or name not in cols:
            cols.setdefault(name, []).append(index)
    return cols
