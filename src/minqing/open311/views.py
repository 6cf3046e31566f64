"""The Open311 GeoReport v2 routes at /open311/v2/ (urls.py): parse, call services.py, answer in the
format the path ends with (.json or .xml). Reads are public and counted per client (door `open311`); a
POST needs an `api_key` and is counted per client (`open311_post`) and per key (`open311_key`, or the
key's own rate). Every refusal is the specification's error array with its HTTP status."""

import logging

from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from ..limits import RateLimited, hit
from . import keys, services, submit
from .formats import Open311Error, error, respond

log = logging.getLogger("minqing.open311")


def _answer(request, fmt: str, work, *, door: str = "open311"):
    try:
        hit(request, door)
        root, data, status = work()
    except Open311Error as e:
        return error(fmt, e)
    except RateLimited as e:
        return error(fmt, Open311Error(429, f"too many requests: {e.message}", retry_after=e.retry_after))
    response = respond(fmt, root, data, status)
    if request.method == "GET":
        response["Access-Control-Allow-Origin"] = "*"  # public data, readable by any web client
    return response


def _only(request, fmt: str, *methods: str):
    if request.method not in methods:
        e = Open311Error(405, f"method {request.method} not allowed here: 此地址只接受 {'、'.join(methods)}")
        response = error(fmt, e)
        response["Allow"] = ", ".join(methods)
        return response
    return None


def discovery(request, format):
    refused = _only(request, format, "GET")
    if refused:
        return refused

    def work():
        url = request.build_absolute_uri(reverse("open311:root"))
        changed = "2026-12-01T00:00:00+08:00"
        data = {"changeset": changed, "contact": "请联系本县民情台账系统管理员（API 密钥由管理员签发）",
                "key_service": "向系统管理员申请：minqing open311 key create 客户端名称",
                "endpoints": [{"specification": services.SPEC, "url": url, "changeset": changed,
                               "type": "production", "formats": ["text/xml", "application/json"]}]}
        return "discovery", data, 200

    return _answer(request, format, work)


def service_list(request, format):
    refused = _only(request, format, "GET")
    if refused:
        return refused

    def work():
        services.jurisdiction(request.GET.get("jurisdiction_id"))
        return "services", services.service_list(), 200

    return _answer(request, format, work)


def service_definition(request, service_code, format):
    refused = _only(request, format, "GET")
    if refused:
        return refused

    def work():
        services.jurisdiction(request.GET.get("jurisdiction_id"))
        return "service_definition", services.definition(service_code), 200

    return _answer(request, format, work)


@csrf_exempt  # another system's client with an api_key, never a browser session
def requests(request, format):
    refused = _only(request, format, "GET", "POST")
    if refused:
        return refused
    if request.method == "POST":
        def create():
            key = keys.authenticate(request.POST.get("api_key"))
            try:
                hit(request, "open311_key", key=key.name, rate=key.rate or None)
            except RateLimited as e:
                raise Open311Error(429, f"too many requests with this api_key: {e.message}", e.retry_after) from None
            answer = submit.submit(request.POST, key)
            log.info("open311: %s raised %s", key.name, answer[0]["service_request_id"])
            return "service_requests", answer, 201

        return _answer(request, format, create, door="open311_post")

    def work():
        county = services.jurisdiction(request.GET.get("jurisdiction_id"))
        q = services.Query(**{f: request.GET.get(f, "") for f in
                              ("service_request_id", "service_code", "start_date", "end_date", "status")})
        return "service_requests", services.find(county, q), 200

    return _answer(request, format, work)


def request_detail(request, service_request_id, format):
    refused = _only(request, format, "GET")
    if refused:
        return refused

    def work():
        county = services.jurisdiction(request.GET.get("jurisdiction_id"))
        return "service_requests", services.one(county, service_request_id), 200

    return _answer(request, format, work)


def token(request, token, format):
    refused = _only(request, format, "GET")
    if refused:
        return refused

    def work():
        services.jurisdiction(request.GET.get("jurisdiction_id"))
        return "service_requests", services.token_lookup(token), 200

    return _answer(request, format, work)
