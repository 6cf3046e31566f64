"""How a citizen re-types, translates or retells a message: the variants a probe is made of.

- `edit`: 3–5 random edits (a greeting, changed digits, a clause deleted, words inserted,
  characters swapped or deleted);
- `traditional`: the copy in traditional script (OpenCC s2t);
- `paraphrase`: the title and 40–60% of the sentences, lightly edited, sometimes with a closing line.

Also used by the intake latency benchmark (an edited copy must still be found at scale)."""

from __future__ import annotations

import random
import re

from .._data import _SENTENCE

GREETINGS = ("您好！", "领导您好，", "尊敬的领导：", "你好，我想反映一个问题。", "书记您好！")
FILLERS = ("真的", "非常", "一直", "实在", "确实", "现在", "特别")
CLOSINGS = ("谢谢！", "希望尽快解决。", "望领导重视。", "盼复。", "恳请相关部门尽快处理。")
_SPACE = re.compile(r"\s+")
_CLAUSE = re.compile(r"[^，,。！？!?；;]+[，,。！？!?；;]*")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_DIGIT = re.compile(r"\d")


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text or "").strip()


def _split_units(text: str) -> list[str]:
    sents = [s for s in _SENTENCE.findall(text) if s.strip()]
    if len(sents) >= 2:
        return sents
    return [c for c in _CLAUSE.findall(text) if c.strip()]


def _han_positions(s: str) -> list[int]:
    return [m.start() for m in _HAN.finditer(s)]


def edit(text: str, rng: random.Random, ops: int | None = None) -> str:
    """A citizen's re-typing of the same message: 3–5 of greeting, changed digits, a clause dropped,
    words inserted, neighbouring characters swapped, characters dropped."""
    t = _clean(text)

    def greet(s):
        return rng.choice(GREETINGS) + s

    def digits(s):
        if not _DIGIT.search(s):
            return s + rng.choice(CLOSINGS)
        return _DIGIT.sub(lambda m: str((int(m.group()) + rng.randint(1, 9)) % 10), s, count=2)

    def drop_clause(s):
        clauses = _CLAUSE.findall(s)
        if len(clauses) < 4:
            return drop_chars(s)
        del clauses[rng.randrange(1, len(clauses))]
        return "".join(clauses)

    def insert(s):
        for _ in range(2):
            pos = _han_positions(s)
            if pos:
                k = rng.choice(pos)
                s = s[:k] + rng.choice(FILLERS) + s[k:]
        return s

    def swap(s):
        for _ in range(2):
            pos = [p for p in _han_positions(s) if p + 1 < len(s) and _HAN.match(s[p + 1])]
            if pos:
                k = rng.choice(pos)
                s = s[:k] + s[k + 1] + s[k] + s[k + 2:]
        return s

    def drop_chars(s):
        for _ in range(3):
            pos = _han_positions(s)
            if len(pos) > 8:
                k = rng.choice(pos)
                s = s[:k] + s[k + 1:]
        return s

    chosen = rng.sample([greet, digits, drop_clause, insert, swap, drop_chars], ops or rng.randint(3, 5))
    for op in chosen:
        t = op(t)
    return t


def edit_title(title: str, rng: random.Random) -> str:
    if not title or rng.random() < 0.5:
        return title
    return edit(title, rng, ops=1)


def paraphrase(text: str, rng: random.Random) -> str:
    """The same complaint told shorter: sentences (clauses for a one-sentence message) drawn at random
    until 40–60% of the text is kept, in their order, lightly edited, sometimes with a closing line."""
    t = _clean(text)
    units = _split_units(t)
    out = t
    if len(units) >= 2:
        target = len(t) * rng.uniform(0.4, 0.6)
        order = list(range(len(units)))
        rng.shuffle(order)
        keep, kept = [], 0
        for i in order:
            if kept >= target:
                break
            keep.append(i)
            kept += len(units[i])
        if len(keep) == len(units):
            keep.pop()
        out = "".join(units[i] for i in sorted(keep))
    out = edit(out, rng, ops=rng.randint(1, 2))
    if rng.random() < 0.5:
        out += rng.choice(CLOSINGS)
    return out


_s2t = None


def traditional(text: str) -> str:
    global _s2t
    if _s2t is None:
        import opencc

        _s2t = opencc.OpenCC("s2t")
    return _s2t.convert(text)
