"""Word segmentation with jieba and a user dictionary built from the unit tree, so that local
place and unit names ("桂花坪街道", "洋湖村") stay whole words.

The segmenter is loaded once per process. `search_tokens` is what the full-text index stores and
what a query is split into (words joined by spaces: SQLite FTS5 unicode61 and PostgreSQL `simple`
then treat each word as a token)."""

import logging
import re
import threading

import jieba

jieba.setLogLevel(logging.WARNING)
_lock = threading.Lock()
_loaded_names: set[str] = set()
_PUNCT = re.compile(r"[\W_]+", re.UNICODE)
STOPWORDS = frozenset("的 了 是 在 和 与 及 或 也 都 就 而 我 你 他 她 它 我们 你们 他们 这 那 有 个 之 把 被 让 给 对 从 到 为 请 吗 呢 啊 吧".split())


def add_words(names) -> None:
    """Teach the segmenter local names (idempotent, thread-safe)."""
    with _lock:
        for name in names:
            name = (name or "").strip()
            if name and name not in _loaded_names and len(name) > 1:
                jieba.add_word(name, freq=20000)
                _loaded_names.add(name)


def words(text: str) -> list[str]:
    """Content words of a (normalised) text, in order; punctuation and stopwords dropped."""
    out = []
    for w in jieba.lcut(text):
        w = _PUNCT.sub("", w).lower()
        if w and w not in STOPWORDS:
            out.append(w)
    return out


def search_tokens(text: str) -> str:
    """Index form: the search-mode cut (long words also yield their sub-words), space-joined."""
    seen, out = set(), []
    for w in jieba.cut_for_search(text):
        w = _PUNCT.sub("", w).lower()
        if w and w not in STOPWORDS and w not in seen:
            seen.add(w)
            out.append(w)
    return " ".join(out)
