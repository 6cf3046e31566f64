"""Normalisation of Chinese input: traditional → simplified, full-width → half-width (NFKC),
whitespace collapsed. The original text is always kept beside the normalised one."""

import re
import unicodedata
from functools import lru_cache

_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _t2s():
    import opencc  # opencc-python-reimplemented: pure Python, no download

    return opencc.OpenCC("t2s")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    # NFKC turns the ideographic comma and full stop into themselves, but full-width ASCII into ASCII.
    text = _t2s().convert(text)
    return _SPACE.sub(" ", text).strip()
