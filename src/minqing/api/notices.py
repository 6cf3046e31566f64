"""Notices (公告) on the public board: publish and withdraw (staff), read (anyone, no token)."""

from typing import Any

from django.utils import timezone
from ninja import Schema, Status

from ..limits import hit
from ..publicity import notices as svc
from ..publicity.board import unit_or_404
from ..publicity.models import NoticeKind
from .main import api
from .openapi import answers, one_of


class NoticeIn(Schema):
    unit: str
    kind: str = one_of(NoticeKind.values)
    title: str
    body: str
    consultation: int | None = None
    cases: list[str] | None = None


def _out(view: dict) -> dict:
    return {k: (timezone.localtime(v).isoformat() if k in ("published_at", "withdrawn_at") and v else v)
            for k, v in view.items()}


@api.post("/notices", response={201: dict[str, Any]}, tags=["publicity"],
          summary="发布公告（正在办/计划/结果公示/常见问题解答），显示在本单位及下级的办理公开页面")
def post_notice(request, payload: NoticeIn):
    notice = svc.publish(request.auth, payload.dict())
    return Status(201, {"id": notice.id})


@api.get("/notices", response=list[dict[str, Any]], tags=["publicity"],
         summary="本单位范围内的公告（含已撤回），供管理")
def list_notices(request):
    return [_out(svc.staff_view(n)) for n in svc.staff_list(request.auth)[:200]]


@api.post("/notices/{notice_id}/withdraw", response=dict[str, Any], tags=["publicity"],
          summary="撤回公告（不删除，留痕）")
def post_withdraw(request, notice_id: int):
    return _out(svc.staff_view(svc.withdraw(request.auth, notice_id)))


@api.get("/public/{unit_code}/notices", auth=None, response=list[dict[str, Any]], tags=["publicity"],
         openapi_extra=answers(429),
         summary="某单位办理公开页面上的公告（本单位及上级单位发布的，未撤回，新的在前）；无需登录")
def public_notices(request, unit_code: str):
    hit(request, "public")
    return [_out(n) for n in svc.board_notices(unit_or_404(unit_code))]
