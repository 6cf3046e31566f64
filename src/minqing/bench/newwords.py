"""Words discovered (issue 16): `python -m minqing.bench newwords [--sample docs/newwords-sample.md]`, and
`report()` for the text benchmark (`python -m minqing.bench text` prints it beside the classifier).

New-word discovery (text/newwords.py, what the worker's lexicon job runs) over every message of the shared
TipDM files (or, without them, the shipped sample), with the segmenter's own dictionary as it ships: how many
words, how many read as place names, how long it took; and a fixed random sample of 100 of them written to a
Markdown table with a column for a person's judgement (real word / not). Judgements already in the file are
kept when it is written again (by word), and the share judged real is reported from it."""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from pathlib import Path

SAMPLE_SIZE = 100
SEED = 16
DEFAULT_SAMPLE = Path(__file__).resolve().parents[3] / "docs" / "newwords-sample.md"


def corpus() -> tuple[str, list[str]]:
    from ..text.corpus import load_sample, read_messages
    from ..text.normalise import normalise
    from . import _data

    files = sorted(p for p in _data.TIPDM.glob("messages_*.xlsx")) if _data.TIPDM.is_dir() else []
    if files:
        messages = [m for f in files for m in read_messages(f)]
        source = ", ".join(f.name for f in files)
    else:
        labelled, unlabelled = load_sample()
        messages, source = labelled + unlabelled, "the shipped sample"
    return source, [normalise(f"{m.title} {m.text}") for m in messages]


def judgements(path: Path) -> dict[str, str]:
    """word → the judgement in the sample file's last column ("real" / "not"), where one was written."""
    if not path.exists():
        return {}
    out = {}
    for line in path.read_text("utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[1] and re.match(r"^\d+$", cells[0]):
            out[cells[1]] = cells[-1]
    return out


def report(sample_path: Path | None = None, write: bool = False) -> dict:
    from ..text.newwords import discover
    from ..text.segment import dictionary_cut

    source, texts = corpus()
    t0 = time.perf_counter()
    found = discover(texts, dictionary_cut)
    seconds = time.perf_counter() - t0
    sample = sorted(random.Random(SEED).sample(found, min(SAMPLE_SIZE, len(found))), key=lambda f: -f.score)
    path = sample_path or DEFAULT_SAMPLE
    judged = judgements(path)
    if write:
        _write(path, source, len(texts), found, sample, judged)
    marks = [judged.get(f.word, "") for f in sample]
    real = sum(m.startswith("real") for m in marks)
    done = sum(m.startswith(("real", "not")) for m in marks)
    return {"source": source, "messages": len(texts), "words": len(found), "places": sum(f.place for f in found),
            "seconds": round(seconds, 1), "sample": len(sample), "judged": done,
            "judged_real": real, "share_real": round(real / done, 2) if done else None,
            "top": [f.word for f in found[:20]]}


def _write(path: Path, source: str, n: int, found, sample, judged: dict[str, str]) -> None:
    lines = [
        "# New words: a sample of 100 for a person's judgement",
        "",
        f"`python -m minqing.bench newwords --write` over {n:,} messages ({source}): {len(found):,} words",
        "discovered (text/newwords.py with the segmenter's dictionary as it ships). This table is a fixed random",
        f"sample of {len(sample)} of them (seed {SEED}), best score first. **judgement**: `real` — a word or name a",
        "person would write as one unit (a place, an estate, a company, a road, a scheme, a term, a person's",
        "name); `not` — a fragment or a phrase across word boundaries. Judged by hand, not by the program.",
        "",
        "| # | word | count | PMI | boundary entropy | place | judgement |",
        "|---|---|---|---|---|---|---|",
    ]
    for i, f in enumerate(sample, 1):
        lines.append(f"| {i} | {f.word} | {f.count} | {f.cohesion:.2f} | {f.entropy:.2f} | "
                     f"{'yes' if f.place else ''} | {judged.get(f.word, '')} |")
    path.write_text("\n".join(lines) + "\n", "utf-8")


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m minqing.bench newwords")
    ap.add_argument("--sample", type=Path, default=DEFAULT_SAMPLE, help="the Markdown sample file")
    ap.add_argument("--write", action="store_true", help="(re)write the sample file, keeping its judgements")
    args = ap.parse_args(argv)
    print(json.dumps(report(args.sample, args.write), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
