"""Points and maps (issue 18): a point from every intake door, units' centres, the staff map's GeoJSON
(scoped, filtered like the case list), the public board's rounded points, and distance in duplicates
and hotspots. The browser side is tests/test_browser_map.py."""

import datetime as dt
import gzip
import json

import pytest
from django.core.cache import caches
from django.test import override_settings

from minqing.insight.maps import encoded
from minqing.ledger.geo import BONUS, PENALTY, distance_m, distance_term
from minqing.ledger.models import Case
from minqing.privacy import public_point
from tests.test_excel import workbook


@pytest.fixture
def placed(county):
    from minqing.org.models import Unit
    from minqing.org.services import add_unit

    add_unit("T2", "二镇", "township", "C")
    add_unit("VC", "丙村", "village", "T2")
    for code, (lat, lng) in {"VA": (28.2051, 112.9753), "VB": (28.19, 112.96), "VC": (28.255, 113.025)}.items():
        Unit.objects.filter(code=code).update(lat=lat, lng=lng)
    return county


# ------------------------------------------------------------------------------------- pure parts


def test_public_points_are_rounded_to_about_a_hundred_metres():
    assert public_point(28.205123, 112.975871) == (28.205, 112.976)
    assert public_point(None, 112.9) == (None, None)
    lat, lng = 28.2054999, 112.9755
    assert distance_m(lat, lng, *public_point(lat, lng)) < 80  # within half a grid cell's diagonal


def test_distance_term_favours_a_few_hundred_metres_and_disfavours_kilometres():
    assert round(distance_m(28.0, 112.0, 28.001, 112.0)) == 111
    assert distance_term(28.2, 112.9, 28.2015, 112.9) == BONUS  # ~170 m
    assert 0 < distance_term(28.2, 112.9, 28.206, 112.9) < BONUS  # ~670 m
    assert distance_term(28.2, 112.9, 28.25, 112.9) == -PENALTY  # ~5.6 km
    assert distance_term(None, None, 28.2, 112.9) == 0.0


def test_hotspots_keep_the_same_words_kilometres_apart_as_two_problems():
    from minqing.insight.hotspots import cluster

    now = dt.datetime(2026, 11, 20, 12, 0)
    rows = []
    for i in range(6):
        far = i >= 3
        rows.append({"number": f"N{i}", "title": "小区门口垃圾堆放没人清理", "search_text": "小区 门口 垃圾 堆放 清理",
                     "village": "V1", "village_name": "甲村", "received_at": now - dt.timedelta(days=i), "voices": 1,
                     "people_key": i, "likes": 0, "urgency": "normal", "place_words": [],
                     "lat": 28.20 + (0.05 if far else 0) + i * 0.0002, "lng": 112.90})
    # the same words (similarity 1) at a link of 0.95: near (+0.10) they hold, 5.5 km apart (−0.15) they part
    assert sorted(sorted(h.cases) for h in cluster(rows, link=0.95)) == [["N0", "N1", "N2"], ["N3", "N4", "N5"]]
    for r in rows:
        r["lat"] = r["lng"] = None  # no points: the words alone, one hotspot
    assert [len(h.cases) for h in cluster(rows, link=0.95)] == [6]


@pytest.mark.django_db
def test_a_look_alike_next_door_is_a_likelier_duplicate_than_one_kilometres_away(placed, make_case):
    from minqing.ledger.similar import duplicates_of

    text = "村口路灯坏了一个多月，晚上出门看不清路，请尽快修理。"
    new = make_case(unit="VA", text=text, lat=28.2051, lng=112.9753)
    near = make_case(unit="VA", text="村口的路灯坏了一个多月了，晚上看不清路，希望修理。", lat=28.2060, lng=112.9755)
    far = make_case(unit="VA", text="村口的路灯坏了一个多月了，晚上看不清路，希望修理。", lat=28.2500, lng=112.9755)
    scores = {m.case.number: m.score for m in duplicates_of(new)}
    assert scores[near.number] > scores.get(far.number, 0)
    if far.number in scores:  # the same words: the distance alone parts them
        assert round(scores[near.number] - scores[far.number], 6) == round(BONUS + PENALTY, 6)


# ------------------------------------------------------------------------------------- intake


@pytest.mark.django_db
def test_every_web_form_keeps_the_point_it_was_given(placed, client):
    client.post("/submit/", {"unit": "VA", "text": "桥头护栏断了，孩子上学经过很危险。", "mode": "anonymous",
                             "lat": "28.20611", "lng": "112.97642"})
    assert Case.objects.values_list("lat", "lng").get() == (28.20611, 112.97642)
    client.force_login(placed["grid"])
    r = client.post("/cases/new/", {"unit": "VA", "channel": "visit", "text": "小学门口早上车辆拥堵。", "mode": "anonymous",
                                    "lat": "28.2", "lng": "112.9"})
    assert r.status_code == 302
    assert Case.objects.filter(text__startswith="小学门口").values_list("lat", "lng").get() == (28.2, 112.9)
    r = client.post("/visits/", {"unit": "VA", "visited_at": dt.date.today().isoformat(), "households": "3",
                                 "voice0": "村里的自来水浑浊，有异味。", "voice1": "村道两旁杂草太多。",
                                 "lat": "28.2049", "lng": "112.9761"})
    assert r.status_code == 302, r.content[:400]
    assert set(Case.objects.filter(channel="visit", text__startswith="村").values_list("lat", "lng")) == {(28.2049, 112.9761)}
    r = client.post("/cases/new/", {"unit": "VA", "channel": "visit", "text": "村口路灯坏了。", "mode": "anonymous",
                                    "lat": "128.2", "lng": "112.9"})
    assert r.status_code == 400 and "超出范围" in r.content.decode() and 'value="128.2"' in r.content.decode()


@pytest.mark.django_db
def test_the_import_reads_coordinate_columns(placed):
    from minqing.intake.excel import import_ledger

    rows = [["编号", "受理日期", "内容", "所在村", "经度(WGS84)", "纬度"],
            ["A1", "2026/5/10", "村口路灯坏了一个月。", "甲村", 112.9753, 28.2051],
            ["A2", "2026/5/11", "河道里有人倒垃圾。", "甲村", 28.2061, 112.9761],  # columns swapped: put right
            ["A3", "2026/5/12", "楼上漏水三天了。", "甲村", None, None],
            ["A4", "2026/5/13", "广场舞噪音太大。", "甲村", "东经112", 28.2]]
    result = import_ledger(workbook(rows))
    assert result.imported == 3 and [r[0] for r in result.rejected] == [5]
    assert "经度“东经112”不是数字" in result.rejected[0][1]
    points = dict(Case.objects.values_list("voices__external_id", "lat"))
    assert points == {"A1": 28.2051, "A2": 28.2061, "A3": None}
    pair = [["工单号", "反映内容", "村", "经纬度"], ["B1", "村口垃圾没人清运。", "甲村", "112.9750, 28.2040"]]
    assert import_ledger(workbook(pair)).imported == 1
    assert Case.objects.filter(voices__external_id="B1").values_list("lat", "lng").get() == (28.204, 112.975)


# ------------------------------------------------------------------------------------- the staff map


@pytest.mark.django_db
def test_the_map_layer_is_scoped_filtered_and_geojson(placed, make_case, api, client):
    a = make_case(unit="VA", text="甲村路灯坏了一个月。", lat=28.2051, lng=112.9753)
    b = make_case(unit="VB", text="乙村垃圾没人清运。")  # no point: at 乙村's centre
    c = make_case(unit="VC", text="丙村水渠堵塞。", lat=28.256, lng=113.026)
    g = make_case(unit="GA", text="网格里井盖丢了。")  # no point, and its grid has no centre
    status, body = api("t_disp")("GET", "/api/map/cases")
    assert status == 200 and body["type"] == "FeatureCollection"
    by_number = {f["properties"]["number"]: f for f in body["features"]}
    assert set(by_number) == {a.number, b.number} and c.number not in json.dumps(body)  # 一镇 only
    assert by_number[a.number]["geometry"] == {"type": "Point", "coordinates": [112.9753, 28.2051]}
    assert by_number[b.number]["properties"]["approximate"] is True
    assert by_number[b.number]["geometry"]["coordinates"] == [112.96, 28.19]
    assert body["unplaced"] == 1 and body["count"] == 2 and body["truncated"] is False and g.number not in by_number
    status, body = api("disp")("GET", "/api/map/cases?unit=VA&q=路灯&hotspots=1")
    assert [f["properties"]["number"] for f in body["features"]] == [a.number] and body["hotspots"] == []
    Case.objects.filter(pk=a.pk).update(status="closed")
    assert api("disp")("GET", "/api/map/cases")[1]["count"] == 2  # open by default: b and c
    assert api("disp")("GET", "/api/map/cases?status=all")[1]["count"] == 3
    status, body = api("disp")("GET", "/api/map/cases?channel=fax")
    assert status == 400 and body["error"]["field"] == "channel"
    assert api(None)("GET", "/api/map/cases")[0] == 401
    client.force_login(placed["t_disp"])
    page = client.get("/map/?category=x").content.decode()
    assert 'data-map="staff"' in page and 'id="map-config"' in page and "vendor/leaflet/leaflet.js" in page
    layer = client.get("/map/cases.json")
    assert layer["Content-Type"].startswith("application/geo+json") and "hotspots" in layer.json()
    assert client.get("/map/cases.json?since=2026-13-01").status_code == 400
    assert "Accept-Encoding" in client.get("/map/cases.json", HTTP_ACCEPT_ENCODING="gzip")["Vary"]
    body, encoding = encoded({"type": "FeatureCollection", "features": [], "note": "地图" * 2000}, "gzip, deflate, br")
    assert encoding == "gzip" and json.loads(gzip.decompress(body))["note"] == "地图" * 2000  # a county's layer: ~1/8
    assert encoded({"features": []}, "gzip") == (b'{"features":[]}', None)  # small, or not asked for: as it is


# ------------------------------------------------------------------------------------- the public board


@pytest.mark.django_db
def test_public_cases_carry_rounded_points_and_no_identity(placed, make_case, client):
    make_case(unit="VA", text="甲村18号门口路灯坏了。", lat=28.205123, lng=112.975871, address="甲村18号",
              submitter={"mode": "protected", "name": "王小明", "phone": "13912345678"})
    make_case(unit="VB", text="乙村垃圾没人清运。")
    r = client.get("/api/public/T1/cases")
    assert r.status_code == 200
    body = r.json()
    raw = r.content.decode()
    assert body["page"] == 1 and body["more"] is False and len(body["items"]) == 2
    points = {i["place"]: (i["lat"], i["lng"], i["approximate"]) for i in body["items"]}
    assert points == {"甲村": (28.205, 112.976, False), "乙村": (28.19, 112.96, True)}
    assert "28.205123" not in raw and "王小明" not in raw and "13912345678" not in raw and "18号" not in raw
    page = client.get("/public/T1/").content.decode()
    assert 'data-map="public"' in page and "28.205123" not in page and "112.976" in page
    assert client.get("/api/public/NOPE/cases").status_code == 404
    for n in range(31):
        make_case(unit="VB", text=f"乙村第{n}户反映自来水浑浊。")
    first, second = client.get("/api/public/T1/cases").json(), client.get("/api/public/T1/cases?page=2").json()
    assert len(first["items"]) == 30 and first["more"] and len(second["items"]) == 3 and not second["more"]


@pytest.mark.django_db
def test_public_cases_are_rate_limited_like_the_other_anonymous_doors(placed, client):
    with override_settings(RATELIMIT_ENABLE=True, RATE_LIMITS={"public": "2/h"}):
        caches["limits"].clear()
        codes = [client.get("/api/public/T1/cases").status_code for _ in range(3)]
        caches["limits"].clear()
    assert codes == [200, 200, 429]


# ------------------------------------------------------------------------------------- settings and demo


def test_tile_servers_join_the_content_security_policy():
    from django.core.exceptions import ImproperlyConfigured

    from minqing.settings import _tile_origins

    assert _tile_origins(["https://t{s}.tianditu.gov.cn/vec_w/wmts?tk=K&x={x}", "https://t{s}.tianditu.gov.cn/cva_w/x",
                          "http://10.2.3.4:8080/{z}/{x}/{y}.png"]) == ["https://*.tianditu.gov.cn", "http://10.2.3.4:8080"]
    with pytest.raises(ImproperlyConfigured):
        _tile_origins(["tiles/{z}/{x}/{y}.png"])


@pytest.mark.django_db
def test_the_demo_county_places_its_units():
    from minqing.demo.county import build_units
    from minqing.org.models import Unit

    build_units()
    placed = Unit.objects.exclude(level="department")
    assert not placed.filter(lat__isnull=True).exists()
    assert not Unit.objects.filter(level="department", lat__isnull=False).exists()
    village = Unit.objects.get(code="QS-CG-DM")
    assert 500 < distance_m(village.lat, village.lng, *Unit.objects.values_list("lat", "lng").get(code="QS-CG")) < 3000
