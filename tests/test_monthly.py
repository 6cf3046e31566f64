"""每月一题 and the monthly report: recurring problems rank first, a leader adopts one as a
rectification item, the report exports as Excel and PDF, and the worker writes it once a month."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from minqing import clock
from minqing.insight import monthly
from minqing.insight.models import MonthlyProblem
from minqing.ledger.models import Rectification
from minqing.org.models import Unit
from minqing.workflow.models import Notification

OCT = dt.datetime(2026, 10, 10, 10, 0, tzinfo=dt.UTC)
NOV = dt.datetime(2026, 11, 5, 10, 0, tzinfo=dt.UTC)
WATER = ["甲村自来水发黄有异味不敢喝", "甲村自来水又发黄了有异味", "甲村的自来水发黄异味很重", "甲村自来水发黄异味问题"]
BBQ = ["乙村烧烤店油烟噪音扰民到凌晨", "乙村楼下烧烤店噪音油烟太大", "乙村烧烤摊凌晨噪音扰民", "乙村烧烤店油烟直排噪音大"]


@pytest.fixture
def october(make_case):
    for i in range(5):  # the water problem also came up in the summer: it keeps coming back
        with clock.frozen_at(OCT - dt.timedelta(days=60 + 7 * i)):
            make_case("VA", f"甲村自来水发黄，第{i + 1}次反映")
    for i, (water, bbq) in enumerate(zip(WATER, BBQ, strict=True)):
        with clock.frozen_at(OCT + dt.timedelta(days=i)):
            make_case("VA", water)
            make_case("VB", bbq)


def test_month_bounds():
    assert monthly.month_bounds("2026-02") == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert monthly.month_bounds("2026-12") == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    with clock.frozen_at(NOV):
        assert monthly.month_bounds() == (dt.date(2026, 10, 1), dt.date(2026, 10, 31))


def test_recurring_problems_rank_first_and_a_leader_adopts_one(october, county):
    base = Unit.objects.get(code="C")
    with clock.frozen_at(NOV):
        found = monthly.problems(base, dt.date(2026, 10, 1), dt.date(2026, 10, 31))
        assert len(found) == 2
        first, second = found
        assert "自来水" in first.title + "".join(first.keywords) and first.earlier >= 4 and second.earlier == 0
        assert "反复出现" in first.explanation
        with pytest.raises(Exception, match="领导"):
            monthly.adopt(county["ha"], first.id, {"due": "2027-03-31"})
        with pytest.raises(Exception, match="完成时限"):
            monthly.adopt(county["leader"], first.id, {"due": "2026-01-01"})
        item = monthly.adopt(county["leader"], first.id, {"due": "2027-03-31", "plan": "更换甲村主管网"})
        assert item.leader == county["leader"] and item.unit == base
        assert Rectification.objects.count() == 1
        # recomputing keeps the adopted problem and its link
        again = monthly.compute_problems(base, dt.date(2026, 10, 1), dt.date(2026, 10, 31))
        assert any(p.rectification_id == item.id for p in again) and MonthlyProblem.objects.count() == 2


def test_report_page_and_exports(october, county, client):
    client.force_login(county["leader"])
    with clock.frozen_at(NOV):
        page = client.get("/reports/monthly/?month=2026-10").content.decode()
        assert "每月一题" in page and "2026-10" in page
        problem = MonthlyProblem.objects.order_by("rank").first()
        r = client.post("/reports/monthly/?month=2026-10", {"problem": problem.id, "due": "2027-01-31", "leader": "leader"})
        assert r.status_code == 302 and Rectification.objects.count() == 1
        xlsx = client.get("/reports/monthly.xlsx?month=2026-10")
        assert xlsx.status_code == 200
        wb = load_workbook(io.BytesIO(xlsx.content))
        assert wb["概况"]["B3"].value == 8 and wb["每月一题"].max_row == 3
        assert client.get("/reports/monthly.doc?month=2026-10").status_code == 404
        assert client.get("/reports/monthly/?month=2026-13").status_code == 400
        plain = client.get("/reports/monthly/")  # the menu's link: last month, no parameters
        assert plain.status_code == 200 and 'value="2026-10"' in plain.content.decode()
        pytest.importorskip("weasyprint")
        pdf = client.get("/reports/monthly.pdf?month=2026-10")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_worker_writes_last_months_report_once(october, county, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the shared storage (ledger/files.py), not the node's home
    written = monthly.write_last_month(NOV)
    assert sorted(p.rsplit("/", 1)[1] for p in written) == ["C-2026-10.xlsx", "T1-2026-10.xlsx"]
    assert monthly.write_last_month(NOV + dt.timedelta(hours=6)) == []
    told = Notification.objects.filter(kind="report")
    assert set(told.values_list("user__username", flat=True)) == {"leader", "t_leader"} and told.count() == 2
