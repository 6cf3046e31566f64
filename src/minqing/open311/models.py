"""The Open311 clients' keys and what each client submitted.

An `ApiKey` is issued to one client (an app, a city dashboard, a FixMyStreet install) by the admin — the
Django admin or `minqing open311 key create NAME` — and revoked the same way; only its SHA-256 is stored,
so the raw key is shown once, when it is issued. A `Submission` ties a case raised through
`POST requests.json|xml` to the key that raised it and to the token the client got back
(`GET tokens/{token}`); the client's extra fields (e-mail, device, account) stay here, never public."""

import hashlib
import re
import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

RATE = re.compile(r"\d+/\d*[smhd]")


def check_rate(value: str) -> None:
    if value and not RATE.fullmatch(value):
        raise ValidationError("速率应为 次数/时段，如 600/h、20/m、5000/d；留空则用默认值")


class ApiKey(models.Model):
    name = models.CharField("客户端名称", max_length=60, unique=True,
                            help_text="使用此密钥的系统或应用，如 “市民通App”")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField("密钥开头", max_length=8, editable=False, help_text="用于辨认，不足以使用")
    contact = models.CharField("联系人/方式", max_length=120, blank=True)
    rate = models.CharField("提交速率上限", max_length=12, blank=True, validators=[check_rate],
                            help_text="本客户端每时段最多提交的诉求数，如 1000/h；留空则用默认值（MINQING_RATE_OPEN311_KEY）")
    created_at = models.DateTimeField("签发时间", default=timezone.now, editable=False)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = verbose_name_plural = "Open311 密钥"

    def __str__(self):
        return self.name

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @staticmethod
    def new_raw() -> str:
        return "o311_" + secrets.token_urlsafe(32)

    def delete(self, *args, **kwargs):
        raise PermissionError("密钥不删除，只吊销：其提交的诉求仍指向它")


class Submission(models.Model):
    """A case raised through Open311: the key that raised it, the token returned, the client's own fields."""

    case = models.OneToOneField("ledger.Case", on_delete=models.PROTECT, related_name="open311")
    key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, related_name="submissions")
    token = models.CharField(max_length=32, unique=True)
    media_url = models.URLField(max_length=500, blank=True)
    email = models.CharField(max_length=120, blank=True)
    device_id = models.CharField(max_length=120, blank=True)
    account_id = models.CharField(max_length=120, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "Open311 提交"

    def delete(self, *args, **kwargs):
        raise PermissionError("台账记录不可删除")
