"""How far readers tell a message's own reply from the most similar message's:
`python -m minqing.bench reply_reading make DIR [--n 160] [--blocks 4] [--single]` and
`python -m minqing.bench reply_reading score DIR` (the study of 2026-12-03: benchmarks/reply_reading/).

Goal (b) of the reply benchmark (docs/replies.md) asks the score to tell a message's own reply from
the reply written to the most similar other message at an AUC of 0.95. Whether any reader of the text
can is a question of the data, not of the score, and this measures it. `make` draws items at random
from the benchmark's held-out half (the same split, the same most similar message): each item is the
message (title and text) and the two replies as A and B in a random order. It writes one sheet per
block (`sheet-K.md`, to be read by two readers each) and the key (`key.json`: which letter is the
message's own reply, and the rows). Readers rate each reply 0–10 (how sure that it was written to this
message) and say which one it is, in `reading-K-R.jsonl`, one line per item:
`{"item": 7, "A": 8, "B": 2, "choice": "A", "why": "…"}`. With `--single` each item is the message and
one reply, its own or the most similar message's, and a message's two replies are in two sheets half the
blocks apart, so that no reader sees both — what the score sees; a line is `{"item": 7, "rating": 8}`.

`score` reads the readings beside the key and prints, for each reader, for each block's two readers
together (the mean of their ratings) and for minqing's score on the same items (its corpus and model
learned on the fit half, as in the benchmark): the pooled ROC AUC of own against other replies — the
benchmark's figure on these items — with a 95% bootstrap interval, the share of items where the own
reply is rated higher (ties count half) and, for readers, the share where they chose it ("?" counts half)."""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

from ._report import log
from .replies import FILE, SEED, _auc, _fitted, _interval, _negatives, _split

SHOWN = 1500  # characters of each text shown; the assessment reads 2,000
INSTRUCTIONS = """# 答复判读 (reply reading) — sheet {block}

Each item is a citizen's message to a city government (title and text) and two government replies, A and B.
Both replies are real. **Exactly one of them was written to this message**; the other was written to
another citizen's message, the one most like this one (the same kind of problem, often elsewhere).

For each item, rate each reply from 0 to 10: how sure you are that it was written to *this* message.
- 10: certainly this message's reply (it speaks of this message's own place, estate, matter or questions);
- 5: cannot tell (formula that fits any message, or an answer that fits both messages alike);
- 0: certainly another message's reply (it speaks of another place, estate or matter).
Then say which one you take to be this message's reply: "A", "B", or "?" when you cannot tell at all.
Judge from the texts only. Do not open any other file.

Write one JSON object per item, one per line, to the answers file you were given:
{{"item": 7, "A": 8, "B": 2, "choice": "A", "why": "A names 金碧文华, the message's estate"}}
"""
SINGLE = """# 答复判读 (reply reading, one reply) — sheet {block}

Each item is a citizen's message to a city government (title and text) and one real government reply.
The reply is either **this message's own reply**, or the reply written to another citizen's message, the
one most like this one (the same kind of problem, often elsewhere) — about half the items are each.

For each item, rate the reply from 0 to 10: how sure you are that it was written to *this* message.
- 10: certainly this message's reply (it speaks of this message's own place, estate, matter or questions);
- 5: cannot tell (formula that fits any message, or an answer that would fit a similar message alike);
- 0: certainly another message's reply (it speaks of another place, estate or matter).
Judge from the texts only. Do not open any other file.

Write one JSON object per item, one per line, to the answers file you were given:
{{"item": 7, "rating": 8, "why": "names 金碧文华, the message's estate"}}
"""


def _flat(text: str) -> str:
    text = re.sub(r"\s+", " ", text or "").strip()
    return text[:SHOWN] + ("…（以下略）" if len(text) > SHOWN else "")


def _item(number: int, title: str, text: str, replies: dict[str, str]) -> str:
    shown = "".join(f"**Reply{' ' + k if k else ''}:** {_flat(r)}\n\n" for k, r in replies.items())
    return f"\n## Item {number}\n\n**Title:** {_flat(title)}\n\n**Message:** {_flat(text)}\n\n{shown}"


def _drawn(n: int) -> tuple[list, list[int], list[int], random.Random]:
    """The held-out half, the rows drawn, each row's most similar message, and the generator drawn from."""
    from ..text.normalise import normalise

    _fit, test = _split()
    _rand, similar = _negatives([normalise(f"{t} {x}") for t, x, _r in test], random.Random(SEED))
    rng = random.Random(SEED + 1)
    return test, rng.sample(range(len(test)), min(n, len(test))), similar, rng


def make_single(out: Path, n: int, blocks: int) -> None:
    """The same messages, each with one reply: its own in one sheet, the most similar message's in
    another (half the blocks away), so that no reader sees both replies of a message."""
    test, rows, similar, rng = _drawn(n)
    cases = []
    for item, i in enumerate(rows, start=1):
        for which, j, shift in (("own", i, 0), ("other", similar[i], blocks // 2)):
            cases.append({"item": item, "which": which, "row": i, "reply_row": j, "block": (item - 1 + shift) % blocks + 1})
    rng.shuffle(cases)
    for number, case in enumerate(cases, start=1):
        case["case"] = number
    out.mkdir(parents=True, exist_ok=True)
    for b in range(1, blocks + 1):
        mine = [c for c in cases if c["block"] == b]
        (out / f"sheet-{b}.md").write_text(SINGLE.format(block=b) + "".join(
            _item(c["case"], test[c["row"]][0], test[c["row"]][1], {"": test[c["reply_row"]][2]}) for c in mine),
            encoding="utf-8")
    (out / "key.json").write_text(json.dumps(cases, indent=1), encoding="utf-8")
    log(f"{len(cases)} items in {blocks} sheets and the key written to {out}")


def make(out: Path, n: int, blocks: int) -> None:
    test, rows, similar, rng = _drawn(n)
    out.mkdir(parents=True, exist_ok=True)
    key, sheets = [], [[INSTRUCTIONS.format(block=b + 1)] for b in range(blocks)]
    for item, i in enumerate(rows, start=1):
        own_letter = rng.choice("AB")
        title, text, own = test[i]
        other = test[similar[i]][2]
        a, b = (own, other) if own_letter == "A" else (other, own)
        key.append({"item": item, "block": (item - 1) % blocks + 1, "own": own_letter, "row": i, "other_row": similar[i]})
        sheets[(item - 1) % blocks].append(_item(item, title, text, {"A": a, "B": b}))
    for b, sheet in enumerate(sheets, start=1):
        (out / f"sheet-{b}.md").write_text("".join(sheet), encoding="utf-8")
    (out / "key.json").write_text(json.dumps(key, indent=1), encoding="utf-8")
    log(f"{len(key)} items in {blocks} sheets and the key written to {out}")


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _pair_readings(folder: Path, key: dict) -> tuple[dict, dict]:
    """Each reader's (own, other) ratings by item, from reading-K-R.jsonl, and whether their choice was
    right by item (1, 0, or 0.5 for "?")."""
    readers, choices = {}, {}
    for path in sorted(folder.glob("reading-*.jsonl")):
        name = path.stem.removeprefix("reading-")
        readers[name], choices[name] = {}, {}
        for r in _lines(path):
            own = key[int(r["item"])]["own"]
            other = "B" if own == "A" else "A"
            readers[name][int(r["item"])] = (float(r[own]), float(r[other]))
            choices[name][int(r["item"])] = 1.0 if r.get("choice") == own else 0.0 if r.get("choice") == other else 0.5
    return readers, choices


def _single_readings(folder: Path, key: dict) -> dict:
    """The one-reply readings as (own, other) ratings by message, per round of readers (the R of
    reading-K-R.jsonl: one reader per sheet), each reply read in one sheet and its pair in another."""
    rounds: dict[str, dict] = {}
    for path in sorted(folder.glob("reading-*.jsonl")):
        got = rounds.setdefault(path.stem.rsplit("-", 1)[1], {})
        for r in _lines(path):
            case = key[int(r["item"])]
            got.setdefault(case["item"], {})[case["which"]] = float(r["rating"])
    return {name: {i: (v["own"], v["other"]) for i, v in got.items() if len(v) == 2} for name, got in rounds.items()}


def _figures(pairs: list[tuple[float, float]], chose: list[float] | None = None) -> str:
    own, other = [p[0] for p in pairs], [p[1] for p in pairs]
    low, high = _interval(own, other)
    first = sum(1.0 if o > x else 0.5 if o == x else 0.0 for o, x in pairs) / len(pairs)
    right = f"{sum(chose) / len(chose):.1%}" if chose else "—"
    return f"| {len(pairs)} | **{_auc(own, other):.3f}** | {low:.3f}–{high:.3f} | {first:.1%} | {right} |"


def _mean(readers: dict) -> dict:
    """Each item's ratings averaged over the readers who read it, where more than one did."""
    panel: dict[int, list] = {}
    for got in readers.values():
        for i, pair in got.items():
            panel.setdefault(i, []).append(pair)
    return {i: (sum(p[0] for p in v) / len(v), sum(p[1] for p in v) / len(v)) for i, v in panel.items() if len(v) > 1}


def readers(folder: Path) -> tuple[list[str], list[int], dict[int, tuple[int, int]]]:
    """The readers' table rows, the items they read, and each item's (own row, other row) in the
    held-out half — from the key and the readings alone."""
    entries = json.loads((folder / "key.json").read_text(encoding="utf-8"))
    rows = ["| who | items | pooled AUC, own against the most similar message's reply | 95% interval | own rated higher "
            "| own chosen |", "|---|---|---|---|---|---|"]
    if "case" in entries[0]:  # one reply per item
        key = {k["case"]: k for k in entries}
        got, choices, label = _single_readings(folder, key), {}, "readers, one reply each, round"
        other = {k["item"]: k["reply_row"] for k in entries if k["which"] == "other"}
        pairs = {k["item"]: (k["row"], other[k["item"]]) for k in entries if k["which"] == "own"}
    else:
        key = {k["item"]: k for k in entries}
        (got, choices), label = _pair_readings(folder, key), "reader, both replies, sheet"
        pairs = {i: (k["row"], k["other_row"]) for i, k in key.items()}
    for name, ratings in got.items():
        rows.append(f"| {label} {name} " + _figures([ratings[i] for i in sorted(ratings)],
                                                     [choices[name][i] for i in sorted(ratings)] if choices else None))
    panel = _mean(got)
    if panel:
        rows.append("| readers' mean rating " + _figures([panel[i] for i in sorted(panel)]))
    return rows, sorted(panel or {i for ratings in got.values() for i in ratings}), pairs


def score(folder: Path) -> str:
    from ..text.replies import assess_reply

    rows, items, pairs = readers(folder)
    fit, test = _split()
    corpus, model = _fitted(fit, test)
    mine = {}
    for i in items:
        row, other_row = pairs[i]
        title, text, own = test[row]
        mine[i] = tuple(assess_reply(text, r, title, corpus=corpus, model=model).score for r in (own, test[other_row][2]))
    rows.append("| minqing score, the same items " + _figures([mine[i] for i in items]))
    return "\n".join(rows)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m minqing.bench reply_reading")
    parser.add_argument("action", choices=("make", "score"))
    parser.add_argument("folder", type=Path)
    parser.add_argument("--n", type=int, default=160, help="items drawn from the held-out half")
    parser.add_argument("--blocks", type=int, default=4, help="sheets (each read by two readers)")
    parser.add_argument("--single", action="store_true", help="one reply per item; a message's two in two sheets")
    args = parser.parse_args(argv)
    if not FILE.exists():
        raise SystemExit(f"skipped: {FILE} not found (set MINQING_SHARED_DATA)")
    if args.n < 2 or args.blocks < 1 or (args.single and args.blocks % 2):
        raise SystemExit("--n must be at least 2 and --blocks at least 1; with --single, --blocks must be even "
                         "(a message's two replies go to sheets half the blocks apart)")
    if args.action == "make":
        (make_single if args.single else make)(args.folder, args.n, args.blocks)
    else:
        print(score(args.folder))
