"""Hotspots: clusters of similar voices at one place, with a heat index, served by API and page."""

import datetime as dt

from minqing.insight.hotspots import cluster, heat_index

NOISE = ["幸福小区烧烤店油烟噪音扰民到凌晨", "幸福小区楼下烧烤店噪音油烟太大", "幸福小区烧烤摊凌晨还在营业噪音扰民",
         "幸福小区烧烤店油烟直排噪音大"]
OTHER = ["红星路路灯坏了", "学校食堂饭菜质量差", "医院挂号排队太久", "公交车班次太少"]


def rows(texts, village="V1", start=dt.datetime(2026, 3, 1, tzinfo=dt.UTC), likes=0):
    from minqing.text.segment import search_tokens

    return [{"number": f"N{village}{i}", "title": t[:10], "search_text": search_tokens(t), "received_at": start + dt.timedelta(days=i),
             "voices": 1, "likes": likes, "urgency": "normal", "village": village, "village_name": village,
             "place_words": ["幸福小区"] if "幸福" in t else [], "people_key": f"{village}{i}"}
            for i, t in enumerate(texts)]


def test_similar_voices_at_one_place_form_one_hotspot():
    found = cluster(rows(NOISE) + rows(OTHER, village="V2"))
    assert len(found) == 1
    h = found[0]
    assert h.voices == 4 and h.people == 4 and "幸福小区" in h.title and ("烧烤店" in h.keywords or "油烟" in h.keywords)


def test_the_same_complaint_in_two_villages_is_two_problems():
    found = cluster(rows(NOISE[:3], "V1") + rows(NOISE[:3], "V2"))
    assert len(found) == 2


def test_heat_grows_with_voices_people_likes_growth_and_severity():
    base = heat_index(5, 5, 0, 3, 2, 0, 0)
    assert heat_index(10, 5, 0, 3, 2, 0, 0) > base
    assert heat_index(5, 5, 100, 3, 2, 0, 0) > base
    assert heat_index(5, 5, 0, 1, 4, 0, 0) > base  # rising
    assert heat_index(5, 5, 0, 3, 2, 0.5, 0) > base


def test_hotspots_api_and_page(make_case, county, api, client):
    for text in NOISE:
        make_case("VA", text)
    make_case("VB", "乙村自来水发黄")
    status, body = api("leader")("GET", "/api/hotspots")
    assert status == 200 and len(body) == 1
    assert {"title", "heat", "voices", "keywords", "cases"} <= set(body[0]) and body[0]["voices"] == 4
    assert api("hb")("GET", "/api/hotspots")[1] == []  # village B's view holds no such cluster
    client.force_login(county["leader"])
    page = client.get("/hotspots/").content.decode()
    assert body[0]["title"] in page and body[0]["cases"][0] in page
