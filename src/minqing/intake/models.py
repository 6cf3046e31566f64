"""Saved column mappings for ledger imports (see excel/): an office whose Excel ledger uses its
own headers saves a mapping once and names it on every import."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportMapping(models.Model):
    name = models.CharField("名称", max_length=60, unique=True)
    columns = models.JSONField("列对应关系", default=dict, help_text="{Excel 表头: 字段名}，字段名如 title、text、received_at")
    date_format = models.CharField("日期格式", max_length=40, blank=True,
                                   help_text="可选，如 %Y年%m月%d日 %H:%M；留空则自动识别常见格式")
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = verbose_name_plural = "导入映射"

    def __str__(self):
        return self.name


class Vulnerable(models.TextChoices):
    """Vulnerable-group flags (困难群体标记) on a citizen record; who may read and set them: intake/citizens.py."""

    DIBAO = "dibao", _("低保户")
    TEKUN = "tekun", _("特困供养")
    ALONE_ELDERLY = "alone_elderly", _("独居老人")
    LEFT_BEHIND_CHILD = "left_behind_child", _("留守儿童")
    DISABLED = "disabled", _("残疾人")
    SERIOUS_ILLNESS = "serious_illness", _("重病患者")
    VETERAN = "veteran", _("退役军人")


class Citizen(models.Model):
    """The people's history (SPEC C15): one person known by a verified phone. Their voices are found by
    the phone key (ledger.Voice.phone_key), not linked row by row, so a record exists only where staff
    wrote something about the person: vulnerable-group flags and a note."""

    phone_key = models.CharField("电话（数字）", max_length=20, unique=True)
    name = models.CharField("姓名", max_length=60, blank=True)
    flags = models.JSONField("困难群体标记", default=list, blank=True)
    note = models.TextField("备注", blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "群众档案"

    def __str__(self):
        return f"群众档案 {self.pk}"
