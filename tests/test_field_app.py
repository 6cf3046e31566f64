"""The installable app for staff in the field (issue 20): the service worker served at the root with its
version and the app's files filled in, the manifest, and the menu that follows the role."""

import json


def test_the_service_worker_is_served_at_the_root_with_its_files_and_version(client):
    r = client.get("/sw.js")
    body = r.content.decode()
    assert r.status_code == 200 and r["Service-Worker-Allowed"] == "/" and "no-cache" in r["Cache-Control"]
    assert r["Content-Type"].startswith("text/javascript") and "__VERSION__" not in body
    assets = json.loads(body.split("var ASSETS = ", 1)[1].split(";", 1)[0])
    assert "/static/minqing/field.js" in assets and "/static/minqing/app.css" in assets
    assert len(body.splitlines()) < 150  # a small hand-written worker (docs/field.md)
    manifest = client.get("/manifest.webmanifest")
    data = json.loads(manifest.content)
    assert manifest["Content-Type"] == "application/manifest+json"
    assert data["start_url"] == "/visits/" and data["display"] == "standalone"
    assert {"192x192", "512x512"} <= {i["sizes"] for i in data["icons"]}
    for icon in data["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_a_grid_cadre_sees_four_tasks_and_the_rest_under_more(client, county, make_case):
    client.force_login(county["grid"])
    page = client.get("/visits/").content.decode()
    bar, more = page.split('<details class="more">', 1)
    for task in ("走访", "登记诉求", "我的工单", "通知"):
        assert f'class="task">{task}' in bar
    assert "驾驶舱" not in bar and "驾驶舱" in more and "退出" in more
    assert 'rel="manifest"' in page and "field.js" in page and 'data-queue="visit"' in page
    client.force_login(county["disp"])
    page = client.get("/cases/").content.decode()
    assert '<details class="more">' not in page and "驾驶舱" in page and "导入台账" in page  # theirs, as before
    client.logout()
    citizen = client.get("/submit/").content.decode()
    assert "field.js" not in citizen and 'rel="manifest"' not in citizen and "citizen.js" in citizen


def test_my_cases_are_the_open_ones_i_recorded(client, county):
    from minqing.intake.services import submit_voice

    mine = submit_voice({"text": "甲村路灯坏了很久。", "channel": "visit", "unit": "VA"}, county["grid"]).case
    submit_voice({"text": "乙村垃圾没人清运。", "channel": "phone", "unit": "VB"}, county["disp"])
    client.force_login(county["grid"])
    page = client.get("/cases/?box=mine").content.decode()
    assert mine.number in page and page.count("MQ-") >= 1 and "乙村垃圾" not in page
