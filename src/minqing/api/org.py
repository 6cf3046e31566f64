"""Tokens and units."""

from django.contrib.auth import authenticate
from ninja import Schema

from ..errors import DomainError, Invalid
from ..org.services import unit_rows
from .main import api


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


@api.post("/token", auth=None, response=TokenOut, tags=["auth"], summary="用户名和密码换取 API 令牌")
def token(request, payload: TokenIn):
    from ..org.models import ApiToken

    if not payload.username or not payload.password:
        raise Invalid("请填写用户名和密码", field="username")
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None or not user.is_active:
        raise Unauthorized("用户名或密码错误")
    return {"token": ApiToken.issue(user)}


@api.get("/units", auth=None, response=list[UnitOut], tags=["org"], summary="单位树（县、乡镇、村社区、网格、部门）")
def units(request):
    return unit_rows()
