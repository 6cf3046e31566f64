"""Does a reply answer the voice? (SPEC C9, C16; docs/replies.md) A pure function over plain strings.

`assess_reply(text, reply, title)` looks at ten things, each with the words that drove it:

- relevance: the share of what the message is about — its rarest content words, places first (景蓉华苑,
  停车费, 潇楚南路) weighted by how rare they are among citizens' messages — that the reply speaks of,
  blended with how much of the message's title it takes up. Category words every complaint of the kind
  uses (小区, 问题) weigh little, so a reply to another estate's parking complaint does not pass;
- completeness: the message split into its points — each sentence that asks, proposes or questions
  (能否、何时、为什么、希望、建议…; the title when none does) — and each point checked by its own words;
  the points the reply leaves out are named (`unanswered`);
- basis (text/reply_basis.py): what the citizen can check — a rule or document number, a measured fact,
  a date, a next step (依据、措施、时限) — present or not, with a strength;
- boilerplate (text/reply_corpus.py): the share of the reply's characters in runs that many other
  replies say word for word;
- off topic: what the reply speaks of that the message never raised — words citizens use, weighted by
  how rare they are among replies (another estate, road or school; not 核实 or 工作人员) and by how far
  they are from the message's topic, their mass m read as m / (m + FOREIGN_MASS) (a long answer names
  much the message did not, another case's reply more) — counted only as far as the reply does not
  speak of the message (× (1 − relevance)): a reply filed on the wrong case;
- topic: the likeness of message and reply in a topic space learned from real texts (text/reply_topics.py):
  a reply about 音量 and 广场舞 speaks of a message about 噪音 in other words;
- other places (text/reply_places.py): a county, town or village of a kind the message names, by another
  name — K9县 on a message about L6县: a reply written to another case.
- other cities (text/reply_places.py): coded places (A8县) all of other cities than the message's (J11市):
  a coded name's letters are its city, so a reply for another city's case is seen whatever kinds the two name.
- other names: the places and names (words no general dictionary knows: an estate, a firm) the reply
  gives and the message does not — 恒大、洋湖 on a message about 景蓉华苑: another case's reply names its own.
- characters: relevance again, a key term the reply does not hold counting by the share of its characters
  it does, by their rarity among replies — 种植蔬菜 for 种菜, 降尘 for 防尘.

Topicality — how far the reply speaks to this message, all told — is learned from real message–reply
pairs over relevance, completeness, the foreign words, topic, other places, other names, characters and
other cities (text/reply_model.py). The score is
topicality × (0.75 + 0.15 × basis strength + 0.10 × the share that is not formula): a reply that does
not speak to the message scores near 0.1–0.2 however many documents it cites, one that speaks of another
message's matters near 0; one that answers loses up to a quarter for saying nothing checkable in a
formula. A reply is *hollow* (空泛) when it says nothing: it hardly speaks to the message
(topicality under HOLLOW_TOPICALITY) with nothing to check, is mostly formula with nothing to check, or is a
line long; it is *off the message* (没有针对本留言) when it does say something checkable, but not of this
message (topicality under half of HOLLOW_TOPICALITY) — a reply to another case, or an answer in words the
assessment does not see are this message's. Either scores at most HOLLOW_MAX, under the default threshold,
even when it names the message's district ("已转L1区住建局核处").

Places are words like any other, a coded one too: anonymised exports write 桃源县 as L6县, and a reply
naming the message's district speaks of it, one naming another district speaks of another case."""

from __future__ import annotations

import functools
import re
from dataclasses import asdict, dataclass, field

from .keywords import content_words
from .normalise import normalise
from .reply_basis import Basis, find_basis
from .reply_corpus import CODED_PLACE, Boilerplate, ReplyCorpus, boilerplate, sample_corpus
from .reply_model import FEATURES, ReplyModel, shipped_model
from .reply_notes import OFF_TOPIC_NOTE, notes
from .reply_places import other_cities, other_places
from .segment import general_word, words

MAX_CHARS = 2000  # of the message and of the reply: enough for nearly every point (99% of the TipDM messages are shorter, raw), bounded time
TERMS = 12  # message words that stand for what it is about
QUALITY = {"floor": 0.75, "basis": 0.15, "boilerplate": 0.10}
HOLLOW_TOPICALITY = 0.25
HOLLOW_MAX = 0.25  # the most a hollow reply scores: below the default threshold (0.3), whatever it names
NAME_MASS = 20  # reply-rarity of the names a message never gave at which a reply names half of another case
FOREIGN_MASS = 80  # reply-rarity of the words a message never used at which a reply speaks half of another matter
OFF_TOPIC_CHARS = 800  # of the reply read for it: a reply says what it is about first (bounded time)
POINT_ANSWERED = 0.4  # share of a point's own words the reply must speak of
MAX_POINTS = 6
PLACE_BOOST = 1.5
# words every message and every reply use: never what a message is about
GENERIC = frozenset("""问题 情况 反映 相关 部门 有关 政府 领导 工作 处理 解决 希望 要求 建议 请问 谢谢 你好 您好 尊敬 市民
网友 留言 答复 回复 关注 支持 感谢 目前 现在 已经 没有 不能 能否 是否 可以 怎么 如何 为什么 为何 什么 时候 一直
严重 非常 很多 一下 这个 那个 这些 我们 大家 书记 市长 主任 请求 恳请 尽快 及时 落实 有关部门 相关部门 我市 本市
进行 存在 造成 影响 导致 发现 表示 认为 知道 情况 一个 一些 时间 今天 今年 去年 每天 居民 群众 老百姓 百姓""".split())
PLACE_END = ("大道", "路", "街", "巷", "小区", "花园", "花苑", "苑", "公寓", "大厦", "广场", "公园", "社区", "村", "镇",
             "乡", "街道", "县", "中学", "小学", "幼儿园", "学校", "学院", "大学", "医院", "卫生院", "市场", "车站", "桥",
             "工业园", "开发区", "家园", "新城", "湾")
_CODED = re.compile(r"^[a-z]{0,3}\d+[a-z0-9]*$|^\d")
_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")
_ASK = re.compile(r"[？?]|吗|能否|可否|是否|何时|什么时候|为什么|为何|怎么|如何|怎样|请问|希望|建议|要求|恳请|请求|呼吁|"
                  r"应当|应该|尽快|盼|请.{0,8}(解决|处理|查处|整改|核实|回复|答复|落实|帮助|关注|监管|协调|取缔|制止|调查)")


@dataclass
class Point:
    text: str
    answered: bool
    coverage: float
    found: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


@dataclass
class Assessment:
    score: float
    relevance: float
    completeness: float
    basis: Basis
    boilerplate: Boilerplate
    points: list[Point]
    unanswered: list[str]
    hollow: bool
    notes: list[str]
    matched: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    off_topic: float = 0.0
    off_topic_words: list[str] = field(default_factory=list)
    topic: float = 0.0
    topicality: float = 0.0
    foreign: float = 0.0
    other_places: list[str] = field(default_factory=list)
    other_names: float = 0.0  # 0..1: how much the reply names what the message does not (an estate, a firm, a village)
    other_names_words: list[str] = field(default_factory=list)
    char_cover: float = 0.0  # 0..1: relevance by characters (a key term not held counts by its characters held)
    char_words: list[str] = field(default_factory=list)  # the key terms held by half their characters, not whole
    off_message: bool = False  # says something checkable, but not of this message (hollow: says nothing)
    other_cities: list[str] = field(default_factory=list)  # coded places of other cities than the message's (A8县 for J11市)
    note_items: list[tuple[str, dict]] = field(default_factory=list, repr=False)  # the notes as (template, values)

    @property
    def misses(self) -> bool:
        """The reply does not answer this message: it says nothing (hollow), or nothing of it (off_message)."""
        return self.hollow or self.off_message

    @property
    def other_place(self) -> float:
        """1 when the reply names a county, town or village of a kind the message names, by another name."""
        return float(bool(self.other_places))

    @property
    def other_city(self) -> float:
        """1 when the reply names only coded places of other cities than the message's (text/reply_places.py)."""
        return float(bool(self.other_cities))

    def figures(self) -> dict[str, float]:
        """What the learned topicality is computed from (text/reply_model.py)."""
        return {f: getattr(self, f) for f in FEATURES}

    def as_dict(self) -> dict:
        """The API's shape: every figure in 0..1, basis and boilerplate as {flag, strength/share, words}."""
        d = asdict(self)
        del d["note_items"]
        d["basis"] = {"present": self.basis.present, "strength": self.basis.strength, "found": self.basis.found}
        d["boilerplate"] = {"flagged": self.boilerplate.flagged, "share": self.boilerplate.share,
                            "phrases": self.boilerplate.phrases}
        return d


def _is_place(w: str) -> bool:
    return len(w) >= 3 and w.endswith(PLACE_END)


@functools.lru_cache(maxsize=4096)
def _content(text: str) -> tuple[str, ...]:
    """Content words: no function words (keywords.content_words), no words every message uses; a coded
    place name (L6县, A市: how anonymised exports write 桃源县) is one word, taken out before the cut
    ("A市楚府名邸" would be cut as 市楚府 + 名邸) — a reply that names the message's county or another
    one says so, as one naming 桃源县 would. Cached: a message's sentences are cut once for its terms
    and its points, and a draft checked again is the same message."""
    ws = content_words(words(CODED_PLACE.sub(" ", text)))
    named = [w for w in ws if len(w) >= 2 and w not in GENERIC and not _CODED.match(w)]
    return tuple(CODED_PLACE.findall(text) + named)


def content_of(text: str) -> list[str]:
    """The content words of a whole (normalised) text, sentence by sentence (the topic space's cut)."""
    return [w for s in sentences(text) for w in _content(s)]


def sentences(text: str) -> list[str]:
    return [m.group(0).strip(" ，,、") for m in _SENTENCE.finditer(text) if m.group(0).strip(" ，,、")]


def _weights(ws: list[str], corpus: ReplyCorpus) -> dict[str, float]:
    """Each distinct word's weight: its rarity among messages, places boosted."""
    return {w: corpus.idf(w) * (PLACE_BOOST if _is_place(w) else 1.0) for w in dict.fromkeys(ws)}


def _found(term: str, reply: str) -> bool:
    """A word is spoken of if the reply holds it, or holds its place name without the place word
    (景蓉华苑 → 景蓉), or a four-character word's two halves."""
    if term in reply:
        return True
    if _is_place(term):
        stem = next((term[:-len(s)] for s in PLACE_END if term.endswith(s)), term)
        return len(stem) >= 2 and stem in reply
    return len(term) == 4 and term[:2] in reply and term[2:] in reply


def _coverage(weights: dict[str, float], reply: str) -> tuple[float, list[str], list[str]]:
    total = sum(weights.values())
    if not total:
        return 0.0, [], []
    found = [w for w in weights if _found(w, reply)]
    missed = [w for w in weights if w not in found]
    return sum(weights[w] for w in found) / total, found, missed


def _bigrams(s: str) -> set[str]:
    s = re.sub(r"[\W_]+", "", s)
    return {s[i:i + 2] for i in range(len(s) - 1)}


def key_terms(title: str, text: str, corpus: ReplyCorpus, k: int = TERMS) -> dict[str, float]:
    """What the message is about: its k heaviest content words — rarity among messages, × 2 in the title,
    more for a word said again; a word said once that no other message uses (a typo, a turn of phrase:
    孙女, 好似) weighs less, it is not the subject."""
    in_title = set(_content(title))
    ws = [w for s in sentences(text) for w in _content(s)]
    counts: dict[str, int] = {}
    for w in list(in_title) + ws:
        counts[w] = counts.get(w, 0) + 1
    scored = {}
    for w, n in counts.items():
        weight = corpus.idf(w) * (PLACE_BOOST if _is_place(w) else 1.0) * (1 + 0.3 * min(n - 1, 3))
        if w in in_title:
            weight *= 2
        elif n == 1 and corpus.word_df.get(w, 0) == 0:
            weight *= 0.4
        scored[w] = weight
    top = sorted(scored, key=lambda w: (-scored[w], w))[:k]
    return {w: scored[w] for w in top}


_CJK_ONLY = re.compile(r"[^\u4e00-\u9fff]+")
_QUOTED = re.compile(r"(?:反映|关于|留言|来信|来电|咨询|投诉|举报|建议|反馈)[的了是为：:]{0,2}[“\"]([^”\"]{8,60})[”\"]")


def _elsewhere(message: str, reply: str) -> list[str]:
    """Problems the reply restates in quotes after 反映/关于/留言… (您反映的“…小区停车收费问题”) that the
    message does not say: a sign it answers another message. Quotes of rules are not looked at."""
    mine = _bigrams(message)
    out = []
    for m in _QUOTED.finditer(reply):
        quoted = _bigrams(_CJK_ONLY.sub("", m.group(1)))
        if len(quoted) >= 6 and len(quoted & mine) / len(quoted) < 0.3:
            out.append(m.group(1))
    return out


def _off_topic(message: str, topic, reply_words: list[str], corpus: ReplyCorpus,
               model: ReplyModel) -> tuple[float, list[str]]:
    """What the reply speaks of that the message never raised: its words that citizens use (in the
    messages' statistics) but this message does not, each weighted by how rare it is among replies — an
    estate, a road, a school, 搅拌站 weigh much, 核实 or 工作人员 (every reply's) nothing — and by how far
    it is from the message's topic (音量 is near a message about 噪音, 农村公路 is not). (mass, words)."""
    foreign = {w for w in reply_words if corpus.word_df.get(w, 0) >= 1 and not _found(w, message)}
    near = model.nearness(topic, foreign)
    weights = {w: corpus.reply_idf(w) * (1 - near[w]) for w in foreign}
    return sum(weights.values()), sorted(weights, key=lambda w: (-weights[w], w))


def _char_cover(terms: dict[str, float], reply: str, corpus: ReplyCorpus) -> tuple[float, list[str]]:
    """Relevance by characters: the message's key terms, one the reply holds counting whole, one it does
    not by the share of its characters the reply holds anywhere, each character weighted by its rarity
    among replies (种菜 → 种植蔬菜, 防尘 → 降尘, 书屋 → 卖书: 菜、尘、书 are rare in replies, 的、局 are
    not). (cover, the terms held by half their characters or more but not whole)."""
    total = sum(terms.values())
    if not total:
        return 0.0, []
    held, partly = 0.0, []
    for term, weight in terms.items():
        if _found(term, reply):
            held += weight
            continue
        rarity = {c: corpus.char_idf(c) if corpus.replies else 1.0 for c in set(term)}  # no replies: plain shares
        whole = sum(rarity.values())
        share = sum(r for c, r in rarity.items() if c in reply) / whole if whole else 0.0
        held += weight * share
        if share >= 0.5:
            partly.append(term)
    return held / total, partly


def _other_names(message: str, reply_words: list[str], corpus: ReplyCorpus) -> tuple[float, list[str]]:
    """Names the reply gives that the message does not: places (…小区、…路、…村) and words no general
    dictionary knows (an estate, a firm, a person: 金碧文华、勋建), that citizens use, each weighted by how
    rare it is among replies — a reply to another case names its estate, its village, its firm; the topic
    does not discount them (a name is never another word for the message's). (m ÷ (m + NAME_MASS), names)."""
    names = {w for w in reply_words if (_is_place(w) or not general_word(w)) and corpus.word_df.get(w, 0) >= 1
             and not _found(w, message)}
    weights = {w: corpus.reply_idf(w) for w in names}
    mass = sum(weights.values())
    return mass / (mass + NAME_MASS), sorted(weights, key=lambda w: (-weights[w], w))


def split_points(title: str, text: str) -> list[str]:
    """The message's distinct points: each sentence that asks, proposes or questions, in order; the
    title when no sentence does (a message that only tells asks what its title says)."""
    out, seen = [], set()
    for s in sentences(text):
        if len(s) >= 6 and _ASK.search(s) and s not in seen:
            seen.add(s)
            out.append(s)
    if not out:
        return [title.strip() or text[:60].strip()] if (title.strip() or text.strip()) else []
    return out


def _merge_points(points: list[str]) -> list[str]:
    """At most MAX_POINTS: the last ones are joined to the ones before (a long list of asks is one message)."""
    while len(points) > MAX_POINTS:
        points = points[:MAX_POINTS - 1] + ["".join(points[MAX_POINTS - 1:])]
    return points


def _check_points(points: list[str], reply: str, corpus: ReplyCorpus, shared: set[str]) -> list[Point]:
    out = []
    for p in points:
        ws = _content(p)
        own = [w for w in ws if w not in shared] if len(points) > 1 else ws
        weights = _weights(own or ws, corpus)
        if not weights:  # nothing to check it by ("怎么办？"): it goes with the message as a whole
            continue
        cov, found, missing = _coverage(weights, reply)
        answered = cov >= POINT_ANSWERED or any(weights[w] >= 6 and w in found for w in found)
        out.append(Point(p[:120], answered, round(cov, 3), found[:8], missing[:8]))
    return out


def final_score(topicality: float, basis: Basis, boiler: Boilerplate, answer_chars: int,
                other_city: bool) -> tuple[float, bool, bool]:
    """The score from the topicality and the reply's quality: (score, hollow, off_message)."""
    quality = QUALITY["floor"] + QUALITY["basis"] * basis.strength + QUALITY["boilerplate"] * (1 - boiler.share)
    score = topicality * quality
    hollow = ((topicality < HOLLOW_TOPICALITY and not basis.present) or (boiler.flagged and not basis.present)
              or answer_chars < 15)
    off_message = not hollow and topicality < HOLLOW_TOPICALITY / 2
    # "已转L1区住建局核处" names the message's district and still says nothing, and a precedent written for
    # another city's case answers another case: neither passes without a stated reason
    if hollow or off_message or other_city:
        score = min(score, HOLLOW_MAX)
    return score, hollow, off_message


def assess_reply(text: str, reply: str, title: str | None = None, *, corpus: ReplyCorpus | None = None,
                 model: ReplyModel | None = None) -> Assessment:
    corpus = corpus if corpus is not None else sample_corpus()
    model = model if model is not None else shipped_model()
    title = normalise(title or "")[:200]
    text = normalise((text or "")[:MAX_CHARS])
    answer = normalise((reply or "")[:MAX_CHARS])
    terms = key_terms(title, text, corpus)
    cov, matched, missed = _coverage(terms, answer)
    title_bi = _bigrams(title)
    title_cov = len(title_bi & _bigrams(answer)) / len(title_bi) if title_bi else cov
    relevance = min(1.0, (0.75 * cov + 0.25 * title_cov) / 0.7)
    message = f"{title} {text}"
    elsewhere = _elsewhere(message, answer)
    if elsewhere:
        relevance *= 0.5

    raw_points = _merge_points(split_points(title, text))
    if len(raw_points) > 1:
        counts: dict[str, int] = {}
        for p in raw_points:
            for w in set(_content(p)):
                counts[w] = counts.get(w, 0) + 1
        shared = {w for w, n in counts.items() if n == len(raw_points)}
    else:
        shared = set()
    points = _check_points(raw_points, answer, corpus, shared)
    completeness = sum(p.answered for p in points) / len(points) if points else relevance
    unanswered = [p.text for p in points if not p.answered]

    basis = find_basis(answer)
    boiler = boilerplate(answer, corpus)
    opening = content_of(answer[:OFF_TOPIC_CHARS])  # a reply says what it is about first (bounded time)
    message_words = content_of(title) + content_of(text)
    message_topic = model.vector(message_words)
    mass, strange = _off_topic(message, message_topic, opening, corpus, model)
    foreign = mass / (mass + FOREIGN_MASS)  # never full: a long answer names much, another case's reply more
    off_topic = foreign * (1 - relevance)  # a reply that speaks of its message is not off it
    topic = model.similarity(message_topic, opening)
    theirs, mine = other_places(message, message_words, opening)
    far, cities = other_cities(message_words, opening)
    names, named = _other_names(message, opening, corpus)
    chars, partly = _char_cover(terms, answer, corpus)
    topicality = model.topicality({"relevance": relevance, "completeness": completeness, "foreign": foreign,
                                   "topic": topic, "other_place": float(bool(theirs)), "other_names": names,
                                   "char_cover": chars, "other_city": float(bool(far))})
    score, hollow, off_message = final_score(topicality, basis, boiler, len(answer), bool(far))
    a = Assessment(round(score, 3), round(relevance, 3), round(completeness, 3), basis, boiler, points, unanswered,
                   hollow, [], matched, missed, round(off_topic, 3), strange[:8] if off_topic >= OFF_TOPIC_NOTE else [],
                   round(topic, 3), round(topicality, 3), round(foreign, 3), theirs, round(names, 3), named[:8],
                   round(chars, 3), partly[:8], off_message, other_cities=far)
    a.note_items = notes(a, elsewhere, mine + [c for c in cities if c not in mine])
    a.notes = [t % v for t, v in a.note_items]
    return a
