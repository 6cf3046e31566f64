"""Chinese first: a browser set to English (common on office PCs) still gets simplified Chinese
unless the user picks a language; traditional-Chinese browsers get traditional script."""

TRADITIONAL = ("zh-tw", "zh-hk", "zh-mo", "zh-hant")


class ChineseFirstMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        wanted = request.META.get("HTTP_ACCEPT_LANGUAGE", "").split(",")[0].strip().lower()
        request.META["HTTP_ACCEPT_LANGUAGE"] = "zh-hant" if wanted.startswith(TRADITIONAL) else "zh-hans"
        return self.get_response(request)
