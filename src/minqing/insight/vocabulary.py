"""The worker's lexicon jobs (issue 16): discover the words the ledger's citizens write that the
segmenter lacks (text/newwords.py) and keep them in the county's lexicon (org/lexicon.py); re-segment
the cases that hold a new or changed word, so that a search for it finds them, their keywords and
places show it whole, and duplicates and hotspots see it as one word.

- `refresh_lexicon` (daily): the newest SAMPLE cases (title + the first TEXT_CHARS characters) and, while
  the ledger is young, the shipped sample of real messages; new words go in active (the administrator
  rejects a wrong one; a rejected word stays rejected), then `reindex_pending`.
- `reindex_pending` (every few minutes, and at once after `POST /api/lexicon`): the cases holding a word
  added, changed or rejected since it last ran get their search_text, keywords and places anew. One pass
  over the ledger's texts in id order, a regular expression of the pending words per chunk (a LIKE per
  word would scan the table once per word)."""

from __future__ import annotations

import logging
import re
import time

from django.db import transaction

from ..org import lexicon
from ..org.models import LexiconWord
from ..text.newwords import discover
from ..text.normalise import normalise
from ..text.segment import dictionary_cut, search_tokens

log = logging.getLogger(__name__)
SAMPLE = 20000
TEXT_CHARS = 600
YOUNG = 5000  # below this many cases the shipped messages are read too
CHUNK = 2000


def ledger_texts(sample: int = SAMPLE) -> list[str]:
    from ..ledger.models import Case

    rows = Case.objects.order_by("-id").values_list("title", "text_norm")[:sample]
    return [f"{normalise(t or '')} {(x or '')[:TEXT_CHARS]}" for t, x in rows]


def shipped_texts() -> list[str]:
    from ..text.corpus import load_sample

    try:
        labelled, unlabelled = load_sample()
    except OSError:
        return []
    return [normalise(f"{m.title} {m.text}") for m in labelled + unlabelled]


def refresh_lexicon(sample: int = SAMPLE) -> dict:
    started = time.perf_counter()
    lexicon.seed_units()
    lexicon.reload_words()
    texts = ledger_texts(sample)
    if len(texts) < YOUNG:
        texts += shipped_texts()
    found = discover(texts, dictionary_cut, known=lexicon.known_names())
    new = lexicon.store_discovered(found)
    lexicon.reload_words()
    cases = reindex_pending()
    out = {"texts": len(texts), "found": len(found), "new": len(new), "reindexed": cases,
           "seconds": round(time.perf_counter() - started, 1)}
    log.info("lexicon refresh: %s", out)
    return out


def reindex_pending() -> int:
    """Re-segment the cases holding a word not yet indexed; returns how many cases changed."""
    from ..ledger.models import Case
    from ..workflow.suggest import describe

    pending = list(LexiconWord.objects.filter(indexed=False).values_list("id", "word", "updated_at"))
    if not pending:
        return 0
    lexicon.reload_words()
    words = sorted({w for _, w, _ in pending}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(w) for w in words))
    changed, last = 0, 0
    while True:
        rows = list(Case.objects.filter(id__gt=last).order_by("id").values_list("id", "title", "text_norm")[:CHUNK])
        if not rows:
            break
        last = rows[-1][0]
        hit = [(pk, normalise(title or ""), text or "") for pk, title, text in rows
               if pattern.search(text or "") or pattern.search(title or "")]
        if not hit:
            continue
        objs = []
        for pk, title, text in hit:
            keywords, places = describe(f"{title} {text}")
            objs.append(Case(id=pk, search_text=search_tokens(f"{title} {text}"), keywords=keywords[:200],
                             places=places[:200]))
        with transaction.atomic():
            Case.objects.bulk_update(objs, ["search_text", "keywords", "places"], batch_size=500)
        changed += len(objs)
    for pk, _word, stamp in pending:  # a word edited meanwhile waits for the next run
        LexiconWord.objects.filter(id=pk, updated_at=stamp).update(indexed=True)
    return changed
