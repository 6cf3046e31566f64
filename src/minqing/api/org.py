"""Tokens and units."""

from django.conf import settings
from django.contrib.auth import authenticate
from ninja import Schema

from ..errors import DomainError, Invalid
from ..limits import hit
from ..org.services import unit_rows
from .main import api
from .openapi import answers


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


class UnitOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None


class Unauthorized(DomainError):
    status = 401
    default_code = "bad_credentials"


@api.post("/token", auth=None, response=TokenOut, tags=["auth"], openapi_extra=answers(401, 429),
          summary="用户名和密码换取 API 令牌")
def token(request, payload: TokenIn):
    from ..org.models import ApiToken

    hit(request, "login")  # the same count as the login page's; wrong passwords also lock the account (axes)
    if not payload.username or not payload.password:
        raise Invalid("请填写用户名和密码", field="username")
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None or not user.is_active:
        raise Unauthorized("用户名或密码错误")
    _forget_failed_logins(user)
    return {"token": ApiToken.issue(user)}


def _forget_failed_logins(user) -> None:
    """What axes does on the login page (AXES_RESET_ON_SUCCESS, on the user_logged_in signal) for the
    token, which logs no session in: a right password clears the count of wrong ones."""
    from axes.utils import reset

    if settings.AXES_ENABLED and settings.AXES_RESET_ON_SUCCESS:
        reset(username=user.get_username())


@api.get("/units", auth=None, response=list[UnitOut], tags=["org"], summary="单位树（县、乡镇、村社区、网格、部门）")
def units(request):
    return unit_rows()
