"""What a text is about, beyond its exact words (pure): a latent topic space (LSA) learned from citizens'
messages and the government's replies, so that a reply about 广场舞 is seen to speak of a message about
噪音, one about 轨道交通 of a message about 地铁, and one about another estate's drains of neither.

`TopicSpace.build(docs)` takes documents as lists of content words (the reply assessment's own cut,
text/replies.py) and learns the space: TF-IDF (sublinear term frequency) reduced by a truncated SVD to
DIMS dimensions. Each word of the vocabulary (words in at least MIN_DF documents) keeps its vector times
its IDF, so a text's vector is the sum of its words' vectors weighted by 1 + log(count) — what the SVD
would give the text's TF-IDF row — and `similarity(a, b)` is the cosine of two texts' vectors, 0 when
either says nothing the space knows. Stored as int8 with one scale per word (`save`, `load`): about a
byte per dimension per word."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

DIMS = 100  # 100 and 300 dimensions told replies apart equally well on the development split
MIN_DF = 3


def cosine(a: np.ndarray | None, b: np.ndarray | None) -> float:
    if a is None or b is None:
        return 0.0
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return max(0.0, min(1.0, float(a @ b) / norm)) if norm else 0.0


class TopicSpace:
    def __init__(self, vocab: Sequence[str], vectors: np.ndarray):
        self.index = {w: i for i, w in enumerate(vocab)}
        self.vectors = np.asarray(vectors, dtype=np.float32)

    def __len__(self) -> int:
        return len(self.index)

    @classmethod
    def build(cls, docs: Iterable[Sequence[str]], dims: int = DIMS, min_df: int = MIN_DF, seed: int = 0) -> TopicSpace:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        vec = TfidfVectorizer(analyzer=list, min_df=min_df, sublinear_tf=True, norm=None)
        x = vec.fit_transform(list(docs))
        dims = max(1, min(dims, x.shape[1] - 1, x.shape[0] - 1))
        svd = TruncatedSVD(dims, random_state=seed).fit(x)
        vectors = (svd.components_ * vec.idf_).T  # a word's vector, its IDF folded in
        return cls(vec.get_feature_names_out().tolist(), vectors)

    def vector(self, words: Iterable[str]) -> np.ndarray | None:
        counts = Counter(w for w in words if w in self.index)
        if not counts:
            return None
        rows = [self.index[w] for w in counts]
        weights = np.array([1.0 + math.log(n) for n in counts.values()], dtype=np.float32)
        return weights @ self.vectors[rows]

    def similarity(self, a: Iterable[str], b: Iterable[str]) -> float:
        """Cosine of the two texts in the space, clipped to 0..1 (a negative cosine is no likeness)."""
        return cosine(self.vector(a), self.vector(b))

    def likeness(self, text: np.ndarray | None, words: Iterable[str]) -> dict[str, float]:
        """How near each word is to a text's vector (0..1; 0 for a word the space does not know)."""
        words = list(words)
        out = dict.fromkeys(words, 0.0)
        known = [w for w in words if w in self.index]
        if text is None or not known:
            return out
        rows = self.vectors[[self.index[w] for w in known]]
        norms = np.linalg.norm(rows, axis=1) * float(np.linalg.norm(text))
        cos = np.divide(rows @ text, norms, out=np.zeros(len(known), dtype=np.float32), where=norms > 0)
        out.update(zip(known, np.clip(cos, 0.0, 1.0).tolist(), strict=True))
        return out

    def save(self, path: Path) -> None:
        scale = np.maximum(np.abs(self.vectors).max(axis=1), 1e-12) / 127.0
        q = np.round(self.vectors / scale[:, None]).astype(np.int8)
        vocab = np.array(sorted(self.index, key=self.index.get))
        with open(path, "wb") as f:
            np.savez_compressed(f, vocab=vocab, q=q, scale=scale.astype(np.float32))

    @classmethod
    def load(cls, path: Path) -> TopicSpace:
        with np.load(path, allow_pickle=False) as d:
            return cls(d["vocab"].tolist(), d["q"].astype(np.float32) * d["scale"][:, None])
