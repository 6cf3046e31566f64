"""The county's lexicon (issue 16): stored words reach the segmenter, keywords, places and search; the
administrator adds and rejects words (API and admin site); the worker's job discovers new words in the
ledger and re-indexes the cases holding them; every process follows the database's version."""

import pytest

from minqing.org import lexicon, versions
from minqing.org.models import LexiconWord
from minqing.text import segment
from tests.test_newwords import PLANTED, corpus

NAME = "澜岸枫庭"


@pytest.fixture(autouse=True)
def forget_lexicon():
    yield
    segment.set_lexicon(())
    lexicon._loaded = False
    lexicon._places.clear()
    versions.forget()


def found(api_user, q):
    status, body = api_user("GET", f"/api/cases?q={q}")
    assert status == 200
    return {c["number"] for c in body["items"]}


def test_an_admin_word_reaches_search_keywords_and_places(make_case, api):
    case = make_case("VA", f"{NAME}小区门口的搅拌站噪音太大，晚上没法睡觉")
    other = make_case("VA", "村口路灯坏了，晚上看不清路")
    admin = api("admin")
    status, word = admin("POST", "/api/lexicon", {"word": NAME, "place": True})
    assert status == 200 and word["source"] == "admin" and word["indexed"] and word["reindexed"] == 1
    assert segment.words(f"{NAME}的噪音") == [NAME, "噪音"]
    assert found(admin, NAME) == {case.number}  # the case written before the word was known
    case.refresh_from_db()
    assert NAME in case.search_text.split() and f"{NAME}小区" in case.places.split()
    status, body = admin("GET", f"/api/cases/{case.number}")
    assert f"{NAME}小区" in body["places"] and isinstance(body["keywords"], list) and body["keywords"]
    assert other.number not in found(admin, NAME)
    later = make_case("VB", f"{NAME}的车位捆绑销售")  # a new case is segmented with the word at once
    assert found(admin, NAME) == {case.number, later.number}
    # rejected: no longer one word; the cases are re-segmented, and the next discovery keeps it rejected
    status, word = admin("POST", "/api/lexicon", {"word": NAME, "status": "rejected"})
    assert status == 200 and word["status"] == "rejected" and word["reindexed"] == 2
    assert NAME not in segment.words(f"{NAME}的噪音")
    lexicon.store_discovered([type("F", (), {"word": NAME, "count": 9, "score": 1.0, "place": True})()])
    assert LexiconWord.objects.get(word=NAME).status == "rejected"


def test_lexicon_api_is_for_the_admin_and_checks_its_input(api):
    assert api("disp")("GET", "/api/lexicon")[0] == 403
    assert api("disp")("POST", "/api/lexicon", {"word": NAME})[0] == 403
    status, body = api("admin")("POST", "/api/lexicon", {"word": "有 空格"})
    assert status == 400 and body["error"]["field"] == "word"
    assert api("admin")("POST", "/api/lexicon", {"word": NAME, "status": "maybe"})[0] == 400
    api("admin")("POST", "/api/lexicon", {"word": NAME})
    status, body = api("admin")("GET", f"/api/lexicon?q={NAME[:2]}")
    assert status == 200 and body["count"] == 1 and body["items"][0]["word"] == NAME


def test_refresh_job_discovers_words_in_the_ledger_seeds_units_and_reindexes(make_case, api, monkeypatch, settings):
    from minqing.insight import vocabulary
    from minqing.worker import scheduler, tasks

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    monkeypatch.setattr(vocabulary, "YOUNG", 0)  # the ledger alone: no shipped messages (seconds, not minutes)
    texts = corpus(n=60)
    cases = [make_case("VA", t) for t in texts]
    result = tasks.lexicon_refresh.enqueue().return_value
    words = dict(LexiconWord.objects.values_list("word", "source"))
    for name in PLANTED:
        assert words.get(name) == "discovered", name
    assert words.get("甲村") == "unit" and words.get("一镇") == "unit"  # seeded with the unit names
    assert result["new"] >= len(PLANTED) and result["reindexed"] >= 1
    assert not LexiconWord.objects.filter(indexed=False).exists()
    holding = {c.number for c, t in zip(cases, texts, strict=True) if NAME in t}
    from minqing.ledger.models import Case
    from minqing.ledger.search import matching

    assert set(matching(Case.objects.all(), NAME).values_list("number", flat=True)) == holding
    # scheduled: the re-index every 10 minutes, the discovery daily, each once per period across workers
    assert scheduler.JOBS["lexicon_refresh"] == scheduler.DAY and "lexicon_refresh" in scheduler.NOT_AT_ONCE
    from minqing import clock

    now = clock.now()
    assert scheduler.claim("lexicon_reindex", scheduler.JOBS["lexicon_reindex"], now)
    assert not scheduler.claim("lexicon_reindex", scheduler.JOBS["lexicon_reindex"], now)


def test_every_process_follows_the_database_version(db, django_capture_on_commit_callbacks):
    lexicon.ensure_loaded(every=0)
    assert NAME not in segment.words(f"{NAME}的噪音")
    # another process adds the word: it writes the row and bumps the shared version; this one notices
    with django_capture_on_commit_callbacks(execute=True):
        LexiconWord.objects.create(word=NAME, source="admin", place=True)
        versions.bump("lexicon")
    lexicon.ensure_loaded(every=0)
    assert segment.words(f"{NAME}的噪音") == [NAME, "噪音"] and NAME in lexicon.known_names()
    with django_capture_on_commit_callbacks(execute=True):
        LexiconWord.objects.filter(word=NAME).update(status="rejected")
        versions.bump("lexicon")
    lexicon.ensure_loaded(every=0)
    assert NAME not in segment.words(f"{NAME}的噪音") and NAME not in lexicon.known_names()


def test_admin_site_lists_and_edits_the_lexicon(client, county):
    LexiconWord.objects.create(word=NAME, source="discovered", place=True)
    client.force_login(county["admin"])
    page = client.get("/admin/org/lexiconword/").content.decode()
    assert NAME in page
    r = client.post("/admin/org/lexiconword/add/", {"word": "梧桐溪苑", "source": "admin", "status": "active",
                                                   "place": "on", "reviewed": "on"})
    assert r.status_code == 302
    w = LexiconWord.objects.get(word="梧桐溪苑")
    assert w.reviewed and not w.indexed
