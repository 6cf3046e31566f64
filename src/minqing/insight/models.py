"""Early warnings (预警, SPEC C10/C11): raised by the detectors in insight/detectors.py, each with its
explanation and evidence; a warning has an owner and moves new → acknowledged → handled. Never deleted."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from ..org.models import Unit


class WarningKind(models.TextChoices):
    SURGE = "surge", "同地集中反映（疑似群体性）"
    SEASONAL = "seasonal", "类别诉求高于往年同期"
    REPEAT = "repeat", "同一人反复反映"
    REBOUND = "rebound", "已办结问题反弹回潮"


class WarningStatus(models.TextChoices):
    NEW = "new", "新预警"
    ACKNOWLEDGED = "acknowledged", "已认领"
    HANDLED = "handled", "已处置"


class Warning(models.Model):
    kind = models.CharField("类型", max_length=10, choices=WarningKind.choices)
    key = models.CharField(max_length=200, unique=True, help_text="同一事件只预警一次")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="warnings", verbose_name="地点/单位")
    unit_path = models.CharField(max_length=120, db_index=True)
    category = models.CharField("类别", max_length=60, blank=True)
    title = models.CharField("预警", max_length=200)
    explanation = models.TextField("依据")
    score = models.FloatField("强度", default=0)
    cases = models.ManyToManyField("ledger.Case", related_name="warnings", blank=True)
    figures = models.JSONField(default=dict, blank=True)
    status = models.CharField("状态", max_length=12, choices=WarningStatus.choices, default=WarningStatus.NEW)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="warnings", verbose_name="负责人")
    note = models.TextField("处置情况", blank=True)
    raised_at = models.DateTimeField("预警时间", default=timezone.now)
    event_at = models.DateTimeField("事件最近一条诉求时间", default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["status", "raised_at"], name="warning_status_time")]
        verbose_name = verbose_name_plural = "预警"

    def __str__(self):
        return self.title


class HotspotRun(models.Model):
    """Hotspots of one unit's area over a window, as the worker computed them (hourly; `minqing insight
    rebuild` recomputes all). Kept, so a hotspot's heat can be followed from run to run."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="hotspot_runs")
    computed_at = models.DateTimeField(default=timezone.now, db_index=True)
    since = models.DateTimeField()
    until = models.DateTimeField()
    cases = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)
    items = models.JSONField(default=list)

    class Meta:
        ordering = ["-computed_at", "-id"]
        indexes = [models.Index(fields=["unit", "computed_at"], name="hotspot_run_unit_time")]


class MonthlyProblem(models.Model):
    """每月一题: one of the month's top recurring problems in an area, ranked for systemic treatment;
    a leader can adopt it as a rectification item (整改项) with a timetable."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="monthly_problems")
    month = models.DateField("月份")  # the first day of the month
    rank = models.PositiveSmallIntegerField()
    key = models.CharField(max_length=60)  # the first case of the cluster: stable across recomputations
    title = models.CharField(max_length=200)
    keywords = models.JSONField(default=list)
    cases = models.JSONField(default=list)
    voices = models.PositiveIntegerField(default=0)
    earlier = models.PositiveIntegerField("此前6个月同类诉求", default=0)
    score = models.FloatField(default=0)
    explanation = models.TextField(blank=True)
    rectification = models.ForeignKey("ledger.Rectification", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="monthly_problems")
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["month", "rank"]
        constraints = [models.UniqueConstraint(fields=["unit", "month", "key"], name="monthly_problem_once")]


class DashboardSnapshot(models.Model):
    """An area's dashboard figures over a period, as last computed (insight/dashboard.py)."""

    key = models.CharField(max_length=80, unique=True)
    computed_at = models.DateTimeField(default=timezone.now)
    seconds = models.FloatField(default=0)
    data = models.JSONField(default=dict)
