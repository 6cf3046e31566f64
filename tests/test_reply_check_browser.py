"""The reply form's 检查答复 in headless Chromium (issue 17): the static script calls the API with the
page's session under the strict CSP and shows the score, the unanswered point and the hollow warning.
Screenshots go to MINQING_SCREENSHOTS when it is set."""

import os
from contextlib import contextmanager
from pathlib import Path

import pytest

from minqing.ledger.actions import perform
from tests.test_browser import ARGS, CHROMIUM, login, open_action

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium"),
]


def _check(page, base: str, number: str, draft: str):
    """Open the case's reply form and check a draft: the form and its result box."""
    page.goto(f"{base}/cases/{number}/")
    form = open_action(page, "reply")
    form.locator("textarea[name=text]").fill(draft)
    form.locator("[data-reply-check-button]").click()
    return form, form.locator("[data-reply-check-result]")


def _dispatched(make_case, county, text: str, title: str):
    case = make_case(text=text, title=title)
    perform(county["disp"], case.number, "dispatch", {"unit": "VA"})
    return case


@contextmanager
def _handler_page(live_server):
    """A Chromium page logged in as the handler."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page()
            login(page, live_server.url, "ha")
            yield page
        finally:
            browser.close()


def _shot(page, name: str) -> None:
    shots = os.environ.get("MINQING_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / name), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_the_handler_checks_a_draft_before_sending(live_server, county, make_case):
    case = _dispatched(make_case, county, "村口路灯坏了三个月，什么时候能修好？另外村口垃圾站臭气熏天，能否搬走？", "路灯和垃圾站")
    with _handler_page(live_server) as page:
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        form, result = _check(page, live_server.url, case.number, "您的留言已收悉，已转交相关部门处理")
        result.get_by_text("空泛答复").first.wait_for(timeout=15000)
        form.locator("textarea[name=text]").fill("经核实，村口路灯线路老化，已于5月3日更换修复，现已正常照明。")
        form.locator("[data-reply-check-button]").click()
        page.wait_for_function("document.querySelector('[data-reply-check-result]').textContent.includes('垃圾站')",
                               timeout=15000)
        assert "尚未答复的诉求" in result.inner_text() and "话题相近" in result.inner_text()
        _shot(page, "reply-check.png")
        assert not [e for e in errors if "Content Security Policy" in e]


@pytest.mark.django_db(transaction=True)
def test_the_check_speaks_the_pages_language(live_server, county, make_case):
    """A handler who switched the page to English reads the check's notes in English: the script's own words
    from the JavaScript catalogue, the notes from the API in the language of the page's cookie."""
    from django.conf import settings

    case = _dispatched(make_case, county, "村口路灯坏了三个月，什么时候能修好？", "村口路灯坏了")
    with _handler_page(live_server) as page:
        page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
        _form, result = _check(page, live_server.url, case.number, "您的留言已收悉，已转交相关部门处理")
        result.get_by_text("Hollow reply:").first.wait_for(timeout=15000)
        text = result.inner_text()
        assert "Nothing the citizen can check" in text and "缺少可核实的依据" not in text


def _checked(live_server, make_case, county, message: tuple[str, str], draft: str, wait_for: str, shot: str) -> str:
    """A case of `message` (text, title) dispatched, `draft` checked on its page as the handler: the result's
    text once it shows `wait_for`, the page shot to `shot`."""
    case = _dispatched(make_case, county, *message)
    with _handler_page(live_server) as page:
        _form, result = _check(page, live_server.url, case.number, draft)
        result.get_by_text(wait_for).first.wait_for(timeout=15000)
        _shot(page, shot)
        return result.inner_text()


@pytest.mark.django_db(transaction=True)
def test_the_check_names_another_village_the_draft_speaks_of(live_server, county, make_case):
    """A precedent's reply pasted in unadapted names its own village: the handler sees both names."""
    from minqing.text.segment import add_words

    add_words(["桃坪界村", "青山村"])  # in a county the unit tree teaches the segmenter its villages
    shown = _checked(live_server, make_case, county,
                     ("桃坪界村到乡政府的村道一直是泥巴路，下雨无法通行，请问何时能硬化？", "请求硬化桃坪界村村道"),
                     "经核实，青山村村道已列入2020年农村公路建设计划，预计10月底前完成水泥路面铺设。",
                     "请核对是否答错了留言", "reply-check-other-place.png")
    assert "青山村" in shown and "桃坪界村" in shown


@pytest.mark.django_db(transaction=True)
def test_the_check_sees_a_draft_that_says_the_messages_words_in_other_words(live_server, county, make_case):
    """种植蔬菜 for 种菜: the draft shares the message's characters, not its words; the handler is told so."""
    shown = _checked(live_server, make_case, county,
                     ("楼上平台本是住户的公共区域，但一些住户在平台私自种菜，浇粪水发出阵阵恶臭，请加强监管。", "反映楼上平台种菜问题"),
                     "经调查，社区工作人员对占用楼顶公共区域种植蔬菜进行了统一清理，今后将加强日常巡管。",
                     "按字计的相关度", "reply-check-characters.png")
    assert "种菜" in shown


@pytest.mark.django_db(transaction=True)
def test_the_check_names_another_city_the_draft_speaks_of(live_server, county, make_case, settings):
    """A precedent written for A8县 pasted on a message about J11市: coded places of another city, named,
    and the draft held under the county's threshold."""
    settings.MINQING_REPLY_MIN_SCORE = 0.3
    shown = _checked(live_server, make_case, county,
                     ("J11市独生子女父母没有办理独生子女证的，现在还能补办并领取独生子女优待金吗？", "咨询J11市独生子女证的问题"),
                     "经核实，A8县对农村独生子女家庭的奖励有独生子女保健费和农村奖扶，补办独生子女证请到户籍所在地乡镇计生办申请。",
                     "请核对是否答错了留言", "reply-check-other-city.png")
    assert "A8县" in shown and "J11市" in shown and "低于本县标准 0.30" in shown
