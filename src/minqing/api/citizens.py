"""The people's history (群众档案): a case's submitter's other cases, and vulnerable-group flags.
Same rules as the case page (intake/citizens.py)."""

from typing import Any

from django.utils import timezone
from ninja import Schema

from ..intake import citizens
from ..intake.models import Vulnerable
from ..ledger.permissions import access_case
from .main import api
from .openapi import answers, one_of


def history_out(data: dict | None) -> dict | None:
    if data is None:
        return None
    return {**data, "cases": [{**c, "received_at": timezone.localtime(c["received_at"]).isoformat()}
                              for c in data["cases"]]}


@api.get("/citizens/{number}/history", response=dict[str, Any], tags=["citizens"],
         summary="诉求人的其他工单（按电话关联，匿名不关联；仅限您能查看的工单）及困难群体标记（仅网格员、派单员、承办人可见）")
def get_history(request, number: str):
    case = access_case(request.auth, number)
    return {"number": case.number, "history": history_out(citizens.history(request.auth, case))}


class FlagsIn(Schema):
    case: str
    flags: list[str] = one_of(Vulnerable.values, [], items=True)
    note: str | None = None


@api.post("/citizens/flags", response=dict[str, Any], tags=["citizens"], openapi_extra=answers(404),
          summary="标记诉求人的困难群体类别（低保户、独居老人等；网格员、派单员）")
def post_flags(request, payload: FlagsIn):
    citizen = citizens.set_flags(request.auth, payload.case, payload.flags, payload.note)
    return {"case": payload.case, "flags": citizen.flags,
            "flag_labels": [str(Vulnerable(f).label) for f in citizen.flags], "note": citizen.note}
