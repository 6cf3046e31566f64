"""jieba's accurate cut (`jieba.lcut(text)`: the dictionary's best path, its hidden Markov model for runs of
characters it does not know) and its search cut (`jieba.lcut_for_search`, what the index stores), word for
word the same, in about two thirds of the time.

jieba finds the best path in two passes: it builds the graph of every dictionary word starting at each
character (a dict of lists), then takes `max` over a generator of tuples at each character, from the end.
`_best_path` does both in one pass over the same dictionary, the same logarithms and the same order of
adding them, so every float is the one jieba computes and every tie is broken as jieba breaks it (the
longer word: `max` over (probability, end) prefers the larger end). The rest — the blocks of Chinese
characters and of others, the hidden Markov model for unknown runs — is jieba's own code.

It reads the default tokenizer's dictionary as it is now: a word taught with `jieba.add_word` (the unit
tree, the lexicon: text/segment.py) counts at once. `tests/test_cut.py` holds it to jieba's output;
`python -m minqing.bench segment` measures both on the shared files."""

from math import log

import jieba
from jieba import finalseg, re_han_default, re_skip_default


def _best_path(sentence: str, freq: dict[str, int], logtotal: float) -> list[int]:
    """For each character, where the word that starts there on the most probable path ends."""
    n = len(sentence)
    best = [0.0] * (n + 1)  # log-probability of the best path from each character to the end
    ends = list(range(n + 1))
    for k in range(n - 1, -1, -1):
        f = freq.get(sentence[k])  # the character alone (0 or absent: no word, counted as 1, as jieba does)
        score, end, word = log(f or 1) - logtotal + best[k + 1], k, bool(f)
        i = k + 1
        while f is not None and i < n:  # on while the dictionary knows a word that starts so
            f = freq.get(sentence[k:i + 1])
            if f:
                value = log(f) - logtotal + best[i + 1]
                if value >= score or not word:  # a tie goes to the longer word, as jieba's max does
                    score, end, word = value, i, True
            i += 1
        best[k], ends[k] = score, end
    return ends


def _unknown(run: str, freq: dict[str, int]) -> list[str]:
    """A run of single characters on the best path: one character; a dictionary word said by characters;
    or what the hidden Markov model makes of it."""
    if len(run) == 1:
        return [run]
    return list(run) if freq.get(run) else list(finalseg.cut(run))


def _cut_block(sentence: str, freq: dict[str, int], logtotal: float) -> list[str]:
    ends = _best_path(sentence, freq, logtotal)
    out, run, x, n = [], "", 0, len(sentence)
    while x < n:
        y = ends[x] + 1
        if y - x == 1:
            run += sentence[x]
        else:
            if run:
                out += _unknown(run, freq)
                run = ""
            out.append(sentence[x:y])
        x = y
    if run:
        out += _unknown(run, freq)
    return out


def lcut(text: str) -> list[str]:
    """The same list as `jieba.lcut(text)`."""
    tokenizer = jieba.dt
    tokenizer.check_initialized()
    freq, logtotal = tokenizer.FREQ, log(tokenizer.total)
    out: list[str] = []
    for block in re_han_default.split(text):
        if not block:
            continue
        if re_han_default.match(block):
            out += _cut_block(block, freq, logtotal)
        else:
            for piece in re_skip_default.split(block):
                if re_skip_default.match(piece):
                    out.append(piece)
                else:
                    out += piece  # characters one by one
    return out


def lcut_for_search(text: str) -> list[str]:
    """The same list as `jieba.lcut_for_search(text)`: each word of the accurate cut, after the dictionary's
    two- and three-character words inside it (the index finds 金碧文华 by 文华 too)."""
    freq = jieba.dt.FREQ
    out: list[str] = []
    for w in lcut(text):
        for size in (2, 3):
            if len(w) > size:
                out += [w[i:i + size] for i in range(len(w) - size + 1) if freq.get(w[i:i + size])]
        out.append(w)
    return out
