"""Smoke test of the Open311 benchmark (`python -m minqing.bench open311`): on a tiny generated ledger every
variant answers 200 with what it should return, in a few SQL queries. Never asserts on timings."""

from minqing import clock
from minqing.bench import _data
from minqing.bench import open311 as bench


def test_every_variant_answers_with_few_queries(db):
    _data.setup_county()
    world = _data.build_world(_data.load_pool(80), clock.now())
    _data.load_ledger(world, 3000, fast=False)
    results, errors = bench.measure(1, clock.now())
    assert errors == []
    by_name = {r["name"]: r for r in results}
    default = results[0]
    assert default["name"].startswith("default") and default["target_ms"] == bench.TARGET_MS
    assert 0 < default["count"] <= 1000 and by_name["default: last 90 days, ≤1000 (XML)"]["count"] == default["count"]
    assert by_name["50 ids (service_request_id=a,b,…)"]["count"] > 0
    assert all(r["queries"] <= 8 and r["n"] == 1 for r in results), results
    assert bench.parse(["--quick"]).cases == bench.QUICK_CASES and bench.parse([]).db == "postgresql"
    assert any("ledger_case" in line for line in bench._explain(clock.now()))
