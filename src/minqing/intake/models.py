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


class SentRecord(models.Model):
    """A request sent with an idempotency key (issue 20): a phone that lost its signal resends a queued visit,
    voice or photo until it hears back, so the same key may arrive twice. The first request's answer is kept
    here and a resend gets it again (intake/once.py): one record, one case, whatever the network did."""

    key = models.CharField("幂等键", max_length=80, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    route = models.CharField("接口", max_length=80)
    fingerprint = models.CharField("请求摘要", max_length=64)
    status = models.PositiveSmallIntegerField("状态码", default=0)
    response = models.JSONField("答复", default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "已受理的离线记录"

    def __str__(self):
        return self.key


class ImportJob(models.Model):
    """One Excel ledger import (intake/excel/): what it wrote, and how far the worker has come with the text
    work of its cases (intake/textwork.py) — what the import page and `GET /api/imports/{id}` show. Its
    cases have ids first_case…last_case (others' cases may lie between: they are already done)."""

    class State(models.TextChoices):
        INDEXING = "indexing", _("文本处理中")
        DONE = "done", _("已完成")

    source = models.CharField("文件", max_length=120, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    total = models.PositiveIntegerField("数据行", default=0)
    imported = models.PositiveIntegerField("导入", default=0)
    rejected = models.PositiveIntegerField("未导入", default=0)
    skipped = models.PositiveIntegerField("已存在", default=0)
    seconds = models.FloatField("写入用时（秒）", default=0.0)
    first_case = models.BigIntegerField(null=True, blank=True)
    last_case = models.BigIntegerField(null=True, blank=True)
    cursor = models.BigIntegerField("文本处理到的工单 id", default=0)
    text_done = models.PositiveIntegerField("已完成文本处理", default=0)
    state = models.CharField(max_length=10, choices=State.choices, default=State.INDEXING)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "id"], name="importjob_state_idx")]
        verbose_name = verbose_name_plural = "台账导入"

    def __str__(self):
        return f"导入 {self.source} ({self.imported})"

    def as_dict(self) -> dict:
        return {"id": self.pk, "source": self.source, "created_at": self.created_at, "total": self.total,
                "imported": self.imported, "rejected": self.rejected, "skipped": self.skipped,
                "state": self.state, "text_done": self.text_done, "text_total": self.imported,
                "finished_at": self.finished_at}
