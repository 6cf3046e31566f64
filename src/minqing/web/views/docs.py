"""Plain-language help pages shipped with the app (definitions officials need at hand)."""

from django.http import Http404
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

PAGES = {"rates", "warnings", "foresight", "replies"}


def doc_page(request, name):
    if name not in PAGES:
        raise Http404
    try:
        get_template(f"minqing/docs/{name}.html")
    except TemplateDoesNotExist:
        raise Http404 from None
    return render(request, f"minqing/docs/{name}.html")
