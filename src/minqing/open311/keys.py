"""Issuing, revoking and checking the Open311 clients' API keys (one key per client; the admin issues and
revokes them in the Django admin or with `minqing open311 key create|revoke NAME`)."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..errors import Invalid, NotFound
from ..sanitize import clean
from .formats import Open311Error
from .models import ApiKey, check_rate


def issue(name: str, contact: str = "", rate: str = "") -> tuple[ApiKey, str]:
    """A new key for the client NAME: (the row, the raw key — shown this once, stored only as a hash).
    A revoked client's name may be issued again: its old row keeps its name with the revocation date."""
    name = clean(str(name or ""), multiline=False).strip()
    if not name or len(name) > 60:
        raise Invalid("客户端名称应为 1 到 60 个字", field="name")
    try:
        check_rate(rate)
    except Exception as e:
        raise Invalid(e.messages[0], field="rate") from None
    raw = ApiKey.new_raw()
    with transaction.atomic():
        old = ApiKey.objects.select_for_update().filter(name=name).first()
        if old is not None:
            if old.active:
                raise Invalid(f"客户端“{name}”已有有效密钥；如需更换，请先吊销（minqing open311 key revoke {name}）",
                              field="name", code="exists")
            old.name = f"{name} (吊销于 {timezone.localtime(old.revoked_at):%Y-%m-%d %H:%M:%S} #{old.pk})"[:60]
            old.save(update_fields=["name"])
        try:
            key = ApiKey.objects.create(name=name, digest=ApiKey.digest_of(raw), prefix=raw[:8], contact=contact,
                                        rate=rate)
        except IntegrityError:
            raise Invalid(f"客户端“{name}”已存在", field="name", code="exists") from None
    return key, raw


def revoke(name: str) -> ApiKey:
    key = ApiKey.objects.filter(name=name, revoked_at__isnull=True).first()
    if key is None:
        raise NotFound(f"没有名为“{name}”的有效 Open311 密钥")
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    return key


def authenticate(raw: str | None) -> ApiKey:
    """The active key for this raw key, or the specification's 403."""
    if not raw:
        raise Open311Error(403, "api_key was not provided: 提交诉求需要 api_key（向系统管理员申请）")
    key = ApiKey.objects.filter(digest=ApiKey.digest_of(raw)).first()
    if key is None or not key.active:
        raise Open311Error(403, "Invalid api_key received: api_key 无效或已被吊销")
    if key.last_used_at is None or (timezone.now() - key.last_used_at).total_seconds() > 300:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key
