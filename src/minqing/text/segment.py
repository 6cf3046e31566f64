"""Word segmentation with jieba and a user dictionary built from the unit tree and the county's lexicon
(words discovered in the ledger's own text, text/newwords.py, and those an administrator added), so that
local place and unit names ("桂花坪街道", "洋湖村", "五矿万境", "伊景园滨河苑") stay whole words.

The segmenter is loaded once per process. `search_tokens` is what the full-text index stores and
what a query is split into (words joined by spaces: SQLite FTS5 unicode61 and PostgreSQL `simple`
then treat each word as a token)."""

import logging
import re
import threading

import jieba

from .cut import lcut, lcut_for_search

jieba.setLogLevel(logging.WARNING)
_lock = threading.Lock()
_PUNCT = re.compile(r"[\W_]+", re.UNICODE)
STOPWORDS = frozenset("的 了 是 在 和 与 及 或 也 都 就 而 我 你 他 她 它 我们 你们 他们 这 那 有 个 之 把 被 让 给 对 从 到 为 请 吗 呢 啊 吧".split())


def _set_frequency(word: str, freq: int) -> None:
    """Give a word its frequency (0: no word), keeping the dictionary's total the sum of its words' — jieba's
    add_word adds the new frequency to it and never takes the old one away, so a process that had taught and
    forgotten words would cut otherwise than one started with the same dictionary."""
    jieba.dt.check_initialized()
    old = jieba.dt.FREQ.get(word, 0)
    jieba.add_word(word, freq=freq)
    jieba.dt.total -= old


_units: set[str] = set()  # the unit tree's names now taught (add_words)
_lexicon: set[str] = set()  # the county lexicon's words now taught (set_lexicon)
_before: dict[str, int] = {}  # what the dictionary said of each taught word before: restored when one goes


def _teach(name: str) -> None:
    if name not in _units and name not in _lexicon:
        jieba.dt.check_initialized()
        _before.setdefault(name, jieba.dt.FREQ.get(name, 0))
        _set_frequency(name, 20000)


def add_words(names) -> None:
    """Teach the segmenter local names (idempotent, thread-safe)."""
    with _lock:
        for name in names:
            name = (name or "").strip()
            if len(name) > 1 and name not in _units:
                _teach(name)
                _units.add(name)


def set_lexicon(names) -> tuple[int, int]:
    """Make the county's lexicon (org/lexicon.py: discovered and admin words) exactly `names`: new words are
    taught, words no longer in it are forgotten (a dictionary word comes back as it was; a unit's name stays).
    Returns (added, removed). Thread-safe; the caller decides when (a version check) — this only applies the
    list. Taught and forgotten, a word leaves the dictionary's total as it found it."""
    wanted = {n.strip() for n in names if n and len(n.strip()) > 1}
    with _lock:
        gone, new = _lexicon - wanted, wanted - _lexicon
        for name in new:
            _teach(name)
            _lexicon.add(name)
        for name in gone:
            _lexicon.discard(name)
            if name not in _units:
                _set_frequency(name, _before.pop(name, 0))  # 0: no word again (jieba then splits it by force)
    return len(new), len(gone)


def _taught(word: str) -> bool:
    return word in _units or word in _lexicon


def dictionary_cut(word: str) -> list[str]:
    """How the dictionary as it is (lexicon included) cuts a word, without guessing unknown words (no HMM):
    a word it keeps whole is known (text/newwords.py)."""
    return jieba.lcut(word, HMM=False)


def known_word(word: str) -> bool:
    """In the dictionary or the lexicon — not a guess of the segmenter's model for unknown words (米外 of
    "30米外"): what a hotspot title may say."""
    return jieba.dt.FREQ.get(word, 0) > 0 or _taught(word)


def general_word(word: str) -> bool:
    """In jieba's general dictionary, and not a local name taught to it (the unit tree's places, the
    lexicon's words): 工作人员 is, 金碧文华 or 青山村 is not (text/replies.py: the names a reply gives)."""
    jieba.dt.check_initialized()
    return jieba.dt.FREQ.get(word, 0) > 0 and not _taught(word)


def lexicon() -> frozenset[str]:
    return frozenset(_lexicon)


# A coded district (A7县, A市, K9县 in anonymised data) ends a word: without the break the segmenter's
# guesser glues its suffix to the next name ("A7县星沙" → a7 县星 沙镇).
_CODED = re.compile(r"(?<=[A-Za-z0-9][省市县区州镇乡村])(?=[\u4e00-\u9fff])")


def _breaks(text: str) -> str:
    return _CODED.sub(" ", text)


def words(text: str) -> list[str]:
    """Content words of a (normalised) text, in order; punctuation and stopwords dropped."""
    out = []
    for w in lcut(_breaks(text)):  # jieba's accurate cut, faster (text/cut.py)
        w = _PUNCT.sub("", w).lower()
        if w and w not in STOPWORDS:
            out.append(w)
    return out


def search_tokens(text: str) -> str:
    """Index form: the search-mode cut (long words also yield their sub-words), space-joined."""
    seen, out = set(), []
    for w in lcut_for_search(_breaks(text)):
        w = _PUNCT.sub("", w).lower()
        if w and w not in STOPWORDS and w not in seen:
            seen.add(w)
            out.append(w)
    return " ".join(out)
