"""Abuse limits at the anonymous doors (docs/security.md): how many requests one client may make at
each door in a period, counted by django-ratelimit in the shared cache `limits` (the database, or
Redis with MINQING_CACHE_URL) so that every web worker on every host sees the same counts.

A door is a name in settings.RATE_LIMITS ("submit", "vote", "track", …) with a rate "count/period".
`hit(request, door)` counts one request and raises `RateLimited` past the limit; the API turns it into
429 + Retry-After + `{"error": {"code": "rate_limited", …}}` (api/main.py), the web views into a
Chinese error page with 429 + Retry-After (web/limits.py).

Why not django-ratelimit's `@ratelimit` decorator: it raises `Ratelimited` (a 403) without the time
left in the window, so no Retry-After could be sent, and it cannot see a django-ninja route's token
(staff with a token are not limited). `get_usage` is the same counter the decorator uses, and it
returns the time left."""

import ipaddress
import logging
import math

from django.conf import settings
from django_ratelimit.core import get_usage

from .errors import DomainError

log = logging.getLogger("minqing.limits")


class RateLimited(DomainError):
    status = 429
    default_code = "rate_limited"

    def __init__(self, retry_after: int):
        self.retry_after = max(1, int(retry_after))
        super().__init__(f"操作过于频繁，请{wait_words(self.retry_after)}后再试")


def wait_words(seconds: int) -> str:
    """How long to wait, in words: 40 秒, 3 分钟, 2 小时."""
    if seconds < 60:
        return f" {seconds} 秒"
    if seconds < 3600:
        return f" {math.ceil(seconds / 60)} 分钟"
    return f" {math.ceil(seconds / 3600)} 小时"


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str:
    """Who is asking: REMOTE_ADDR, or, with MINQING_TRUSTED_PROXIES=N proxies in front, the address the
    outermost of them saw (the N-th X-Forwarded-For entry from the right: the entries to its left
    came from the client and may be forged). Used for the rate limits and by django-axes."""
    remote = request.META.get("REMOTE_ADDR") or "0.0.0.0"
    proxies = getattr(settings, "TRUSTED_PROXIES", 0)
    if proxies > 0:
        hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            return _address(hops[-proxies]) or remote
    return remote


def rate_of(door: str) -> str | None:
    """The rate of a door ("20/h"), or None when the door is not limited ("" or "0")."""
    rate = (getattr(settings, "RATE_LIMITS", {}).get(door) or "").strip()
    return None if rate in ("", "0", "off") else rate


def hit(request, door: str, *, key: str | None = None, rate: str | None = None) -> None:
    """Count one request of this client at this door; raise RateLimited past the door's limit.
    `key`: count per this key instead of per client address (an Open311 API key's name: every request
    made with one key, from wherever it comes); `rate`: this key's own rate instead of the door's.
    A cache that cannot be reached lets the request through (logged): citizens are not turned away
    because a counter is down."""
    rate = rate or rate_of(door)
    if rate is None:
        return
    counter = "ip" if key is None else (lambda group, request: f"key:{key}")
    try:
        usage = get_usage(request, group=f"minqing.{door}", key=counter, rate=rate, increment=True)
    except Exception:
        log.exception("rate limit counter for %s unavailable; letting the request through", door)
        return
    if usage and usage["should_limit"]:
        log.warning("rate limited: %s at %s (%s)", key or client_ip(request), door, rate)
        raise RateLimited(usage["time_left"])
