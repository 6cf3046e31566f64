"""What in a reply the citizen can check (依据、措施、时限), pure: a rule or a document number, a measured
fact, a date, a next step, a number to call. Each kind found adds its weight to the strength (at most
1); a reply has a basis when the strength reaches PRESENT_AT — one document, or a fact with a date, or
a next step with a date. The date a reply is signed with (a full date at its very end) is not a date of anything."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .reply_notes import gettext_noop

PRESENT_AT = 0.3
# the date a reply is signed with, at its very end (after the unit's name, if any)
_SIGNATURE = re.compile(r"(?:(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2})\W*$")
KINDS: list[tuple[str, float, re.Pattern]] = [
    (gettext_noop("文号"), 0.35, re.compile(r"[〔\[［【(（]\s*(?:19|20)\d{2}\s*[〕\]］】)）]\s*第?\s*\d{1,4}\s*号")),
    (gettext_noop("政策法规"), 0.35, re.compile(r"《[^》]{0,40}(?:法|条例|办法|规定|意见|通知|标准|规范|细则|方案|规划|决定|纲要|准则|规程|"
                                r"制度|指南|政策|公告|批复|目录|章程)[^》]{0,10}》|第[一二三四五六七八九十百零\d]+条")),
    (gettext_noop("核实的事实"), 0.25, re.compile(r"\d+(?:\.\d+)?\s*(?:米|公里|千米|公顷|元|万元|亿元|%|％|吨|平方米|㎡|平米|亩|户|人次|"
                                  r"名|辆|台|套|栋|处|个|盏|座|分贝|dB|天|小时|个月|年)")),
    (gettext_noop("日期"), 0.2, re.compile(r"(?:(?:19|20)\d{2}年)?\d{1,2}月(?:\d{1,2}日|底|初|中旬|上旬|下旬)|(?:19|20)\d{2}年(?:底|内|前)|"
                            r"(?:年底|月底|年内)前?")),
    (gettext_noop("下一步措施"), 0.25, re.compile(r"下一步|将于|将在|将会|预计|计划于?|拟于?|争取|力争|限期|责令|已安排|已责成|已督促|"
                                  r"已要求|已完成|已于|已对|已将|已经.{0,6}(?:整改|修复|清理|拆除|处罚|立案)|正在|目前已|督促|整改")),
    (gettext_noop("联系方式"), 0.1, re.compile(r"(?:电话|热线|咨询)[:：]?\s*[\d\-—－]{7,}")),
]


@dataclass
class Basis:
    present: bool
    strength: float
    found: list[str] = field(default_factory=list)  # "文号：长发〔2019〕2号", …
    kinds: list[str] = field(default_factory=list)
    pieces: list[tuple[str, str]] = field(default_factory=list)  # (kind, its words): ("文号", "长发〔2019〕2号")


def find_basis(reply: str) -> Basis:
    body = _SIGNATURE.sub("", reply.strip())
    strength, kinds, pieces = 0.0, [], []
    for name, weight, pattern in KINDS:
        hits = list(dict.fromkeys(m.group(0).strip() for m in pattern.finditer(body)))
        if hits:
            kinds.append(name)
            # a second piece of the same kind adds a little: two documents say more than one
            strength += weight * (1.0 if len(hits) == 1 else 1.3)
            pieces.append((name, "、".join(h[:30] for h in hits[:3])))
    strength = min(1.0, strength)
    return Basis(strength >= PRESENT_AT, round(strength, 3), [f"{k}：{w}" for k, w in pieces], kinds, pieces)
