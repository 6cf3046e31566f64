"""Voices, cases, lifecycle actions and the citizens' tracking routes."""

from typing import Any

from ninja import File, Header, Schema
from ninja.files import UploadedFile

from ..errors import NotFound
from ..intake.once import run_once
from ..intake.services import submit_voice
from ..ledger import actions
from ..ledger.attachments import add_attachment, open_attachment
from ..ledger.merge import merge
from ..ledger.models import Channel, Rating, SubmitterMode, Track, Urgency, Voice
from ..ledger.paging import page_of
from ..ledger.permissions import access_case, cases_visible_to
from ..ledger.present import case_detail, case_summary, tracking_view
from ..ledger.queries import apply_filters
from ..ledger.similar import similar_for
from ..limits import hit
from .main import STAFF_OR_TOKEN, Anyone, api
from .openapi import answers, one_of


class SubmitterIn(Schema):
    mode: str | None = one_of(SubmitterMode.values, None)  # none: anonymous, unless a name or phone is (then asked)
    name: str | None = None
    phone: str | None = None


class VoiceIn(Schema):
    text: str
    title: str | None = None
    channel: str | None = one_of(Channel.values, None)  # required from staff; a citizen without a token may omit it
    unit: str
    address: str | None = None
    urgency: str | None = one_of(Urgency.values, None)
    lat: float | None = None
    lng: float | None = None
    submitter: SubmitterIn | None = None


class VoiceOut(Schema):
    number: str
    tracking_code: str


class CaseList(Schema):
    items: list[dict[str, Any]]
    count: int
    count_exact: bool = True  # false: `count` is a lower bound ("10000+")
    page: int
    pages: int


class ActionIn(Schema):
    """Fields used by the lifecycle actions; each action reads the ones it needs."""

    unit: str | None = None
    handler: str | None = None
    note: str | None = None
    reason: str | None = None
    text: str | None = None
    kind: str | None = None
    new_due: str | None = None
    rating: str | None = one_of(Rating.values, None)
    resolved: bool | None = None
    category: str | None = None
    urgency: str | None = one_of(Urgency.values, None)
    track: str | None = one_of(Track.values, None)
    plan_date: str | None = None
    rectification: int | None = None
    rectification_title: str | None = None
    plan: str | None = None
    leader: str | None = None
    due: str | None = None
    state: str | None = None
    agree: bool | None = None
    override_reason: str | None = None  # reply: why a reply below the county's quality threshold goes out


class RatingIn(Schema):
    rating: str = one_of(Rating.values)
    comment: str | None = None
    resolved: bool | None = None


KEY_DOC = ("可选。客户端为每条记录生成的唯一键（建议 UUID）：同一键重发只受理一次，返回第一次的结果"
           "（答复头 Idempotent-Replayed: true），不会重复立案；同一键配不同内容为 409")


def idempotency_key(description: str = KEY_DOC):
    return Header(None, alias="Idempotency-Key", description=description)


def replied(request, status: int, body: dict, replayed: bool):
    """The answer, first time or again: a resend gets the kept body and says so in a header."""
    response = api.create_response(request, body, status=status)
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


@api.post("/voices", auth=[*STAFF_OR_TOKEN, Anyone()], response={201: VoiceOut}, tags=["cases"],
          openapi_extra=answers(409, 429),
          summary="登记一条诉求（任一渠道），立即生成工单编号和查询码；可带 Idempotency-Key 安全重发")
def post_voice(request, payload: VoiceIn, key: str | None = idempotency_key()):
    user = request.auth if request.auth is not True else None
    if user is None:
        hit(request, "submit")
    data = payload.dict()

    def submit():
        voice = submit_voice(data, user)
        return 201, {"number": voice.case.number, "tracking_code": voice.tracking_code}

    return replied(request, *run_once(key, user, "voices", data, submit))


@api.get("/cases", response=CaseList, tags=["cases"], summary="工单列表（按权限范围，支持筛选和分页）")
def list_cases(request, status: str = "", unit: str = "", category: str = "", channel: str = "",
               overdue: str = "", q: str = "", since: str = "", until: str = "", page: int = 1,
               reply_quality: str = ""):
    params = {"status": status, "unit": unit, "category": category, "channel": channel, "overdue": overdue,
              "q": q, "since": since, "until": until, "reply_quality": reply_quality}
    qs = apply_filters(cases_visible_to(request.auth), params)
    items, count, page, pages, exact = page_of(qs, page, search=bool(q.strip()))
    return {"items": [case_summary(c) for c in items], "count": count, "count_exact": exact, "page": page,
            "pages": pages}


@api.get("/cases/{number}", response=dict[str, Any], tags=["cases"], summary="工单详情及完整历史")
def get_case(request, number: str):
    from ..intake.citizens import history
    from .citizens import history_out

    case = access_case(request.auth, number)
    return {**case_detail(case, request.auth), "history": history_out(history(request.auth, case))}


@api.post("/cases/{number}/attachments", auth=STAFF_OR_TOKEN, response={201: dict[str, Any]}, tags=["cases"],
          openapi_extra=answers(409), summary="上传附件；可带 Idempotency-Key 安全重发（不会重复上传）")
def post_attachment(request, number: str, file: UploadedFile = File(...), key: str | None = idempotency_key()):
    def attach():
        att = add_attachment(request.auth, number, file)
        return 201, {"id": att.id, "name": att.name, "size": att.size, "content_type": att.content_type}

    what = {"case": number, "name": file.name, "size": file.size}
    return replied(request, *run_once(key, request.auth, "attachments", what, attach))


@api.get("/cases/{number}/attachments/{attachment_id}", tags=["cases"], summary="下载附件",
         openapi_extra={"responses": {200: {"description": "附件文件本身（Content-Type 为上传时核实的类型）", "content": {
             "*/*": {"schema": {"type": "string", "format": "binary"}}}}}})
def get_attachment(request, number: str, attachment_id: int):
    from django.http import FileResponse

    att = open_attachment(request.auth, number, attachment_id)
    return FileResponse(att.file.open("rb"), as_attachment=True, filename=att.name, content_type=att.content_type)


class MergeIn(Schema):
    source: str


@api.get("/cases/{number}/similar", response=dict[str, Any], tags=["cases"],
         summary="可能重复的未办结诉求（同一地点）、相似的已办结先例，以及本件所在的热点（同一问题的其他诉求）")
def get_similar(request, number: str):
    from ..insight.dashboard import hotspot_of

    case = access_case(request.auth, number)
    return similar_for(request.auth, case) | {"hotspot": hotspot_of(request.auth, case)}


@api.post("/cases/{number}/merge", response=dict[str, Any], tags=["cases"],
          summary="把另一件重复工单（source）的诉求并入本件")
def post_merge(request, number: str, payload: MergeIn):
    case = merge(request.auth, number, payload.source)
    return case_detail(access_case(request.auth, case.number), request.auth)


@api.post("/cases/{number}/reveal_contact", response=dict[str, Any], tags=["cases"],
          summary="查看保密诉求人的联系方式（仅回访受理人员，留痕）")
def post_reveal(request, number: str):
    return actions.reveal_contact(request.auth, number)


@api.post("/cases/{number}/{action}", response=dict[str, Any], tags=["cases"], openapi_extra=answers(409),
          summary="工单操作：dispatch、handle、assign、contact、return、wait、resume、progress、reply、"
                  "request_extension、approve_extension、reject_extension、follow_up、close、dismiss、reopen、triage、"
                  "cohandle、cotask_done、approve_close、note")
def post_action(request, number: str, action: str, payload: ActionIn | None = None):
    fields = payload.dict(exclude_none=True) if payload else {}
    case = actions.perform(request.auth, number, action, fields)
    out = case_detail(access_case(request.auth, case.number), request.auth)
    if getattr(case, "_reply_assessment", None):  # reply: the assessment of what was sent (docs/replies.md)
        out["reply_assessment"] = case._reply_assessment
    return out


def _voice(code: str) -> Voice:
    voice = Voice.objects.select_related("case", "case__unit", "case__assigned_unit").filter(
        tracking_code=(code or "").strip().upper()).first()
    if voice is None:
        raise NotFound("查询码不存在，请核对后重试")
    return voice


@api.get("/track/{code}", auth=None, response=dict[str, Any], tags=["citizens"], openapi_extra=answers(429),
         summary="群众凭查询码查看办理进度")
def track(request, code: str):
    hit(request, "track")
    voice = _voice(code)
    return tracking_view(voice.case, voice)


@api.post("/track/{code}/rating", auth=None, response=dict[str, Any], tags=["citizens"],
          openapi_extra=answers(409, 429), summary="群众评价答复")
def rate(request, code: str, payload: RatingIn):
    hit(request, "rate")
    actions.rate_by_tracking_code(code, payload.rating, payload.comment or "", payload.resolved)
    voice = _voice(code)
    return tracking_view(voice.case, voice)
