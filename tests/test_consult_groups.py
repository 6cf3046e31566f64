"""Opinion groups (minqing.consult.groups): planted groups are found, k = 1 when nothing splits the
participants, consensus and representative statements, the documented rules for sparse voters, edge
cases, determinism, and a smoke run of the benchmark's functions. Pure functions: no database."""

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score, silhouette_score

from minqing.bench import consult as bench
from minqing.consult.groups import AGREE, DISAGREE, PASS, Grouping, find_groups, group_of


def _labels(g: Grouping, n: int) -> np.ndarray:
    return bench.labels_of(group_of(g), n)


@pytest.fixture(scope="module")
def four():
    """4 planted groups (the last a 10% minority), 500 participants, 120 statements."""
    p = bench.planted(4, 500, 120, seed=3)
    return p, find_groups(p.votes, seed=0)


def test_two_planted_groups_with_a_minority():
    p = bench.planted(2, 400, 120, seed=1)
    g = find_groups(p.votes)
    labels = _labels(g, 400)
    assert len(g.groups) == 2
    assert adjusted_rand_score(p.truth, labels) >= 0.9
    assert bench.minority_found(labels, p.truth, p.minority)
    assert g.unassigned == []


def test_four_planted_groups_minority_is_its_own_group(four):
    p, g = four
    labels = _labels(g, 500)
    assert len(g.groups) == 4
    assert adjusted_rand_score(p.truth, labels) >= 0.9
    assert bench.minority_found(labels, p.truth, p.minority)
    sizes = [len(x.members) for x in g.groups]
    assert sizes == sorted(sizes, reverse=True)
    assert [x.id for x in g.groups] == [0, 1, 2, 3]
    # the smallest group is the minority
    minority = {f"p{i}" for i in np.flatnonzero(p.truth == p.minority)}
    assert len(set(g.groups[-1].members) & minority) >= 0.8 * len(minority)
    assert set(g.positions) == {f"p{i}" for i in range(500)}
    assert all(np.isfinite(xy).all() and len(xy) == 2 for xy in g.positions.values())
    xy = np.array([g.positions[f"p{i}"] for i in range(500)])
    assert silhouette_score(xy, labels) > 0.5  # the map shows the groups apart
    assert set(g.k_scores) >= {1, 2, 3, 4} and max(g.k_scores, key=g.k_scores.get) == 4


def test_consensus_holds_the_statements_every_group_agrees_on(four):
    p, g = four
    shared = {s for s in range(p.stances.shape[1]) if (p.stances[:, s] == p.stances[0, s]).all()}
    found = {c.statement for c in g.consensus}
    # every consensus found is a statement on which all groups share the stance, and most of those are found
    # (with 20% of the votes flipped, the 50-member minority's share sometimes falls below 0.6 by chance)
    assert found <= shared and len(found) >= 0.6 * len(shared)
    for c in g.consensus:
        assert len(c.shares) == len(g.groups) and min(c.shares) >= 0.6 and c.votes >= 5
        direction = AGREE if c.direction == "agree" else DISAGREE
        assert (p.stances[:, c.statement] == direction).all()
    mins = [min(c.shares) for c in g.consensus]
    assert mins == sorted(mins, reverse=True)


def test_representative_statements_are_where_the_group_differs(four):
    p, g = four
    labels = _labels(g, 500)
    for group in g.groups:
        # the planted group most of its members came from
        planted = np.bincount(p.truth[labels == group.id]).argmax()
        assert 1 <= len(group.representative) <= 5
        scores = [r.score for r in group.representative]
        assert scores == sorted(scores, reverse=True)
        for r in group.representative:
            stance = p.stances[:, r.statement]
            want = AGREE if r.direction == "agree" else DISAGREE
            assert stance[planted] == want
            assert (stance != want).any()  # not a consensus statement: some other group differs
            assert r.group_share > r.other_share


def test_unanimous_votes_give_one_group():
    votes = [(f"u{i}", s, AGREE if s % 3 else DISAGREE) for i in range(40) for s in range(12)]
    g = find_groups(votes)
    assert len(g.groups) == 1 and len(g.groups[0].members) == 40
    assert g.groups[0].representative == []
    assert {c.statement for c in g.consensus} == set(range(12))
    assert max(g.k_scores, key=g.k_scores.get) == 1


def test_random_votes_give_one_group():
    rng = np.random.default_rng(0)
    votes = [(i, s, int(rng.choice([1, -1]))) for i in range(200) for s in rng.choice(40, 15, replace=False)]
    assert len(find_groups(votes).groups) == 1


def test_empty_and_tiny_inputs():
    g = find_groups([])
    assert g.groups == [] and g.consensus == [] and g.unassigned == [] and g.positions == {}
    g = find_groups(iter([]))
    assert g.groups == []
    one = find_groups([("a", "s1", AGREE), ("a", "s2", DISAGREE), ("a", "s3", AGREE)])
    assert [x.members for x in one.groups] == [["a"]] and one.unassigned == []
    assert group_of(one) == {"a": 0}
    with pytest.raises(ValueError):
        find_groups([("a", "s1", 2)])


def test_later_vote_replaces_earlier():
    base = [(i, s, AGREE if (i < 10) == (s < 5) else DISAGREE) for i in range(20) for s in range(10)]
    g = find_groups(base)
    assert len(g.groups) == 2
    # everyone first votes the other way round on everything, then changes their mind
    flipped = [(i, s, -v) for i, s, v in base]
    g2 = find_groups(flipped + base)
    assert group_of(g2) == group_of(g)
    assert [c.shares for c in g2.consensus] == [c.shares for c in g.consensus]
    assert [[(r.statement, r.group_share) for r in x.representative] for x in g2.groups] == \
        [[(r.statement, r.group_share) for r in x.representative] for x in g.groups]


def test_pass_only_and_sparse_participants():
    base = [(i, s, AGREE if (i < 20) == (s < 6) else DISAGREE) for i in range(40) for s in range(12)]
    extra = [
        ("passer", 0, PASS), ("passer", 1, PASS), ("passer", 2, PASS), ("passer", 3, PASS),  # only passes
        ("sparse", 0, AGREE), ("sparse", 7, DISAGREE),  # 2 < min_votes agree/disagree votes: placed after
        ("onepass", 11, PASS),
    ]
    g = find_groups(base + extra + [(0, 99, PASS)])  # statement 99: only a pass, nobody agreed or disagreed
    where = group_of(g)
    assert sorted(g.unassigned, key=str) == ["onepass", "passer"]
    assert "passer" not in where and "onepass" not in where
    assert where["sparse"] == where[0]  # voted like participant 0's group
    assert set(g.positions) == {*range(40), "passer", "sparse", "onepass"}
    assert 99 not in {c.statement for c in g.consensus}
    members = {p for x in g.groups for p in x.members}
    assert members == set(range(40)) | {"sparse"}


def test_only_passes_or_few_votes():
    g = find_groups([("a", 1, PASS), ("b", 1, PASS)])
    assert g.groups == [] and g.consensus == [] and sorted(g.unassigned) == ["a", "b"]
    # nobody reaches min_votes: everyone who agreed or disagreed is fitted
    g = find_groups([("a", 1, AGREE), ("b", 1, AGREE), ("c", 2, DISAGREE)])
    assert sorted(p for x in g.groups for p in x.members) == ["a", "b", "c"]


def test_deterministic_for_a_seed(four):
    p, g = four
    again = find_groups(list(reversed(list(reversed(p.votes)))), seed=0)
    assert group_of(again) == group_of(g)
    assert again.positions == g.positions
    assert again.k_scores == g.k_scores
    assert [c.statement for c in again.consensus] == [c.statement for c in g.consensus]


def test_max_groups_is_respected(four):
    p, _ = four
    g = find_groups(p.votes, max_groups=2)
    assert len(g.groups) <= 2 and max(g.k_scores) <= 2


def test_benchmark_functions_smoke():
    row = bench.run_planted(3, 200, 60, seed=0)
    for key in ("ari", "best", "polis"):
        assert -1 <= row[key] <= 1
    assert row["best"] >= row["ari"] - 0.1
    assert isinstance(row["minority"], bool) and row["found_k"] >= 1
    votes = bench.planted(2, 60, 30, seed=0).votes
    kept, hidden = bench.hide(votes, seed=0)
    assert len(kept) + len(hidden) == len(votes) and hidden and all(v != 0 for _, _, v in hidden)
    acc = bench.majority_accuracy(kept, hidden, group_of(find_groups(kept)))
    assert 0 <= acc <= 1
    sc = bench.run_scale(300, 40, repeats=1)
    assert sc["seconds"] > 0 and sc["peak_mib"] > 0 and sc["k"] >= 1
