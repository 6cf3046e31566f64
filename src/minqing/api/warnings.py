"""Early warnings (预警): list within one's area, acknowledge as owner, record how it was handled."""

from typing import Any

from ninja import Schema

from ..insight import warnings as svc
from .main import api
from .openapi import answers


class HandleIn(Schema):
    note: str


@api.get("/warnings", response=list[dict[str, Any]], tags=["insight"],
         summary="预警列表（status=new|acknowledged|handled|open，kind=surge|seasonal|repeat|rebound，unit）")
def list_warnings(request, status: str = "", kind: str = "", unit: str = "", limit: int = 100):
    qs = svc.listing(request.auth, status, kind, unit)
    return [svc.as_dict(w) for w in qs[: max(1, min(limit, 500))]]


@api.get("/warnings/{wid}", response=dict[str, Any], tags=["insight"], summary="一条预警及其依据和工单")
def get_warning(request, wid: int):
    return svc.as_dict(svc.get(request.auth, wid))


@api.post("/warnings/{wid}/acknowledge", response=dict[str, Any], tags=["insight"], openapi_extra=answers(409),
          summary="认领预警（成为负责人）")
def acknowledge(request, wid: int):
    return svc.as_dict(svc.acknowledge(request.auth, svc.get(request.auth, wid)))


@api.post("/warnings/{wid}/handle", response=dict[str, Any], tags=["insight"], openapi_extra=answers(409),
          summary="登记处置情况，预警办结")
def handle(request, wid: int, payload: HandleIn):
    return svc.as_dict(svc.handle(request.auth, svc.get(request.auth, wid), payload.note))
