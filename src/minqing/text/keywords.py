"""Keywords and place mentions of a voice (pure): stored on the case for search and hotspots."""

import re
from collections.abc import Iterable

from .similar import TermStats

SUFFIXES = ("大道", "路", "街", "巷", "小区", "花园", "花苑", "公寓", "大厦", "广场", "公园", "社区", "村", "镇",
            "乡", "街道", "区", "县", "市", "中学", "小学", "幼儿园", "学校", "学院", "大学", "医院", "卫生院", "市场",
            "车站", "桥", "栋", "号楼", "工业园", "开发区")
NAMEISH = {"n", "ns", "nr", "nz", "nt", "eng", "m", "j", "a", "an", "ng", "nrt", "nrfg"}
LINKS = {"之"}  # 魅力之城
NAME_WORDS, NAME_CHARS = 3, 8  # a place name before its place word: at most so many words and characters


# Words that say how, not what: numerals, pronouns, adverbs, prepositions, conjunctions, particles,
# measure words, directions, times and interjections (jieba's part-of-speech tags), and the modal verbs
# every complaint uses. Rarity alone would pick them in a young ledger ("为何", "一个").
FUNCTION_TAGS = {"m", "mq", "r", "rr", "rz", "d", "p", "c", "u", "uj", "ul", "ud", "ug", "uv", "uz", "q", "f", "t",
                 "y", "e", "o"}
MODAL = frozenset("不能 能否 是否 希望 没有 进行 相关 可以 需要 应该 一直 已经 如何 为何 怎么".split())
_CODE = re.compile(r"^[a-z]{0,2}\d+[a-z]?$")  # "a2", "3号": coded districts and numbers, not topics


def content_words(words: Iterable[str]) -> list[str]:
    import jieba.posseg

    tags = jieba.posseg.dt.word_tag_tab
    return [w for w in words if w not in MODAL and tags.get(w) not in FUNCTION_TAGS and not _CODE.match(w)]


def keywords(words: Iterable[str], stats: TermStats, k: int = 6) -> list[str]:
    """The k most distinctive content words of the voice (by document frequency in the ledger), those
    that some other message also uses first: a word no one else wrote (伟大事业, a typo) says little
    about the problem and finds nothing in a search."""
    ranked = stats.rare_terms(content_words(words), k=64)
    return sorted(ranked, key=lambda w: stats.df.get(w, 0) < 2)[:k]  # stable: rarest first within each


def _name_before(run: list[tuple[str, int]], suffix: str) -> tuple[int, str]:
    """(start, name + suffix) from the name-like words just before a place word, nearest first, at most
    NAME_WORDS words and NAME_CHARS characters (魅力 之 城 + 小区 → 魅力之城小区; 丽发 新城 + 社区). A
    run never starts with 之, nor with the one-character place word a code left behind (A2 | 区丽发)."""
    words = run[-NAME_WORDS:]
    while sum(len(w) for w, _ in words) > NAME_CHARS:
        words = words[1:]
    while len(words) > 1 and words[0][0] in LINKS:
        words = words[1:]
    name, start = "".join(w for w, _ in words), words[0][1]
    if len(name) > 2 and name[0] in "区市县镇乡村" and start > 0:
        name, start = name[1:], start + 1
    return start, name + suffix


def places(text: str, known: Iterable[str] = (), limit: int = 6) -> list[str]:
    """Unit names from the unit tree found in the text, then place-like phrases (a name word followed
    by a place word: 幸福 + 小区, A + 市, 洋湖 + 村, or one word ending in one: 红星路), in text order."""
    import jieba
    import jieba.posseg

    tags = jieba.posseg.dt.word_tag_tab  # the dictionary's part-of-speech tags: a lookup, not a slow POS cut
    found: list[tuple[int, str]] = []
    for name in known:
        if len(name) >= 2 and (i := text.find(name)) >= 0:
            found.append((i, name))
    pos, run = 0, []  # run: the name-like words just before this one, (word, start), nearest last
    for word in jieba.cut(text):
        start = pos
        pos += len(word)
        flag = tags.get(word) or ("x" if not word.strip() or not word[0].isalnum() else "n")  # unknown: a name
        if word in SUFFIXES and run:
            found.append(_name_before(run, word))
        elif len(word) >= 3 and word.endswith(SUFFIXES) and flag in NAMEISH | {"s"}:
            found.append((start, word))
        if word.endswith(SUFFIXES) or (flag not in NAMEISH and word not in LINKS):
            run = []  # a place name ends here, or something that is no name
        else:
            run.append((word, start))
    out: list[str] = []
    for _, name in sorted(found):
        if not any(name in other or other in name for other in out):
            out.append(name)
    return out[:limit]
