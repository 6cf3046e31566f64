"""Keywords and place mentions of a voice (pure): stored on the case for search and hotspots."""

import re
from collections.abc import Iterable

from .cut import lcut
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
# Words every kind of message uses — officialese, greetings, the parts of any complaint — that hold no
# problem together: a cluster sharing only these is no hotspot, and a title never names one (issue 16).
GENERIC = frozenset("""
问题 相关 部门 加快 行动 具体 工作 情况 建议 政府 领导 推进 加强 落实 发展 管理 反映 希望 解决 要求 请求 市民 群众 居民 网友
谢谢 感谢 尊敬 您好 你好 有关 措施 实施 方面 进一步 积极 提高 完善 单位 处理 关于 目前 现在 存在 导致 造成 严重 影响 时候 时间
今年 去年 当地 地方 回复 答复 咨询 请问 为什么 什么 事情 原因 根据 规定 政策 国家 相关部门 有关部门 职能部门 政府部门 市政府
区政府 县政府 本人 我家 家里 大家 一些 这些 这种 非常 特别 十分 很多 多年 负责 相应 专项 开展 推动 促进 实现 提升 建立 健全 加大
力度 重视 关注 支持 帮助 保障 安排 协调 调查 核实 整改 督促 监督 检查 依法 及时 尽快 立即 马上 切实 认真 真正 确实 实际 全面
各种 各类 各级 小区 业主 市里 区里 县里 我市 我区 我县 全市 全区 全县 社会 人民 百姓 老百姓 生活 方便 服务 合理 正常 规范 标准
工作人员 领导干部 书记 市长 区长 县长 主任 信箱 留言 来信 投诉 举报 情况反映 一下 知道 告诉 看到 发现 出现 进行 问问 说明 表示
""".split())


def content_words(words: Iterable[str]) -> list[str]:
    import jieba.posseg

    tags = jieba.posseg.dt.word_tag_tab
    return [w for w in words if w not in MODAL and tags.get(w) not in FUNCTION_TAGS and not _CODE.match(w)]


def keywords(words: Iterable[str], stats: TermStats, k: int = 6) -> list[str]:
    """The k most distinctive content words of the voice (by document frequency in the ledger), those
    that some other message also uses — or that the county's lexicon holds — first: a word no one else
    wrote (伟大事业, a typo) says little about the problem and finds nothing in a search."""
    from .segment import lexicon

    names = lexicon()  # the county's own words (a new one is rare in statistics older than it) always count
    ranked = stats.rare_terms(content_words(words), k=64)
    return sorted(ranked, key=lambda w: stats.df.get(w, 0) < 2 and w not in names)[:k]  # stable: rarest first


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
    for word in lcut(text):
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
    for _, name in sorted(found, key=lambda f: (f[0], -len(f[1]))):  # at one start, the longest: 丽发新城小区
        if not any(name in other or other in name for other in out):
            out.append(name)
    return out[:limit]
