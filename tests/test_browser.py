"""The main journey in headless Chromium against a live server:

citizen submits (protected name and phone) → tracking code → county dispatcher finds the case in the
inbox and dispatches it to 甲村 → the village handler replies → the citizen reads the reply with the
tracking code and rates it 满意.

Needs the Debian chromium at /usr/bin/chromium (never downloads a browser). Screenshots go to the
folder named by MINQING_SCREENSHOTS when it is set."""

import os
import re
from pathlib import Path

import pytest

from tests.conftest import PW

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium"),
]

NAME, PHONE = "赵秀英", "13712345678"
TITLE = "甲村东头排水沟堵塞"
TEXT = "甲村东头的排水沟堵塞一个多月了，下雨就积水，老人孩子出门都不方便，请尽快疏通。"
REPLY = "已组织村民疏通排水沟，并加装了盖板，今后每月巡查一次。"


class Shots:
    """Numbered full-page screenshots, only when MINQING_SCREENSHOTS is set."""

    def __init__(self):
        folder = os.environ.get("MINQING_SCREENSHOTS")
        self.folder = Path(folder) if folder else None
        self.n = 0
        if self.folder:
            self.folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, page, name: str) -> None:
        if self.folder:
            self.n += 1
            page.screenshot(path=str(self.folder / f"journey-{self.n:02d}-{name}.png"), full_page=True)


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PW)
    with page.expect_navigation():
        page.click("form button.primary")
    assert "/login/" not in page.url, f"login as {username} failed"


def logout(page) -> None:
    with page.expect_navigation():
        page.click("header button:has-text('退出')")
    assert page.url.endswith("/login/")


def open_action(page, action: str):
    """The form of a lifecycle action on the case page; its <details> opened first."""
    form = page.locator(f"form[data-action={action}]")
    details = page.locator("details", has=form)
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    form.wait_for(state="visible")
    return form


def status_badge(page) -> str:
    return page.locator("main .badge[class*=' s-']").first.inner_text().strip()


@pytest.mark.django_db(transaction=True)
def test_citizen_to_dispatcher_to_handler_and_back(live_server, county, browser, monkeypatch):
    from playwright.sync_api import expect

    # Playwright's sync API runs an event loop in this thread; the ORM checks below are plain sync code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from minqing.ledger.models import Case, Voice

    base = live_server.url
    shot = Shots()
    citizen = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    staff = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    try:
        # ---- the citizen writes in, no login
        page = citizen.new_page()
        page.goto(f"{base}/submit/")
        expect(page.locator("h1")).to_have_text("我要反映")
        page.select_option("select[name=unit]", label="甲村")
        page.fill("input[name=title]", TITLE)
        page.fill("textarea[name=text]", TEXT)
        page.check("input[name=mode][value=protected]")
        page.fill("input[name=name]", NAME)
        page.fill("input[name=phone]", PHONE)
        shot(page, "citizen-form")
        with page.expect_navigation():
            page.click("form button.primary")
        code_box = page.locator("[data-testid=tracking-code]")
        expect(code_box).to_be_visible()
        code = code_box.inner_text().strip()
        assert re.fullmatch(r"[A-Z0-9]{10}", code), code
        assert page.url == f"{base}/track/{code}/"
        expect(page.locator("main .badge").first).to_have_text("已受理")
        shot(page, "citizen-code")
        case = Case.objects.get(voices__tracking_code=code)
        assert case.status == "accepted" and case.unit.code == "VA" and case.channel == "web"
        assert Voice.objects.get(tracking_code=code).submitter_mode == "protected"

        # ---- the county dispatcher finds it in the inbox and dispatches it to 甲村
        desk = staff.new_page()
        login(desk, base, "disp")
        desk.goto(f"{base}/cases/?box=inbox")
        row = desk.locator("table.cases tbody tr", has_text=TITLE)
        expect(row).to_have_count(1)
        expect(row.locator(".badge").first).to_have_text("已受理")
        listing = desk.content()
        assert NAME not in listing and PHONE not in listing, "protected identity leaked into the list"
        assert "赵**" in listing and "137****5678" in listing
        shot(desk, "dispatcher-inbox")
        with desk.expect_navigation():
            row.locator(f"a:has-text('{TITLE}')").click()
        assert desk.url == f"{base}/cases/{case.number}/"
        assert status_badge(desk) == "已受理"
        form = open_action(desk, "dispatch")
        form.locator("select[name=unit]").select_option("VA")
        form.locator("textarea[name=note]").fill("请甲村两日内疏通")
        shot(desk, "dispatcher-case")
        with desk.expect_navigation():
            form.locator("button.primary").click()
        expect(desk.locator(".messages")).to_contain_text("已派单")
        assert status_badge(desk) == "已派单"
        case.refresh_from_db()
        assert case.status == "dispatched" and case.assigned_unit.code == "VA"
        # dispatched cases leave the dispatcher's inbox
        desk.goto(f"{base}/cases/?box=inbox")
        expect(desk.locator("table.cases tbody tr", has_text=TITLE)).to_have_count(0)
        logout(desk)

        # ---- the village handler replies
        login(desk, base, "ha")
        desk.goto(f"{base}/cases/?box=inbox")
        row = desk.locator("table.cases tbody tr", has_text=TITLE)
        expect(row).to_have_count(1)
        shot(desk, "handler-inbox")
        with desk.expect_navigation():
            row.locator("td a").first.click()
        assert status_badge(desk) == "已派单"
        expect(desk.locator("form[data-action=dispatch]")).to_have_count(0)
        form = open_action(desk, "reply")
        form.locator("textarea[name=text]").fill(REPLY)
        with desk.expect_navigation():
            form.locator("button.primary").click()
        expect(desk.locator(".messages")).to_contain_text("已答复")
        assert status_badge(desk) == "已答复"
        expect(desk.locator("article.reply")).to_contain_text(REPLY)
        shot(desk, "handler-replied")
        case.refresh_from_db()
        assert case.status == "replied"
        logout(desk)

        # ---- the citizen reads the reply and rates it
        page.goto(f"{base}/track/{code}/")
        expect(page.locator("article.reply")).to_contain_text(REPLY)
        expect(page.locator("main .badge").first).to_have_text("已答复")
        assert NAME not in page.content() and "ha" not in page.locator("article.reply").inner_text()
        shot(page, "citizen-reply")
        page.get_by_label("满意", exact=True).check()
        page.fill("textarea[name=comment]", "谢谢村里，处理得很快。")
        with page.expect_navigation():
            page.click("form.rating button.primary")
        expect(page.locator("[data-testid=rating]")).to_have_text("满意")
        expect(page.locator("form.rating")).to_have_count(0)
        shot(page, "citizen-rated")
        case.refresh_from_db()
        assert case.status == "followed_up" and case.rating == "satisfied"
        assert [e.action for e in case.events.order_by("at", "id")] == ["accept", "dispatch", "reply", "rate"]
    finally:
        citizen.close()
        staff.close()
        # The ORM calls above ran while Playwright's event loop was set in this thread; their connection
        # otherwise stays open and PostgreSQL refuses to drop the test database at the end of the run.
        from django.db import connections

        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_a_table_on_a_phone_labels_every_figure(live_server, county, browser, monkeypatch):
    """On a phone a table of cases, votes or rates is drawn as cards with its header hidden: each cell
    carries its column's name (app.js), so a row of the vote table reads 同意：28 反对：8, not 28 8."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from minqing.consult import services

    c = services.create(county["disp"], {"title": "村道硬化方案", "text": "请大家提意见。", "unit": "T1",
                                         "statements": ["应该先修主干道", "施工期间要保证通行"]})
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}/consult/{c.id}/results/")
    row = page.locator("table.cases tbody tr").first
    labels = row.locator("td").evaluate_all("cells => cells.map(td => td.getAttribute('data-label'))")
    assert labels[:5] == [None, None, "同意", "反对", "不确定"]  # "#" and the statement itself need none
    assert page.locator("table.cases thead").is_hidden()
