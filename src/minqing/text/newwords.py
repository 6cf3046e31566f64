"""New-word discovery (pure): the multi-character words a county's citizens write that the segmenter's
dictionary lacks — estates and communities (五矿万境, 伊景园滨河苑, 丽发新城), companies, roads, schools,
schemes (58车贷) — found in the ledger's own text by the standard unsupervised measures:

- **frequency**: at least `min_count` occurrences;
- **internal cohesion**: the pointwise mutual information of the weakest split,
  min over split points of log(p(w) / (p(left) · p(right))) — a name's parts occur together far more
  often than chance would put them side by side;
- **boundary freedom**: the entropy of the characters just left and just right of the word, the smaller
  of the two — a whole word is found in many contexts, a fragment (丽发新 of 丽发新城) always before the
  same character. A text's start or end, or punctuation, counts as a new neighbour each time;
- **dominance**: the word accounts for a good share of the occurrences of at least one of the pieces the
  segmenter would cut it into (丽发 is almost only ever in 丽发新城; 业主 is in a thousand other phrases, so
  业主反映 is a phrase, not a word);
- and it is new: the caller's segmenter (`cut`) does not already keep it whole.

Counting is level by level (a string of n characters is counted only when both of its (n−1)-character
parts are frequent), so memory stays proportional to the frequent strings, not to all of them.
`discover` takes plain texts and returns `Found` records; storing, reviewing and feeding them back to
the segmenter is the caller's business (org/lexicon.py)."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

MIN_COUNT = 5
MIN_PMI = 3.0  # natural log: the parts together ≥ e^3 ≈ 20× more often than chance
MIN_ENTROPY = 1.0  # nats, the smaller of the left and right boundary entropies
MIN_DOMINANCE = 0.5
MAX_LEN = 7
MIN_LEN = 3  # two-character names the segmenter's own model (HMM) mostly finds; most two-character finds are not words
# A run of text that can hold a word: Chinese characters, and digits before them (58车贷, 12345热线).
_RUN = re.compile(r"[0-9]*[\u4e00-\u9fff]+(?:[0-9]+[\u4e00-\u9fff]+)*")
# Coded places of anonymised data (A市, A2区, K9县) are boundaries; a name written in characters (西地省) is not.
_CODE = re.compile(r"[A-Za-z]+[0-9]*[省市县区州镇乡村]?")
# Characters a word does not start or end with: particles, pronouns, prepositions, conjunctions, measure
# and function characters. A string starting or ending with one is a phrase across a word boundary.
EDGE = frozenset("内以的了是在和与及或也都就不没被把对从到为将已要能会可让给向于以其此该所并且而但却才再很又还"
                 "我你他她它们这那有个些吗呢啊吧着过等各每某本该由即则如若因故且之哪谁啥么么上下中里外前后")
_NO_START = frozenset("路街巷号栋楼层第章条")  # the end of an address: 开元路|交汇处, 3栋|楼下
_DATE = re.compile(r"^[年月日][0-9一二三四五六七八九十元初中底末份内前后上下旬号过晚早]")  # the tail of a date: 月中旬, 年元月份
_MEASURE = frozenset("年月日号时点分秒元角万亿千百十个米平方公里斤吨次天周岁倍条栋楼层期户人套间辆家所项位名")  # after digits
# Place words: a name ending in one, or followed by one, is a place (kept whole in `places`).
PLACE_ENDINGS = ("小区", "花园", "花苑", "家园", "公寓", "大厦", "广场", "公园", "社区", "新城", "新村", "之城", "苑", "园",
                 "城", "府", "湾", "庭", "郡", "邸", "墅", "境", "里", "坊", "苑", "湖", "路", "街", "巷", "道", "村", "镇",
                 "乡", "桥", "中学", "小学", "学校", "学院", "大学", "幼儿园", "医院", "卫生院", "市场", "车站", "工业园",
                 "产业园", "开发区")
NOT_PLACES = ("政府", "党委", "市委", "县委", "区委", "公司", "集团")  # 市委市政府 ends in 府, 某某公司园 …
PLACE_NEXT = ("小区", "楼盘", "项目", "业主", "社区", "花园", "二期", "三期", "一期", "片区", "附近", "周边", "门口",
              "对面", "旁边", "路段", "路口")


@dataclass(frozen=True)
class Found:
    word: str
    count: int
    cohesion: float  # PMI of the weakest split (nats)
    entropy: float  # min(left, right) boundary entropy (nats)
    dominance: float
    place: bool  # reads as a place name (ends in a place word, or is often followed by one)

    @property
    def score(self) -> float:
        return round(math.log1p(self.count) * min(self.cohesion, 8.0) * min(self.entropy, 3.0), 3)


def runs(texts: Iterable[str]) -> list[str]:
    """The stretches of text a word can lie in (everything else is a boundary)."""
    out = []
    for t in texts:
        out.extend(_RUN.findall(_CODE.sub(" ", t or "")))
    return out


def _count(pieces: list[str], max_len: int, min_count: int) -> dict[int, Counter]:
    counts: dict[int, Counter] = {1: Counter()}
    for p in pieces:
        counts[1].update(p)
    for n in range(2, max_len + 1):
        prev = counts[n - 1]
        c: Counter = Counter()
        for p in pieces:
            for i in range(len(p) - n + 1):
                s = p[i:i + n]
                if prev.get(s[:-1], 0) >= min_count and prev.get(s[1:], 0) >= min_count:
                    c[s] += 1
        counts[n] = Counter({s: k for s, k in c.items() if k >= min_count})
        if not counts[n]:
            break
    return counts


def _entropy(neighbours: Counter, unique: int) -> float:
    total = sum(neighbours.values()) + unique
    if not total:
        return 0.0
    h = -sum(k / total * math.log(k / total) for k in neighbours.values())
    return h + unique * (math.log(total) / total)  # each boundary a neighbour of its own


def _neighbours(pieces: list[str], words: set[str], max_len: int):
    left: dict[str, Counter] = defaultdict(Counter)
    right: dict[str, Counter] = defaultdict(Counter)
    edge_l: Counter = Counter()
    edge_r: Counter = Counter()
    for p in pieces:
        n = len(p)
        for i in range(n):
            for k in range(2, min(max_len, n - i) + 1):
                s = p[i:i + k]
                if s not in words:
                    continue
                if i:
                    left[s][p[i - 1]] += 1
                else:
                    edge_l[s] += 1
                if i + k < n:
                    right[s][p[i + k]] += 1
                else:
                    edge_r[s] += 1
    return left, right, edge_l, edge_r


def plausible(s: str) -> bool:
    """Could be a word at all: no function character at either end or 的/了 inside, not the tail of an
    address or a date; digits only in front of at least two characters that are no measure (58车贷, not
    3号楼 or 9月1日)."""
    if s[0] in EDGE or s[-1] in EDGE or s[0] in _NO_START or "的" in s or "了" in s or _DATE.match(s):
        return False
    head = len(s) - len(s.lstrip("0123456789"))
    if any(ch.isdigit() for ch in s[head:]):
        return False
    return not head or (len(s) - head >= 2 and s[head] not in _MEASURE)


def is_place(word: str, right: Counter | None = None, count: int = 0) -> bool:
    """A place name: ends in a place word, or a fifth of its occurrences are followed by one."""
    if word.endswith(NOT_PLACES):
        return False
    if word.endswith(PLACE_ENDINGS):
        return True
    if not right or not count:
        return False
    return sum(k for nxt, k in right.items() if nxt in {p[0] for p in PLACE_NEXT}) >= 0.2 * count


def pieces_of(word: str, cut: Callable[[str], list[str]] | None) -> list[str] | None:
    """The parts the segmenter cuts `word` into, consecutive single characters taken together (丽/发/新城 →
    丽发, 新城: an unknown name's characters are one part), or None when it keeps the word whole."""
    raw = cut(word) if cut else [word[:len(word) // 2], word[len(word) // 2:]]
    if len(raw) <= 1:
        return None
    out: list[str] = []
    single = False
    for p in raw:
        if len(p) == 1 and single:
            out[-1] += p
        else:
            out.append(p)
            single = len(p) == 1
    return out


def discover(texts: Iterable[str], cut: Callable[[str], list[str]] | None = None, *, min_count: int = MIN_COUNT,
             min_pmi: float = MIN_PMI, min_entropy: float = MIN_ENTROPY, min_dominance: float = MIN_DOMINANCE,
             max_len: int = MAX_LEN, min_len: int = MIN_LEN, known: Iterable[str] = ()) -> list[Found]:
    """Words of `min_len` to `max_len` characters found in
    `texts` that `cut` (the segmenter, its dictionary as it is) does not keep whole, best first.
    `known`: words already in the lexicon (skipped)."""
    pieces = runs(texts)
    counts = _count(pieces, max_len + 1, min_count)
    total = sum(counts[1].values()) or 1
    known = set(known)

    def logp(s: str) -> float:
        return math.log(counts.get(len(s), {}).get(s, 0.5) / total)

    candidates: dict[str, tuple[int, float]] = {}
    for n in range(min_len, max_len + 1):
        for s, k in counts.get(n, {}).items():
            if s in known or not plausible(s):
                continue
            pmi = min(logp(s) - logp(s[:i]) - logp(s[i:]) for i in range(1, n))
            if pmi >= min_pmi:
                candidates[s] = (k, pmi)
    left, right, edge_l, edge_r = _neighbours(pieces, set(candidates), max_len)
    out: list[Found] = []
    for s, (k, pmi) in candidates.items():
        h = min(_entropy(left[s], edge_l[s]), _entropy(right[s], edge_r[s]))
        if h < min_entropy:
            continue
        parts = pieces_of(s, cut)
        if parts is None:
            continue  # the dictionary keeps it whole already
        dominance = max(k / max(k, counts.get(len(p), {}).get(p, k)) for p in parts)
        if dominance < min_dominance:
            continue
        out.append(Found(s, k, round(pmi, 3), round(h, 3), round(dominance, 3), is_place(s, right[s], k)))
    out = _drop_fragments(out)
    out.sort(key=lambda f: (-f.score, f.word))
    return out


def _drop_fragments(found: list[Found]) -> list[Found]:
    """A word inside a longer found word, nearly always as part of it (count within 20%), is a fragment:
    伊景园滨河 of 伊景园滨河苑. And a longer one that only adds a place word to a shorter one with most of
    its occurrences is the name with its suffix (丽发新城小区 beside 丽发新城): the shorter is kept —
    people write it both ways, and `places` adds the suffix where it is written."""
    by_word = {f.word: f for f in found}
    drop = set()
    for f in found:
        for g in found:
            if f is g or f.word not in g.word:
                continue
            if g.word.startswith(f.word) and g.word[len(f.word):] in PLACE_NEXT + PLACE_ENDINGS:
                drop.add(g.word)
            elif g.count >= 0.8 * f.count:
                drop.add(f.word)
    return [f for w, f in by_word.items() if w not in drop]
