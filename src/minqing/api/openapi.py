"""What the API answers when it says no, declared once for the whole OpenAPI document (/api/openapi.json).

Every refusal leaves api/main.py as `{"error": {"code", "message", "field"}}` (`ErrorOut`) with a 4xx status.
`DeclaredSchema` adds those answers to every operation, from what the operation is:

| status | declared on | what it means |
|---|---|---|
| 400 | every operation | a missing or malformed field, body or query value, or one a service refuses (`invalid`, `bad_body`, `unknown_unit`, …). Request validation errors are answered here too: the API never answers 422 |
| 401 | operations that need a token | no token or an invalid one (`unauthorized`); POST /api/token: wrong credentials (`bad_credentials`) |
| 403 | every operation | the user's role or area does not allow it (`forbidden`) |
| 404 | operations with an object in the path, and those marked `answers(404)` | no such object, or not one the user may see (`not_found`) |
| 409 | operations marked `answers(409)` | the object's state does not allow the action (`illegal_transition`, `unknown_action`) |
| 413 | operations with a request body | the body or an uploaded file is too large (`too_large`, `file_too_large`) |
| 429 | operations marked `answers(429)`: the anonymous doors and POST /api/token | too many requests from one client (`rate_limited`) or an account locked after wrong passwords (`locked_out`); with Retry-After |

A hook on the document rather than a `response={…}` dict on each route: five of the seven statuses follow from
the route's auth, path and body, so a new route declares them without anyone remembering; only what the
handler itself does (a state machine behind it: 409; an abuse limit it counts: 429) is written at the route,
as `openapi_extra=answers(…)`. Routes with a token that is optional (`OptionalBearer`) also get the empty
security requirement `{}`, OpenAPI's way of saying "or no token at all". And `one_of` lists a field's accepted
values (channel, urgency, rating, …) as an enum, so the document says what the API takes as well."""

from typing import Any

from ninja import Field, NinjaAPI, Schema
from ninja.openapi.schema import REF_TEMPLATE, OpenAPISchema


class ErrorDetail(Schema):
    code: str
    message: str
    field: str | None


class ErrorOut(Schema):
    """Every refusal of the API: a machine-readable code, a Chinese message, the field it concerns (or null)."""

    error: ErrorDetail


WHY = {
    400: "请求格式不正确，或被业务规则拒绝（code：invalid、bad_body、unknown_unit 等）",
    401: "需要有效的 Bearer 令牌（unauthorized）；POST /api/token：用户名或密码错误（bad_credentials）",
    403: "无权执行（角色或辖区不允许，forbidden）",
    404: "对象不存在，或不在您的辖区内（not_found）",
    409: "对象当前状态不允许此操作（illegal_transition、unknown_action）",
    413: "请求体或上传的文件过大（too_large、file_too_large）",
    429: "请求过于频繁（rate_limited）或账号因多次密码错误已暂时锁定（locked_out）；Retry-After 给出等待秒数",
}
RETRY_AFTER = {"Retry-After": {"description": "多少秒后可以再试", "schema": {"type": "integer", "minimum": 1}}}


def error_response(status: int) -> dict:
    out = {"description": WHY[status],
           "content": {"application/json": {"schema": {"$ref": REF_TEMPLATE.format(model="ErrorOut")}}}}
    return out | {"headers": RETRY_AFTER} if status == 429 else out


def answers(*statuses: int) -> dict:
    """`openapi_extra` for a route that may also refuse with these statuses (409, 429; 404 without a path object)."""
    return {"responses": {status: error_response(status) for status in statuses}}


def one_of(values, default: Any = ..., **field) -> Any:
    """A field (or a list's items, `items=True`) whose values the document lists as an enum. The handler's
    service still checks it: a value outside the list is a 400 with a Chinese message, as without the enum."""
    as_list = field.pop("items", False)
    enum = [*values] + ([None] if default is None else [])
    extra = {"items": {"type": "string", "enum": enum}} if as_list else {"enum": enum}
    return Field(default, json_schema_extra=extra, **field)


B = "$response.body#/"
# What a client can do next with what an answer gave it: OpenAPI links (producer's operationId → status →
# link name → (target operationId, {target parameter: runtime expression})). Schemathesis' stateful phase
# follows them (tests/test_openapi_fuzz.py); a client generator shows them as "next steps".
NUMBER, CODE, ID = {"number": B + "number"}, {"code": B + "tracking_code"}, B + "id"
LINKS = {
    "minqing_api_cases_post_voice": {201: {
        "ReadCase": ("minqing_api_cases_get_case", NUMBER), "SimilarCases": ("minqing_api_cases_get_similar", NUMBER),
        "ActOnCase": ("minqing_api_cases_post_action", NUMBER), "Attach": ("minqing_api_cases_post_attachment", NUMBER),
        "History": ("minqing_api_citizens_get_history", NUMBER), "RevealContact": ("minqing_api_cases_post_reveal", NUMBER),
        "Track": ("minqing_api_cases_track", CODE), "Rate": ("minqing_api_cases_rate", CODE)}},
    "minqing_api_cases_list_cases": {200: {"ReadFirst": ("minqing_api_cases_get_case", {"number": B + "items/0/number"})}},
    "minqing_api_cases_post_attachment": {201: {"Download": ("minqing_api_cases_get_attachment",
                                                              {"number": "$request.path.number", "attachment_id": ID})}},
    "minqing_api_consultations_post_consultation": {201: {
        name: (target, {"cid": ID}) for name, target in (
            ("Read", "minqing_api_consultations_get_consultation"), ("AddStatement", "minqing_api_consultations_post_statement"),
            ("Vote", "minqing_api_consultations_post_votes"), ("Next", "minqing_api_consultations_next_for"),
            ("Groups", "minqing_api_consultations_get_groups"), ("Decide", "minqing_api_consultations_post_decision"))}},
    "minqing_api_consultations_post_statement": {201: {"Moderate": (
        "minqing_api_consultations_moderate_statement", {"cid": "$request.path.cid", "sid": ID})}},
    "minqing_api_notices_post_notice": {201: {"Withdraw": ("minqing_api_notices_post_withdraw", {"notice_id": ID})}},
    "minqing_api_visits_post_plan": {201: {"Cancel": ("minqing_api_visits_post_cancel_plan", {"plan_id": ID})}},
    "minqing_api_warnings_list_warnings": {200: {
        name: (target, {"wid": B + "0/id"}) for name, target in (
            ("Read", "minqing_api_warnings_get_warning"), ("Acknowledge", "minqing_api_warnings_acknowledge"),
            ("Handle", "minqing_api_warnings_handle"))}},
}


def _links(details: dict) -> None:
    for status, links in LINKS.get(details.get("operationId"), {}).items():
        response = details["responses"].get(status)
        if response is not None:
            response["links"] = {name: {"operationId": target, "parameters": params}
                                 for name, (target, params) in links.items()}


def _needs_token(operation) -> bool:
    return bool(operation.auth_callbacks) and not any(getattr(a, "optional", False) for a in operation.auth_callbacks)


def _shape(schemas: dict, details: dict) -> None:
    """The declared response shape of a route integrators rely on (api/shapes.py) in place of `object`."""
    from .shapes import SHAPES

    if details.get("operationId") not in SHAPES:
        return
    status, shape, many = SHAPES[details["operationId"]]
    name = shape.__name__
    if name not in schemas:
        schema = shape.model_json_schema(ref_template=REF_TEMPLATE)
        schemas.update(schema.pop("$defs", {}))
        schemas[name] = schema
    ref = {"$ref": REF_TEMPLATE.format(model=name)}
    details["responses"][status]["content"]["application/json"]["schema"] = {"type": "array", "items": ref} if many else ref


class DeclaredSchema(OpenAPISchema):
    def operation_details(self, operation) -> dict:
        details = super().operation_details(operation)
        statuses = {400, 403}
        if _needs_token(operation):
            statuses.add(401)
        elif details.get("security"):
            details["security"] = [*details["security"], {}]
        if "{" in operation.path:
            statuses.add(404)
        if "requestBody" in details:
            statuses.add(413)
        responses = {status: error_response(status) for status in statuses} | details["responses"]
        details["responses"] = dict(sorted(responses.items(), key=lambda item: int(item[0])))
        _links(details)
        _shape(self.schemas, details)
        if "ErrorOut" not in self.schemas:
            schema = ErrorOut.model_json_schema(ref_template=REF_TEMPLATE)
            self.schemas.update(schema.pop("$defs", {}))
            self.schemas["ErrorOut"] = schema
        return details


class DeclaredAPI(NinjaAPI):
    """A NinjaAPI whose OpenAPI document declares every operation's refusals (see the module docstring)."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return DeclaredSchema(api=self, path_prefix=path_prefix)
