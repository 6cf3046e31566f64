"""The abuse limits on the web pages (docs/security.md): a decorator that counts a request at a door
(`minqing.limits`), and the 429 pages — too many requests, and an account locked after repeated wrong
passwords (django-axes calls `lockout` through AXES_LOCKOUT_CALLABLE, for the login page, the admin's
and POST /api/token alike: JSON under /api/, a Chinese page elsewhere)."""

from functools import wraps

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render

from ..limits import RateLimited, hit, wait_words


def _refusal(request, status, code, title, message, retry_after):
    if request.path.startswith("/api/"):
        response = JsonResponse({"error": {"code": code, "message": message, "field": None}}, status=status,
                                json_dumps_params={"ensure_ascii": False})
    else:
        response = render(request, "minqing/error.html", {"title": title, "message": message}, status=status)
    response["Retry-After"] = str(retry_after)
    return response


def too_many(request, exc: RateLimited):
    return _refusal(request, 429, exc.code, "操作过于频繁", exc.message, exc.retry_after)


def limited(get=None, post=None):
    """Count anonymous GETs and/or POSTs of a view at a door: a door name, or a function of the request
    that names one (a consultation page: a statement or votes). Logged-in staff are not counted."""
    doors = {"GET": get, "HEAD": get, "POST": post}

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            door = doors.get(request.method)
            if door is not None and not request.user.is_authenticated:
                try:
                    hit(request, door(request) if callable(door) else door)
                except RateLimited as exc:
                    return too_many(request, exc)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def consult_door(request) -> str:
    """A consultation page's POST is either a new statement or votes."""
    return "statement" if "statement" in request.POST else "vote"


def lockout(request, original_response=None, credentials=None):
    """django-axes: the account is locked for the cool-off after repeated wrong passwords."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    message = f"登录失败次数过多，账号已暂时锁定，请{wait_words(seconds)}后再试，或请系统管理员解锁"
    return _refusal(request, 429, "locked_out", "账号已暂时锁定", message, seconds)
