from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from .api.main import api

urlpatterns = [
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("open311/v2/", include("minqing.open311.urls")),  # Open311 GeoReport v2 (docs/open311.md)
    path("i18n/js/", JavaScriptCatalog.as_view(), name="javascript-catalog"),  # the scripts' words (app.js)
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("minqing.web.urls")),
]
handler400 = "minqing.web.views.errors.bad_request"
handler403 = "minqing.web.views.errors.forbidden"
handler404 = "minqing.web.views.errors.not_found"
handler500 = "minqing.web.views.errors.server_error"

admin.site.site_header = "民情台账 · 系统管理"
admin.site.site_title = "民情台账"
