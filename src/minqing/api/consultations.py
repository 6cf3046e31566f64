"""Consultations (征求意见): publish a proposal, add statements, vote, read the opinion groups.

Citizens need no token: they take part as a pseudonymous device code (`participant`). With a staff
token, statements are approved at once and votes may be entered in bulk for many participants (paper
sheets gathered on a visit)."""

from typing import Any

from ninja import Schema, Status

from ..consult import results as res
from ..consult import services as svc
from ..consult.models import StatementStatus
from ..errors import Forbidden, Invalid
from ..limits import hit
from .main import OptionalBearer, api
from .openapi import answers, one_of


def _staff(request):
    user = request.auth if request.auth is not True else None
    return user if user is not None and svc.is_staff(user) else None


class ConsultationIn(Schema):
    title: str
    text: str
    unit: str
    closes_at: str | None = None
    opens_at: str | None = None
    statements: list[str] = []


class StatementIn(Schema):
    text: str
    participant: str | None = None


class VoteIn(Schema):
    participant: str
    statement: int | str
    vote: str = one_of(svc.VOTE_VALUES)


class VotesIn(Schema):
    votes: list[VoteIn]


class ModerationIn(Schema):
    approve: bool


class DecisionIn(Schema):
    decision: str = ""
    close: bool = False
    cases: list[str] = []


def _summary(c, now=None) -> dict:
    from .. import clock

    return {"id": c.id, "title": c.title, "unit": c.unit.code, "unit_name": c.unit.name,
            "opens_at": c.opens_at.isoformat(), "closes_at": c.closes_at.isoformat() if c.closes_at else None,
            "open": c.is_open(now or clock.now())}


@api.post("/consultations", response={201: dict[str, Any]}, tags=["consult"], summary="发起征求意见")
def post_consultation(request, payload: ConsultationIn):
    c = svc.create(request.auth, payload.dict())
    return Status(201, {"id": c.id})


@api.get("/consultations", auth=OptionalBearer(), response=list[dict[str, Any]], tags=["consult"],
         summary="征求意见列表（无令牌：已开始的；工作人员：本级、下级和上级单位的）")
def list_consultations(request):
    staff = _staff(request)
    qs = svc.visible_to(staff) if staff else svc.public_list()
    return [_summary(c) for c in qs[:200]]


@api.get("/consultations/{cid}", auth=OptionalBearer(), response=dict[str, Any], tags=["consult"],
         summary="一次征求意见：方案与观点（本辖区工作人员另见待审核的观点）")
def get_consultation(request, cid: int):
    c, in_scope = svc.get_for_reader(_staff(request), cid)
    statements = c.statements.all() if in_scope else c.statements.filter(status=StatementStatus.APPROVED)
    return {**_summary(c), "text": c.text, "decision": c.decision, "attribution": c.attribution,
            "cases": list(c.cases.values_list("number", flat=True)),
            "statements": [{"id": s.id, "seq": s.seq, "text": s.text, "status": s.status} for s in statements]}


@api.post("/consultations/{cid}/statements", auth=OptionalBearer(), response={201: dict[str, Any]},
          tags=["consult"], openapi_extra=answers(429), summary="提出一条观点（工作人员的立即通过，群众的进入审核）")
def post_statement(request, cid: int, payload: StatementIn):
    staff = _staff(request)
    if not staff:
        hit(request, "statement")
    c = svc.get_for_staff(staff, cid) if staff else svc.get_public(cid)
    s = svc.add_statement(c, payload.text, user=staff, participant=payload.participant or "")
    return Status(201, {"id": s.id, "seq": s.seq, "status": s.status})


@api.post("/consultations/{cid}/statements/{sid}/moderation", response=dict[str, Any], tags=["consult"],
          summary="审核群众提出的观点")
def moderate_statement(request, cid: int, sid: int, payload: ModerationIn):
    c = svc.get_for_staff(request.auth, cid)
    s = c.statements.filter(pk=sid).first()
    if s is None:
        raise Invalid("观点不存在", field="statement", code="not_found")
    s = svc.moderate(request.auth, s, payload.approve)
    return {"id": s.id, "status": s.status}


@api.post("/consultations/{cid}/votes", auth=OptionalBearer(), response=dict[str, Any], tags=["consult"],
          openapi_extra=answers(429),
          summary="表态：同意 / 反对 / 不确定（工作人员可批量录入纸质表态）")
def post_votes(request, cid: int, payload: VotesIn):
    staff = _staff(request)
    if not staff:
        hit(request, "vote")
    c = svc.get_for_staff(staff, cid) if staff else svc.get_public(cid)
    votes = [v.dict() for v in payload.votes]
    device = ""
    if not staff:
        codes = {str(v["participant"]) for v in votes}
        if len(codes) != 1:
            raise Forbidden("不登录时一次只能以一个参与者代号表态", field="participant")
        device = codes.pop()
    return {"accepted": svc.cast_votes(c, votes, user=staff, device=device)}


@api.get("/consultations/{cid}/next", auth=None, response=list[dict[str, Any]], tags=["consult"],
         openapi_extra=answers(429),
         summary="为一位参与者挑选接下来要表态的几条观点")
def next_for(request, cid: int, participant: str, n: int = 3):
    hit(request, "public")
    c = svc.get_public(cid)
    return [{"id": s.id, "seq": s.seq, "text": s.text} for s in svc.next_statements(c, participant, max(1, min(n, 10)))]


@api.get("/consultations/{cid}/groups", auth=OptionalBearer(), response=dict[str, Any], tags=["consult"],
         openapi_extra=answers(429),
         summary="意见分组：各组人数与代表性观点、共识观点（参与者代号只给本辖区工作人员）")
def get_groups(request, cid: int):
    staff = _staff(request)
    if not staff:
        hit(request, "public")
    c, in_scope = svc.get_for_reader(staff, cid)
    out = res.results(c)
    if not in_scope:  # participant codes only to staff of the consultation's area
        view = res.public_view(out)
        out = {**view, "groups": [{**g, "participants": []} for g in view["groups"]]}
    return out


@api.post("/consultations/{cid}/decision", response=dict[str, Any], tags=["consult"],
          summary="记录决定与采纳情况，关联工单，可同时截止")
def post_decision(request, cid: int, payload: DecisionIn):
    c = svc.get_for_staff(request.auth, cid)
    c = svc.record_decision(request.auth, c, payload.decision, payload.close, payload.cases)
    return _summary(c)
