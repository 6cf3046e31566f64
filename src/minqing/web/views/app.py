"""The installable app for staff in the field (issue 20, docs/field.md): the web app manifest and the service
worker. The worker must be served from the site's root to look after pages at /visits/, /cases/ …, so it
is a view rather than a file under /static/; it is the static file sw.js with its version and the list of the
app's own files (as `static()` names them, hashed or not) filled in."""

import hashlib
import json
from functools import cache

from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

# what the field pages need to open without a network (the pages themselves are kept as they are visited)
ASSETS = ("minqing/app.css", "minqing/app.js", "minqing/field.js", "minqing/favicon.svg", "minqing/icon-192.png")


@cache
def _worker() -> str:
    with open(finders.find("minqing/sw.js"), encoding="utf-8") as f:
        source = f.read()
    assets = [static(a) for a in ASSETS]
    digest = hashlib.sha256(source.encode())
    for a in ASSETS:  # a new version of any of the files is a new worker, which fetches them again
        with open(finders.find(a), "rb") as f:
            digest.update(f.read())
    return (source.replace('"__VERSION__"', json.dumps(digest.hexdigest()[:12]), 1)
            .replace("var ASSETS = [];", f"var ASSETS = {json.dumps(assets)};", 1))


@require_GET
@cache_control(no_cache=True)
def service_worker(request):
    response = HttpResponse(_worker(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
@cache_control(max_age=86400)
def manifest(request):
    return JsonResponse({
        "name": "民情台账 · 走访", "short_name": "民情", "lang": "zh-CN",
        "description": "网格员走访登记：没有信号也能记，来网自动发送",
        "start_url": "/visits/", "scope": "/", "display": "standalone",
        "background_color": "#ffffff", "theme_color": "#b3261e",
        "icons": [{"src": static("minqing/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                  {"src": static("minqing/icon-512.png"), "sizes": "512x512", "type": "image/png"},
                  {"src": static("minqing/favicon.svg"), "sizes": "any", "type": "image/svg+xml"}],
        "shortcuts": [{"name": "走访", "url": "/visits/"}, {"name": "登记诉求", "url": "/cases/new/"},
                      {"name": "我的工单", "url": "/cases/?box=mine"}],
    }, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})
