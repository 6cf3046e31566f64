"""Filters for case lists, shared by the web list, the API and the export. They narrow a queryset
that always starts from `cases_visible_to(user)`."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from .. import clock
from ..errors import Invalid
from ..org.models import Unit
from ..org.scope import in_subtree
from .days import parse_day
from .deadlines import calendar_from_db
from .models import Channel, Status
from .search import matching

FILTERS = ("status", "unit", "category", "channel", "overdue", "q", "since", "until", "reply_quality")


# Once replied, a case has met its resolution deadline or not; it is no longer running late.
NOT_RUNNING = [Status.CLOSED, Status.WAITING, Status.REPLIED, Status.FOLLOWED_UP]
# The same conditions as positive lists: `status IN (…)` is an index seek, `NOT status IN (…)` a scan.
RUNNING = [s for s in Status.values if s not in NOT_RUNNING]
OPEN = [s for s in Status.values if s != Status.CLOSED]


def overdue_q(now=None) -> Q:
    """Still to be answered, not paused, past the first-contact or resolution deadline."""
    now = now or clock.now()
    late = Q(resolve_due__lt=now) | Q(contact_due__lt=now, first_contact_at__isnull=True)
    return late & Q(status__in=RUNNING)


def due_soon_q(now=None) -> Q:
    """Open, not yet overdue, due within one working day."""
    now = now or clock.now()
    horizon = calendar_from_db().add_working_days(now, 1)
    return Q(resolve_due__gte=now, resolve_due__lt=horizon) & Q(status__in=RUNNING)


def _day(value: str, field: str, end: bool = False) -> dt.datetime:
    day = parse_day(value, field)
    moment = dt.datetime.combine(day + dt.timedelta(days=1) if end else day, dt.time())
    return timezone.make_aware(moment)


def day_bounds(since: str = "", until: str = ""):
    """[since, until] as whole days → an aware half-open range (either end may be None)."""
    lo = _day(since, "since") if since else None
    hi = _day(until, "until", end=True) if until else None
    if lo and hi and hi <= lo:
        raise Invalid("截止日期不能早于起始日期", field="until")
    return lo, hi


def _truthy(value) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")


def apply_filters(qs, params):
    """`params` is any mapping (request.GET, API query); unknown values get a clear error."""
    get = lambda k: (params.get(k) or "").strip() if isinstance(params.get(k) or "", str) else params.get(k)  # noqa: E731
    if status := get("status"):
        wanted = [s for s in status.split(",") if s]
        bad = [s for s in wanted if s not in Status.values and s not in ("open", "due_soon")]
        if bad:
            raise Invalid(f"未知状态“{bad[0]}”", field="status")
        q = Q(status__in=[s for s in wanted if s in Status.values])
        if "open" in wanted:
            q |= Q(status__in=OPEN)
        if "due_soon" in wanted:
            q |= due_soon_q()
        qs = qs.filter(q)
    if code := get("unit"):
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            raise Invalid(f"单位“{code}”不存在", field="unit")
        qs = qs.filter(in_subtree("place_path", unit.path) | in_subtree("assigned_path", unit.path))
    if category := get("category"):
        # A first-level name is exactly category_top (an index); a deeper path also needs the join.
        top = category.split("/")[0]
        qs = qs.filter(category_top=top) if "/" not in category else qs.filter(
            category_top=top, category__path__startswith=category)
    if channel := get("channel"):
        if channel not in Channel.values:
            raise Invalid(f"未知渠道“{channel}”", field="channel")
        qs = qs.filter(channel=channel)
    if get("overdue") and _truthy(get("overdue")):
        qs = qs.filter(overdue_q())
    lo, hi = day_bounds(get("since") or "", get("until") or "")
    if lo:
        qs = qs.filter(received_at__gte=lo)
    if hi:
        qs = qs.filter(received_at__lt=hi)
    if quality := get("reply_quality"):  # the replies below the county's threshold, or those that pass
        from .reply_quality import min_score

        if quality not in ("low", "pass"):
            raise Invalid("答复质量筛选应为 low（不合格）或 pass（合格）", field="reply_quality")
        qs = qs.filter(reply_score__lt=min_score()) if quality == "low" else qs.filter(reply_score__gte=min_score())
    if text := get("q"):
        if len(text) > 100:
            raise Invalid("搜索词过长（最多100字）", field="q")
        qs = matching(qs, text)
    return qs


def inbox(qs, user):
    """What waits for this user's role: the staff inbox."""
    from ..org.models import Role
    from .models import Extension

    if user.role in (Role.DISPATCHER, Role.ADMIN):
        return qs.filter(status__in=[Status.ACCEPTED, Status.RETURNED, Status.REPLIED])
    if user.role == Role.LEADER:
        pending = Extension.objects.filter(state=Extension.State.PENDING).values("case_id")
        return qs.filter(overdue_q() | Q(id__in=pending))
    mine = in_subtree("assigned_path", user.unit.path)
    return qs.filter(mine, status__in=[Status.DISPATCHED, Status.HANDLING, Status.WAITING, Status.REOPENED])


def recorded_open(qs, user):
    """A grid cadre's "my open cases" (我的工单): the voices they recorded, on visits or at the desk, not yet
    closed: the cases they will be asked about on the next visit."""
    from .models import OPEN_STATUSES

    return qs.filter(created_by=user, status__in=OPEN_STATUSES)
