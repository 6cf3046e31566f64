"""What a generated case is drawn from: how often each channel, urgency, track, status (by the case's
age), rating, closing reason, submitter mode, first-level category and kind of dispatch occurs, the
contact and resolution limits, office hours, the names and the tracking-code alphabet — and a fast
weighted choice over such tables (`_table`, `_pick`).

The weights are set by hand to look like a county's ledger (docs/benchmarks.md describes the result);
GENERATOR_VERSION is bumped whenever they or the rows change, so that stored ledgers are rebuilt."""

from __future__ import annotations

import bisect
import math

GENERATOR_VERSION = 1  # bump when the rows change, so that stored ledgers are rebuilt
DAY = 86400.0
SPAN_DAYS = 540  # about a year and a half of cases, growing over time
TZ_OFFSET = 8 * 3600  # Asia/Shanghai: office hours are local

CHANNELS = [("web", 38), ("phone", 27), ("visit", 14), ("walk_in", 10), ("letter", 4), ("import", 7)]
URGENCIES = [("normal", 90), ("urgent", 8), ("critical", 2)]
TRACKS = [("immediate", 60), ("conditional", 30), ("systemic", 10)]
# Contact and resolution limits in calendar seconds (working days × 7/5, rounded up to a day end).
LIMITS = {"normal": (1.4 * DAY, 9.8 * DAY), "urgent": (0.4 * DAY, 4.2 * DAY), "critical": (0.3 * DAY, 1.4 * DAY)}
# Status by the case's age: new cases are open, most older ones are closed (about 60% overall).
STATUS_BY_AGE = [  # (age below, days) → weights
    (1, [("accepted", 55), ("dispatched", 30), ("handling", 15)]),
    (3, [("accepted", 12), ("dispatched", 30), ("handling", 45), ("returned", 3), ("waiting", 4), ("replied", 6)]),
    (10, [("accepted", 2), ("dispatched", 8), ("handling", 40), ("returned", 2), ("waiting", 6), ("replied", 22),
          ("followed_up", 5), ("closed", 15)]),
    (45, [("dispatched", 2), ("handling", 18), ("returned", 1), ("waiting", 5), ("replied", 16),
          ("followed_up", 10), ("reopened", 3), ("closed", 45)]),
    (math.inf, [("dispatched", 1), ("handling", 8), ("waiting", 4), ("replied", 10), ("followed_up", 10),
                ("reopened", 2), ("returned", 1), ("closed", 64)]),
]
RATINGS = [("satisfied", 66), ("basically_satisfied", 22), ("unsatisfied", 6), ("", 6)]
CLOSE_REASONS = [("resolved", 93), ("withdrawn", 3), ("spam", 2), ("duplicate", 2)]
MODES = [("anonymous", 35), ("protected", 40), ("named", 25)]
# First-level categories by how often citizens raise them (rank order; the rest follow).
TOP_ORDER = ["城乡建设", "劳动和社会保障", "教育文体", "交通运输", "环境保护", "商贸旅游", "卫生计生", "民政",
             "国土资源", "政法", "农村农业", "经济管理", "党务政务", "科技与信息产业", "纪检监察"]
# Where a case is dispatched: the village of its place, its township, the county department for its
# category, or the township's social-affairs office.
ASSIGN = [("village", 45), ("township", 15), ("department", 30), ("office", 10)]
SURNAMES = "张王李刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强海燕红梅"
TRACKING_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _table(pairs):
    """(values, cumulative weights) for fast weighted choice with bisect."""
    values, cum, total = [], [], 0.0
    for v, w in pairs:
        total += w
        values.append(v)
        cum.append(total)
    return values, cum


def _pick(table, r: float):
    values, cum = table
    return values[bisect.bisect_right(cum, r * cum[-1])]


# Office hours: most voices arrive 8–18h; a few at night.
_HOURS = _table([(h, w) for h, w in enumerate([1, 1, 1, 1, 1, 2, 3, 6, 12, 14, 14, 12, 8, 10, 13, 13, 12, 10, 7,
                                                5, 4, 3, 2, 1])])
