"""The county's lexicon: local names as segmenter words, so "桂花坪社区", "洋湖镇", "五矿万境" or
"伊景园滨河苑" stay whole words for search, keywords, similarity and hotspots.

Two sources feed the segmenter (text/segment.py):
- the unit tree's names and their short forms (issue 4), always;
- the `LexiconWord` table (issue 16): the unit names again (seeded, for the administrator to see), words
  discovered in the ledger's own text by the worker (text/newwords.py, insight/vocabulary.py) and words an
  administrator added; the administrator reviews them at /admin/org/lexiconword/ or `GET/POST /api/lexicon`,
  and a rejected word is never brought back by the next discovery.

Every process keeps the words in memory and follows the database: a change bumps the "lexicon" (or
"units") shared version (org/versions.py), and each process looks at most every 30 s and reloads."""

import re

from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone

from ..errors import Invalid
from ..text.segment import add_words, set_lexicon

_loaded = False
_names: set[str] = set()  # unit names and short forms
_places: set[str] = set()  # lexicon words that are place names
CHECK_EVERY = 30.0
# "洋湖镇" → also "洋湖"; "桂花坪社区" → also "桂花坪": people rarely write the suffix.
_SUFFIX = re.compile(r"(社区|街道|网格|村委会|居委会|村|镇|乡|县|区|组|局|委|办)$")
_WORD = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff·]{2,40}$")


def names_of(unit_name: str) -> list[str]:
    short = _SUFFIX.sub("", unit_name)
    return [unit_name] + ([short] if len(short) >= 2 and short != unit_name else [])


def ensure_loaded(every: float = CHECK_EVERY) -> None:
    """Loads the unit names and the lexicon once per process, and again when either changed through any
    node since (the "units" and "lexicon" shared versions, looked at at most every `every` s)."""
    global _loaded
    from . import versions

    units = versions.changed("units", every=every)
    words = versions.changed("lexicon", every=every)
    if _loaded and units is None and words is None:
        return
    from .models import Unit

    if not _loaded or units is not None:
        fresh = {n for name in Unit.objects.values_list("name", flat=True) for n in names_of(name)}
        add_words(fresh - _names if _loaded else fresh)
        _names.update(fresh)
    if not _loaded or words is not None:
        reload_words()
    _loaded = True


def reload_words() -> None:
    """The active lexicon words into the segmenter (and forget those no longer active)."""
    from .models import LexiconWord

    active = list(LexiconWord.objects.filter(status=LexiconWord.Status.ACTIVE).values_list("word", "place"))
    set_lexicon(w for w, _ in active)
    _places.clear()
    _places.update(w for w, place in active if place)


def known_names() -> set[str]:
    """Local unit names (and their short forms) and the lexicon's place names: found whole in a text."""
    return _names | _places


def active_words() -> list[str]:
    from .models import LexiconWord

    return list(LexiconWord.objects.filter(status=LexiconWord.Status.ACTIVE).values_list("word", flat=True))


def changed() -> None:
    """The lexicon changed: this process reloads now, the others on their next look."""
    from . import versions

    versions.bump("lexicon")
    transaction.on_commit(reload_words)


def seed_units() -> int:
    """The unit names (and short forms) as lexicon words, for the administrator to see beside the rest."""
    from .models import LexiconWord, Unit

    names = {n for name in Unit.objects.values_list("name", flat=True) for n in names_of(name)}
    have = set(LexiconWord.objects.filter(word__in=names).values_list("word", flat=True))
    now = timezone.now()
    new = [LexiconWord(word=n, source=LexiconWord.Source.UNIT, place=True, indexed=True, created_at=now,
                       updated_at=now) for n in sorted(names - have) if len(n) <= 40]
    LexiconWord.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def save_word(word: str, *, status: str | None = None, place: bool | None = None, user=None):
    """An administrator adds a word or changes one (reviewed from then on). The cases holding it are
    re-segmented by the worker's next lexicon job, or at once by the caller (insight/vocabulary.reindex)."""
    from .models import LexiconWord

    word = (word or "").strip()
    if not _WORD.match(word):
        raise Invalid("词应为2到40个汉字、字母或数字，不含空格和标点", field="word")
    if status is not None and status not in LexiconWord.Status.values:
        raise Invalid("状态应为 active（启用）或 rejected（不用）", field="status")
    with transaction.atomic():
        obj, created = LexiconWord.objects.select_for_update().get_or_create(
            word=word, defaults={"source": LexiconWord.Source.ADMIN, "status": status or LexiconWord.Status.ACTIVE,
                                 "place": bool(place)})
        if not created:
            obj.status = status or obj.status
            obj.place = obj.place if place is None else bool(place)
        obj.reviewed, obj.indexed, obj.updated_at = True, False, timezone.now()
        obj.save()
        changed()
    return obj


def store_discovered(found, limit: int = 2000) -> list[str]:
    """Discovered words (text/newwords.Found, best first) into the lexicon: new ones active and waiting to be
    indexed; known ones get their new count and score; reviewed and rejected ones keep their decision.
    Returns the new words."""
    from .models import LexiconWord

    found = [f for f in found if len(f.word) <= 40][:limit]
    existing = {w.word: w for w in LexiconWord.objects.filter(word__in=[f.word for f in found])}
    now = timezone.now()
    new, update = [], []
    for f in found:
        w = existing.get(f.word)
        if w is None:
            new.append(LexiconWord(word=f.word, source=LexiconWord.Source.DISCOVERED, place=f.place, count=f.count,
                                   score=f.score, created_at=now, updated_at=now))
        elif w.source == LexiconWord.Source.DISCOVERED and (w.count, w.score) != (f.count, f.score):
            w.count, w.score = f.count, f.score
            update.append(w)
    with transaction.atomic():
        LexiconWord.objects.bulk_create(new, ignore_conflicts=True)
        LexiconWord.objects.bulk_update(update, ["count", "score"], batch_size=500)
        if new:
            changed()
    return [w.word for w in new]


def as_dict(w) -> dict:
    return {"word": w.word, "source": w.source, "status": w.status, "place": w.place, "count": w.count,
            "score": w.score, "reviewed": w.reviewed, "indexed": w.indexed,
            "updated_at": w.updated_at.isoformat() if w.updated_at else None}


def _on_unit_saved(sender, instance, **kwargs):
    from . import versions

    _names.update(names_of(instance.name))
    add_words(names_of(instance.name))
    versions.bump("units")  # the other processes and nodes


def connect() -> None:
    from .models import Unit

    post_save.connect(_on_unit_saved, sender=Unit, dispatch_uid="minqing-unit-lexicon")
