"""Routing rules: which unit handles which first-level category in which area (四级联动)."""

from django.db import models

from ..ledger.models import Category
from ..org.models import Unit


class RoutingRule(models.Model):
    """In `area` (a unit and everything below it), cases of `category` (blank: any) go to `unit`.
    The most specific rule wins: the deepest area, then a category rule over a catch-all."""

    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE,
                                 limit_choices_to={"level": 1}, verbose_name="一级分类")
    area = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="routing_rules", verbose_name="适用区域")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", verbose_name="承办单位")
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        unique_together = [("category", "area")]
        verbose_name = verbose_name_plural = "派单规则"

    def __str__(self):
        return f"{self.area} · {self.category or '全部分类'} → {self.unit}"


class Notification(models.Model):
    """The outbox: every message to a person is a row first, written in the same transaction as the
    change that causes it, then delivered by the worker. `key` makes each message happen once."""

    class Channel(models.TextChoices):
        SMS = "sms", "短信"
        EMAIL = "email", "邮件"
        SITE = "site", "站内"

    class State(models.TextChoices):
        PENDING = "pending", "待发送"
        SENDING = "sending", "发送中"  # claimed and being handed to the gateway (workflow/notify.py)
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"
        UNKNOWN = "unknown", "中断未知"  # cut off while being sent, not sent again: did it arrive?

    key = models.CharField(max_length=160, unique=True)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    kind = models.CharField(max_length=20)
    case = models.ForeignKey("ledger.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey("org.User", null=True, blank=True, on_delete=models.PROTECT, related_name="notifications")
    address = models.CharField("号码或邮箱", max_length=120, blank=True)
    text = models.TextField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "created_at"])]
        verbose_name = verbose_name_plural = "通知"


class SchedulerTick(models.Model):
    """When a periodic job last ran, shared by all workers so that several hosts schedule it once."""

    name = models.CharField(max_length=40, primary_key=True)
    last_run = models.DateTimeField()
