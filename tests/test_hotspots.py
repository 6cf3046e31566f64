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


ESTATE = ["澜岸枫庭小区旁边的搅拌站噪音很大，粉尘到处都是", "澜岸枫庭搅拌站半夜施工噪音扰民，粉尘污染严重",
          "投诉A2区澜岸枫庭附近搅拌站的噪音和粉尘", "A市澜岸枫庭小区搅拌站粉尘噪音问题何时解决",
          "澜岸枫庭业主反映搅拌站噪音粉尘影响休息"]
GENERIC_ONLY = ["关于加快推进相关部门具体行动的建议", "建议相关部门加快具体工作行动", "请相关部门加快具体行动解决问题",
                "希望有关部门加快行动，具体落实相关问题", "相关部门要加快行动，具体问题具体解决"]


def lexicon_rows(texts, lexicon, village="V1", start=dt.datetime(2026, 3, 1, tzinfo=dt.UTC)):
    from minqing.text.keywords import places
    from minqing.text.segment import search_tokens

    return [{"number": f"L{village}{i}", "title": t[:12], "search_text": search_tokens(t),
             "received_at": start + dt.timedelta(days=i), "voices": 1, "likes": 0, "urgency": "normal",
             "village": village, "village_name": "", "place_words": places(t, lexicon)[:3], "people_key": f"p{i}"}
            for i, t in enumerate(texts)]


def test_titles_name_the_place_whole_and_never_a_fragment_or_a_code():
    from minqing.text.segment import set_lexicon

    name = "澜岸枫庭"
    set_lexicon([name])
    try:
        found = cluster(lexicon_rows(ESTATE, {name}) + rows(OTHER, village="V2"), lexicon=[name])
    finally:
        set_lexicon(())
    assert len(found) == 1
    title = found[0].title
    assert title.startswith(name) and "：" in title and "搅拌站" in title
    rest = title.replace(name, "")
    assert not any(name[i:j] in rest for i in range(len(name)) for j in range(i + 2, len(name) + 1))
    assert "A市" not in title and "A2" not in title and "a2" not in title
    assert name in found[0].keywords and not any(k != name and k in name for k in found[0].keywords)


def test_a_cluster_held_together_by_generic_words_is_no_hotspot():
    found = cluster(rows(GENERIC_ONLY, village="V3") + rows(NOISE))
    assert [h.voices for h in found] == [4]  # the barbecue, not the officialese
    assert not any(w in h.title for h in found for w in ("加快", "行动", "具体", "相关", "部门", "问题"))


def test_one_persons_many_messages_are_no_hotspot_and_weigh_as_one_person():
    from minqing.insight.hotspots import heard

    mine = [dict(r, people_key="same") for r in rows(NOISE)]
    assert cluster(mine) == []  # one person: a repeat petitioner (warnings), not a hotspot
    assert heard(mine) == 3 and heard(rows(NOISE)) == 4
    assert heard([dict(mine[0], voices=5)]) == 5  # a merged case's other voices are other people's


def test_without_a_period_the_api_serves_the_workers_fresh_run(make_case, county, api, monkeypatch):
    """The county's hotspots without since/until come from the worker's last run while it is under two
    hours old (clustering on every request took seconds under load); a period is clustered on request."""
    from minqing import clock
    from minqing.insight import service
    from minqing.insight.dashboard import refresh_hotspots

    for text in NOISE:
        make_case("VA", text)
    refresh_hotspots()
    calls = []
    real = service.cluster
    monkeypatch.setattr(service, "cluster", lambda *a, **k: calls.append(1) or real(*a, **k))
    status, body = api("leader")("GET", "/api/hotspots")
    assert status == 200 and len(body) == 1 and body[0]["voices"] == 4 and calls == []  # the stored run
    assert api("hb")("GET", "/api/hotspots")[1] == []  # a village: clustered on request, its own view
    today = clock.today().isoformat()
    assert api("leader")("GET", f"/api/hotspots?since={today}")[1][0]["voices"] == 4 and calls
