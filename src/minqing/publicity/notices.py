"""Notices (公告) on the public board: the only writers (publish, withdraw) and what the board shows.

Who publishes. Dispatchers, leaders and admins, in the name of a unit of their own subtree (a township
may publish for one of its villages; a village never for the township). Withdrawing follows the same
rule. Nothing is deleted: a withdrawn notice leaves the board and the feed and stays in the staff list.

Which notices a board shows. The board of a unit shows the notices of that unit and of the units above
it, newest first: a villager opening the village's board also reads what the township and the county
announced for everyone. Notices of the units below are not pulled up (a county board is not the sum of
every village's notices; each village has its own board).

Privacy. Titles and bodies are written by staff, but a staff member may paste a citizen's words: before
anything is stored, mobile and ID-card numbers are masked (privacy.redact_text), and so are the
names, phones and addresses of the submitters of the cases the notice links to."""

from django.db import transaction

from .. import clock
from ..errors import Forbidden, Invalid, NotFound
from ..intake.services import clean_text
from ..ledger.permissions import cases_visible_to
from ..org.models import PATH_WIDTH, Level, Role, Unit
from ..org.scope import in_subtree
from ..org.services import unit_to_act_for
from ..privacy import redact_address, redact_text
from .board import shown_publicly
from .models import Notice, NoticeKind

PUBLISHERS = {Role.DISPATCHER, Role.LEADER, Role.ADMIN}
MAX_TITLE = 100
MAX_BODY = 5000
MAX_CASES = 50
BOARD_LIMIT = 30


def _is_unitless_admin(user) -> bool:
    return user.role == Role.ADMIN and user.unit_id is None


def may_publish(user, unit: Unit) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active or user.role not in PUBLISHERS:
        return False
    return _is_unitless_admin(user) or bool(user.unit_id) and unit.path.startswith(user.unit.path)


def publisher_units(user):
    """Units a user may publish for (the form's choices)."""
    if getattr(user, "role", None) not in PUBLISHERS:
        return Unit.objects.none()
    qs = Unit.objects.filter(active=True).exclude(level=Level.GRID)
    return qs if _is_unitless_admin(user) else qs.filter(in_subtree("path", user.unit.path)) if user.unit_id else qs.none()


@transaction.atomic
def publish(user, data: dict) -> Notice:
    """Validate everything, then write the notice; bad input writes nothing."""
    if getattr(user, "role", None) not in PUBLISHERS:
        raise Forbidden("只有受理派单员、领导或管理员可以发布公告")
    unit = unit_to_act_for(user, data.get("unit"), "发布公告")
    kind = str(data.get("kind") or "")
    if kind not in NoticeKind.values:
        raise Invalid("公告类别应为 doing（正在办）、plan（计划）、result（结果公示）或 faq（常见问题解答）",
                      field="kind")
    title = clean_text(data.get("title"), "标题", "title", required=True, limit=MAX_TITLE)
    body = clean_text(data.get("body"), "正文", "body", required=True, limit=MAX_BODY)
    consultation = _consultation(user, data.get("consultation"))
    cases = _cases(user, data.get("cases"))
    title, body = _redact(title, cases), _redact(body, cases)
    notice = Notice.objects.create(unit=unit, unit_path=unit.path, kind=kind, title=title, body=body,
                                   published_at=clock.now(), created_by=user, consultation=consultation)
    if cases:
        notice.cases.set(cases)
    return notice


def _consultation(user, value):
    if value in (None, ""):
        return None
    from ..consult import services as consult

    try:
        return consult.get_for_staff(user, value)
    except NotFound:
        raise Invalid(f"征求意见“{value}”不存在或不在您的范围内", field="consultation") from None


def _cases(user, numbers) -> list:
    if not numbers:
        return []
    if isinstance(numbers, str):
        numbers = numbers.replace("，", ",").replace("、", ",").replace(" ", ",").split(",")
    if not isinstance(numbers, list):
        raise Invalid("关联工单应为工单编号的列表", field="cases")
    numbers = list(dict.fromkeys(str(n).strip() for n in numbers if str(n).strip()))
    if len(numbers) > MAX_CASES:
        raise Invalid(f"一条公告最多关联{MAX_CASES}件工单", field="cases")
    found = {c.number: c for c in cases_visible_to(user).filter(number__in=numbers).prefetch_related("voices")}
    missing = [n for n in numbers if n not in found]
    if missing:
        raise Invalid(f"工单“{missing[0]}”不存在或无权查看", field="cases")
    return [found[n] for n in numbers]


def _redact(text: str, cases) -> str:
    for case in cases:
        text = redact_address(text, case.address, house_numbers=False)  # a notice may say "3号楼前" on purpose
        for v in case.voices.all():
            text = redact_text(text, v.submitter_name, v.submitter_phone)
    return redact_text(text)


def get_for_staff(user, pk) -> Notice:
    try:
        notice = staff_list(user).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        notice = None
    if notice is None:
        raise NotFound("公告不存在或不在您的范围内")
    return notice


@transaction.atomic
def withdraw(user, pk) -> Notice:
    notice = get_for_staff(user, pk)
    if not may_publish(user, notice.unit):
        raise Forbidden("只有本单位及上级的受理派单员、领导或管理员可以撤回公告")
    if notice.withdrawn:
        raise Invalid("该公告已撤回", code="already_withdrawn")
    notice.withdrawn, notice.withdrawn_at, notice.withdrawn_by = True, clock.now(), user
    notice.save(update_fields=["withdrawn", "withdrawn_at", "withdrawn_by"])
    return notice


def staff_list(user):
    """Notices a staff member sees in the management list: their subtree's and their ancestors', withdrawn too."""
    qs = Notice.objects.select_related("unit", "created_by", "consultation")
    if _is_unitless_admin(user):
        return qs
    if not getattr(user, "is_staff_member", False):
        return qs.none()
    return qs.filter(in_subtree("unit_path", user.unit.path) | _ancestors_q(user.unit))


def _ancestors_q(unit: Unit):
    from django.db.models import Q

    return Q(unit_path__in=[unit.path[:i] for i in range(PATH_WIDTH, len(unit.path) + 1, PATH_WIDTH)])


def for_board(unit: Unit, limit: int = BOARD_LIMIT):
    """The notices the public sees on the unit's board: the unit's own and its ancestors', not withdrawn."""
    return (Notice.objects.filter(_ancestors_q(unit), withdrawn=False).select_related("unit", "consultation")
            .order_by("-published_at", "-id")[:limit])


def public_view(notice: Notice) -> dict:
    """A notice as anyone may read it: linked cases only as numbers, and only those the board shows."""
    linked = shown_publicly(notice.cases.all()).order_by("number")
    return {
        "id": notice.id, "kind": notice.kind, "kind_label": str(NoticeKind(notice.kind).label),
        "title": notice.title, "body": notice.body, "unit": notice.unit.code, "unit_name": notice.unit.name,
        "published_at": notice.published_at,
        "consultation": notice.consultation_id,
        "consultation_title": notice.consultation.title if notice.consultation_id else None,
        "cases": [c.number for c in linked],
    }


def board_notices(unit: Unit) -> list[dict]:
    return [public_view(n) for n in for_board(unit)]


def staff_view(notice: Notice) -> dict:
    return {**public_view(notice), "withdrawn": notice.withdrawn, "withdrawn_at": notice.withdrawn_at,
            "created_by": notice.created_by.label()}
