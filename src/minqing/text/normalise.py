"""Normalisation of Chinese input: traditional → simplified, full-width → half-width (NFKC),
whitespace collapsed. The original text is always kept beside the normalised one."""

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _t2s():
    import opencc  # opencc-python-reimplemented: pure Python, no download

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional() -> frozenset[str]:
    """Every character that can start a change in t2s: the keys of its character table, and the characters
    of the few phrases that change without one of them (沈默 → 沉默). A text with none of them is already
    simplified, and converting it (pure Python, ~1 ms a thousand characters) would return it unchanged."""
    import opencc

    folder = Path(opencc.__file__).parent / "dictionary"
    table = lambda name: [line.rstrip("\n").split("\t") for line in  # noqa: E731
                          (folder / name).read_text(encoding="utf-8").splitlines() if "\t" in line]
    chars = {key for key, _value in table("TSCharacters.txt")}
    for key, value in table("TSPhrases.txt"):
        if key != value.split(" ")[0] and chars.isdisjoint(key):
            chars.update(key)
    return frozenset(chars)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    # NFKC turns the ideographic comma and full stop into themselves, but full-width ASCII into ASCII.
    if not _traditional().isdisjoint(text):
        text = _t2s().convert(text)
    return _SPACE.sub(" ", text).strip()
