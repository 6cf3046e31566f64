"""Export: a case queryset written to .xlsx, one row per case, in the shape of a county's usual 台账 —
编号、受理日期、渠道、反映人、地点、内容、类别、责任单位、办理时限、状态、答复、评价 — so it can be handed on
as it is (and read back by the importer, which knows these headers).

The queryset is already scoped and filtered by the caller (every export starts from `cases_visible_to`);
this module only lays it out, with openpyxl in write-only mode so that a large export is streamed rather
than held in memory. The submitter is masked for every mode (name and phone, `privacy`), the content and the
reply have a protected or anonymous submitter's identifiers redacted (`privacy.public_text`) and the house
numbers of their address hidden. Every row goes through `sanitize.sheet_row`: a text that begins with "="
is written as text, never as a formula."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone

from ... import clock
from ...ledger.models import Channel, Rating, Reply, Voice
from ...privacy import ANONYMOUS_LABEL, mask_name, mask_phone, public_text, redact_address
from ...sanitize import sheet_row

EXPORT_HEADERS = ["编号", "受理日期", "渠道", "反映人", "地点", "内容", "类别", "责任单位", "办理时限", "状态", "答复",
                  "评价"]
_WIDTHS = [18, 17, 8, 20, 24, 60, 22, 18, 17, 12, 50, 10]
EXPORT_CHUNK = 2000
_ANSWERS = [Reply.Kind.REPLY, Reply.Kind.EXPLANATION]


def _submitter(voice) -> str:
    """反映人: masked whatever the mode — a ledger handed on names nobody ("张*（138****5678）")."""
    if voice is None or voice.submitter_mode == "anonymous":
        return ANONYMOUS_LABEL
    name, phone = mask_name(voice.submitter_name), mask_phone(voice.submitter_phone)
    return f"{name}（{phone}）" if name and phone else name or phone


def _place(case, voice) -> str:
    address = case.address.strip()
    if address and (voice is None or voice.submitter_mode != "named"):
        address = redact_address(address)  # a protected submitter's door number is theirs
    return f"{case.unit.name} · {address}" if address else case.unit.name


def _row(case, now, labels) -> list:
    from ...ledger.present import deadline_state, first_voice

    channels, ratings, statuses = labels
    voice = first_voice(case)
    answers = [r for r in case.replies.all() if r.kind in _ANSWERS]
    status = statuses.get(case.status, case.status) + ("（已超期）" if deadline_state(case, now) == "overdue" else "")
    return [
        case.number, _local(case.received_at), channels.get(case.channel, case.channel), _submitter(voice),
        _place(case, voice), public_text(case.text, voice),
        case.category.path if case.category_id else case.category_top or "",
        case.assigned_unit.name if case.assigned_unit_id else "", _local(case.resolve_due), status,
        public_text(answers[-1].text, voice) if answers else "", ratings.get(case.rating, "") if case.rating else "",
    ]


def _local(moment):
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def export_ledger(qs, target) -> int:
    """Write the cases of `qs` (already scoped and filtered by the caller) to an .xlsx at `target`
    (a path or a binary file-like object). Returns the number of cases written."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    from ...ledger.models import Status

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
    wrap = Alignment(wrap_text=True, vertical="top")

    def styled(value, number_format=None):
        cell = WriteOnlyCell(ws, value=value)
        if number_format:
            cell.number_format = number_format
        else:
            cell.alignment = wrap
        return cell

    labels = tuple({k: str(v) for k, v in c.choices} for c in (Channel, Rating, Status))
    # Only the first voice (whose submitter the row shows): a merged hotspot case may carry thousands.
    first_voice = Prefetch("voices", queryset=Voice.objects.order_by("received_at", "id")[:1],
                           to_attr="prefetched_voices")
    rows = (qs.select_related("unit", "assigned_unit", "category")
            .prefetch_related(first_voice, Prefetch("replies", queryset=Reply.objects.order_by("at", "id")))
            .defer("text_norm", "search_text"))
    now = clock.now()
    count = 0
    for case in rows.iterator(chunk_size=EXPORT_CHUNK):
        values = _row(case, now, labels)
        for i in (1, 8):
            values[i] = styled(values[i], "yyyy-mm-dd hh:mm")
        for i in (5, 10):
            values[i] = styled(values[i])
        ws.append(sheet_row(ws, values))
        count += 1
    wb.save(target)
    return count
