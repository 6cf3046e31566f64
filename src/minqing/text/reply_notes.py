"""What the reply assessment tells the handler, in words (pure; docs/replies.md): each note a template
marked for the catalogues and its values, so the page's language can be shown (ledger/reply_quality.py
translates the template first, then fills it); the words quoted from the message and the reply stay as
written."""

from __future__ import annotations

OFF_TOPIC_NOTE = 0.3  # from here the words the message never raised are named to the handler
TOPIC_NOTE = 0.4  # from here a reply in other words than the message's is said to speak of the same thing
HOLLOW_RELEVANCE = 0.25  # below it the message's own words are said to be missing


def gettext_noop(message: str) -> str:
    """Marks a note's words for the catalogues (tools/i18n.py); they are translated where shown
    (ledger/reply_quality.py::public), this layer knows no language but the source's."""
    return message


NOTE = {
    "hollow": gettext_noop("空泛答复：没有针对留言所说的地点、事项和诉求作答，请补充调查结果、处理措施和时限"),
    "off_message": gettext_noop("答复没有针对本留言：没有说到留言所说的地点、事项和诉求，请核对是否答错了留言，或写明与本留言的关系"),
    "elsewhere": gettext_noop("答复引述的“%(quote)s”不是本留言反映的问题，请核对是否答错了留言"),
    "other_places": gettext_noop("答复说到 %(theirs)s，留言说的是 %(mine)s，请核对是否答错了留言"),
    "other_names": gettext_noop("答复说到的 %(words)s 留言都没有提到，请核对是否答错了留言"),
    "strange": gettext_noop("答复说到留言没有提到的 %(words)s，请核对是否答错了留言"),
    "matched": gettext_noop("相关：答复提到了 %(words)s（相关度 %(share)s）"),
    "chars": gettext_noop("答复换了说法提到 %(words)s（按字计的相关度 %(share)s）"),
    "topic": gettext_noop("用词与留言不同，但说的是同一类事（话题相近度 %(share)s）"),
    "missed": gettext_noop("未提到留言中的 %(words)s"),
    "point": gettext_noop("未答复的诉求：“%(point)s”"),
    "point_missing": gettext_noop("未答复的诉求：“%(point)s”（未提到 %(words)s）"),
    "basis": gettext_noop("依据：%(found)s"),
    "basis_piece": gettext_noop("%(kind)s：%(words)s"),  # one kind of basis and its words, in the note above
    "basis_joint": gettext_noop("；"),  # between them
    "no_basis": gettext_noop("缺少可核实的依据：没有政策文件、文号、核实的事实、日期或下一步措施"),
    "boilerplate": gettext_noop("套话：答复的 %(share)s 与其他答复逐字相同"),
    "boilerplate_quoted": gettext_noop("套话：答复的 %(share)s 与其他答复逐字相同，如 %(phrases)s"),
}


class Pieces(str):
    """A note's value made of (kind, words) pairs — the basis found: in the source language as it reads;
    `translated(gettext)` gives it with the kinds' names in the page's language, the words as written."""

    pieces: tuple[tuple[str, str], ...]

    def __new__(cls, pieces):
        pieces = tuple(pieces)
        obj = super().__new__(cls, NOTE["basis_joint"].join(NOTE["basis_piece"] % {"kind": k, "words": w}
                                                            for k, w in pieces))
        obj.pieces = pieces
        return obj

    def __reduce__(self):  # copied (dataclasses.asdict) and pickled as its pieces, not as its characters
        return (Pieces, (self.pieces,))

    def translated(self, gettext) -> str:
        return gettext(NOTE["basis_joint"]).join(gettext(NOTE["basis_piece"]) % {"kind": gettext(k), "words": w}
                                                 for k, w in self.pieces)


def notes(a, elsewhere: list[str], message_places: list[str]) -> list[tuple[str, dict]]:
    """The notes of an assessment `a` (text/replies.py::Assessment) as (template, values): the source's
    words with `template % values`, another language's with the template translated first."""
    out: list[tuple[str, dict]] = []
    if a.hollow:
        out.append((NOTE["hollow"], {}))
    elif a.off_message:
        out.append((NOTE["off_message"], {}))
    if elsewhere:
        out.append((NOTE["elsewhere"], {"quote": elsewhere[0][:30]}))
    if a.other_places or a.other_cities:
        theirs = a.other_places + [c for c in a.other_cities if c not in a.other_places]
        out.append((NOTE["other_places"], {"theirs": "、".join(theirs[:4]), "mine": "、".join(message_places[:4])}))
    if a.off_topic_words:
        out.append((NOTE["strange"], {"words": "、".join(a.off_topic_words[:6])}))
    elif a.misses and a.other_names_words:  # why it was taken for another case's reply
        out.append((NOTE["other_names"], {"words": "、".join(a.other_names_words[:6])}))
    if a.matched:
        out.append((NOTE["matched"], {"words": "、".join(a.matched[:8]), "share": f"{a.relevance:.0%}"}))
    if a.char_words and a.relevance < HOLLOW_RELEVANCE:
        out.append((NOTE["chars"], {"words": "、".join(a.char_words[:6]), "share": f"{a.char_cover:.0%}"}))
    if a.topic >= TOPIC_NOTE and a.relevance < HOLLOW_RELEVANCE:
        out.append((NOTE["topic"], {"share": f"{a.topic:.0%}"}))
    if a.missed:
        out.append((NOTE["missed"], {"words": "、".join(a.missed[:8])}))
    for p in a.points:
        if not p.answered:
            if p.missing:
                out.append((NOTE["point_missing"], {"point": p.text[:60], "words": "、".join(p.missing[:4])}))
            else:
                out.append((NOTE["point"], {"point": p.text[:60]}))
    if a.basis.present:
        out.append((NOTE["basis"], {"found": Pieces(a.basis.pieces[:6])}))
    else:
        out.append((NOTE["no_basis"], {}))
    if a.boilerplate.share >= 0.3:
        quoted = "、".join(f"“{p}”" for p in a.boilerplate.phrases[:3])
        share = f"{a.boilerplate.share:.0%}"
        out.append((NOTE["boilerplate_quoted"], {"share": share, "phrases": quoted}) if quoted
                   else (NOTE["boilerplate"], {"share": share}))
    return out
