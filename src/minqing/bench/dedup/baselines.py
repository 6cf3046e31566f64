"""What duplicates_of is compared with, on the same probes: the exact normalised text at the same
place (what a simple system does), and a plain word TF-IDF cosine (jieba words) at a fixed threshold,
without and with the place rule."""

from __future__ import annotations

from .labelled_set import Original, Probe
from .scoring import LIMIT

TFIDF_AT = 0.5  # the plain baseline's fixed cosine threshold


def baseline_exact(originals: list[Original], probes: list[Probe]) -> list[tuple[Probe, list[int]]]:
    """The exact normalised text at the same place (what a simple system does)."""
    from ...text.normalise import normalise

    by_key: dict[tuple[str, str], list[int]] = {}
    for k, o in enumerate(originals):
        by_key.setdefault((o.village, normalise(o.message.text)), []).append(k)
    return [(p, by_key.get((p.village, normalise(p.text)), [])[:LIMIT]) for p in probes]


class TfidfBaseline:
    """A plain TF-IDF cosine over jieba words of the normalised title + text, fitted on the
    originals, with no place rule."""

    def __init__(self, originals: list[Original], probes: list[Probe]):
        from sklearn.feature_extraction.text import TfidfVectorizer

        from ...text.normalise import normalise
        from ...text.segment import words

        def doc(title, text):
            return words(normalise(f"{title} {text}"))

        vec = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True)
        self.X = vec.fit_transform([doc(o.message.title, o.message.text) for o in originals])
        self.Q = vec.transform([doc(p.title, p.text) for p in probes])
        self.villages = [o.village for o in originals]
        self.sims = (self.Q @ self.X.T).toarray()

    def decide(self, index: int, threshold: float, place: str | None = None) -> list[int]:
        row = self.sims[index]
        ks = [k for k in row.argsort()[::-1][:50] if row[k] >= threshold
              and (place is None or self.villages[k] == place)]
        return [int(k) for k in ks[:LIMIT]]
