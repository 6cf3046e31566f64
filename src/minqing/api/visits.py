"""Field visits (走访/下访)."""

from typing import Any

from ninja import Schema, Status

from ..field import plans
from ..field.services import coverage, record_visit
from ..intake.once import run_once
from .cases import SubmitterIn, idempotency_key, replied
from .main import STAFF_OR_TOKEN, api
from .openapi import answers


class VisitVoiceIn(Schema):
    text: str
    title: str | None = None
    address: str | None = None
    unit: str | None = None
    lat: float | None = None
    lng: float | None = None
    submitter: SubmitterIn | None = None


class VisitIn(Schema):
    unit: str
    visited_at: str
    households: int | None = None
    notes: str | None = None
    voices: list[VisitVoiceIn] = []


@api.post("/visits", auth=STAFF_OR_TOKEN, response={201: dict[str, Any]}, tags=["field"], openapi_extra=answers(409),
          summary="登记一次走访；听到的每条诉求立即成为工单（渠道：走访）；可带 Idempotency-Key 安全重发")
def post_visit(request, payload: VisitIn, key: str | None = idempotency_key()):
    data = payload.dict()
    data["voices"] = [{k: v for k, v in voice.items() if v is not None} for voice in data["voices"]]

    def record():
        visit = record_visit(request.auth, data)
        return 201, {"id": visit.id, "cases": list(visit.cases.order_by("id").values_list("number", flat=True))}

    return replied(request, *run_once(key, request.auth, "visits", data, record))


@api.get("/visits/coverage", response=dict[str, Any], tags=["field"],
         summary="走访覆盖：村/网格总数与已走访数、干部总数与已下访人数、诉求数（默认本月）")
def get_coverage(request, unit: str = "", since: str = "", until: str = ""):
    return coverage(request.auth, unit, since, until)


class PlanIn(Schema):
    unit: str
    cadre: str | int | None = None
    starts: str | None = None
    ends: str | None = None
    reason: str | None = None
    note: str | None = None


@api.get("/visits/plans/suggestions", response=list[dict[str, Any]], tags=["field"],
         summary="走访建议：热点、预警、未办结诉求多、近30天未走访的村，按轻重排序，每条说明原因（领导、派单员）")
def get_plan_suggestions(request, unit: str = "", since: str = "", until: str = "", limit: int = 20):
    return plans.suggest_plans(request.auth, since, until, unit, limit=max(1, min(limit, 100)))


@api.post("/visits/plans", response={201: dict[str, Any]}, tags=["field"],
          summary="制定走访计划（本人；领导、派单员可安排本辖区干部）")
def post_plan(request, payload: PlanIn):
    plan = plans.create_plan(request.auth, payload.dict())
    return Status(201, {"id": plan.id, **plans.plan_view(plan)})


@api.get("/visits/plans", response=list[dict[str, Any]], tags=["field"],
         summary="走访计划：本人的，以及（领导、派单员）本辖区的；status=planned|done|cancelled，mine=1 只看本人")
def get_plans(request, status: str = "", mine: bool = False):
    return [plans.plan_view(p) for p in plans.list_plans(request.auth, status, mine)[:300]]


@api.post("/visits/plans/{plan_id}/cancel", response=dict[str, Any], tags=["field"], summary="取消走访计划")
def post_cancel_plan(request, plan_id: int):
    return plans.plan_view(plans.cancel_plan(request.auth, plan_id))
