"""What a reply assessment compares against (pure): how common each word is in citizens' messages (so
that 停车 weighs less than 景蓉华苑) and how many replies say each short run of characters (so that
"您的留言已收悉" is known for the formula it is), and how many replies use each word (so that a reply
naming an estate its message never mentioned stands out, and 核实 does not), and how many replies use
each character (so that a reply saying 种植蔬菜 for 种菜 is seen to share 菜, a rare one, not 的); and the
boilerplate part of the assessment, which reads the shingle counts.

`ReplyCorpus` holds these counts. The ledger builds one from its own messages and replies
(ledger/reply_quality.py); a county too young to have replies borrows the shipped sample statistics
(`data/reply_stats.json.gz`: word document frequencies of 2,500 real messages and the character
6-grams that at least three of their 2,500 real government replies share), rebuilt with
`python -m minqing.text.reply_corpus FILE.xlsx`. Shingles are taken after `fold`: numbers,
coded names (A00023583, A2区) and punctuation folded, so "2019年5月9日" and "2020年1月2日" are the same
formula, and a reply that repeats a formula with another date is still repeating it."""

from __future__ import annotations

import functools
import gzip
import json
import math
import re
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .normalise import normalise

STATS = Path(__file__).parent / "data" / "reply_stats.json.gz"
SHINGLE = 6  # characters in one shingle: long enough to be a phrase, short enough to survive an edit
KEEP_WORD_DF, KEEP_SHINGLE_DF = 2, 3  # what the shipped file keeps (rarer counts say nothing)
BOILERPLATE_AT = 0.6  # share of formula from which a reply is flagged as boilerplate
COMMON_MIN, COMMON_SHARE = 5, 0.01  # a shingle is a formula in max(5, 1% of the replies) or more
REPLY_HEADERS = ("答复意见", "答复内容", "回复意见", "回复内容", "答复", "回复", "reply", "answer")

_CODED = re.compile(r"[A-Za-z0-9０-９.．]+")
CODED_PLACE = re.compile(r"[A-Za-z]+\d*(?:省|市|区|县)")  # a place name as anonymised exports write it: A市, L6县
_NOISE = re.compile(r"[\W_]+", re.UNICODE)
# the same in a case's stored search tokens, where the segmenter has split it: "l6 县"
_CODED_TOKENS = re.compile(r"(?<!\S)([a-z]+\d*) (省|市|区|县)(?!\S)")


def fold(normalised: str) -> str:
    """The reply as compared for boilerplate: numbers and codes folded to 0, no punctuation."""
    return _NOISE.sub("", _CODED.sub("0", normalised))


def shingles(folded: str) -> set[str]:
    return {folded[i:i + SHINGLE] for i in range(len(folded) - SHINGLE + 1)}


def counted_words(normalised: str) -> list[str]:
    """The words a corpus counts: the segmenter's, and each coded place name whole (L6县, not l6 + 县)."""
    from .segment import words

    return words(normalised) + CODED_PLACE.findall(normalised)


def token_words(search_text: str) -> set[str]:
    """The words a corpus counts in a case's stored search tokens (ledger/search.py): the tokens, and each
    coded place name whole, as `counted_words` counts them in a text (the tokens are lower case, the codes
    as exports write them are not: l6 县 is L6县)."""
    return set(search_text.split()) | {a.upper() + b for a, b in _CODED_TOKENS.findall(search_text)}


class ReplyCorpus:
    """Word document frequencies over `messages` messages and shingle document frequencies over
    `replies` replies; counts add up (`merged`), so the ledger's and the sample's can be combined."""

    def __init__(self, word_df: Counter | None = None, messages: int = 0, shingle_df: Counter | None = None,
                 replies: int = 0, reply_word_df: Counter | None = None, reply_words: int = 0,
                 char_df: Counter | None = None):
        self.word_df = word_df if word_df is not None else Counter()
        self.messages = messages
        self.shingle_df = shingle_df if shingle_df is not None else Counter()
        self.replies = replies
        self.reply_word_df = reply_word_df if reply_word_df is not None else Counter()  # words of replies …
        self.reply_words = reply_words  # … over this many replies (the ledger segments a sample of them)
        self.char_df = char_df if char_df is not None else Counter()  # characters of the `replies` replies

    @classmethod
    def build(cls, messages: Iterable[str] = (), replies: Iterable[str] = ()) -> ReplyCorpus:
        """`messages` are texts (title and body), `replies` reply texts; both normalised here."""
        corpus = cls()
        for text in messages:
            corpus.messages += 1
            corpus.word_df.update(set(counted_words(normalise(text)[:3000])))
        for text in replies:
            corpus.add_reply(text)
        return corpus

    def add_reply(self, text: str, with_words: bool = True) -> None:
        """Counts a reply: its shingles, its characters and (`with_words`: segmenting is the costly part)
        its words."""
        normalised = normalise(text)
        self.replies += 1
        self.shingle_df.update(shingles(fold(normalised)))
        self.char_df.update(set(normalised))
        if with_words:
            self.add_reply_words(counted_words(normalised[:3000]))

    def add_reply_words(self, reply_words: Iterable[str]) -> None:
        self.reply_words += 1
        self.reply_word_df.update(set(reply_words))

    def merged(self, other: ReplyCorpus) -> ReplyCorpus:
        return ReplyCorpus(self.word_df + other.word_df, self.messages + other.messages,
                           self.shingle_df + other.shingle_df, self.replies + other.replies,
                           self.reply_word_df + other.reply_word_df, self.reply_words + other.reply_words,
                           self.char_df + other.char_df)

    def idf(self, word: str) -> float:
        return math.log((self.messages + 1) / (self.word_df.get(word, 0) + 1)) + 1.0

    def reply_idf(self, word: str) -> float:
        """How rare a word is among replies: 0 for one every reply uses (核实, 工作人员), high for a name."""
        return math.log((self.reply_words + 1) / (self.reply_word_df.get(word, 0) + 1))

    def char_idf(self, char: str) -> float:
        """How rare a character is among replies: 0 for one every reply uses (的、您、局), high for 菜 or 尘."""
        return math.log((self.replies + 1) / (self.char_df.get(char, 0) + 1))

    def common_at(self) -> float:
        """Replies a shingle must be found in to count as a formula."""
        return max(COMMON_MIN, COMMON_SHARE * self.replies)

    def to_json(self) -> dict:
        return {"messages": self.messages, "replies": self.replies, "shingle": SHINGLE,
                "word_df": {w: n for w, n in self.word_df.items() if n >= KEEP_WORD_DF},
                "shingle_df": {s: n for s, n in self.shingle_df.items() if n >= KEEP_SHINGLE_DF},
                "reply_words": self.reply_words,
                "reply_word_df": {w: n for w, n in self.reply_word_df.items() if n >= KEEP_WORD_DF},
                "char_df": {c: n for c, n in self.char_df.items() if n >= KEEP_WORD_DF}}

    @classmethod
    def from_json(cls, d: dict) -> ReplyCorpus:
        return cls(Counter(d.get("word_df", {})), int(d.get("messages", 0)), Counter(d.get("shingle_df", {})),
                   int(d.get("replies", 0)), Counter(d.get("reply_word_df", {})), int(d.get("reply_words", 0)),
                   Counter(d.get("char_df", {})))


@dataclass
class Boilerplate:
    flagged: bool
    share: float
    phrases: list[str] = field(default_factory=list)


def boilerplate(reply: str, corpus: ReplyCorpus) -> Boilerplate:
    """The share of the reply's characters inside a shingle that max(5, 1%) of the corpus's replies share."""
    folded = fold(reply)
    if len(folded) < SHINGLE or not corpus.replies:
        return Boilerplate(False, 0.0)
    at, df = corpus.common_at(), corpus.shingle_df
    covered = [False] * len(folded)
    for i in range(len(folded) - SHINGLE + 1):
        if df.get(folded[i:i + SHINGLE], 0) >= at:
            covered[i:i + SHINGLE] = [True] * SHINGLE
    share = sum(covered) / len(folded)
    phrases, i = [], 0
    while i < len(folded) and len(phrases) < 5:  # the longest formula runs, for the handler to see
        if covered[i]:
            j = i
            while j < len(folded) and covered[j]:
                j += 1
            if j - i >= 8:
                phrases.append(folded[i:j][:30])
            i = j
        else:
            i += 1
    return Boilerplate(share >= BOILERPLATE_AT, round(share, 3), phrases)


@functools.cache
def sample_corpus() -> ReplyCorpus:
    """The shipped statistics (an empty corpus if a package was built without its data)."""
    try:
        with gzip.open(STATS, "rt", encoding="utf-8") as f:
            return ReplyCorpus.from_json(json.load(f))
    except OSError:
        return ReplyCorpus()


def read_replies(path) -> list[tuple[str, str, str]]:
    """(title, text, reply) of each row of an Excel file in the TipDM format (loose headers) that has a reply."""
    from python_calamine import CalamineWorkbook

    from .corpus import TEXT_HEADERS, TITLE_HEADERS, _find

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    start = next((i for i, row in enumerate(rows[:10])
                  if _find([str(h or "").strip() for h in row], REPLY_HEADERS) is not None), None)
    if start is None:
        raise ValueError(f"{Path(path).name}: no 答复意见 column in the first ten rows")
    header = [str(h or "").strip() for h in rows[start]]
    ri = _find(header, REPLY_HEADERS)
    ti, xi = _find(header, TITLE_HEADERS), _find(header, TEXT_HEADERS)
    out = []
    for row in rows[start + 1:]:
        def cell(i, row=row):
            return "" if i is None or i >= len(row) or row[i] is None else str(row[i]).strip()

        if cell(ri) and (cell(ti) or cell(xi)):
            out.append((cell(ti), cell(xi), cell(ri)))
    return out


def build_stats(path, out: Path = STATS) -> Path:
    rows = read_replies(path)
    corpus = ReplyCorpus.build((f"{t} {x}" for t, x, _r in rows), (r for _t, _x, r in rows))
    out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(out, "wb", compresslevel=9, mtime=0) as raw:
        raw.write(json.dumps(corpus.to_json(), ensure_ascii=False, sort_keys=True).encode("utf-8"))
    return out


if __name__ == "__main__":
    target = build_stats(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[4] / "shared"
                         / "data" / "tipdm2020c" / "messages_with_replies.xlsx")
    print(f"wrote {target} ({target.stat().st_size:,} bytes)")
