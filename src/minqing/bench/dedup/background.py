"""The background of the labelled set: generated cases (bench/_data) loaded first, from source messages
unrelated to the set (`load_background`); and that bulk load on its own (`generated_ledger`), which
the intake latency benchmark shares."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from .._report import log
from .labelled_set import _NOISE, RELATED_CONTAINMENT, Message, _shingles

# Background messages are left out more eagerly (a lost background message costs nothing; a real
# duplicate left in would count as a false match): a sixth of the 4-grams of the shorter one.
BACKGROUND_CONTAINMENT = 0.16


def _pool_related(pool, used: list[Message], containment: float = RELATED_CONTAINMENT) -> set[int]:
    """Indexes of pool items (bench/_data/pool.py's pre-segmented messages) that raise the same problem as
    a used message: same title, or sharing `containment` of the shorter one's 4-grams."""
    from ...text.normalise import normalise

    used_sh = [_shingles(m) for m in used]
    titles = {_NOISE.sub("", normalise(m.title)) for m in used}
    index: dict[str, list[int]] = {}
    for i, s in enumerate(used_sh):
        for g in s:
            index.setdefault(g, []).append(i)
    limit = max(50, len(used) // 20)
    out = set()
    for j, item in enumerate(pool):
        if len(_NOISE.sub("", item.title)) >= 4 and _NOISE.sub("", item.title) in titles:
            out.add(j)
            continue
        sh = _shingles(Message(item.title, "".join(s for s, _ in item.sentences)))
        shared: Counter = Counter()
        for g in sh:
            if len(index.get(g, ())) <= limit:
                shared.update(index.get(g, ()))
        if any(n >= containment * max(1, min(len(sh), len(used_sh[i]))) for i, n in shared.items()):
            out.add(j)
    return out


def generated_ledger(world, n: int, *, fast: bool = True, progress=log) -> dict:
    from .. import _data

    return _data.load_ledger(world, n, fast=fast, log=progress)


def load_background(n: int, used: list[Message], seed: int, cache_dir: Path | None = None, progress=log,
                    fast: bool = True) -> dict:
    """`n` generated cases across the county (bench/_data: real sentences recombined, ~60% closed),
    from messages that do not raise the problem of any message of the labelled set, so that every
    match to them is a false one. Makes retrieval and the word statistics realistic."""
    from ... import clock
    from .._data import build_world, load_pool

    pool = load_pool(5000, cache_dir, log=progress)
    drop = _pool_related(pool, used, BACKGROUND_CONTAINMENT)
    keep = [p for j, p in enumerate(pool) if j not in drop]
    progress(f"background: {n:,} cases from {len(keep)} messages ({len(drop)} related to the set left out)")
    world = build_world(keep, clock.now(), seed=seed)
    return generated_ledger(world, n, fast=fast, progress=progress)
