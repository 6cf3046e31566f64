"""The monthly report of an area (月度民情分析报告) and its 每月一题: the month's top recurring problems.

每月一题. The month's hotspots (clusters of similar voices at one place, docs/hotspots.md) are ranked by

    score = heat × (1 + log2(1 + earlier))

where `earlier` counts the cases of the six months before, at the hotspot's villages, found by one of its
three leading keywords (full-text search) and close in text to the hotspot's cases (TF-IDF cosine ≥ 0.3
to their centre): a problem that keeps coming back month after month needs a cure
at the root (治本), not one more answer. The top five are stored (`MonthlyProblem`), so a leader can
adopt one as a rectification item (整改项) with a responsible leader and a deadline.

The report (page, PDF, Excel) holds the month's figures (the same as the dashboard's, insight/dashboard.py),
the warnings raised in the month, and the 每月一题. The worker writes last month's report for the county
and each township on the first day of a month (`reports/<unit>-<month>.xlsx|pdf` in the storage every node
shares: ledger/files.py) and tells the leaders."""

import datetime as dt
import io
import math

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .. import clock
from ..errors import Forbidden, Invalid, NotFound
from ..intake.services import clean_text
from ..ledger import files
from ..ledger.models import Case, Rectification
from ..ledger.search import matching
from ..org.models import Level, Role, Unit, User
from ..org.scope import in_subtree
from .dashboard import figures
from .models import MonthlyProblem, Warning
from .service import hotspots_of, in_area

REPORTS = "reports"  # the monthly files' folder in the shared storage

TOP = 5
LOOKBACK_MONTHS = 6
SAME = 0.3


def month_bounds(month: str = "") -> tuple[dt.date, dt.date]:
    """'2026-10' → (2026-10-01, 2026-10-31); empty: last month."""
    if not month:
        first = timezone.localdate(clock.now()).replace(day=1)
        return month_bounds((first - dt.timedelta(days=1)).strftime("%Y-%m"))
    try:
        start = dt.date.fromisoformat(f"{month}-01")
    except ValueError:
        raise Invalid("月份格式应为 YYYY-MM", field="month") from None
    end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return start, end


def _moment(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def area_cases(base: Unit | None, lo: dt.datetime, hi: dt.datetime):
    qs = Case.objects.filter(received_at__gte=lo, received_at__lt=hi).exclude(close_reason__in=["spam", "withdrawn"])
    return qs.filter(in_area(base)) if base else qs


@transaction.atomic
def compute_problems(base: Unit, start: dt.date, end: dt.date) -> list[MonthlyProblem]:
    lo, hi = _moment(start), _moment(end + dt.timedelta(days=1))
    spots = hotspots_of(area_cases(base, lo, hi), hi, limit=30)
    before = area_cases(base, _moment(start - dt.timedelta(days=30 * LOOKBACK_MONTHS)), lo)
    ranked = []
    for h in spots:
        earlier = _earlier(before, h)
        ranked.append((h["heat"] * (1 + math.log2(1 + earlier)), earlier, h))
    ranked.sort(key=lambda r: -r[0])
    kept = []
    for rank, (score, earlier, h) in enumerate(ranked[:TOP], start=1):
        again = f"，此前{LOOKBACK_MONTHS}个月同类诉求{earlier}件，反复出现" if earlier else "，此前未见同类诉求"
        p, _ = MonthlyProblem.objects.update_or_create(
            unit=base, month=start, key=h["cases"][0],
            defaults={"rank": rank, "title": h["title"], "keywords": h["keywords"], "cases": h["cases"],
                      "voices": h["voices"], "earlier": earlier, "score": round(score, 2), "computed_at": clock.now(),
                      "explanation": f"本月{h['voices']}条诉求、{h['people']}人反映（热度{h['heat']}）{again}。"})
        kept.append(p.id)
    # earlier computations' problems that fell out of the top: kept only if adopted
    MonthlyProblem.objects.filter(unit=base, month=start, rectification__isnull=True).exclude(id__in=kept).delete()
    return list(MonthlyProblem.objects.filter(unit=base, month=start).select_related("rectification"))


def _earlier(before, hotspot: dict, limit: int = 2000) -> int:
    """Earlier cases at the hotspot's villages that say the same thing: found by any of its three leading
    keywords, kept when their text is close (cosine ≥ SAME) to the hotspot's own cases on average."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    own = list(Case.objects.filter(number__in=hotspot["cases"][:200]).values_list("search_text", "place_path"))
    villages = {path[:18] for _, path in own}
    near = Q()
    for v in villages:
        near |= in_subtree("place_path", v)
    pool = before.filter(near)
    texts: dict[int, str] = {}
    for word in hotspot["keywords"][:3]:
        texts.update(matching(pool, word).values_list("id", "search_text")[:limit])
    if not texts:
        return 0
    vec = TfidfVectorizer(token_pattern=r"\S+", sublinear_tf=True).fit([t for t, _ in own] + list(texts.values()))
    centre = normalize(np.asarray(normalize(vec.transform([t for t, _ in own])).mean(axis=0)))
    sims = normalize(vec.transform(list(texts.values()))) @ centre.T
    return int((np.asarray(sims).ravel() >= SAME).sum())


def problems(base: Unit, start: dt.date, end: dt.date, refresh: bool = False) -> list[MonthlyProblem]:
    stored = list(MonthlyProblem.objects.filter(unit=base, month=start).select_related("rectification"))
    return stored if stored and not refresh else compute_problems(base, start, end)


def adopt(user, problem_id: int, data: dict) -> Rectification:
    """A leader makes one of the month's problems a rectification item (整改项)."""
    problem = MonthlyProblem.objects.select_related("unit").filter(pk=problem_id).first()
    if problem is None:
        raise NotFound("每月一题不存在")
    if user.role not in (Role.LEADER, Role.ADMIN) or (user.unit_id and not problem.unit.path.startswith(user.unit.path)):
        raise Forbidden("只有本级或上级领导可以把每月一题立为整改项")
    if problem.rectification_id:
        raise Invalid("该问题已立为整改项", code="adopted")
    title = clean_text(data.get("title") or problem.title, "整改事项", "title", required=True, limit=200)
    leader = User.objects.filter(username=data.get("leader") or user.username, role=Role.LEADER, is_active=True).first()
    if leader is None:
        raise Invalid("请指定责任领导（领导账号）", field="leader")
    try:
        due = dt.date.fromisoformat(str(data.get("due") or ""))
    except ValueError:
        raise Invalid("完成时限格式应为 YYYY-MM-DD", field="due") from None
    if due <= timezone.localdate(clock.now()):
        raise Invalid("完成时限应晚于今天", field="due")
    item = Rectification.objects.create(title=title, unit=problem.unit, leader=leader, due=due, created_at=clock.now(),
                                        plan=clean_text(data.get("plan"), "整改措施与时间表", "plan", required=False))
    problem.rectification = item
    problem.save(update_fields=["rectification"])
    return item


def report(user, base: Unit | None, month: str = "") -> dict:
    start, end = month_bounds(month)
    lo, hi = _moment(start), _moment(end + dt.timedelta(days=1))
    warned = Warning.objects.filter(raised_at__gte=lo, raised_at__lt=hi)
    if base is not None:
        warned = warned.filter(in_subtree("unit_path", base.path))
    return {"month": start.strftime("%Y-%m"), "start": start, "end": end, "unit": base,
            "figures": figures(user, base, start, end),
            "warnings": list(warned.select_related("unit")[:50]),
            "problems": problems(base, start, end) if base is not None else []}


def pdf(data: dict) -> bytes:
    from ..pdf import render_pdf

    return render_pdf("minqing/insight/monthly_report.html", {"r": data, "f": data["figures"], "now": clock.now()})


def excel(data: dict) -> bytes:
    """The report as .xlsx; every row through `sanitize.sheet_row` (a title beginning with "=" stays text)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from ..sanitize import sheet_row

    f = data["figures"]
    wb = Workbook()
    ws = wb.active
    ws.title = "概况"
    rates = f["rates"]
    for row in [("单位", f["unit_name"]), ("月份", data["month"]), ("收到诉求", f["totals"]["total"]["value"]),
                ("在办", f["totals"]["open"]["value"]), ("超期", f["totals"]["overdue"]["value"]),
                ("办结", f["totals"]["closed"]["value"]), ("响应率", rates.get("response_rate")),
                ("解决率", rates.get("resolution_rate")), ("满意率", rates.get("satisfaction_rate")),
                ("按时办结率", rates.get("on_time_rate")), ("答复合格率", rates.get("reply_pass_rate")),
                ("答复质量中位分", rates.get("reply_median_score")), ("已评分答复", rates.get("replies_scored")),
                ("评分预测不满意 AUC", rates.get("reply_unsatisfied_auc"))]:
        ws.append(sheet_row(ws, row))
    sheets = [("下级单位", ["单位", "件数", "在办", "超期"], [(r["name"], r["value"], r["open"], r["overdue"]) for r in f["by_place"]]),
              ("类别", ["类别", "件数"], [(r["name"], r["value"]) for r in f["by_category"]]),
              ("渠道", ["渠道", "件数"], [(r["name"], r["value"]) for r in f["by_channel"]]),
              ("每日", ["日期", "件数"], [(r["day"], r["value"]) for r in f["by_day"]]),
              ("每月一题", ["名次", "问题", "本月诉求", "此前6个月同类", "说明", "整改项", "工单"],
               [(p.rank, p.title, p.voices, p.earlier, p.explanation, p.rectification.title if p.rectification else "",
                 " ".join(p.cases[:30])) for p in data["problems"]]),
              ("预警", ["时间", "类型", "地点", "预警", "状态"],
               [(w.raised_at.strftime("%Y-%m-%d %H:%M"), w.get_kind_display(), w.unit.name, w.title, w.get_status_display())
                for w in data["warnings"]])]
    for title, head, rows in sheets:
        sheet = wb.create_sheet(title)
        sheet.append(sheet_row(sheet, head))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(sheet_row(sheet, row))
        sheet.column_dimensions["B"].width = 40
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_last_month(now: dt.datetime | None = None) -> list[str]:
    """The worker's monthly job: last month's report for the county and each township, as files, and a
    notice to their leaders. Idempotent: a report already written is not written again, and a worker killed
    in the middle leaves no half file behind (each appears whole or not at all, ledger/files.py; the
    Excel file, written last, says the report is done) and no leader untold (the notice is keyed, and sent on every run)."""
    from ..workflow.notify import LEADERS, notify_unit_staff

    now = now or clock.now()
    with clock.frozen_at(now):
        start, _ = month_bounds()
    written = []
    for unit in Unit.objects.filter(level__in=[Level.COUNTY, Level.TOWNSHIP], active=True):
        name = f"{REPORTS}/{unit.code}-{start:%Y-%m}.xlsx"
        if not files.exists(name):
            with clock.frozen_at(now):
                data = report(None, unit, start.strftime("%Y-%m"))
            try:
                files.write_whole(name[:-len(".xlsx")] + ".pdf", pdf(data))
            except Exception:  # no Pango here: the Excel file is the report
                pass
            written.append(files.write_whole(name, excel(data)))
        notify_unit_staff(unit, LEADERS, "report", f"【月报】{unit.name}{start:%Y年%m月}民情分析报告已生成，"
                          f"请在“月报”页查看（/reports/monthly/?unit={unit.code}&month={start:%Y-%m}）。",
                          f"report:{unit.id}:{start:%Y-%m}")
    return written


