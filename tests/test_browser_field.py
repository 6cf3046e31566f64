"""The grid cadre's phone without signal, and the citizen's pages on a slow phone (issue 20, docs/field.md),
in headless Chromium against a live server:

- a grid cadre logs in, opens the visit page, goes offline, records a visit with two voices and a photo,
  reloads (the page comes from the service worker, the record is still there, 待发送), goes online and sees
  two case numbers; the first send's reply is dropped on the way back (route interception), the resend
  with the same Idempotency-Key gets the same answer: the server holds exactly two new cases and one photo;
- axe-core (tests/assets/axe.min.js, never served) finds no serious or critical WCAG 2.1 A/AA violation on
  the citizen and grid pages at 390 px; at 200 % zoom nothing spills sideways; every field has a label;
- the citizen pages' weight (HTML, CSS, JS, fonts; gzip) is printed and stays under 200 KB, and their
  time to usable on a throttled 3G profile (400 kbit/s, 400 ms) is printed (figures, not assertions).

Needs the Debian chromium at /usr/bin/chromium. Screenshots go to the folder named by MINQING_SCREENSHOTS."""

import gzip
import io
import os
from pathlib import Path

import pytest

from tests.test_browser import CHROMIUM, login
from tests.test_browser_csp import scene  # noqa: F401  (a case with a tracking code and a consultation)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium"),
]
AXE = Path(__file__).parent / "assets" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), "#8a6d3b").save(out, "JPEG")
    return out.getvalue()


def shot(page, name, at="#queue"):
    """The phone's screen with the offline queue in view (only when MINQING_SCREENSHOTS is set)."""
    folder = os.environ.get("MINQING_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.locator(at).scroll_into_view_if_needed()
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


@pytest.mark.django_db(transaction=True)
def test_a_visit_recorded_offline_is_sent_once_when_the_network_returns(live_server, county, browser, monkeypatch):
    from minqing.field.models import Visit
    from minqing.ledger.models import Attachment, Case

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    base = live_server.url
    context = browser.new_context(locale="zh-CN", viewport=PHONE, device_scale_factor=2, has_touch=True)
    page = context.new_page()
    login(page, base, "grid")
    page.goto(f"{base}/visits/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now under the worker, which keeps a copy of the page
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.wait_for_selector("[data-queue-panel]:not([hidden])")
    bar = page.locator("header nav a.task").all_inner_texts()
    assert [t.split()[0] for t in bar] == ["走访", "登记诉求", "我的工单", "通知"]
    assert page.locator("header details.more a:has-text('驾驶舱')").count() == 1
    page.locator("header details.more summary").click()  # the rest, one tap away
    shot(page, "field-menu", at="header")
    page.locator("header details.more summary").click()

    context.set_offline(True)
    form = page.locator("form[data-queue=visit]")
    form.locator("select[name=unit]").select_option("VA")
    form.locator("input[name=households]").fill("6")
    form.locator("textarea[name=voice0]").fill("王大爷家门前排水沟堵塞，下雨就积水。")
    form.locator("textarea[name=voice1]").fill("村口路灯坏了一个月，晚上看不清路。")
    form.locator("input[name=photo]").set_input_files(files=[{"name": "现场.jpg", "mimeType": "image/jpeg",
                                                              "buffer": jpeg()}])
    form.locator("button.primary").click()
    page.wait_for_selector("[data-queue-list] li.q-waiting")
    page.reload()  # no network: the page is the worker's copy, the record comes from IndexedDB
    waiting = page.wait_for_selector("[data-queue-list] li.q-waiting")
    assert "待发送" in waiting.inner_text() and "2 条诉求" in waiting.inner_text()
    shot(page, "field-offline-queue")
    assert Case.objects.count() == 0

    dropped = []

    def lose_first_reply(route):
        if not dropped:
            dropped.append(route.fetch().status)  # the server carries it out …
            route.abort("connectionreset")  # … and the phone never hears back
        else:
            route.continue_()

    page.route("**/api/visits", lose_first_reply)
    context.set_offline(False)
    page.wait_for_selector("[data-queue-list] li.q-sent", timeout=45000)
    numbers = page.locator("[data-queue-list] li.q-sent [data-testid=case-number]").all_inner_texts()
    shot(page, "field-sent")
    assert dropped == [201] and len(numbers) == 2
    assert Visit.objects.count() == 1 and Case.objects.count() == 2
    assert sorted(numbers) == sorted(Case.objects.values_list("number", flat=True))
    assert Attachment.objects.filter(case__number=numbers[0]).count() == 1
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_refused_record_stays_with_its_reason_and_logging_out_warns_first(live_server, county, browser, monkeypatch):
    from minqing.ledger.models import Case
    from minqing.org.models import Unit

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    base = live_server.url
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    login(page, base, "grid")
    page.goto(f"{base}/cases/new/")
    form = page.locator("form[data-queue=voice]")
    form.locator("select[name=unit]").select_option("VB")
    form.locator("textarea[name=text]").fill("乙村小学门口没有减速带，车开得很快。")
    form.locator("input[name=mode][value=anonymous]").check()
    Unit.objects.filter(code="VB").update(active=False)  # the village was merged away meanwhile
    form.locator("button.primary").click()
    refused = page.wait_for_selector("[data-queue-list] li.q-refused")
    assert "被拒收" in refused.inner_text() and "不存在" in refused.inner_text()
    page.reload()
    assert "不存在" in page.wait_for_selector("[data-queue-list] li.q-refused").inner_text()  # kept, with the reason
    shot(page, "field-refused")
    assert Case.objects.count() == 0

    questions = []
    page.once("dialog", lambda d: (questions.append(d.message), d.dismiss()))
    page.locator("header details.more summary").click()
    page.locator("header button:has-text('退出')").click()
    page.wait_for_timeout(300)
    assert questions and "1 条记录没有发送" in questions[0] and "/cases/new/" in page.url  # stayed
    page.once("dialog", lambda d: d.accept())
    with page.expect_navigation():
        page.locator("header button:has-text('退出')").click()
    login(page, base, "grid")
    page.goto(f"{base}/cases/new/")
    page.wait_for_selector("[data-queue-panel]:not([hidden])")
    assert page.locator("[data-queue-list] li.q-refused").count() == 0  # cleared, after the warning only
    context.close()


def citizen_pages(world) -> list[str]:
    return ["/submit/", "/track/", f"/track/{world['code']}/", "/consult/", f"/consult/{world['cid']}/",
            f"/consult/{world['cid']}/results/", "/public/C/", "/public/VA/"]


GRID_PAGES = ["/visits/", "/cases/new/", "/cases/?box=mine", "/notices/"]
KINDS = ("document", "stylesheet", "script", "font")


def weigh(context, url: str) -> dict:
    """What a first visit downloads: HTML, CSS, JS and fonts, as sent and gzip-compressed (level 6, what a
    server or proxy compresses with), and the count of requests."""
    page = context.new_page()
    bodies = []
    page.on("requestfinished", lambda r: bodies.append(r) if r.resource_type in KINDS else None)
    page.goto(url, wait_until="load")
    raw = gz = 0
    for request in bodies:
        body = request.response().body()
        raw, gz = raw + len(body), gz + len(gzip.compress(body, 6))
    page.close()
    return {"raw": raw, "gzip": gz, "requests": len(bodies)}


def on_3g(browser, url: str) -> dict:
    """Load time on a throttled 3G profile (400 kbit/s both ways, 400 ms round trip; Chromium's own
    throttling through CDP), from a cold cache: first paint of text, when the page could be used (the HTML
    parsed: the form is there and works without its scripts), when the deferred scripts had run, and when
    everything had loaded. The test server sends files uncompressed, so these are upper bounds. A figure to
    print, not to assert."""
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 400, "downloadThroughput": 50_000,
                                                  "uploadThroughput": 50_000})
    page.goto(url, wait_until="load", timeout=60000)
    nav = page.evaluate("(() => { const n = performance.getEntriesByType('navigation')[0];"
                        " const p = performance.getEntriesByName('first-contentful-paint')[0];"
                        " const shown = p ? p.startTime : n.domContentLoadedEventEnd;"
                        " return {shown: shown, usable: Math.max(shown, n.domInteractive),"
                        " scripts: n.domContentLoadedEventEnd, loaded: n.loadEventEnd}; })()")
    context.close()
    return {k: round(v / 1000, 2) for k, v in nav.items()}


def audit(page) -> list[str]:
    """axe-core's serious and critical WCAG 2.1 A/AA violations on the page, one line each."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
                          ".then(r => r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')"
                          ".map(v => v.impact + ' ' + v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')))",
                          WCAG)
    return found


def spills_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")


@pytest.mark.django_db(transaction=True)
def test_citizen_and_grid_pages_are_light_and_pass_the_accessibility_audit(live_server, scene, browser,  # noqa: F811
                                                                           monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    base = live_server.url
    problems, report = {}, []
    # the axe script is injected as an inline script: this context alone lifts the page's CSP to run it
    context = browser.new_context(locale="zh-CN", viewport=PHONE, bypass_csp=True)
    grid = browser.new_context(locale="zh-CN", viewport=PHONE, bypass_csp=True)
    login(grid.new_page(), base, "grid")
    zoomed = browser.new_context(locale="zh-CN", viewport={"width": 195, "height": 422}, device_scale_factor=4)
    zoomed_grid = browser.new_context(locale="zh-CN", viewport={"width": 195, "height": 422}, device_scale_factor=4)
    login(zoomed_grid.new_page(), base, "grid")
    for who, ctx, zctx, paths in (("citizen", context, zoomed, citizen_pages(scene)), ("grid", grid, zoomed_grid, GRID_PAGES)):
        for path in paths:
            page = ctx.new_page()
            page.goto(f"{base}{path}", wait_until="load")
            found = audit(page)
            if found:
                problems[path] = found
            page.close()
            page = zctx.new_page()  # 390 px at 200 %: the same text twice as large in half the width
            page.goto(f"{base}{path}", wait_until="load")
            if spills_sideways(page):
                problems.setdefault(path, []).append("spills sideways at 200 %")
            page.close()
            if who == "citizen":
                fresh = browser.new_context(locale="zh-CN", viewport=PHONE)
                weight = weigh(fresh, f"{base}{path}")
                fresh.close()
                report.append((path, weight, on_3g(browser, f"{base}{path}")))
    for ctx in (context, grid, zoomed, zoomed_grid):
        ctx.close()
    with_report = "\n".join(f"{p:<28} {w['gzip'] / 1024:6.1f} KB gzip {w['raw'] / 1024:7.1f} KB raw {w['requests']:3} req"
                            f"   3G: text {t['shown']:.2f} s, usable {t['usable']:.2f} s, scripts {t['scripts']:.2f} s,"
                            f" loaded {t['loaded']:.2f} s" for p, w, t in report)
    print("\ncitizen pages (HTML+CSS+JS+fonts, first visit)\n" + with_report)
    print("audit (axe-core serious/critical, 200 % zoom):", "none" if not problems else "")
    for path, found in problems.items():
        print(f"  {path}: " + "\n    ".join(found))
    heavy = {p: round(w["gzip"] / 1024, 1) for p, w, _ in report if w["gzip"] >= 200 * 1024}
    assert problems == {} and heavy == {}
