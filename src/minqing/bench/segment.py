"""Segmentation benchmark: `python -m minqing.bench segment [--passes N] [--sample N]`.

Every title, message and reply of the shared files (../shared/data/tipdm2020c: messages_with_replies,
messages_labeled, messages_with_votes) cut by jieba's accurate cut (`jieba.lcut`, the baseline) and by
minqing's (`text/cut.py`, the same words by one pass over the dictionary), in the same process, in turn,
N passes each (default 3): the time of each, the ratio, and how many texts are cut alike (all must be).
Every word minqing reads — the index, the classifier, the reply check — goes through this cut."""

from __future__ import annotations

import argparse
import random
import time

from ._report import log
from .replies import FILE, OTHER_MESSAGES, SEED


def _texts() -> list[str]:
    from ..text.corpus import read_messages
    from ..text.reply_corpus import read_replies

    out = [t for row in read_replies(FILE) for t in row] if FILE.exists() else []
    for path in OTHER_MESSAGES:
        if path.exists():
            out += [t for m in read_messages(path) for t in (m.title, m.text)]
    return [t for t in out if t]


def main(argv=None) -> None:
    import jieba

    from ..text.cut import lcut

    ap = argparse.ArgumentParser(prog="python -m minqing.bench segment", description=__doc__.splitlines()[0])
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--sample", type=int, default=0, help="that many texts drawn at random (default: all)")
    args = ap.parse_args(argv)
    texts = _texts()
    if 0 < args.sample < len(texts):
        texts = random.Random(SEED).sample(texts, args.sample)
    if not texts:
        raise SystemExit(f"no shared data at {FILE.parent}")
    jieba.dt.check_initialized()
    chars = sum(map(len, texts))
    log(f"{len(texts)} texts, {chars:,} characters, {args.passes} passes each")
    times: dict[str, list[float]] = {"jieba": [], "minqing": []}
    alike = 0
    for _ in range(args.passes):
        t0 = time.perf_counter()
        theirs = [jieba.lcut(t) for t in texts]
        times["jieba"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        ours = [lcut(t) for t in texts]
        times["minqing"].append(time.perf_counter() - t0)
        alike = sum(a == b for a, b in zip(theirs, ours, strict=True))
    best = {k: min(v) for k, v in times.items()}
    print(f"texts {len(texts)}, characters {chars:,}; best of {args.passes} passes each, in turn")
    for name, t in best.items():
        print(f"{name:8} {t:6.2f} s  {chars / t / 1000:6.0f} k characters/s")
    print(f"ratio    {best['jieba'] / best['minqing']:.2f}× faster than jieba.lcut")
    print(f"alike    {alike} of {len(texts)} texts cut into the same words")
    if alike != len(texts):
        raise SystemExit("the cut differs from jieba's")
