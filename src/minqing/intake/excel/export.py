"""Export: a case queryset written to .xlsx, one row per case.

`export_ledger` writes a case queryset to .xlsx; what a row shows comes from `case_summary`, the
one place masking is applied. The queryset is already scoped and filtered by the caller (every
export starts from `cases_visible_to`); this module only lays it out, with openpyxl in write-only
mode so that a large export is streamed rather than held in memory. Every row goes through
`sanitize.sheet_row`: a title that begins with "=" is written as text, never as a formula."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.utils import timezone

from ... import clock
from ...ledger.models import Channel, Rating, Urgency, Voice
from ...sanitize import sheet_row

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

    from ...ledger.present import DEADLINE_LABELS, case_summary

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
    ws.append(sheet_row(ws, header))

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
        ws.append(sheet_row(ws, [
            s["number"], s["title"], s["status_label"], channels.get(s["channel"], s["channel"]), s["category"] or "",
            s["unit_name"], s["assigned_unit_name"] or "", urgencies.get(s["urgency"], s["urgency"]),
            dated(_excel_time(s["received_at"])), dated(_excel_time(s["resolve_due"])),
            str(DEADLINE_LABELS.get(s["deadline_state"], s["deadline_state"])), person.get("name", ""),
            person.get("phone", ""), s["endorsements"], ratings.get(s["rating"], "") if s["rating"] else "",
        ]))
        count += 1
    wb.save(target)
    return count
