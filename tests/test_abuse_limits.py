"""Abuse limits (docs/security.md): every anonymous door counts requests per client and answers 429
with Retry-After past its limit — `{"error": {"code": "rate_limited", "message"}}` from the API, a Chinese
page from the web; staff are not counted; another client still gets in; the limits switch off; the
client behind a trusted proxy is the proxy's X-Forwarded-For entry. Repeated wrong passwords lock the
account (django-axes) on the login page and POST /api/token alike, until the cool-off ends or an admin
resets it."""

import json
import socket
import uuid
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.test import RequestFactory, override_settings
from django.utils import timezone

from minqing import limits
from tests.conftest import PW

DOORS = ("submit", "statement", "vote", "track", "rate", "login", "public", "export")


def two_an_hour(**extra):
    return override_settings(RATELIMIT_ENABLE=True, RATE_LIMITS={d: "2/h" for d in DOORS}, **extra)


@pytest.fixture
def limited():
    """Every door at 2 requests an hour, counters empty."""
    with two_an_hour():
        caches["limits"].clear()
        yield
    caches["limits"].clear()


@pytest.fixture
def scene(county, make_case, api):
    from minqing.ledger.models import Voice

    case = make_case()
    status, body = api("disp")("POST", "/api/consultations", {
        "title": "村道硬化方案", "text": "拟对甲村主干道进行硬化，请大家提意见。", "unit": "T1",
        "statements": ["应该先修主干道", "费用应由财政全额承担"]})
    assert status == 201
    cid = body["id"]
    sid = api("disp")("GET", f"/api/consultations/{cid}")[1]["statements"][0]["id"]
    return {"code": Voice.objects.get(case=case).tracking_code, "cid": cid, "sid": sid}


def send(client, method, path, body=None, ip="127.0.0.1", form=False, **headers):
    if method == "GET":
        return client.get(path, REMOTE_ADDR=ip, **headers)
    if form:
        return client.post(path, body or {}, REMOTE_ADDR=ip, **headers)
    return client.post(path, json.dumps(body or {}), content_type="application/json", REMOTE_ADDR=ip, **headers)


# (door, method, path, body, web form?) — every anonymous door of the API and the web pages
API_DOORS = [
    ("submit", "POST", "/api/voices", {"text": "村口路灯坏了，晚上看不清路。", "unit": "VA"}),
    ("statement", "POST", "/api/consultations/{cid}/statements", {"text": "施工期间要保证通行", "participant": "p-1"}),
    ("vote", "POST", "/api/consultations/{cid}/votes", {"votes": [{"participant": "p-1", "statement": "{sid}", "vote": "agree"}]}),
    ("public", "GET", "/api/consultations/{cid}/next?participant=p-1", None),
    ("public", "GET", "/api/consultations/{cid}/groups", None),
    ("public", "GET", "/api/public/C/notices", None),
    ("track", "GET", "/api/track/{code}", None),
    ("rate", "POST", "/api/track/{code}/rating", {"rating": "satisfied"}),
    ("login", "POST", "/api/token", {"username": "disp", "password": "not-the-password"}),
]
WEB_DOORS = [
    ("submit", "POST", "/submit/", {"text": "村口路灯坏了，晚上看不清路。", "unit": "VA", "mode": "anonymous"}),
    ("track", "GET", "/track/{code}/", None),
    ("rate", "POST", "/track/{code}/", {"rating": "satisfied"}),
    ("vote", "POST", "/consult/{cid}/", {"s-{sid}": "agree"}),
    ("statement", "POST", "/consult/{cid}/", {"statement": "施工期间要保证通行"}),
    ("login", "POST", "/login/", {"username": "disp", "password": "not-the-password"}),
    ("public", "GET", "/public/C/", None),
    ("public", "GET", "/public/C/feed.atom", None),
    ("public", "GET", "/consult/{cid}/results/", None),
    ("export", "GET", "/consult/{cid}/results.xlsx", None),
]


def fill(value, scene):
    if isinstance(value, str):
        return value.format(**scene)
    if isinstance(value, dict):
        return {fill(k, scene): fill(v, scene) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, scene) for v in value]
    return value


@pytest.mark.parametrize("door, method, path, body", API_DOORS, ids=[f"{d[1]} {d[2]}" for d in API_DOORS])
def test_api_door_answers_429_with_retry_after_past_its_limit(client, scene, limited, door, method, path, body):
    path, body = fill(path, scene), fill(body, scene)
    for _ in range(2):
        assert send(client, method, path, body).status_code != 429
    r = send(client, method, path, body)
    assert r.status_code == 429
    assert 0 < int(r["Retry-After"]) <= 3600
    error = r.json()["error"]
    assert error["code"] == "rate_limited" and "频繁" in error["message"] and "后再试" in error["message"]
    assert send(client, method, path, body, ip="10.0.0.2").status_code != 429  # another client is not held back


@pytest.mark.parametrize("door, method, path, body", WEB_DOORS, ids=[f"{d[1]} {d[2]}" for d in WEB_DOORS])
def test_web_door_answers_a_chinese_429_page_past_its_limit(client, scene, limited, door, method, path, body):
    path, body = fill(path, scene), fill(body, scene)
    for _ in range(2):
        assert send(client, method, path, body, form=True).status_code != 429
    r = send(client, method, path, body, form=True)
    assert r.status_code == 429 and 0 < int(r["Retry-After"]) <= 3600
    page = r.content.decode()
    assert "操作过于频繁" in page and "后再试" in page and "<html" in page
    assert send(client, method, path, body, ip="10.0.0.2", form=True).status_code != 429


def test_the_web_and_the_api_share_one_count_per_door(client, county, limited):
    voice = {"text": "村口路灯坏了，晚上看不清路。", "unit": "VA"}
    assert send(client, "POST", "/api/voices", voice).status_code == 201
    assert send(client, "POST", "/submit/", {**voice, "mode": "anonymous"}, form=True).status_code == 302
    assert send(client, "POST", "/api/voices", voice).status_code == 429


def test_staff_are_not_counted(client, county, api, limited):
    staff = api("disp")
    for _ in range(4):
        status, _body = staff("POST", "/api/voices", {"text": "村口路灯坏了，晚上看不清路。", "unit": "VA", "channel": "phone"})
        assert status == 201
    client.force_login(county["disp"])
    assert all(client.get("/public/C/").status_code == 200 for _ in range(4))


def test_limits_switch_off_as_a_whole_and_door_by_door(client, scene):
    path = f"/api/track/{scene['code']}"
    caches["limits"].clear()
    with override_settings(RATELIMIT_ENABLE=False, RATE_LIMITS={"track": "1/h"}):
        assert all(client.get(path).status_code == 200 for _ in range(4))
    with override_settings(RATELIMIT_ENABLE=True, RATE_LIMITS={"track": "0"}):
        assert all(client.get(path).status_code == 200 for _ in range(4))
    with override_settings(RATELIMIT_ENABLE=True, RATE_LIMITS={"track": "1/h"}):
        assert [client.get(path).status_code for _ in range(2)] == [200, 429]
    caches["limits"].clear()


def test_client_is_remote_addr_unless_a_trusted_proxy_stands_in_front():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    with override_settings(TRUSTED_PROXIES=0):
        assert limits.client_ip(request) == "10.0.0.9"  # a header anyone can send counts for nothing
    with override_settings(TRUSTED_PROXIES=1):
        assert limits.client_ip(request) == "203.0.113.7"  # what the proxy saw; 6.6.6.6 came from the client
    with override_settings(TRUSTED_PROXIES=2):
        assert limits.client_ip(request) == "6.6.6.6"
    bad = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="not-an-address")
    with override_settings(TRUSTED_PROXIES=1):
        assert limits.client_ip(bad) == "10.0.0.9"


def test_behind_a_proxy_the_forwarded_client_is_counted_and_cannot_forge_its_way_out(client, scene, limited):
    path = f"/api/track/{scene['code']}"
    with override_settings(TRUSTED_PROXIES=1):
        for forged in ("1.1.1.1", "2.2.2.2"):
            assert client.get(path, HTTP_X_FORWARDED_FOR=f"{forged}, 198.51.100.4").status_code == 200
        assert client.get(path, HTTP_X_FORWARDED_FOR="3.3.3.3, 198.51.100.4").status_code == 429
        assert client.get(path, HTTP_X_FORWARDED_FOR="198.51.100.5").status_code == 200


def test_a_counter_that_cannot_be_read_lets_the_citizen_through(rf, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(limits, "get_usage", broken)
    with override_settings(RATELIMIT_ENABLE=True, RATE_LIMITS={"submit": "1/h"}):
        assert limits.hit(rf.post("/submit/"), "submit") is None


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="needs a Redis on 127.0.0.1:6379")
def test_with_minqing_cache_url_the_counts_live_in_redis(client, scene):
    """Two web workers (two cache connections) see one count: the cluster shares its counters."""
    from django.conf import settings as django_settings
    from django.core.cache.backends.redis import RedisCache

    from minqing.settings import _caches

    config = _caches("redis://127.0.0.1:6379/15")
    prefix = f"minqing-test-{uuid.uuid4().hex[:8]}"
    config["limits"]["KEY_PREFIX"] = prefix
    assert config["limits"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    path = f"/api/track/{scene['code']}"
    with two_an_hour(CACHES={**django_settings.CACHES, "limits": config["limits"]}):
        assert [client.get(path).status_code for _ in range(2)] == [200, 200]
        other_worker = RedisCache(config["limits"]["LOCATION"], {"KEY_PREFIX": prefix})
        keys = other_worker._cache.get_client().keys(f"{prefix}:*")
        assert len(keys) == 1 and int(other_worker._cache.get_client().get(keys[0])) == 2
        assert client.get(path).status_code == 429
        other_worker._cache.get_client().delete(*other_worker._cache.get_client().keys(f"{prefix}:*"))


# ---- lockout after repeated wrong passwords (django-axes) ----

@pytest.fixture
def lockout(county):
    with override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3, RATELIMIT_ENABLE=False):
        yield


def web_login(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def token(client, username, password):
    return client.post("/api/token", json.dumps({"username": username, "password": password}),
                       content_type="application/json")


def test_web_login_locks_the_account_after_repeated_wrong_passwords(client, lockout):
    assert [web_login(client, "disp", "wrong").status_code for _ in range(2)] == [200, 200]  # the form again
    r = web_login(client, "disp", "wrong")
    assert r.status_code == 429 and int(r["Retry-After"]) == 15 * 60
    assert "账号已暂时锁定" in r.content.decode() and "15 分钟" in r.content.decode()
    assert web_login(client, "disp", PW).status_code == 429  # the right password does not open it now
    assert web_login(client, "leader", PW).status_code == 302  # other accounts are not locked


def test_the_lock_opens_after_the_cool_off(client, lockout):
    from axes.models import AccessAttempt

    for _ in range(3):
        web_login(client, "disp", "wrong")
    assert web_login(client, "disp", PW).status_code == 429
    assert web_login(client, "disp", "wrong").status_code == 429
    # tries during the lock are refused without being counted: the cool-off runs from the third failure
    assert AccessAttempt.objects.get(username="disp").failures_since_start == 3
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert web_login(client, "disp", PW).status_code == 302


def test_api_token_locks_the_same_account_and_an_admin_resets_it(client, lockout):
    assert [token(client, "disp", "wrong").status_code for _ in range(2)] == [401, 401]
    r = token(client, "disp", "wrong")
    assert r.status_code == 429 and int(r["Retry-After"]) == 15 * 60
    error = r.json()["error"]
    assert error["code"] == "locked_out" and "锁定" in error["message"]
    assert token(client, "disp", PW).status_code == 429
    assert web_login(client, "disp", PW).status_code == 429  # one lock for the web and the API
    call_command("axes_reset_username", "disp")  # minqing manage axes_reset_username disp
    r = token(client, "disp", PW)
    assert r.status_code == 200 and r.json()["token"]


def test_a_right_password_clears_the_count(client, lockout):
    for _ in range(2):
        token(client, "disp", "wrong")
    assert token(client, "disp", PW).status_code == 200
    assert [token(client, "disp", "wrong").status_code for _ in range(2)] == [401, 401]


def test_axes_reset_unlocks_everyone(client, lockout):
    for name in ("disp", "leader"):
        for _ in range(3):
            token(client, name, "wrong")
    call_command("axes_reset")  # minqing manage axes_reset
    assert token(client, "disp", PW).status_code == 200 and token(client, "leader", PW).status_code == 200
