"""Maps in a real browser (issue 18), headless Chromium against a live server:

- the staff map draws the scope's open cases as clustered points, with no Content-Security-Policy
  violation, and never shows a case of another township;
- the public board's map shows its cases at the rounded points the page carries;
- a citizen sets the point of a voice by a click on the map, a cadre by "use my location".

Needs the Debian chromium at /usr/bin/chromium. Screenshots go to the folder named by MINQING_SCREENSHOTS."""

import pytest

from tests.test_browser import CHROMIUM, login
from tests.test_browser_csp import WATCH, Watch, shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium"),
]


@pytest.fixture
def placed(county):
    """Units with centres, and cases with points: five in 甲村 (VA), one in 丙村 of the other township."""
    from minqing.org.models import Unit
    from minqing.org.services import add_unit

    add_unit("T2", "二镇", "township", "C")
    add_unit("VC", "丙村", "village", "T2")
    centres = {"C": (28.20, 112.97), "T1": (28.20, 112.97), "VA": (28.205, 112.975), "VB": (28.19, 112.96),
               "T2": (28.25, 113.02), "VC": (28.255, 113.025)}
    for code, (lat, lng) in centres.items():
        Unit.objects.filter(code=code).update(lat=lat, lng=lng)
    return centres


def _case(make_case, unit, text, lat, lng, **kw):
    case = make_case(unit=unit, text=text, **kw)
    case.lat, case.lng = lat, lng
    case.save(update_fields=["lat", "lng"])
    return case


@pytest.mark.django_db(transaction=True)
def test_staff_map_clusters_the_scope_and_the_public_map_shows_rounded_points(live_server, county, make_case, placed,
                                                                               browser, monkeypatch):
    from playwright.sync_api import expect

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    mine = [_case(make_case, "VA", f"甲村第{i}组路灯坏了，晚上看不清路。", 28.20512 + i * 0.00004, 112.97537 + i * 0.00003)
            for i in range(5)]
    other = _case(make_case, "VC", "丙村水渠堵塞，农田灌溉困难。", 28.255, 113.025)
    base = live_server.url
    staff = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
    staff.add_init_script(WATCH)
    try:
        page = staff.new_page()
        watch = Watch(page)
        login(page, base, "t_disp")  # 一镇's dispatcher: 甲村 and 乙村, not 丙村
        page.goto(f"{base}/map/")
        page.wait_for_selector("#map[data-ready='1']", state="attached", timeout=60_000)
        figures = page.evaluate("window.__map")
        assert figures["points"] == 5, figures
        expect(page.locator("#map-summary")).to_contain_text("共 5 件")
        # clustered: the five points of 甲村, metres apart, are one cluster marked 5
        expect(page.locator(".marker-cluster").first).to_contain_text("5")
        assert other.number not in page.content()
        layer = page.evaluate("fetch('/map/cases.json').then(r => r.json())")
        assert sorted(f["properties"]["number"] for f in layer["features"]) == sorted(c.number for c in mine)
        page.locator(".marker-cluster").first.click()  # zoom in: the cluster opens
        page.wait_for_timeout(600)
        shot(page, "map-staff")
        assert watch.violations() == []
    finally:
        staff.close()

    public = browser.new_context(locale="zh-CN", viewport={"width": 1100, "height": 900})
    public.add_init_script(WATCH)
    try:
        page = public.new_page()
        watch = Watch(page)
        page.goto(f"{base}/public/T1/")
        page.wait_for_selector("[data-map=public][data-ready='1']", state="attached", timeout=60_000)
        points = page.evaluate("JSON.parse(document.getElementById('map-config').textContent).points")
        assert len(points) == 5 and all(round(p["lat"], 3) == p["lat"] and round(p["lng"], 3) == p["lng"] for p in points)
        assert not any(str(c.lat) in page.content() for c in mine)  # the exact points never reach the public
        expect(page.locator(".marker-cluster, .leaflet-overlay-pane canvas").first).to_be_visible()
        shot(page, "map-public")
        assert watch.violations() == []
    finally:
        public.close()
        from django.db import connections

        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_a_click_on_the_map_or_the_phones_location_sets_the_voices_point(live_server, county, placed, browser,
                                                                          monkeypatch):
    from playwright.sync_api import expect

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from minqing.ledger.models import Case

    base = live_server.url
    citizen = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    citizen.add_init_script(WATCH)
    cadre = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900},
                                geolocation={"latitude": 28.2061, "longitude": 112.9764}, permissions=["geolocation"])
    try:
        page = citizen.new_page()
        watch = Watch(page)
        page.goto(f"{base}/submit/")
        page.select_option("select[name=unit]", value="VA")  # the picker's map moves to 甲村
        page.fill("textarea[name=text]", "甲村桥头护栏断了，孩子上学经过很危险。")
        box = page.locator("[data-point-map]")
        box.scroll_into_view_if_needed()
        page.wait_for_timeout(400)
        box.click(position={"x": 120, "y": 80})
        expect(page.locator("[data-point-out]")).to_contain_text("已在地图上选定")
        lat, lng = float(page.input_value("input[name=lat]")), float(page.input_value("input[name=lng]"))
        assert abs(lat - 28.205) < 0.02 and abs(lng - 112.975) < 0.02
        page.check("input[name=mode][value=anonymous]")
        with page.expect_navigation():
            page.click("form button.primary")
        case = Case.objects.get(text__startswith="甲村桥头护栏")
        assert (round(case.lat, 6), round(case.lng, 6)) == (round(lat, 6), round(lng, 6))
        assert watch.violations() == []

        desk = cadre.new_page()
        login(desk, base, "grid")
        desk.goto(f"{base}/cases/new/")
        desk.select_option("select[name=unit]", value="VA")
        desk.fill("textarea[name=text]", "甲村小学门口早上车辆拥堵，存在安全隐患。")
        locate = desk.locator("[data-point-locate]:visible, [data-locate]:visible").first
        locate.click()
        expect(desk.locator("input[name=lat]")).to_have_value("28.206100")
        assert desk.input_value("input[name=lng]") == "112.976400"
    finally:
        citizen.close()
        cadre.close()
        from django.db import connections

        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_hotspot_labels_take_a_free_side_of_their_circle_or_hide(live_server, county, make_case, placed, browser,
                                                                  monkeypatch):
    """Five hotspots on one spot and one apart: hottest first, each label takes the first side of its circle
    (above, below, right, left) where it covers no hotter label and no town's name; the fifth finds none and
    is hidden at this zoom (it shows on hover); the label apart stands above its circle."""
    from minqing.web.views import maps

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    _case(make_case, "VA", "甲村路灯坏了，晚上看不清路。", 28.205, 112.975)
    titles = ["甲村路灯不亮", "甲村路面破损", "甲村垃圾成堆", "甲村噪音扰民", "甲村积水"]
    near = [{"title": t, "heat": 9 - i, "voices": 12, "cases": 4, "lat": 28.2050, "lng": 112.9750, "radius": 120}
            for i, t in enumerate(titles)]
    near.append({"title": "乙村垃圾清运", "heat": 4, "voices": 5, "cases": 2, "lat": 28.1900, "lng": 112.9600, "radius": 100})
    monkeypatch.setattr(maps, "hotspot_layer", lambda user, unit="": near)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1100, "height": 800})
    try:
        page = context.new_page()
        login(page, live_server.url, "t_disp")
        page.goto(f"{live_server.url}/map/?hotspots=1")
        page.wait_for_selector("#map[data-ready='1']", state="attached", timeout=60_000)
        page.wait_for_timeout(500)
        labels = page.evaluate("""Array.from(document.querySelectorAll('.hotspot-label')).map(e => {
            const r = e.getBoundingClientRect();
            return [e.textContent.split(' · ')[0], e.style.visibility !== 'hidden', [r.left, r.top, r.right, r.bottom]]; })""")
        towns = page.evaluate("""Array.from(document.querySelectorAll('.unit-label.township, .unit-label.county'))
            .map(e => e.getBoundingClientRect()).filter(r => r.width > 0).map(r => [r.left, r.top, r.right, r.bottom])""")
        shown = {title: visible for title, visible, _box in labels}
        assert shown == {**dict.fromkeys(titles[:4], True), "甲村积水": False, "乙村垃圾清运": True}, shown
        boxes = [box for _t, visible, box in labels if visible]

        def overlap(a, b):
            return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

        assert not any(overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
        assert not any(overlap(a, town) for a in boxes for town in towns)
        shot(page, "map-hotspot-labels")
    finally:
        context.close()
        from django.db import connections

        connections.close_all()
