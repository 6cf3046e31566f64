"""Error pages in Chinese; never a stack trace to a client."""

from django.shortcuts import render


def _page(request, status, title, message):
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse({"error": {"code": str(status), "message": message, "field": None}}, status=status)
    return render(request, "minqing/error.html", {"title": title, "message": message}, status=status)


def bad_request(request, exception=None):
    return _page(request, 400, "请求有误", "提交的内容无法处理，请返回检查后重试。")


def forbidden(request, exception=None):
    return _page(request, 403, "无权访问", "您没有权限查看此页面。")


def not_found(request, exception=None):
    return _page(request, 404, "页面不存在", "您要找的页面或工单不存在，或不在您的权限范围内。")


def server_error(request):
    return _page(request, 500, "服务器错误", "服务器出了点问题，已记录，请稍后重试。")
