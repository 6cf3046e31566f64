"""How far a reply speaks to its message, learned (pure; docs/replies.md): the *topicality* of a reply,
a logistic regression over eight figures the assessment already explains — relevance (the message's
words the reply holds), completeness (its points answered), foreign (how much the reply speaks of what
the message never raised), topic (the cosine of the two texts in a topic space learned from real
messages and replies, text/reply_topics.py: a reply in other words than the message's still speaks of
it) and other_place (1 when the reply names another county, town or village than the message's,
text/reply_places.py) and other_names (how much the reply names places and names — an estate, a firm —
the message does not) and char_cover (relevance by characters: 种植蔬菜 for 种菜) and other_city (1 when the
reply names only coded places of other cities than the message's: A8县 for J11市). Its weights are learned from real message–reply pairs: a message's own reply against the replies of
random other messages, every figure computed out of fold (the word statistics from one half of the
pairs, the figures of the other half, then the other way), so the weights never see figures of a
message the statistics were built with.

The shipped model (`data/reply_topics.npz`, `data/reply_model.json`) is learned from the shared real
files: `python -m minqing.text.reply_model MESSAGES_WITH_REPLIES.xlsx [OTHER_MESSAGES.xlsx ...]` —
the other files (messages without replies) only widen the topic space."""

from __future__ import annotations

import functools
import json
import math
import random
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .reply_topics import TopicSpace, cosine

DATA = Path(__file__).parent / "data"
TOPICS, WEIGHTS = DATA / "reply_topics.npz", DATA / "reply_model.json"
FEATURES = ("relevance", "completeness", "foreign", "topic", "other_place", "other_names", "char_cover", "other_city")
NEGATIVES = 3  # random other messages' replies per message to learn from …
SIMILAR = 1  # … and the replies of its most similar messages (a precedent's reply sent unadapted)
SEED = 2026
MIN_ROWS = 40  # message–reply pairs below which nothing worth learning is there


@dataclass
class ReplyModel:
    topics: TopicSpace | None = None
    weights: dict[str, float] = field(default_factory=dict)
    bias: float = 0.0

    def topicality(self, figures: dict[str, float]) -> float:
        """0..1: how likely the reply is one written to this message (None of the weights: relevance)."""
        if not self.weights:
            return figures["relevance"]
        z = self.bias + sum(self.weights[f] * figures[f] for f in FEATURES)
        return 1.0 / (1.0 + math.exp(-z))

    def vector(self, words: Sequence[str]):
        """A text's vector in the topic space (None without one, or for a text it knows no word of)."""
        return self.topics.vector(words) if self.topics is not None else None

    def similarity(self, message, reply_words: Sequence[str]) -> float:
        """The likeness of a message (its vector) and a reply (its words) in the topic space, 0..1."""
        return cosine(message, self.vector(reply_words))

    def nearness(self, message, words: Iterable[str]) -> dict[str, float]:
        """How near each word is to a message (its vector), 0..1; all 0 without a topic space."""
        return self.topics.likeness(message, words) if self.topics is not None else dict.fromkeys(words, 0.0)

    def save(self, topics: Path = TOPICS, weights: Path = WEIGHTS, about: str = "") -> None:
        if self.topics is not None:
            self.topics.save(topics)
        weights.write_text(json.dumps({"features": FEATURES, "weights": self.weights, "bias": self.bias,
                                       "learned_from": about}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


@functools.cache
def shipped_model() -> ReplyModel:
    """The model learned from the shared real data (relevance alone if a package was built without it)."""
    try:
        d = json.loads(WEIGHTS.read_text(encoding="utf-8"))
        # a figure the file was learned without weighs nothing (a model learned by an older version)
        return ReplyModel(TopicSpace.load(TOPICS), {f: float(d["weights"].get(f, 0.0)) for f in FEATURES},
                          float(d["bias"]))
    except (OSError, KeyError, ValueError):
        return ReplyModel()


def topic_docs(messages: Sequence[str], replies: Sequence[str]) -> list[list[str]]:
    """Texts cut as the assessment cuts them (its content words), for the topic space."""
    from .normalise import normalise
    from .replies import content_of

    return [content_of(normalise(t[:3000])) for t in list(messages) + list(replies)]


def learn(rows: Sequence[tuple[str, str, str]], other_messages: Sequence[str] = (), seed: int = SEED,
          negatives: int = NEGATIVES, similar: int = SIMILAR) -> ReplyModel:
    """A model from (title, text, reply) rows: the topic space from their messages, their replies and
    `other_messages`; the weights from each message's own reply (1) against NEGATIVES random other
    messages' replies (0), figures out of fold."""
    from sklearn.linear_model import LogisticRegression

    from .replies import assess_reply
    from .reply_corpus import ReplyCorpus

    rows = list(rows)
    if len(rows) < MIN_ROWS:
        raise ValueError(f"需要至少 {MIN_ROWS} 条有答复的留言才能学习答复模型，只有 {len(rows)} 条")
    topics = TopicSpace.build(topic_docs([f"{t} {x}" for t, x, _r in rows] + list(other_messages),
                                         [r for _t, _x, r in rows]))
    unweighted = ReplyModel(topics)
    rng = random.Random(seed)
    order = list(range(len(rows)))
    rng.shuffle(order)
    halves = [[rows[i] for i in order[:len(order) // 2]], [rows[i] for i in order[len(order) // 2:]]]
    x, y = [], []
    for fit, scored in ((halves[0], halves[1]), (halves[1], halves[0])):
        corpus = ReplyCorpus.build((f"{t} {m}" for t, m, _r in fit), (r for _t, _m, r in fit))
        near = most_similar([f"{t} {m}" for t, m, _r in scored], similar)
        for i, (title, text, _reply) in enumerate(scored):
            others = [(i + rng.randrange(1, len(scored))) % len(scored) for _ in range(negatives)] + near[i]
            for j, label in [(i, 1)] + [(j, 0) for j in others]:
                a = assess_reply(text, scored[j][2], title, corpus=corpus, model=unweighted)
                x.append([a.figures()[f] for f in FEATURES])
                y.append(label)
    lr = LogisticRegression(C=1.0, max_iter=5000).fit(x, y)
    return ReplyModel(topics, {f: round(float(w), 4) for f, w in zip(FEATURES, lr.coef_[0], strict=True)},
                      round(float(lr.intercept_[0]), 4))


def most_similar(texts: Sequence[str], k: int = 1) -> list[list[int]]:
    """For each text, the k others most like it (character-bigram TF-IDF cosine; the first on a tie)."""
    if k <= 0:
        return [[] for _ in texts]
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    from .normalise import normalise

    m = TfidfVectorizer(analyzer="char", ngram_range=(2, 2)).fit_transform([normalise(t) for t in texts])
    sims = (m @ m.T).toarray()
    np.fill_diagonal(sims, -1)
    return np.argsort(-sims, axis=1, kind="stable")[:, :k].tolist()


def main(argv: list[str]) -> None:
    from .corpus import read_messages
    from .reply_corpus import read_replies

    if not argv:
        raise SystemExit("usage: python -m minqing.text.reply_model MESSAGES_WITH_REPLIES.xlsx [OTHER_MESSAGES.xlsx ...]")
    rows = read_replies(argv[0])
    others = [f"{m.title} {m.text}" for p in argv[1:] for m in read_messages(p)]
    model = learn(rows, others)
    model.save(about=f"{len(rows)} messages with replies ({Path(argv[0]).name}) and {len(others)} other messages")
    print(f"topic space: {len(model.topics)} words; weights {model.weights}, bias {model.bias}")


if __name__ == "__main__":
    main(sys.argv[1:])
