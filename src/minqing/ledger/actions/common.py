"""What every action shares: its fields read and checked at the edge with a Chinese message naming
the field (text with a length range, a unit, a date, yes/no), a setting, and the hook an action uses to
add a step after its own event (`then`)."""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from ...errors import Invalid, unknown_unit
from ...org.models import Unit
from ...sanitize import clean
from ..days import parse_day
from ..models import Case

MAX_TEXT = 10000  # real letters run to 7,000 characters; a 1 MB paste is still refused


def text_field(fields: dict, name: str, label: str, minimum: int = 2) -> str:
    value = clean(str(fields.get(name) or "")).strip()  # as at the edges: a direct call is as safe
    if len(value) < minimum:
        raise Invalid(f"请填写{label}（至少{minimum}个字）", field=name)
    if len(value) > MAX_TEXT:
        raise Invalid(f"{label}过长（最多{MAX_TEXT}字）", field=name)
    return value


def unit_of(code: str, field: str = "unit") -> Unit:
    unit = Unit.objects.filter(code=(code or "").strip(), active=True).first()
    if unit is None:
        raise unknown_unit(code, field)
    return unit


def date(value, field: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if not value:
        raise Invalid("请选择日期", field=field)
    day = parse_day(value, field)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(17, 30)))


def plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def iso(value):
    return value.isoformat() if value else None


def yes_no(value, default: bool, field: str = "resolved", label: str = "是否解决") -> bool:
    if value in (None, ""):
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "是", "已解决"):
        return True
    if text in ("0", "false", "no", "否", "未解决"):
        return False
    raise Invalid(f"“{label}”应为 true 或 false", field=field)


def setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def then(case: Case, step) -> None:
    """Run `step` in `perform`, in the same transaction, once the action's own event is written."""
    case.__dict__.setdefault("_then", []).append(step)
