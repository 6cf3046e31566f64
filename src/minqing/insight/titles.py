"""Hotspot titles a leader can read (issue 16): the place as people wrote it and the problem in a few
words — "丽发新城小区：搅拌站、噪音、粉尘" — never a district code (A市, A2区, K9县) and never a fragment of
a name the county's lexicon knows (万境 of 五矿万境). Pure, over the cluster's plain rows.

- **place**: the place mention (case `places`, found whole with the lexicon) most of the cluster's
  cases share — at least two of them and a quarter — that is no code, no generic word and, in a window of
  200 cases or more, not in over a fifth of it (a province, the city); where a longer form of it (丽发新城 → 丽发新城小区) is in
  a third of those cases, the longer one, as people wrote it. Else the village, else none.
- **problem**: the cluster's shared words (in at least half of its cases, most shared first), less generic
  words (text/keywords.GENERIC), codes, the place and its parts, and any proper part of a lexicon word
  the cluster holds, and any word neither the dictionary nor the lexicon knows (the segmenter's guesses:
  米外 of "30米外"); the first three, in the order the messages say them.
- A cluster whose shared words are all generic is **held together by nothing** (`specific` is empty):
  it does not rank as a hotspot (hotspots.cluster drops it)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from ..text.keywords import GENERIC, content_words
from ..text.segment import known_word

_CODE = re.compile(r"[A-Za-z]+\d*[省市县区州镇乡村]|^[A-Za-z0-9]+$")
PLACE_SHARE, PLACE_MIN, WINDOW_SHARE, WINDOW_MIN, LONGER_SHARE = 0.25, 2, 0.2, 200, 1 / 3
WORDS = 3


def is_code(word: str) -> bool:
    """A coded district (A市, a2区, K9县) or nothing but letters and digits."""
    return bool(_CODE.search(word))


def usable(word: str) -> bool:
    return len(word) >= 2 and not word.isdigit() and word not in GENERIC and not is_code(word)


def specific(shared: Iterable[str]) -> list[str]:
    """The shared words that say what the problem is: content words, no generic word, no code."""
    return [w for w in content_words(list(shared)) if usable(w)]


_EDGE_CODE = re.compile(r"^(?:[A-Za-z]+\d*[省市县区州镇乡村])+|(?:[A-Za-z]+\d*[省市县区州镇乡村])+$")


def uncoded(place: str) -> str:
    """A place mention without the codes before or after it (A市丽发新城 → 丽发新城, 五矿万境K9县 → 五矿万境)."""
    return _EDGE_CODE.sub("", place)


def choose_place(member_places: list[list[str]], window: Counter, rows: int, fallback: str = "") -> str:
    """member_places: each case's place mentions; window: in how many of the window's `rows` cases each
    place is mentioned (codes taken off both, `uncoded`)."""
    n = len(member_places)
    member_places = [[uncoded(p) for p in places] for places in member_places]
    common = WINDOW_SHARE * rows if rows >= WINDOW_MIN else rows  # a small window: every place may name it
    counts = Counter(p for places in member_places for p in set(places) if usable(p) and window.get(p, 0) <= common)
    best = [(k, p) for p, k in counts.items() if k >= max(PLACE_MIN, PLACE_SHARE * n)]
    if not best:
        return fallback if fallback and not is_code(fallback) else ""
    k, place = max(best, key=lambda b: (b[0], len(b[1])))
    longer = [(j, q) for q, j in counts.items() if q != place and place in q and j >= LONGER_SHARE * k]
    return max(longer)[1] if longer else place


def problem_words(shared: list[str], place: str, lexicon: Iterable[str], tokens: list[list[str]],
                  k: int = WORDS) -> list[str]:
    """Up to k words saying what the problem is (see the module's docstring); `tokens`: the cases' words in
    text order, for the order the words are said in."""
    held = set().union(*map(set, tokens)) if tokens else set()
    names = {w for w in lexicon if w in held} | ({place} if place else set())

    def fragment(w: str) -> bool:
        return any(w != name and w in name for name in names) or (place and (w in place or place in w))

    candidates = [w for w in specific(shared) if known_word(w)]
    candidates = [w for w in candidates if not any(w != o and w in o for o in candidates)]  # 搅拌站, not 搅拌
    chosen: list[str] = []
    for w in candidates:
        if fragment(w) or any(w in c or c in w for c in chosen):
            continue
        chosen.append(w)
        if len(chosen) == k:
            break

    def said_at(w: str) -> float:
        at = [t.index(w) / len(t) for t in tokens if w in t]
        return sum(at) / len(at) if at else 1.0

    return sorted(chosen, key=said_at)


def title(place: str, words: list[str]) -> str:
    what = "、".join(words)
    return f"{place}：{what}" if place and what else (place or what)
