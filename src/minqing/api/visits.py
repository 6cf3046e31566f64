"""Field visits (走访/下访)."""

from typing import Any

from ninja import Schema, Status

from ..field.services import coverage, record_visit
from .cases import SubmitterIn
from .main import api


class VisitVoiceIn(Schema):
    text: str
    title: str | None = None
    address: str | None = None
    unit: str | None = None
    submitter: SubmitterIn | None = None


class VisitIn(Schema):
    unit: str
    visited_at: str
    households: int | None = None
    notes: str | None = None
    voices: list[VisitVoiceIn] = []


@api.post("/visits", response={201: dict[str, Any]}, tags=["field"],
          summary="登记一次走访；听到的每条诉求立即成为工单（渠道：走访）")
def post_visit(request, payload: VisitIn):
    data = payload.dict()
    data["voices"] = [{k: v for k, v in voice.items() if v is not None} for voice in data["voices"]]
    visit = record_visit(request.auth, data)
    return Status(201, {"id": visit.id, "cases": list(visit.cases.order_by("id").values_list("number", flat=True))})


@api.get("/visits/coverage", response=dict[str, Any], tags=["field"],
         summary="走访覆盖：村/网格总数与已走访数、干部总数与已下访人数、诉求数（默认本月）")
def get_coverage(request, unit: str = "", since: str = "", until: str = ""):
    return coverage(request.auth, unit, since, until)
