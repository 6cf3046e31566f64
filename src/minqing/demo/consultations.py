"""Demo consultations: a local one in simplified Chinese with a clear minority (older residents on low
floors against a lift), and the real vTaiwan consultation (Pol.is open data, CC BY 4.0)."""

import random

from ..consult.imports import DEMO_FILE, import_consultation, load_pack
from ..consult.models import Consultation
from ..consult.services import cast_votes, create
from ..org.models import Unit

LIFT_STATEMENTS = [
    ("老旧小区加装电梯能方便老人和残疾人出行", (1, 1)),
    ("加装电梯的费用应按楼层高低分摊", (1, -1)),
    ("一楼住户采光和噪音受影响，应当给予补偿", (-1, 1)),
    ("政府应当给予加装电梯补贴", (1, 1)),
    ("只要三分之二住户同意就应开工", (1, -1)),
    ("低楼层住户可以不出钱", (-1, 1)),
    ("电梯建成后的维修保养费用应由使用的住户承担", (-1, 1)),
    ("施工期间应保证消防通道畅通", (1, 1)),
    ("应先开听证会再决定是否加装", (-1, 1)),
    ("加装电梯能提升房屋价值", (1, -1)),
]


def build_lift_consultation(user, unit: Unit, seed: int = 7) -> Consultation:
    """80 households: 70 on upper floors for the lift, a minority of 10 on low floors with their own view."""
    c = create(user, {"title": "老旧小区加装电梯征求意见", "unit": unit.code,
                      "text": "城关镇拟在建成于2000年前的6个老旧小区试点加装电梯，费用由政府补贴一部分、住户分摊一部分。"
                              "请各位居民就以下观点表态，也可以提出新的观点。",
                      "statements": [text for text, _ in LIFT_STATEMENTS]})
    rng = random.Random(seed)
    sids = list(c.statements.order_by("seq").values_list("id", flat=True))
    votes = []
    for i in range(80):
        camp = 0 if i < 70 else 1
        for sid, (_, stance) in zip(sids, LIFT_STATEMENTS, strict=True):
            if rng.random() < 0.35:
                continue  # nobody answers every question
            value = stance[camp] if rng.random() > 0.1 else -stance[camp]
            votes.append({"participant": f"{'高' if camp == 0 else '低'}层{i + 1:02d}户", "statement": sid,
                          "vote": "agree" if value > 0 else "disagree"})
    cast_votes(c, votes, user=user)
    return c


def load_demo_consultations() -> None:
    from ..org.models import User

    build_lift_consultation(User.objects.get(username="cg_dispatcher"), Unit.objects.get(code="QS-CG"))
    if DEMO_FILE.exists():
        import_consultation(
            load_pack(), Unit.objects.get(code="QS"), user=User.objects.get(username="dispatcher"), title="示例：网约车（UberX）是否应与出租车同等监管",
            text="这是台湾 vTaiwan 平台 2015 年就“UberX 自用车载客”开展的一次真实公开征求意见（Pol.is），"
                 "1,921 人对约 190 条观点表态约 5 万次，作为演示数据，展示多数与少数意见并列的分组结果。观点原文为繁体中文。")
