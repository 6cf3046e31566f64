"""Open311 GeoReport v2 checked with real clients from PyPI (not written here), against the live server,
every operation in JSON and in XML (docs/open311.md names them and their versions):

- civicbot 0.4.0 (`civicbot.open311.Open311Client`): services, service definition, requests with every
  filter, one request, POST a request (validated against the live service definition first), the token.
  For XML it is given a transport of its own kind (a subclass of its `HttpTransport`) that decodes .xml
  answers with xmltodict instead of json: civicbot still builds every URL, query and form, and sends them.
- georeport 0.3.1 (`georeport.GeoReport`): services, service definition, requests, one request — JSON
  and XML through its own code (xmltodict on the specification's element names).
- discovery: neither library has it; civicbot's transport fetches it (JSON) and its bytes (XML).
Errors come back as each library raises them (HTTP status) with the specification's error array."""

import urllib.parse
import urllib.request
from importlib.metadata import version

import pytest

civicbot_open311 = pytest.importorskip("civicbot.open311", reason="pip install -e '.[test]' (civicbot)")
georeport = pytest.importorskip("georeport", reason="pip install -e '.[test]' (georeport)")
xmltodict = pytest.importorskip("xmltodict")

from civicbot.http import HttpError, HttpTransport, RateLimiter  # noqa: E402
from civicbot.registry import Endpoint  # noqa: E402
from georeport import GeoReport  # noqa: E402

from minqing.ledger.actions import perform  # noqa: E402
from minqing.ledger.models import Case, Category  # noqa: E402
from minqing.open311 import keys  # noqa: E402

LISTS = {"services": "service", "service_requests": "request", "attributes": "attribute", "values": "value",
         "endpoints": "endpoint", "formats": "format", "errors": "error"}


def from_xml(raw: bytes):
    """An XML answer in the shape of its JSON twin: the root's items as a list, nested lists as lists."""
    doc = xmltodict.parse(raw, force_list=tuple(LISTS.values()))
    (root, body), = doc.items()

    def unwrap(value):
        if isinstance(value, dict):
            if len(value) == 1 and next(iter(value)) in LISTS.values():
                return [unwrap(v) for v in next(iter(value.values()))]
            return {k: unwrap(v) for k, v in value.items()}
        if isinstance(value, list):
            return [unwrap(v) for v in value]
        return value

    if root in LISTS:
        return [unwrap(item) for item in (body or {}).get(LISTS[root], [])]
    return unwrap(body)


class XmlTransport(HttpTransport):
    """civicbot's transport, decoding .xml answers (its own decodes JSON only)."""

    def get_json(self, url, params=None, headers=None):
        if not url.endswith(".xml"):
            return super().get_json(url, params, headers)
        return from_xml(self.get_bytes(url, params, headers={"Accept": "text/xml"}))

    def post_form(self, url, data, headers=None):
        if not url.endswith(".xml"):
            return super().post_form(url, data, headers)
        body = urllib.parse.urlencode(data, doseq=True).encode()
        req = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded", "Accept": "text/xml"})
        return from_xml(self._open(req))


def civicbot_client(base: str, fmt: str):
    transport = (XmlTransport if fmt == "xml" else HttpTransport)(rate_limiter=RateLimiter(min_interval=0))
    endpoint = Endpoint(id="minqing-test", name="测试县", base_url=base, write=True)
    return civicbot_open311.Open311Client(endpoint, transport, jurisdiction_id="C", fmt=fmt)


def test_the_client_libraries_are_the_documented_versions():
    assert version("civicbot") == "0.4.0" and version("georeport") == "0.3.1"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_operation_through_the_client_libraries(live_server, county, make_case, fmt):
    base = live_server.url + "/open311/v2"
    raw_key = keys.issue(f"civicbot-{fmt}")[1]
    bot = civicbot_client(base, fmt)
    geo = GeoReport(base, jurisdiction="C", output_format=fmt)
    published = make_case(text="甲村村口路灯坏了三个月，晚上看不清路。")

    # discovery (neither library has it: civicbot's transport fetches the document)
    if fmt == "json":
        disc = bot.http.get_json(f"{base}/discovery.json")
    else:
        disc = from_xml(bot.http.get_bytes(f"{base}/discovery.xml"))
    assert disc["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert disc["endpoints"][0]["formats"] == ["text/xml", "application/json"]

    # GET services
    services = bot.list_services()
    assert [s["service_name"] for s in services] == list(
        Category.objects.filter(level=1, sensitive=False).order_by("path").values_list("name", flat=True))
    by_geo = geo.get_service_list()
    assert [s["service_code"] for s in by_geo] == [s["service_code"] for s in services]
    code = next(s["service_code"] for s in services if s["service_name"] == "城乡建设")
    assert next(s for s in by_geo if s["service_code"] == code)["group"] == "城乡建设"

    # GET service definition
    definition = bot.get_service_definition(code)
    assert definition["service_code"] == code and definition["attributes"][0]["code"] == "subcategory"
    g = geo.get_service_definition(code)
    attrs = g["attributes"] if fmt == "json" else g["attributes"]["attribute"]
    assert attrs[0]["datatype"] == "singlevaluelist"
    sub = next(v for v in definition["attributes"][0]["values"] if v["name"] == "城市建设和市政管理")

    # POST a request — civicbot checks it against the live service list and definition first
    sent = bot.create_request(code, dry_run=False, confirm="SEND", api_key=raw_key, validate_remote=True,
                              lat=28.22821, lng=112.93881, description="甲村东头下水道堵塞，污水漫到路上。",
                              attributes={"subcategory": sub["key"], "title": "下水道堵塞"},
                              first_name="保密", last_name="欧阳", phone="13900001111", email="oy@example.cn",
                              media_url="https://img.example.cn/drain.jpg")
    answer = sent.response[0]
    number, token = answer["service_request_id"], answer["token"]
    case = Case.objects.get(number=number)
    assert case.channel == "open311" and case.category.path == "城乡建设/城市建设和市政管理"

    # GET the token's request id
    assert bot.get_token(token)[0]["service_request_id"] == number

    # the case is routed and answered like any other
    perform(county["disp"], number, "dispatch", {"unit": "VA"})
    perform(county["ha"], number, "reply", {"text": "已疏通下水道。"})

    # GET one request
    one = bot.get_request(number)
    assert one["service_request_id"] == number and one["status"] == "open"
    assert one["agency_responsible"] == "甲村" and one["status_notes"] == "已疏通下水道。"
    assert float(one["lat"]) == 28.228 and float(one["long"]) == 112.939
    assert geo.get_service_request(number)["service_request_id"] == number

    # GET requests, with each filter
    listed = bot.list_requests()
    assert [r["service_request_id"] for r in listed] == [number, published.number]
    got = geo.get_service_requests()
    got = got if isinstance(got, list) else [got]
    assert [r["service_request_id"] for r in got] == [number, published.number]
    assert [r["service_request_id"] for r in bot.list_requests(service_code=code)] == [number]
    assert [r["service_request_id"] for r in bot.list_requests(service_request_ids=[published.number])] == [published.number]
    assert bot.list_requests(status="closed") == []
    assert len(bot.list_requests(status="open")) == 2
    assert len(bot.list_requests(start_date="2020-01-01T00:00:00Z", end_date="2020-03-01T00:00:00Z")) == 0
    geo_open = geo.get_service_requests(status="open", service_code=code)
    geo_open = geo_open if isinstance(geo_open, list) else [geo_open]
    assert [r["service_request_id"] for r in geo_open] == [number]

    text = repr(listed) + repr(one)
    for secret in ("欧阳保密", "13900001111", "oy@example.cn", raw_key):
        assert secret not in text

    # errors: the HTTP status through each library, the specification's array in the body
    with pytest.raises(HttpError) as e:
        bot.get_request("MQ-1999-000001")
    assert e.value.status == 404
    assert ('"code":404' if fmt == "json" else "<code>404</code>") in e.value.body
    with pytest.raises(HttpError) as e:
        bot.create_request(code, dry_run=False, confirm="SEND", api_key="o311_wrong", lat=28.2, lng=112.9,
                           description="村口垃圾无人清运，气味很大。")
    assert e.value.status == 403
    with pytest.raises(HttpError) as e:
        bot.create_request(code, dry_run=False, confirm="SEND", api_key=raw_key, address_string="甲村",
                           description="短")
    assert e.value.status == 400 and "description" in e.value.body
    import requests as http

    with pytest.raises(http.HTTPError) as e:
        geo.get_service_definition("999999")
    assert e.value.response.status_code == 404
    with pytest.raises(http.HTTPError) as e:
        GeoReport(base, jurisdiction="XX", output_format=fmt).get_service_list()
    assert e.value.response.status_code == 404 and "jurisdiction_id" in e.value.response.text
