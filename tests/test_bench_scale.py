"""Smoke run of `python -m minqing.bench scale` at two tiny sizes on SQLite (its own data folder, child
processes as in the full run): every hot path is measured at both sizes without an error, the ratio
table has a row per measurement, and the scan escalates exactly the cases made newly late. Never
asserts on timings."""

import json
import re

from minqing.bench import scale


def test_the_hot_paths_are_measured_at_two_sizes_with_their_ratios(tmp_path, capsys):
    scale.main(["--quick", "--sizes", "2000,4000", "--samples", "11", "--voices", "4", "--scan-cases", "50",
                "--pool", "300", "--data-dir", str(tmp_path), "--json", str(tmp_path / "scale.json")])
    out = capsys.readouterr().out
    assert "FAILED" not in out
    report = json.loads((tmp_path / "scale.json").read_text("utf-8"))
    assert [r["size"] for r in report["reports"]] == [2000, 4000]
    kinds = [r["kind"] for r in report["reports"][1]["results"]]
    assert kinds.count("list") == 2 and kinds.count("search") == 2 and kinds.count("intake") == 1
    assert kinds.count("scan") == 2
    assert len(report["ratios"]) == len(kinds)
    for rep in report["reports"]:
        late = next(r for r in rep["results"] if r["name"].startswith("deadline scan, 50 cases"))
        assert late["did"]["escalated"] == 50 and not late["errors"]
        idle = next(r for r in rep["results"] if r["name"] == "deadline scan finding nothing")
        assert idle["did"]["escalated"] == 0
        listed = next(r for r in rep["results"] if r["kind"] == "list")
        assert all(v["count"] for v in listed["variants"] if v["label"] == "no filter")
    row = next(line for line in out.splitlines() if line.startswith("list GET /api/cases — county dispatcher"))
    assert len(re.findall(r"[\d.]+ / [\d.]+", row)) == 2 and len(re.findall(r"×[\d.]+", row)) == 2, row
