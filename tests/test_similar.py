"""Duplicates at the same place, precedents from closed cases, merging voices into one case."""

import pytest

from minqing.errors import Forbidden, Invalid
from minqing.ledger.actions import perform, rate_by_tracking_code
from minqing.ledger.merge import merge
from minqing.ledger.similar import duplicates_of, forget_term_stats, precedents_of
from minqing.text.similar import bigrams, similarity

NOISE = "幸福小区三号楼楼下的烧烤店每天营业到凌晨两点，油烟和噪音让居民无法休息，请有关部门管一管。"
NOISE_EDITED = "幸福小区3号楼楼下烧烤店天天开到凌晨两点，油烟噪音很大，居民根本没法休息，希望有关部门管管。"
NOISE_TRAD = "幸福小區三號樓樓下的燒烤店每天營業到凌晨兩點，油煙和噪音讓居民無法休息，請有關部門管一管。"
OTHER = "村里的自来水发黄有异味，已经一个星期了，老人孩子都不敢喝。"


@pytest.fixture(autouse=True)
def fresh_stats():
    forget_term_stats()
    yield
    forget_term_stats()


# Moves the next case id on (a gap, as a sequence leaves them; nothing to restore)
SET_CASE_SEQUENCE = {"postgresql": "SELECT setval('ledger_case_id_seq', %s)",
                     "sqlite": "UPDATE sqlite_sequence SET seq = %s WHERE name = 'ledger_case'"}

def test_bigram_similarity_orders_sensibly():
    a, b, c = bigrams(NOISE), bigrams(NOISE_EDITED), bigrams(OTHER)
    assert similarity(a, a) == 1.0
    assert similarity(a, b) > 0.35 > similarity(a, c)


def test_duplicates_exact_edited_and_traditional_at_the_same_place(make_case):
    first = make_case("VA", NOISE)
    for text in (NOISE, NOISE_EDITED, NOISE_TRAD):
        dup = make_case("GA", text)  # a grid of the same village is the same place
        found = {m.case.number: m.kind for m in duplicates_of(dup)}
        assert first.number in found, text
    assert {m.kind for m in duplicates_of(make_case("VA", NOISE))} >= {"exact"}


def test_same_text_at_another_village_is_not_a_duplicate(make_case):
    make_case("VA", NOISE)
    elsewhere = make_case("VB", NOISE)
    assert duplicates_of(elsewhere) == []


def test_unrelated_text_is_not_a_duplicate(make_case):
    make_case("VA", NOISE)
    assert duplicates_of(make_case("VA", OTHER)) == []


def test_precedents_are_closed_resolved_cases_with_their_reply(make_case, county):
    old = make_case("VB", NOISE)
    perform(county["disp"], old.number, "dispatch", {"unit": "VB"})
    perform(county["hb"], old.number, "reply", {"text": "已联合城管执法，烧烤店限时营业并安装油烟净化器。"})
    perform(county["disp"], old.number, "follow_up", {"rating": "satisfied"})
    perform(county["disp"], old.number, "close", {})
    new = make_case("VA", NOISE_EDITED)
    found = precedents_of(new)
    assert found and found[0].case.number == old.number


def test_merge_moves_voices_and_each_citizen_keeps_their_own_rating(make_case, county, api):
    a, b = make_case("VA", NOISE), make_case("VA", NOISE_EDITED)
    code_b = b.voices.first().tracking_code
    with pytest.raises(Forbidden):
        merge(county["ha"], a.number, b.number)
    with pytest.raises(Invalid):
        merge(county["disp"], a.number, a.number)
    status, body = api("disp")("POST", f"/api/cases/{a.number}/merge", {"source": b.number})
    assert status == 200 and body["voices"] == 2
    b.refresh_from_db()
    assert b.status == "closed" and b.close_reason == "duplicate"
    perform(county["disp"], a.number, "dispatch", {"unit": "VA"})
    perform(county["ha"], a.number, "reply", {"text": "已责令烧烤店整改。"})
    tracked = api()("GET", f"/api/track/{code_b}")[1]
    assert tracked["number"] == a.number and tracked["replies"][0]["text"] == "已责令烧烤店整改。"
    rate_by_tracking_code(code_b, "satisfied")
    rate_by_tracking_code(a.voices.order_by("id").first().tracking_code, "basically_satisfied")
    assert sorted(a.voices.values_list("rating", flat=True)) == ["basically_satisfied", "satisfied"]


def test_similar_api_and_case_page(make_case, client, county, api):
    a = make_case("VA", NOISE)
    b = make_case("VA", NOISE_EDITED)
    status, body = api("disp")("GET", f"/api/cases/{b.number}/similar")
    assert status == 200 and body["duplicates"][0]["number"] == a.number and "precedents" in body
    assert body["hotspot"] is None  # no hotspot computed yet (the worker's hourly job)
    client.force_login(county["disp"])
    page = client.get(f"/cases/{b.number}/").content.decode()
    assert a.number in page and "并入本件" in page


def test_search_terms_keep_the_topic_words_of_a_young_ledger_and_stay_within_budget_at_scale():
    from minqing.text.similar import TermStats

    docs = [f"搅拌站 丽发新城 噪音 通用{i % 7}" if i < 10 else f"路灯 维修 通用{i % 7}" for i in range(300)]
    words = ["合活", "搅拌站", "丽发新城", "噪音", "通用1"]
    young = TermStats(docs)  # the whole ledger: 300 cases
    assert {"搅拌站", "丽发新城"} <= set(young.search_terms(words, budget=0.005))
    big = TermStats(docs, total=1_000_000)  # a sample of 300 standing for a million cases
    assert big.search_terms(words, budget=0.005) == ["合活", "丽发新城"]  # the two rarest only: ~33,000 rows


def test_the_window_is_the_newest_million_cases_and_the_next_to_come():
    from minqing.ledger.fulltext_sql import WINDOW_BUCKET
    from minqing.ledger.similar import WINDOW, WINDOW_AHEAD, window_lexemes

    assert window_lexemes(0) == window_lexemes(WINDOW) == ""  # a ledger no larger than the window: all of it
    lexemes = window_lexemes(9_500_000).split(" | ")
    first, last = (9_500_000 - WINDOW + 1) // WINDOW_BUCKET, 9_500_000 // WINDOW_BUCKET + WINDOW_AHEAD
    assert lexemes == [f"'§{b}'" for b in range(first, last + 1)] and lexemes[0] == "'§85'"


def test_word_statistics_are_those_of_the_window(make_case, monkeypatch):
    from minqing.ledger import similar

    make_case(text="老街的排水沟堵了，一下雨就淹到门口。")
    make_case(text=NOISE)
    make_case(text=OTHER)
    monkeypatch.setattr(similar, "WINDOW", 2)
    forget_term_stats()  # intake sampled before the cases were written
    stats = similar.term_stats()
    assert stats.total == 2 + len(similar.background_texts())  # the window, with the shipped messages
    assert stats.df["排水沟"] == sum("排水沟" in t.split() for t in similar.background_texts())


def test_a_young_ledger_is_judged_by_its_cases_not_by_its_last_id(make_case):
    """PostgreSQL's sequence leaves gaps (rolled-back writes; other tests in the same database): three
    cases numbered past 100,000 are still a young ledger, counted with the shipped messages."""
    from django.db import connection

    from minqing.ledger import similar

    seq = SET_CASE_SEQUENCE[connection.vendor]
    first = make_case(text=OTHER)
    with connection.cursor() as cur:
        cur.execute(seq, [first.pk + 100_000])  # a gap, as a sequence leaves them: nothing to restore
    far = make_case(text=NOISE)
    forget_term_stats()
    stats = similar.term_stats()
    assert far.pk > 100_000
    assert stats.total == stats.n == 2 + len(similar.background_texts())
    forget_term_stats()


def test_candidates_beyond_the_window_are_not_read_but_a_search_still_finds_them(make_case, county):
    """PostgreSQL: a twin older than the newest million cases is outside the candidate query (the GIN
    index keeps it out); one inside is found. A user's text search is not limited."""
    from django.db import connection

    from minqing.ledger.models import Case
    from minqing.ledger.search import matching

    if connection.vendor != "postgresql":
        pytest.skip("the window lexemes are PostgreSQL's (SQLite's FTS5 ranks inside its index)")
    old = make_case(text=NOISE)
    with connection.cursor() as cur:
        cur.execute("SELECT last_value FROM ledger_case_id_seq")
        before = cur.fetchone()[0]
        try:
            cur.execute("SELECT setval('ledger_case_id_seq', 3500000)")
            recent = make_case(text=NOISE)
            cur.execute("SELECT setval('ledger_case_id_seq', 4200000)")
            new = make_case(text=NOISE_EDITED)
            forget_term_stats()  # the hourly sample learns the ledger's size
            found = {m.case.pk for m in duplicates_of(new)}
            assert recent.pk in found and old.pk not in found
            assert {old.pk, recent.pk, new.pk} <= set(matching(Case.objects.all(), "烧烤店 油烟").values_list("pk", flat=True))
            cur.execute("SELECT count(*) FROM ledger_case WHERE search_tsv @@ plainto_tsquery('simple', '§42')")
            assert cur.fetchone()[0] == 0  # no query text can name a window lexeme
        finally:
            cur.execute("SELECT setval('ledger_case_id_seq', %s)", [before])


def test_keywords_are_content_words_not_function_words_or_codes():
    from minqing.text.keywords import content_words, keywords
    from minqing.text.similar import TermStats

    words = "一个 为何 不能 a2 噪音 搅拌站 居民 已经 附近".split()
    assert content_words(words) == ["噪音", "搅拌站", "居民"]
    stats = TermStats(["路灯 维修"] * 300)  # every word of the voice is rare here
    assert set(keywords(words, stats)) == {"噪音", "搅拌站", "居民"}


@pytest.mark.django_db
def test_a_young_ledger_knows_which_words_every_complaint_uses():
    from minqing.ledger.similar import background_texts, term_stats
    from minqing.text.keywords import keywords

    forget_term_stats()
    stats = term_stats()  # an empty ledger: the shipped messages alone
    assert stats.n == len(background_texts()) > 1000
    chosen = keywords("严重 举报 处理 搅拌站 粉尘".split(), stats, k=2)
    assert set(chosen) == {"搅拌站", "粉尘"}
    forget_term_stats()


def test_keywords_prefer_words_another_message_also_uses():
    from minqing.text.keywords import keywords
    from minqing.text.similar import TermStats

    stats = TermStats(["搅拌站 粉尘"] * 3 + ["路灯 维修"] * 297)
    assert keywords("伟大事业 搅拌站 粉尘".split(), stats, k=2) == ["搅拌站", "粉尘"]  # not the phrase no one else wrote
    assert keywords("伟大事业 搅拌站".split(), stats, k=3) == ["搅拌站", "伟大事业"]  # kept, after


def test_a_sample_of_sparse_ids_reads_the_rows_there_are(make_case):
    """The sampler behind the hourly statistics (word frequencies here, reply phrasing in reply_quality):
    ids drawn from a range that is mostly gaps would find almost nothing; it reads the newest rows instead."""
    from django.db import connection

    from minqing.ledger.models import Case
    from minqing.ledger.sampling import sample_ids

    seq = SET_CASE_SEQUENCE[connection.vendor]
    made = [make_case(text=OTHER).pk]
    for _ in range(4):
        with connection.cursor() as cur:
            cur.execute(seq, [made[-1] + 1000])
        made.append(make_case(text=NOISE).pk)
    drawn = sample_ids(Case.objects.all(), size=100)
    assert sorted(drawn.ids) == sorted(Case.objects.values_list("pk", flat=True)) and drawn.rows == len(drawn.ids)
    assert drawn.last == made[-1] and sample_ids(Case.objects.all(), size=100, window=1500).ids == made[-1:-3:-1]
