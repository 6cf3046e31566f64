"""The REST/JSON API under /api/ (django-ninja; OpenAPI at /api/openapi.json, docs at /api/docs).
Handlers only parse and call the same services as the web views. Every error leaves as
`{"error": {"code", "message", "field"}}` with a 4xx status and a Chinese message."""

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils import timezone
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from ..errors import DomainError, Forbidden
from ..limits import RateLimited
from ..org.models import ApiToken
from ..sanitize import clean, clean_tree, is_secret
from .openapi import DeclaredAPI

log = logging.getLogger("minqing.api")


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        row = ApiToken.objects.select_related("user", "user__unit").filter(digest=ApiToken.digest_of(token)).first()
        if row is None or not row.user.is_active:
            return None
        if row.last_used_at is None or (timezone.now() - row.last_used_at).total_seconds() > 300:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
        request.user = row.user
        return row.user


class OptionalBearer(BearerToken):
    """For routes open to citizens: a token makes the caller staff, no token is fine."""

    optional = True  # the OpenAPI document says so (api/openapi.py)

    def __call__(self, request):
        return super().__call__(request) or True


class StaffSession(APIKeyCookie):
    """A staff member logged in to the web pages (the offline queue's service worker and scripts send with
    the page's own session, issue 20): the session cookie plus Django's CSRF check (X-CSRFToken header).
    A request without a staff session passes on to the next scheme, so a token or no login still work."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self):
        super().__init__(csrf=False)  # checked below, only once a staff session is found

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if not key or user is None or not user.is_authenticated or user.role == "citizen":
            return None
        if check_csrf(request):
            raise Forbidden("CSRF 校验失败：请刷新页面后再发送", code="csrf_failed")
        return user


class Anyone:
    """Last in a route's auth list: no login is fine (a citizen's own voice)."""

    optional = True  # the OpenAPI document says so (api/openapi.py)

    def __call__(self, request):
        return True


STAFF_OR_TOKEN = [BearerToken(), StaffSession()]


class ChineseJSON(JSONRenderer):
    """UTF-8 JSON: Chinese text stays readable instead of \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


class CleanParser(Parser):
    """Every string the API receives — the JSON body, form fields, the query — leaves here without control
    or invisible characters (`sanitize.clean`), before any schema or service sees it. Passwords are kept
    as typed; uploaded files are not text."""

    def parse_body(self, request):
        return clean_tree(super().parse_body(request))

    def parse_querydict(self, data, list_fields, request):
        parsed = super().parse_querydict(data, list_fields, request)
        return {k: v if is_secret(k) else clean_tree(v) if isinstance(v, (str, list)) else v
                for k, v in ((clean(k), v) for k, v in parsed.items())}


api = DeclaredAPI(title="minqing 民情 API", version="1", description="诉求受理、台账、派单、答复与评价的开放接口。",
                  urls_namespace="api", auth=BearerToken(), renderer=ChineseJSON(), parser=CleanParser())


def error(request, status: int, code: str, message: str, field=None):
    return api.create_response(request, {"error": {"code": code, "message": message, "field": field}}, status=status)


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return error(request, exc.status, exc.code, exc.message, exc.field)


@api.exception_handler(RateLimited)
def on_rate_limited(request, exc: RateLimited):
    """Too many requests from this client at an anonymous door (minqing/limits.py): 429 + Retry-After."""
    response = error(request, 429, exc.code, exc.message)
    response["Retry-After"] = str(exc.retry_after)
    return response


_PYDANTIC_MESSAGES = {"missing": "缺少必填字段", "string_type": "应为文本", "int_parsing": "应为整数",
                      "json_invalid": "请求体不是合法的 JSON", "dict_type": "应为对象", "list_type": "应为列表"}


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    first = exc.errors[0] if exc.errors else {}
    loc = [str(p) for p in first.get("loc", []) if p not in ("body", "payload", "query", "path")]
    field = ".".join(loc) or None
    reason = _PYDANTIC_MESSAGES.get(first.get("type", ""), "格式不正确")
    return error(request, 400, "invalid", f"请求格式不正确：{field or '请求体'} {reason}", field)


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return error(request, 401, "unauthorized", "需要登录：请在 Authorization 头中提供 Bearer 令牌")


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if exc.status_code == 400:
        return error(request, 400, "bad_body", "请求体无法解析：应为 JSON 对象（Content-Type: application/json）")
    return error(request, exc.status_code, "http_error", str(exc))


@api.exception_handler(RequestDataTooBig)
def on_too_big(request, exc):
    """A JSON body over DATA_UPLOAD_MAX_MEMORY_SIZE (Django raises it when ninja reads the body; without this
    it was a 500). Form and multipart bodies are read earlier, by web/middleware.py: Django answers those
    400 through handler400, in the same shape."""
    limit = max(1, settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1 << 20))
    return error(request, 413, "too_large", f"请求体过大：除上传的文件外最多 {limit} MB")


@api.exception_handler(Http404)
def on_404(request, exc):
    return error(request, 404, "not_found", "未找到")


@api.exception_handler(Exception)
def on_unexpected(request, exc):
    log.exception("API error on %s", request.path)
    return error(request, 500, "server_error", "服务器内部错误，已记录，请稍后重试")


from . import (  # noqa: E402,F401  (registers the routes)
    cases,
    citizens,
    consultations,
    imports,
    lexicon,
    maps,
    notices,
    org,
    stats,
    text,
    visits,
    warnings,
)
