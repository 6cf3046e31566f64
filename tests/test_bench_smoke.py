"""Smoke test of the ledger benchmark (`python -m minqing.bench ledger`): at a tiny size, every
measurement is produced and its output makes sense. Never asserts on timings."""

import pytest
from django.db import connection

from minqing import clock
from minqing.bench import _data, ledger
from minqing.ledger.models import Case, CaseCounter, Voice
from minqing.ledger.search import matching

SIZE = 2000


@pytest.fixture
def bench_ledger(db):
    users = _data.setup_county()
    pool = _data.load_pool(80)
    world = _data.build_world(pool, clock.now())
    load = _data.load_ledger(world, SIZE, fast=False)
    return users, load


def test_generated_ledger_is_realistic(bench_ledger):
    _users, load = bench_ledger
    assert load["cases"] == SIZE
    dist = ledger.distribution()
    assert dist["cases"] == SIZE and dist["voices"] == SIZE
    assert 0.45 < dist["closed_share"] < 0.75
    assert 0 < dist["overdue"] < SIZE
    assert len(dist["by_status"]) >= 6
    assert Case.objects.values("channel").distinct().count() >= 5
    assert Case.objects.values("category_top").distinct().count() >= 8
    assert Case.objects.values("unit").distinct().count() >= 20
    # One voice per case, unique tracking codes, protected identities stored (masked on display).
    assert Voice.objects.values("case").distinct().count() == SIZE
    assert Voice.objects.values("tracking_code").distinct().count() == SIZE
    assert Voice.objects.filter(submitter_mode="protected").exclude(submitter_phone="").exists()
    # Numbers continue from the counters: a case submitted now does not collide.
    last = CaseCounter.objects.order_by("-year").first()
    assert Case.objects.filter(number=f"MQ-{last.year}-{last.last:06d}").exists()


def test_generated_search_text_is_indexed(bench_ledger):
    case = Case.objects.exclude(search_text="").order_by("id").first()
    word = case.search_text.split()[0]
    assert matching(Case.objects.all(), word).filter(pk=case.pk).exists()


def test_every_measurement_is_reported_with_sensible_counts(bench_ledger):
    users, _load = bench_ledger
    results = ledger.run_suite(users, samples=1, like_samples=1, diagnose=False, warmup=False)
    by_name = {r["name"]: r for r in results}
    lists = [r for r in results if r["kind"] == "list"]
    searches = [r for r in results if r["kind"] == "search"]
    assert {(r["surface"], r["user"]) for r in lists} == {
        (s, u) for s in ("api", "web") for u in (ledger.DISPATCHER, ledger.HANDLER, _data.BENCH_ROOT)}
    assert len(searches) == 3 and any("LIKE" in r["name"] for r in searches)
    for r in results:
        assert not r["errors"], r["errors"]
        assert r["n"] >= len(r["variants"]) > 0
        assert r["median_ms"] > 0 and r["p95_ms"] >= r["median_ms"]
        if r["target_ms"] is not None:
            assert r["baseline_ms"] > 0 and r["ratio"] > 0 and r["passed"] in (True, False)

    def counts(name):
        return {v["label"]: v["count"] for v in by_name[name]["variants"]}

    county = counts("list API /api/cases — county dispatcher")
    village = counts("list API /api/cases — village handler")
    root = counts("list API /api/cases — admin, no scope")
    assert county["no filter"] == root["no filter"] == SIZE
    assert 0 < village["no filter"] < county["no filter"]
    for label, n in village.items():
        assert n <= county[label] <= SIZE, label
    assert county["unit=village QS-CG-DM"] <= county["unit=township QS-CG"] < SIZE
    assert county["status=handling"] < county["status=open"] < SIZE
    web = counts("list page /cases/ — county dispatcher")
    assert web["no filter"] in (None, SIZE)  # the page's count, when the test runner exposes it

    fts = counts("search API q= — county dispatcher")
    assert all(0 <= n <= SIZE for n in fts.values())
    assert counts("search API q= — village handler")["q=停车"] <= fts["q=停车"]

    rows = ledger.table_rows({"db": connection.vendor, "size": SIZE, "results": results})
    assert len(rows) == len(results)
    assert all(row[3].replace(".", "", 1).isdigit() for row in rows)


def test_import_rate_is_measured_or_skipped_with_a_reason(bench_ledger):
    before = Case.objects.count()
    result = ledger.measure_import(20, rollback=True, where="smoke")
    if result.get("skipped"):
        assert "not found" in result["skipped"] or "transaction" in result["skipped"]
        return
    assert result["rows"] == 20 and result["imported"] + result["rejected"] + result["skipped_rows"] == 20
    assert result["rows_per_s"] > 0
    assert Case.objects.count() == before  # rolled back


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the fast (index-dropping) load is checked on SQLite")
def test_fast_load_restores_indexes_triggers_and_full_text(transactional_db):
    _data.setup_county()
    with connection.cursor() as cur:
        before = sorted(_data._sqlite_schema(cur))
    world = _data.build_world(_data.load_pool(40), clock.now())
    load = _data.load_ledger(world, 300, fast=True)
    with connection.cursor() as cur:
        assert sorted(_data._sqlite_schema(cur)) == before
        cur.execute("SELECT COUNT(*) FROM ledger_case_fts")
        assert cur.fetchone()[0] == 300
    assert "rebuild FTS" in load["phases"]
    word = Case.objects.order_by("id").first().search_text.split()[0]
    assert matching(Case.objects.all(), word).exists()


def test_statistics_and_arguments():
    assert ledger.median([3.0, 1.0, 2.0]) == 2.0
    assert ledger.median([1.0, 2.0, 3.0, 4.0]) == 2.5
    assert ledger.percentile(list(map(float, range(1, 101))), 95) == 95.0
    assert ledger.percentile([5.0], 95) == 5.0
    quick = ledger.parse(["--quick"])
    assert quick.sizes == [ledger.QUICK_SIZE] and quick.db == "sqlite"
    full = ledger.parse(["--sizes", "100_000,1000000", "--db", "both"])
    assert full.sizes == [100_000, 1_000_000] and full.samples >= 30


def test_a_babbled_background_never_repeats_a_complaint(db):
    """bench insight --background varied: texts made word by word from the real messages, none alike
    (no sentence shared whole), each with its search words."""
    import random

    from minqing.text.similar import bigrams, similarity

    babbler = _data.Babbler(_data.load_pool(80))
    r = random.Random(3).random
    texts = [babbler.text(r) for _ in range(200)]
    assert len({t[1] for t in texts}) == 200
    assert all(t[0] and t[1].startswith(t[0]) and t[2] for t in texts)
    grams = [bigrams(f"{t[0]} {t[1]}") for t in texts]
    close = sum(similarity(grams[i], grams[j]) >= 0.35 for i in range(200) for j in range(i))
    assert close <= 2  # of 19,900 pairs


def test_with_topics_a_generated_case_mostly_takes_its_texts_category(db):
    """bench intake_latency --train: categories follow the texts (World.topics), 85% of the time, so a
    model retrained on the generated ledger has something to learn; without topics they are drawn alone."""
    _data.setup_county()
    pool = _data.load_pool(80)
    topics = [["城乡建设", "教育文体", "交通运输"][i % 3] for i in range(len(pool))]
    by_text = {}
    for i, item in enumerate(pool):
        by_text.setdefault(item.title, set()).add(topics[i])
    rows = []
    for world in (_data.build_world(pool, clock.now(), topics=topics), _data.build_world(pool, clock.now())):
        columns = _data.CASE_COLUMNS
        cases = [c for chunk, _voices in _data.generate(world, 1000, _data.sqlite_dt) for c in chunk]
        top, title = columns.index("category_top"), columns.index("title")
        categorised = [c for c in cases if c[top]]
        rows.append(sum(c[top] in by_text[c[title]] for c in categorised) / len(categorised))
    with_topics, without = rows
    assert with_topics > 0.8 and without < 0.6
