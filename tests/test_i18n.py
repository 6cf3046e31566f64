"""Language choice through Django's set_language view: English and traditional Chinese are served from
the compiled catalogues once a user picks them; without a choice the site stays simplified Chinese,
even for an English browser."""

import re

import pytest

NAV = re.compile(r"<nav>(.*?)</nav>", re.S)


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def nav(page: str) -> str:
    return NAV.search(page).group(1)


def choose(client, language):
    r = client.post("/i18n/setlang/", {"language": language, "next": "/submit/"})
    assert r.status_code == 302 and r["Location"] == "/submit/"
    assert client.cookies["django_language"].value == language


@pytest.mark.django_db
def test_english_citizen_pages(client, county):
    choose(client, "en")
    page = html(client.get("/submit/"))
    assert '<html lang="en">' in page
    for text in ("Raise an issue", "Track progress", "Staff login", "Citizen Voices Ledger",
                 "Village/community where the issue is", "Protected", "Anonymous", "Submit"):
        assert text in page
    assert "我要反映" not in nav(page) and "查询进度" not in nav(page)
    assert "我要反映" not in page and "提交" not in page


@pytest.mark.django_db
def test_english_case_list(client, county):
    choose(client, "en")
    client.force_login(county["disp"])
    page = html(client.get("/cases/"))
    assert '<html lang="en">' in page
    for text in ("To do", "All cases", "Overdue", "Register voice", "Three rates", "Log out",
                 "Export to Excel", "Total: 0", "No cases match the filters", "Handling unit"):
        assert text in page
    menu = nav(page)
    assert "待办" not in menu and "登记诉求" not in menu and "全部工单" not in menu


@pytest.mark.django_db
def test_english_case_page_action_forms(client, county, make_case):
    """The forms of the lifecycle actions (web/actionforms.py) speak the page's language: labels and choices."""
    case = make_case(text="村口路灯坏了，晚上看不清路，什么时候能修好？")
    choose(client, "en")
    client.force_login(county["disp"])
    page = html(client.get(f"/cases/{case.number}/"))
    for text in ("(choose a unit)", "(choose a reason)", "Withdrawn by the citizen", "Duplicate", "(unchanged)",
                 "Undecided", "No rule matches: sent to the place"):
        assert text in page, text
    for text in ("（请选择单位）", "（请选择理由）", "群众撤回", "（不变）", "未定", "无匹配规则"):
        assert text not in page, text


@pytest.mark.django_db
def test_traditional_chinese_choice(client, county):
    choose(client, "zh-hant")
    page = html(client.get("/submit/"))
    assert '<html lang="zh-hant">' in page
    assert "查詢進度" in nav(page) and "工作人員登入" in nav(page)
    assert "查询进度" not in page and "工作人员登录" not in page

    client.force_login(county["disp"])
    menu = nav(html(client.get("/cases/")))
    assert "登記訴求" in menu and "全部工單" in menu
    assert "登记诉求" not in menu and "全部工单" not in menu


@pytest.mark.django_db
def test_default_is_simplified_chinese(client, county):
    page = html(client.get("/submit/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"))
    assert '<html lang="zh-hans">' in page
    assert "我要反映" in nav(page) and "查询进度" in nav(page)
    assert "Raise an issue" not in page and "Track progress" not in page

    client.force_login(county["disp"])
    menu = nav(html(client.get("/cases/", HTTP_ACCEPT_LANGUAGE="en-US")))
    assert "登记诉求" in menu and "全部工单" in menu and "Register voice" not in menu


CJK = re.compile(r"[\u4e00-\u9fff]")
MAP_CONFIG = re.compile(r'<script id="map-config" type="application/json">(.*?)</script>', re.S)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hant", "zh-hans"])
def test_the_map_speaks_the_pages_language(client, county, language):
    """map.js writes no words of its own: they come in the page's map config (templatetags/maps.map_text)."""
    import json

    if language != "zh-hans":
        choose(client, language)
    client.force_login(county["disp"])
    config = json.loads(MAP_CONFIG.search(html(client.get("/map/"))).group(1))
    text, lang = config["text"], config["lang"]
    assert lang == language and set(text) >= {"count", "layer_cases", "located", "truncated"}
    if language == "en":
        assert not [v for v in text.values() if CJK.search(v)]
        assert "{n}" in text["count"] and "{lat}" in text["located"]
    else:
        assert text["layer_cases"] == ("工單" if language == "zh-hant" else "工单")


def catalogue(client) -> dict:
    import json

    body = client.get("/i18n/js/").content.decode()
    return json.loads(re.search(r"const newcatalog = (\{.*?\});", body, re.S).group(1))


@pytest.mark.django_db
def test_the_scripts_words_come_from_the_javascript_catalogue(client, county):
    """The scripts (field app, reply check, charts, …) call gettext on Django's catalogue, loaded before them."""
    page = html(client.get("/submit/"))
    assert page.index('src="/i18n/js/"') < page.index("minqing/app.js")
    choose(client, "en")
    words = catalogue(client)
    assert {"【待发送】", "未发送 %(n)s 条", "尚未答复的诉求："} <= set(words)
    assert not [v for v in words.values() if CJK.search(v)]
    assert "%(n)s" in words["未发送 %(n)s 条"]
    choose(client, "zh-hant")
    assert catalogue(client)["本机没有记录。"] == "本機沒有記錄。"


@pytest.mark.parametrize("language", ["zh_Hant", "en"])
def test_no_catalogue_entry_is_left_as_a_guess(language):
    """A '#, fuzzy' entry is not compiled: the page would show the source's words (tools/i18n.py fills
    zh_Hant from each msgid; English guesses are for a person to confirm before they ship)."""
    from pathlib import Path

    import minqing

    for po in (Path(minqing.__file__).parent / "locale" / language / "LC_MESSAGES").glob("*.po"):
        assert "#, fuzzy" not in po.read_text(encoding="utf-8").split("\n\n", 1)[1], po
