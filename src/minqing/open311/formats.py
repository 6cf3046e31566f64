"""The two formats of GeoReport v2, exactly as the specification writes them: JSON (a list of objects,
or an object for the discovery and the service definition) and XML (UTF-8, with the XML declaration;
a root element per answer — <services>, <service_definition>, <service_requests>, <discovery>, <errors>
— and one child per item, whose lists nest as <attributes><attribute>, <values><value>,
<endpoints><endpoint>, <formats><format>). Errors are the specification's array
`[{"code": 404, "description": "…"}]`, in XML `<errors><error><code>…</code><description>…`."""

import json
from xml.sax.saxutils import escape

from django.http import HttpResponse

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# a list's element name → the name of each of its items in XML
ITEMS = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
         "values": "value", "endpoints": "endpoint", "formats": "format"}
DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'


class Open311Error(Exception):
    """An answer of the specification's error array with its HTTP status (400, 403, 404, 429)."""

    def __init__(self, status: int, description: str, retry_after: int | None = None):
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after


def _scalar(value) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    return escape(str(value))


def _element(tag: str, value, out: list[str]) -> None:
    if isinstance(value, dict):
        out.append(f"<{tag}>")
        for k, v in value.items():
            _element(k, v, out)
        out.append(f"</{tag}>")
    elif isinstance(value, list):
        item = ITEMS[tag]
        out.append(f"<{tag}>")
        for v in value:
            _element(item, v, out)
        out.append(f"</{tag}>")
    elif value is None or value == "":
        out.append(f"<{tag}/>")
    else:
        out.append(f"<{tag}>{_scalar(value)}</{tag}>")


def to_xml(root: str, data) -> str:
    """`data` under the root element: a list becomes one child per item (ITEMS names it), a dict its fields."""
    out = [DECLARATION]
    _element(root, data, out)
    return "".join(out)


def respond(fmt: str, root: str, data, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        body = to_xml(root, data)
    else:
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(body.encode("utf-8"), status=status, content_type=CONTENT_TYPES[fmt])


def error(fmt: str, exc: Open311Error) -> HttpResponse:
    response = respond(fmt, "errors", [{"code": exc.status, "description": exc.description}], exc.status)
    if exc.retry_after:
        response["Retry-After"] = str(exc.retry_after)
    return response
