"""Smoke run of `python -m minqing.bench consult_scale` at a tiny size on SQLite (its own database in a
folder of its own, child processes as in the full run): the worker's job groups the planted camps, the
verdicts are printed, the pages read the stored result. Never asserts on timings."""

import re

from minqing.bench import consult_scale


def test_a_tiny_city_consultation_is_grouped_by_the_worker(tmp_path, capsys):
    consult_scale.main(["--db", "sqlite", "--home", str(tmp_path), "--participants", "400", "--statements", "40",
                        "--low", "0.3", "--high", "0.5"])
    out = capsys.readouterr().out
    assert re.search(r"400 participants × 40 statements, [\d,]+ votes written", out)
    assert re.search(r"worker job consult_groups \(read [\d,]+ votes, group, store\): [\d.]+ s \(target ≤ 60 s: PASS\)",
                     out)
    groups = [int(n) for n in re.search(r"groups \[([\d, ]+)\] over 400 participants", out).group(1).split(", ")]
    assert 2 <= len(groups) <= 6 and sum(groups) == 400
    assert float(re.search(r"adjusted Rand index against the planted groups ([\d.]+)", out).group(1)) > 0.5
    assert "results page reading the stored result" in out and "API groups (public)" in out
