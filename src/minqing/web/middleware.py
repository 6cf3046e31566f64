"""Chinese first: a browser set to English (common on office PCs) still gets simplified Chinese
unless the user picks a language; traditional-Chinese browsers get traditional script. And every form
field cleaned of control and invisible characters before a view sees it."""

from django.http import QueryDict

from ..sanitize import clean, is_secret

TRADITIONAL = ("zh-tw", "zh-hk", "zh-mo", "zh-hant")


class ChineseFirstMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        wanted = request.META.get("HTTP_ACCEPT_LANGUAGE", "").split(",")[0].strip().lower()
        request.META["HTTP_ACCEPT_LANGUAGE"] = "zh-hant" if wanted.startswith(TRADITIONAL) else "zh-hans"
        return self.get_response(request)


class CleanInputMiddleware:
    """Every field a form sends (request.POST, and the query of a GET form) reaches the views without
    control or invisible characters: `sanitize.clean`, the same function as the API's parser and the Excel
    reader. Keys are cleaned too; password fields are left as typed. Nothing is copied when nothing changes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.GET = _cleaned(request.GET)
        if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded",
                                                                 "multipart/form-data"):
            request.POST = _cleaned(request.POST)
        return self.get_response(request)


def _cleaned(data: QueryDict) -> QueryDict:
    pairs = [(key, values, clean(key), values if is_secret(key) else [clean(v) for v in values])
             for key, values in data.lists()]
    if all(key == new_key and values == new for key, values, new_key, new in pairs):
        return data
    out = QueryDict(mutable=True, encoding=data.encoding)
    for _, _, key, values in pairs:
        out.setlist(key, out.getlist(key) + values)  # two keys that differed only by an invisible character
    out._mutable = False
    return out
