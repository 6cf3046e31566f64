"""/open311/v2/ — the routes exactly as GeoReport v2 names them, each ending in .json or .xml."""

from django.urls import path, register_converter
from django.views.generic import RedirectView

from . import views


class Format:
    regex = "json|xml"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(Format, "o311fmt")

app_name = "open311"
urlpatterns = [
    path("", RedirectView.as_view(url="discovery.json"), name="root"),
    path("discovery.<o311fmt:format>", views.discovery, name="discovery"),
    path("services.<o311fmt:format>", views.service_list, name="services"),
    path("services/<str:service_code>.<o311fmt:format>", views.service_definition, name="service"),
    path("requests.<o311fmt:format>", views.requests, name="requests"),
    path("requests/<str:service_request_id>.<o311fmt:format>", views.request_detail, name="request"),
    path("tokens/<str:token>.<o311fmt:format>", views.token, name="token"),
]
