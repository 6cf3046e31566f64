"""The Content-Security-Policy as the browser sees it (docs/security.md): the main pages, a citizen's and
a dispatcher's, load in headless Chromium with no CSP violation in the console — no inline script, no
inline style, Swagger UI at /api/docs included — and the charts still draw (a canvas with pixels),
their tooltips too.

Needs the Debian chromium at /usr/bin/chromium. Screenshots go to the folder named by
MINQING_SCREENSHOTS when it is set."""

import os
from pathlib import Path

import pytest

from tests.conftest import PW
from tests.test_browser import ARGS, CHROMIUM
from tests.test_consult import planted_votes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium"),
]

# securitypolicyviolation events, gathered from the first script on (Playwright's init scripts are not
# subject to the page's CSP)
WATCH = """window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || "") + ":" + e.lineNumber);
});"""


class Watch:
    """Console messages about the policy and the violation events of one page."""

    def __init__(self, page):
        self.page = page
        self.console = []
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}")
                if "Content Security Policy" in m.text or "Content-Security-Policy" in m.text else None)
        page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))

    def violations(self) -> list[str]:
        events = self.page.evaluate("window.__csp || []")
        return self.console + events


def shot(page, name):
    folder = os.environ.get("MINQING_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"csp-{name}.png"), full_page=True)


def chart_drawn(page, selector: str) -> bool:
    """ECharts drew into the element: a canvas of real size with some non-blank pixels."""
    return page.evaluate("""(sel) => {
      const c = document.querySelector(sel + " canvas");
      if (!c || c.width < 50 || c.height < 50) return false;
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) return true;
      return false;
    }""", selector)


def hover_chart(page, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    for fx in (0.3, 0.5, 0.7):
        page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * 0.6)
        page.wait_for_timeout(150)


def try_it_out(page):
    """Swagger UI works, not only draws: open GET /api/units, try it out, and read the answer."""
    block = page.locator("#operations-org-minqing_api_org_units")
    block.locator(".opblock-summary").click()
    block.locator("button.try-out__btn").click()
    block.locator("button.execute").click()
    page.wait_for_selector("#operations-org-minqing_api_org_units .responses-table .response-col_status", timeout=15000)
    assert "测试县" in block.locator(".live-responses-table").inner_text()
    shot(page, "api-docs")


@pytest.fixture
def scene(county, make_case, api):
    """A case with a tracking code, and a consultation with two camps of votes (the opinion map)."""
    from minqing.ledger.models import Voice

    case = make_case(text="甲村村口路灯坏了一个月，晚上看不清路，请尽快修好。")
    for unit, text in (("VB", "乙村垃圾没人清运，臭味很大。"), ("VA", "甲村排水沟堵塞，下雨就积水。")):
        make_case(unit=unit, text=text)
    code = Voice.objects.filter(case=case).first().tracking_code
    staff = api("disp")
    status, body = staff("POST", "/api/consultations", {
        "title": "村道硬化方案", "text": "拟对甲村主干道进行硬化，请大家提意见。", "unit": "T1",
        "statements": ["应该先修主干道", "费用应由财政全额承担", "施工期间要保证通行", "可以适当向村民筹资"]})
    assert status == 201
    cid = body["id"]
    sids = [s["id"] for s in staff("GET", f"/api/consultations/{cid}")[1]["statements"]]
    assert staff("POST", f"/api/consultations/{cid}/votes", {"votes": planted_votes(sids)})[0] == 200
    return {"number": case.number, "code": code, "cid": cid}


@pytest.mark.django_db(transaction=True)
def test_main_pages_load_with_no_csp_violation_and_charts_draw(live_server, scene, monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    base = live_server.url
    problems = {}

    def visit(context, path, ready=None, charts=(), name=None, then=None):
        page = context.new_page()
        watch = Watch(page)
        response = page.goto(f"{base}{path}")
        assert response.status == 200, (path, response.status)
        assert "script-src 'self'" in response.headers.get("content-security-policy", ""), path
        page.wait_for_load_state("networkidle")
        if ready:
            page.wait_for_selector(ready, timeout=15000)
        for selector in charts:
            assert chart_drawn(page, selector), f"{path}: no chart drawn in {selector}"
            hover_chart(page, selector)  # tooltips are HTML: no inline style attribute may be refused
        if then:
            then(page)
        if name:
            shot(page, name)
        found = watch.violations()
        if found:
            problems[path] = found
        page.close()

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            citizen = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
            citizen.add_init_script(WATCH)
            visit(citizen, "/submit/", ready="form button.primary", name="submit")
            visit(citizen, "/")
            visit(citizen, f"/track/{scene['code']}/", ready="[data-testid=tracking-code], main .badge")
            visit(citizen, f"/consult/{scene['cid']}/results/", charts=["#opinion-map"], name="consult-results")
            visit(citizen, "/api/docs", ready=".swagger-ui .info .title", then=try_it_out)

            staff = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
            staff.add_init_script(WATCH)
            login = staff.new_page()
            login.goto(f"{base}/login/")
            login.fill("input[name=username]", "disp")
            login.fill("input[name=password]", PW)
            with login.expect_navigation():
                login.click("form button.primary")
            assert "/login/" not in login.url
            login.close()
            visit(staff, "/cases/")
            visit(staff, f"/cases/{scene['number']}/")
            visit(staff, "/dashboard/", charts=["#by-day", "#by-place", "#by-category", "#by-channel"], name="dashboard")
            visit(staff, "/stats/", charts=["#trend", "#ranking"], name="stats")  # the last tooltip shows
        finally:
            browser.close()
    assert problems == {}
