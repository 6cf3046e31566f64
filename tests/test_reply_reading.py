"""bench reply_reading: the reading study of goal (b) (docs/replies.md) — sheets made blind, readings
scored against the key, and the committed readings read back."""

import json
import re
from pathlib import Path

import pytest

from minqing.bench.reply_reading import make, make_single, readers

READINGS = Path(__file__).resolve().parents[1] / "benchmarks" / "reply_reading"


def _write(folder: Path, key: list, readings: dict[str, list]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "key.json").write_text(json.dumps(key), encoding="utf-8")
    for name, lines in readings.items():
        (folder / f"reading-{name}.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return folder


def _aucs(rows: list[str]) -> dict[str, float]:
    """Each table row's label and its pooled AUC (the bold figure)."""
    return {r.split("|")[1].strip(): float(re.search(r"\*\*([0-9.]+)\*\*", r).group(1)) for r in rows[2:]}


def test_pair_readings_are_scored_against_the_key(tmp_path):
    key = [{"item": i, "block": 1, "own": own, "row": i, "other_row": i + 10} for i, own in ((1, "A"), (2, "B"), (3, "A"))]
    right = [{"item": 1, "A": 9, "B": 1, "choice": "A"}, {"item": 2, "A": 2, "B": 8, "choice": "B"},
             {"item": 3, "A": 5, "B": 5, "choice": "?"}]
    wrong = [{"item": 1, "A": 1, "B": 9, "choice": "B"}, {"item": 2, "A": 8, "B": 2, "choice": "A"},
             {"item": 3, "A": 4, "B": 6, "choice": "B"}]
    rows, items, pairs = readers(_write(tmp_path / "p", key, {"1-1": right, "1-2": wrong}))
    aucs = _aucs(rows)
    assert items == [1, 2, 3] and pairs[2] == (2, 12)
    # the right reader: own 9, 8, 5 against other 1, 2, 5 — every pair won but the 5 against the 5 (half);
    # the own reply rated higher and chosen twice, the tie and the "?" half
    assert aucs["reader, both replies, sheet 1-1"] == pytest.approx(8.5 / 9, abs=0.001)
    assert "| 83.3% | 83.3% |" in rows[2]
    assert aucs["reader, both replies, sheet 1-2"] == 0.0 and "| 0.0% | 0.0% |" in rows[3]
    assert "readers' mean rating" in rows[4]


def test_one_reply_readings_pair_a_messages_two_replies_across_sheets(tmp_path):
    key = [{"case": 1, "item": 1, "which": "own", "row": 5, "reply_row": 5, "block": 1},
           {"case": 2, "item": 1, "which": "other", "row": 5, "reply_row": 9, "block": 2},
           {"case": 3, "item": 2, "which": "own", "row": 6, "reply_row": 6, "block": 2},
           {"case": 4, "item": 2, "which": "other", "row": 6, "reply_row": 7, "block": 1},
           {"case": 5, "item": 3, "which": "own", "row": 8, "reply_row": 8, "block": 1},
           {"case": 6, "item": 3, "which": "other", "row": 8, "reply_row": 4, "block": 2}]  # not read
    rows, items, pairs = readers(_write(tmp_path / "s", key, {
        "1-1": [{"item": 1, "rating": 8}, {"item": 4, "rating": 2}, {"item": 5, "rating": 9}],
        "2-1": [{"item": 2, "rating": 3}, {"item": 3, "rating": 7}]}))
    assert items == [1, 2] and pairs == {1: (5, 9), 2: (6, 7), 3: (8, 4)}
    assert _aucs(rows) == {"readers, one reply each, round 1": 1.0}
    assert "| 2 |" in rows[2] and "| — |" in rows[2]


def test_the_committed_readings_tell_own_replies_apart_as_the_docs_say():
    single, items, _pairs = readers(READINGS / "single")
    assert len(items) == 160
    aucs = _aucs(single)
    assert set(aucs) == {"readers, one reply each, round 1", "readers, one reply each, round 2", "readers' mean rating"}
    assert aucs["readers, one reply each, round 1"] == 0.955 and aucs["readers, one reply each, round 2"] == 0.960
    both, items, _pairs = readers(READINGS / "pair")
    assert len(items) == 160 and len(both) == 2 + 8 + 1 and _aucs(both)["readers' mean rating"] == 0.996


@pytest.fixture()
def shared_file():
    from minqing.bench.replies import FILE

    if not FILE.exists():
        pytest.skip(f"{FILE} not found")


def test_sheets_are_blind_and_a_messages_replies_never_share_one(tmp_path, shared_file):
    make(tmp_path / "p", 12, 4)
    key = json.loads((tmp_path / "p" / "key.json").read_text(encoding="utf-8"))
    assert len(key) == 12 and {k["own"] for k in key} <= {"A", "B"}
    for b in range(1, 5):
        sheet = (tmp_path / "p" / f"sheet-{b}.md").read_text(encoding="utf-8")
        assert sheet.count("\n## Item ") == 3 and sheet.count("**Reply A:**") == 3
        assert '"own"' not in sheet and "row" not in sheet  # nothing of the key
    make_single(tmp_path / "s", 8, 4)
    cases = json.loads((tmp_path / "s" / "key.json").read_text(encoding="utf-8"))
    assert len(cases) == 16 and sorted(c["case"] for c in cases) == list(range(1, 17))
    for item in range(1, 9):
        own, other = ([c for c in cases if c["item"] == item and c["which"] == w] for w in ("own", "other"))
        assert len(own) == len(other) == 1 and own[0]["block"] != other[0]["block"]
    for b in range(1, 5):
        sheet = (tmp_path / "s" / f"sheet-{b}.md").read_text(encoding="utf-8")
        assert sheet.count("\n## Item ") == 4 and "**Reply:**" in sheet and "**Reply A:**" not in sheet


def test_the_same_draw_as_the_committed_study(tmp_path, shared_file):
    """`make` draws the very items the committed readings read (the same seed, the same split)."""
    make(tmp_path, 160, 4)
    assert json.loads((tmp_path / "key.json").read_text(encoding="utf-8")) == \
        json.loads((READINGS / "pair" / "key.json").read_text(encoding="utf-8"))


def test_the_one_reply_design_needs_an_even_number_of_sheets(tmp_path, shared_file):
    """A message's two replies go to sheets half the blocks apart: with an odd number they could meet."""
    from minqing.bench.reply_reading import main

    with pytest.raises(SystemExit, match="even"):
        main(["make", str(tmp_path), "--single", "--blocks", "3"])
    assert not (tmp_path / "key.json").exists()
