"""Creating units and users: the one place their rules live (CLI, admin pages and API call these)."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from ..errors import Invalid, unknown_unit
from ..sanitize import clean
from .models import ALLOWED_PARENT, Level, Role, Unit, User


def add_unit(code: str, name: str, level: str, parent_code: str | None = None, phone: str = "") -> Unit:
    code, name = (clean(code or "", multiline=False).strip(), clean(name or "", multiline=False).strip())
    if not code or not name:
        raise Invalid("单位代码和名称不能为空", field="code")
    if level not in Level.values:
        raise Invalid(f"未知层级“{level}”，应为 county、township、village、grid 或 department", field="level")
    if Unit.objects.filter(code=code).exists():
        raise Invalid(f"单位代码“{code}”已存在", field="code", code="duplicate")
    parent = None
    if parent_code:
        parent = Unit.objects.filter(code=parent_code).first()
        if parent is None:
            raise Invalid(f"上级单位“{parent_code}”不存在", field="parent", code="not_found")
    allowed = ALLOWED_PARENT[Level(level)]
    if (parent.level if parent else None) not in allowed:
        raise Invalid(f"{Level(level).label}不能设在{Level(parent.level).label if parent else '顶层'}之下", field="parent")
    return Unit.objects.create(code=code, name=name, level=level, parent=parent, phone=phone)


@transaction.atomic
def create_user(username: str, password: str, role: str, unit_code: str | None = None, display_name: str = "") -> User:
    if role not in Role.values:
        raise Invalid(f"未知角色“{role}”，应为 {', '.join(Role.values)}", field="role")
    # names as shown and typed: no invisible characters ("admin\u200b" is not a second admin); the password as typed
    username = clean(username or "", multiline=False).strip()
    display_name = clean(display_name or "", multiline=False).strip()
    if not username:
        raise Invalid("用户名不能为空", field="username", code="required")
    if User.objects.filter(username=username).exists():
        raise Invalid(f"用户名“{username}”已存在", field="username", code="duplicate")
    unit = None
    if unit_code:
        unit = Unit.objects.filter(code=unit_code).first()
        if unit is None:
            raise Invalid(f"单位“{unit_code}”不存在", field="unit", code="not_found")
    elif role != Role.CITIZEN:
        raise Invalid("工作人员必须属于一个单位", field="unit")
    user = User(username=username, role=role, unit=unit, display_name=display_name,
                is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN)
    try:
        validate_password(password, user)
    except ValidationError as e:
        raise Invalid("密码不符合要求：" + "；".join(e.messages), field="password") from None
    user.set_password(password)
    user.save()
    return user


def unit_to_act_for(user, code, doing: str) -> Unit:
    """The active unit `code`, if the user may act in its name: it lies in their unit's subtree (an admin
    without a unit: any). `doing` completes the refusal, e.g. "发起征求意见"."""
    from ..errors import Forbidden

    unit = Unit.objects.filter(code=str(code or ""), active=True).first()
    if unit is None:
        raise unknown_unit(code)
    if user.unit_id and not unit.path.startswith(user.unit.path):
        raise Forbidden(f"{unit.name}不在您的范围内，不能以它的名义{doing}", field="unit")
    if not user.unit_id and user.role != Role.ADMIN:
        raise Forbidden(f"您没有所属单位，不能{doing}", field="unit")
    return unit


def unit_rows(qs=None) -> list[dict]:
    """Units as integrators see them (`GET /api/units`, `minqing unit list --json`): code, name, level, parent."""
    qs = (qs if qs is not None else Unit.objects.filter(active=True)).select_related("parent").order_by("path")
    return [{"code": u.code, "name": u.name, "level": u.level, "parent": u.parent.code if u.parent_id else None}
            for u in qs]
