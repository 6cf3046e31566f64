"""Places a reply names that its message does not (pure; docs/replies.md): a county, district, town,
village or community of a kind the message names, by another name. A reply naming K9县 on a message
about L6县, or 青山村 on one about 桃坪界村, is most often a reply written to another case — a precedent
sent unadapted; an answer seldom needs another village than the one it was asked about.

The names are the assessment's content words: a coded name (L6县, A2区: how anonymised exports write
桃源县 or 岳麓区) is one word; a real one is a word ending in 县、镇、乡、街道、村 or 社区 with a name of at
least two characters before it — not a kind of place (自然村、行政村、贫困县) and without the word
glued before it (经金罗镇 is 金罗镇; 各乡镇 and 由镇村 name none). Real 市 and 区 are left out: they end
too many words that are not places (超市、小区、景区、城区).

Coded names say one thing more: their letters are the city they belong to (A3区 and A7县 are A市's, K4县
is K市's — the anonymised exports code a province's cities by letter and their districts and counties by
letter and number). A reply that names only coded places of other cities than every one the message names
— A8县 on a message about J11市 — was written to another city's case, whatever kinds the two name
(`other_cities`). Real names carry no such sign (minqing holds no gazetteer), so in a county's own
ledger, which names its places by their real names, this finds nothing."""

from __future__ import annotations

from .reply_corpus import CODED_PLACE

KINDS = ("街道", "社区", "县", "镇", "乡", "村")  # of a real name, the longer first
# what jieba glues before a place word without being part of its name (经金罗镇), or a determiner (各乡镇)
_GLUE = frozenset("经因但对由需在到从被已为至往于各全本该每这那此其")
# kinds of place rather than names of one
_NOT_NAMES = frozenset("""自然 行政 贫困 试点 示范 重点 中心 新农 美丽乡 特色小 小城 城中 移民 文明 周边 附近 其他 其它
相关 所在 当地 偏远 边远 山区 城郊 郊区 老家 智慧 农""".split())


def place(word: str) -> tuple[str, str] | None:
    """(name, kind) when the word names an administrative place, else None."""
    if CODED_PLACE.fullmatch(word):
        return word, word[-1]
    kind = next((k for k in KINDS if word.endswith(k)), None)
    if kind is None:
        return None
    stem = word[:-len(kind)]
    while len(stem) > 2 and stem[0] in _GLUE:
        stem = stem[1:]
    if len(stem) < 2 or stem[0] in _GLUE or stem in _NOT_NAMES:
        return None
    return stem + kind, kind


def city(word: str) -> str | None:
    """The city a coded place belongs to, by its letters (A3区, A市 → A); None for any other word."""
    return word.rstrip("0123456789省市区县").upper() if CODED_PLACE.fullmatch(word) else None


def other_cities(message_words: list[str] | tuple[str, ...], reply_words: list[str] | tuple[str, ...]
                 ) -> tuple[list[str], list[str]]:
    """(the reply's coded places, the message's) when both name coded places and no city of the reply's is
    one of the message's — both empty otherwise (the message names none: nothing to compare with)."""
    theirs = {w: city(w) for w in reply_words if city(w)}
    mine = {w: city(w) for w in message_words if city(w)}
    if not theirs or not mine or set(theirs.values()) & set(mine.values()):
        return [], []
    return list(theirs), list(mine)


def places(words: list[str] | tuple[str, ...]) -> dict[str, str]:
    """The administrative places among a text's content words: {name: kind}, in order."""
    return dict(p for p in map(place, words) if p)


def other_places(message: str, message_words: list[str], reply_words: list[str]) -> tuple[list[str], list[str]]:
    """(the reply's places of a kind the message names that the message does not name, the message's
    places of those kinds) — both empty when the reply names none."""
    named = {name: kind for name, kind in places(reply_words).items() if name not in message}
    if not named:  # most replies: the message's places need not be read
        return [], []
    mine = places(message_words)
    kinds = set(mine.values())
    theirs = {name: kind for name, kind in named.items() if kind in kinds}
    return list(theirs), [name for name, kind in mine.items() if kind in set(theirs.values())]
