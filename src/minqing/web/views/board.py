"""Staff management of the public board's notices (公告): the list, the form, withdrawing.
(`/notices/` is the staff notifications inbox; the board's notices live under `/board/notices/`.)"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ...consult import services as consult
from ...errors import DomainError, NotFound
from ...publicity import notices as svc
from ...publicity.models import NoticeKind
from .staff import staff_required


@staff_required
def notices_page(request):
    form, error = request.POST, None
    if request.method == "POST":
        try:
            notice = svc.publish(request.user, {**form.dict(), "cases": form.get("cases", "")})
        except DomainError as e:
            error = e
        else:
            messages.success(request, f"公告已发布：{notice.title}")
            return redirect("board_notices")
    user = request.user
    may = user.role in svc.PUBLISHERS
    items = [{**svc.staff_view(n), "may_withdraw": may and not n.withdrawn and svc.may_publish(user, n.unit)}
             for n in svc.staff_list(user)[:100]]
    return render(request, "minqing/staff/board_notices.html", {
        "items": items, "may_publish": may, "form": form, "error": error, "kinds": NoticeKind.choices,
        "units": svc.publisher_units(user) if may else [],
        "consultations": consult.visible_to(user).order_by("-id")[:50] if may else [],
        "default_unit": user.unit.code if user.unit_id else "",
        "public_unit": user.unit.code if user.unit_id else "",
    }, status=400 if error else 200)


@staff_required
@require_POST
def notice_withdraw(request, notice_id):
    try:
        notice = svc.withdraw(request.user, notice_id)
    except NotFound:
        raise Http404 from None
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"公告已撤回：{notice.title}")
    return redirect("board_notices")
