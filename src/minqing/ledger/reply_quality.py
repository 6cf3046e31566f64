"""Reply quality in the ledger (SPEC C9, C16; docs/replies.md): the assessment of a draft or a sent reply
against the ledger's own word and reply statistics, the county's threshold, and the best-scored replies
of similar closed cases as material to adapt.

The assessment itself is pure (text/replies.py). What it compares against is built here: the word
document frequencies of a sample of the ledger's cases (their stored, already segmented search_text)
and the shingle counts of a sample of its replies, rebuilt hourly per process; a ledger with fewer than
YOUNG replies also counts the shipped sample's (text/data/reply_stats.json.gz), so a new county knows
"您的留言已收悉" for the formula it is from its first reply."""

import time
from collections import Counter

from django.conf import settings
from django.utils.translation import gettext

from ..text.replies import Assessment, assess_reply
from ..text.reply_corpus import ReplyCorpus, sample_corpus, token_words
from ..text.reply_notes import Pieces
from .models import Case, Reply
from .sampling import sample_ids

YOUNG = 2000  # replies: below this the shipped sample's counts are added to the ledger's
SAMPLE = 5000  # cases and replies read to build the statistics
REPLY_WORDS = 1000  # of them, replies segmented for how common each word is in replies (~2 s)
MAX_AGE = 3600
_corpus: tuple[float, ReplyCorpus] | None = None


def min_score() -> float:
    """The county's threshold: a reply scoring below it needs a stated reason to be sent (0 turns it off)."""
    return float(getattr(settings, "MINQING_REPLY_MIN_SCORE", 0.3))


def ledger_corpus() -> ReplyCorpus:
    """The ledger's own statistics (hourly per process), with the shipped sample's while the ledger is young."""
    global _corpus
    if _corpus and time.monotonic() - _corpus[0] < MAX_AGE:
        return _corpus[1]
    word_df: Counter = Counter()
    texts = Case.objects.filter(id__in=sample_ids(Case.objects.all(), SAMPLE).ids).values_list("search_text", flat=True)
    messages = 0
    for text in texts.iterator(chunk_size=2000):
        messages += 1
        word_df.update(token_words(text or ""))
    rows = Reply.objects.filter(id__in=sample_ids(Reply.objects.filter(kind=Reply.Kind.REPLY), SAMPLE).ids)
    corpus = ReplyCorpus(word_df, messages)
    for text in rows.values_list("text", flat=True).iterator(chunk_size=2000):
        corpus.add_reply(text, with_words=corpus.reply_words < REPLY_WORDS)  # a smaller sample of words says enough
    if corpus.replies < YOUNG:
        corpus = corpus.merged(sample_corpus())
    _corpus = (time.monotonic(), corpus)
    return corpus


def forget_corpus() -> None:
    global _corpus
    _corpus = None


def assess(case: Case, reply: str) -> Assessment:
    """A reply (or a draft) to this case, judged against the ledger's statistics."""
    return assess_reply(case.text or case.text_norm or "", reply, case.title, corpus=ledger_corpus())


def assess_text(text: str, reply: str, title: str | None = None) -> Assessment:
    return assess_reply(text, reply, title, corpus=ledger_corpus())


def translated(template: str, values: dict) -> str:
    """A note in the page's language: its template, and the kinds' names inside a value made of pieces."""
    return gettext(template) % {k: v.translated(gettext) if isinstance(v, Pieces) else v for k, v in values.items()}


# what the API shows of an assessment, besides its notes (the words matched and missed are in the notes)
PUBLIC = ("score", "relevance", "completeness", "basis", "boilerplate", "unanswered", "hollow", "off_message", "points",
          "topic", "topicality", "off_topic", "off_topic_words", "other_places", "other_cities", "other_names", "other_names_words",
          "char_cover", "char_words")


def public(a: Assessment) -> dict:
    """The API's and the page's shape (the contract of POST /api/text/assess_reply), plus `passes` and
    the threshold it was judged by. The notes are in the page's language (the language picker's cookie;
    the words quoted from the message and the reply stay as written)."""
    d = a.as_dict()
    threshold = min_score()
    return {**{k: d[k] for k in PUBLIC}, "notes": [translated(t, v) for t, v in a.note_items] or d["notes"],
            "threshold": threshold, "passes": threshold <= 0 or a.score >= threshold}


def precedent_replies(case: Case, limit: int = 3) -> list[dict]:
    """Beside the draft: the replies of similar closed cases, best-scored first, to adapt — never sent as
    they are. A precedent's reply without a stored score (sent before scores existed, or imported) is
    scored now against its own case."""
    from .similar import precedents_of

    out = []
    for m in precedents_of(case, limit=8):
        reply = Reply.objects.filter(case=m.case, kind=Reply.Kind.REPLY).order_by("-at", "-id").first()
        if reply is None:
            continue
        score = reply.score if reply.score is not None else assess(m.case, reply.text).score
        out.append({"number": m.case.number, "title": m.case.title, "similarity": round(m.score, 3),
                    "score": round(score, 3), "reply": reply.text, "rating": m.case.rating or None,
                    "rating_label": str(m.case.get_rating_display()) if m.case.rating else ""})
    out.sort(key=lambda p: (-p["score"], -p["similarity"]))
    return out[:limit]


def rescore(report=print, batch: int = 500) -> int:
    """Score every sent reply again with the assessment as it is now — after an upgrade changes it, so the
    units' figures do not mix two scales. The figures follow (`Reply.score`, and `Case.reply_score` from each
    case's latest reply); each reply event keeps what the handler saw when sending. Returns the replies scored."""
    forget_corpus()
    done, last = 0, 0
    while True:
        rows = list(Reply.objects.filter(kind=Reply.Kind.REPLY, id__gt=last).select_related("case").order_by("id")[:batch])
        if not rows:
            return done
        for r in rows:
            r.score = assess(r.case, r.text).score
        Reply.objects.bulk_update(rows, ["score"])
        latest: dict[int, float | None] = {}
        for case_id, score in (Reply.objects.filter(kind=Reply.Kind.REPLY, case_id__in={r.case_id for r in rows})
                               .order_by("case_id", "-at", "-id").values_list("case_id", "score")):
            latest.setdefault(case_id, score)
        cases = list(Case.objects.filter(id__in=latest).only("id", "reply_score"))
        for c in cases:
            c.reply_score = latest[c.id]
        Case.objects.bulk_update(cases, ["reply_score"])
        last, done = rows[-1].id, done + len(rows)
        report(f"{done} replies scored again")
