"""Local place and unit names as segmenter words (issue 4: a user dictionary built from the unit
tree), so "桂花坪社区" or "洋湖镇" stay whole words for search, keywords and hotspots."""

import re

from django.db.models.signals import post_save

from ..text.segment import add_words

_loaded = False
_names: set[str] = set()
# "洋湖镇" → also "洋湖"; "桂花坪社区" → also "桂花坪": people rarely write the suffix.
_SUFFIX = re.compile(r"(社区|街道|网格|村委会|居委会|村|镇|乡|县|区|组|局|委|办)$")


def names_of(unit_name: str) -> list[str]:
    short = _SUFFIX.sub("", unit_name)
    return [unit_name] + ([short] if len(short) >= 2 and short != unit_name else [])


def ensure_loaded() -> None:
    global _loaded
    if _loaded:
        return
    from .models import Unit

    _names.update(n for name in Unit.objects.values_list("name", flat=True) for n in names_of(name))
    add_words(_names)
    _loaded = True


def known_names() -> set[str]:
    """Local unit names (and their short forms) known to the segmenter."""
    return _names


def _on_unit_saved(sender, instance, **kwargs):
    _names.update(names_of(instance.name))
    add_words(names_of(instance.name))


def connect() -> None:
    from .models import Unit

    post_save.connect(_on_unit_saved, sender=Unit, dispatch_uid="minqing-unit-lexicon")
