"""The results report of a consultation, as Excel (one sheet per view) and PDF (the printed page).
Statements are citizens' own words: every row goes through `sanitize.sheet_row`, so a statement that
begins with "=" is a text cell, never a formula."""

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from .. import clock
from ..pdf import render_pdf
from ..sanitize import sheet_row
from .models import Consultation

DIRECTION = {"agree": "同意", "disagree": "反对"}


def excel(c: Consultation, r: dict) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "概况"
    rows = [("议题", c.title), ("发起单位", c.unit.name), ("参与人数", r["participants"]), ("表态数", r["votes"]),
            ("观点数", r["statements"]), ("意见分组", len(r["groups"])), ("决定与采纳情况", c.decision),
            ("导出时间", clock.now().strftime("%Y-%m-%d %H:%M"))]
    if c.attribution:
        rows.append(("数据来源", c.attribution))
    for row in rows:
        ws.append(sheet_row(ws, row))
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 16, 80

    ws = wb.create_sheet("意见分组")
    ws.append(sheet_row(ws, ["组", "人数", "占比", "代表性观点序号", "观点", "倾向", "本组比例", "其他人比例"]))
    for g in r["groups"]:
        for s in g["representative"] or [{}]:
            ws.append([g["label"], g["size"], g["share"], s.get("seq"), s.get("text"),
                       DIRECTION.get(s.get("direction"), ""), s.get("group_share"), s.get("other_share")])

    ws = wb.create_sheet("共识")
    ws.append(sheet_row(ws, ["观点序号", "观点", "倾向", *[f"{g['label']}比例" for g in r["groups"]]]))
    for s in r["consensus"]:
        ws.append(sheet_row(ws, [s["seq"], s["text"], DIRECTION.get(s["direction"], ""), *s["shares"]]))

    ws = wb.create_sheet("逐条表态")
    ws.append(sheet_row(ws, ["观点序号", "观点", "同意", "反对", "不确定",
                             *[f"{g['label']}同意比例" for g in r["groups"]]]))
    for s in r["table"]:
        ws.append(sheet_row(ws, [s["seq"], s["text"], s["agree"], s["disagree"], s["pass"],
                                 *[g["agree"] for g in s["groups"]]]))
    for sheet in wb.worksheets[1:]:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.column_dimensions["B"].width = 60
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def pdf(c: Consultation, r: dict, url: str = "") -> bytes:
    return render_pdf("minqing/consult/report.html", {"c": c, "r": r, "url": url, "now": clock.now(),
                                                      "majority": r["groups"][:1], "others": r["groups"][1:]})
