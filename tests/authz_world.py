"""The world the authorization matrix (tests/test_authz_matrix.py) walks: the test county plus a
second township, and one object of every kind on each side of the line — "in" inside 一镇 (T1, where
the scoped users work), "out" inside 二镇 (T2). Both cases carry a protected submitter whose name and
phone must never leave the server unmasked, and case B carries a marker word that no user of T1 may
ever read."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from minqing import clock
from minqing.consult.services import cast_votes, create
from minqing.field.models import Visit, VisitPlan
from minqing.insight.models import Warning
from minqing.ledger.actions import perform
from minqing.ledger.attachments import add_attachment
from minqing.ledger.models import Category
from minqing.open311 import keys as open311_keys
from minqing.open311.models import Submission
from minqing.org.models import ApiToken, Unit
from minqing.org.services import add_unit, create_user
from minqing.publicity.notices import publish

PW = "pw-test-2026"
SECRETS = {"in": ("欧阳保密", "13900001111"), "out": ("司马隐名", "13900002222")}
MARK_B = "丙村专属标记"  # only in case B (out of T1's scope)
TEXT = "东头路灯坏了三个月，晚上看不清路，老人摔倒过两次。"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
# the roles of the matrix and the user acting for each (None: no account)
ROLES = {"anonymous": None, "citizen": None, "grid": "grid", "handler": "ha", "dispatcher": "t_disp",
         "leader": "t_leader", "admin": "admin"}


def build(county, make_case) -> dict:
    add_unit("T2", "二镇", "township", "C")
    add_unit("VC", "丙村", "village", "T2")
    county["c_disp"] = create_user("c_disp", PW, "dispatcher", "T2")
    county["hc"] = create_user("hc", PW, "handler", "VC")
    w: dict = {"in": {}, "out": {}}
    for side, unit, user in (("in", "GA", "disp"), ("out", "VC", "disp")):
        name, phone = SECRETS[side]
        text = TEXT + (MARK_B if side == "out" else "")
        case = make_case(unit, text=text, title=f"{unit}路灯", channel="phone",
                         submitter={"mode": "protected", "name": name, "phone": phone})
        perform(county[user], case.number, "dispatch", {"unit": "VA" if side == "in" else "VC"})
        att = add_attachment(county["disp"], case.number, SimpleUploadedFile("photo.png", PNG, "image/png"))
        w[side]["case"], w[side]["attachment"] = case, att
        w[side]["code"] = case.voices.first().tracking_code
    for side, unit, user in (("in", "T1", "t_disp"), ("out", "T2", "c_disp")):
        c = create(county[user], {"unit": unit, "title": f"{unit}加装电梯", "text": "老旧小区加装电梯方案征求意见",
                                  "statements": ["应当加装", "费用按楼层分摊"]})
        cast_votes(c, [{"participant": f"{unit}-p{i}", "statement": s.id, "vote": "agree"}
                       for i in range(3) for s in c.statements.all()], user=county[user])
        w[side]["consultation"], w[side]["statement"] = c, c.statements.first()
        place = Unit.objects.get(code="GA" if side == "in" else "VC")
        w[side]["warning"] = Warning.objects.create(
            kind="surge", key=f"matrix-{side}", unit=place, unit_path=place.path, title=f"{place.name}路灯集中反映",
            explanation="三天内同一地点五件相似诉求")
        w[side]["warning"].cases.add(w[side]["case"])
        w[side]["notice"] = publish(county[user], {"unit": unit, "kind": "doing", "title": f"{unit}正在修路灯",
                                                   "body": "本周内完成东头路灯维修。"})
        today = clock.today()
        w[side]["plan"] = VisitPlan.objects.create(cadre=county[user], unit=place, unit_path=place.path, starts=today,
                                                   ends=today + dt.timedelta(days=5), created_by=county[user])
        w[side]["visit"] = Visit.objects.create(unit=place, unit_path=place.path, visitor=county[user],
                                                visited_at=clock.today(), households=3, notes="走访记录")
    key = open311_keys.issue("matrix-client")[0]  # a request raised through Open311, for GET tokens/{token}
    sub = Submission.objects.create(case=w["in"]["case"], key=key, token="matrixtoken0001")
    w["open311"] = {"token": sub.token, "service_code": str(Category.objects.filter(level=1).order_by("path")[0].pk)}
    from minqing.intake.models import ImportJob  # an Excel import, followed by the dispatcher who made it

    w["job"] = ImportJob.objects.create(source="matrix.xlsx", user=county[ROLES["dispatcher"]], imported=1)
    w["tokens"] = {role: ApiToken.issue(county[u]) for role, u in ROLES.items() if u}
    w["users"] = {role: county[u] for role, u in ROLES.items() if u}
    return w
