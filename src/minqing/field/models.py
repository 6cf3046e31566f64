"""Field visits (走访/下访, SPEC C13): who went where, when, whom they met, and what they heard."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..org.models import Unit


class Visit(models.Model):
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="visits", verbose_name="走访地点")
    unit_path = models.CharField(max_length=120, db_index=True)
    visited_at = models.DateField("走访日期")
    households = models.PositiveIntegerField("走访户数", default=0)
    notes = models.TextField("走访情况", blank=True)
    cases = models.ManyToManyField("ledger.Case", related_name="visits", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-visited_at", "-id"]
        verbose_name = verbose_name_plural = "走访记录"


class PlanReason(models.TextChoices):
    HOTSPOT = "hotspot", _("热点")
    WARNING = "warning", _("预警")
    CASES = "cases", _("未办结诉求多")
    COVERAGE = "coverage", _("走访空白")
    MANUAL = "manual", _("自定")


class PlanStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    DONE = "done", _("已走访")
    CANCELLED = "cancelled", _("已取消")


class VisitPlan(models.Model):
    """A cadre is to visit a place within a period, and why (field/plans.py). Recording a visit there marks
    it done and links the visit; a plan is cancelled, never deleted."""

    cadre = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visit_plans",
                              verbose_name="走访人")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="visit_plans", verbose_name="走访地点")
    unit_path = models.CharField(max_length=120, db_index=True)
    starts = models.DateField("开始日期")
    ends = models.DateField("截止日期")
    reason = models.CharField("原因", max_length=10, choices=PlanReason.choices, default=PlanReason.MANUAL)
    note = models.CharField("说明", max_length=300, blank=True)
    status = models.CharField("状态", max_length=10, choices=PlanStatus.choices, default=PlanStatus.PLANNED)
    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="plans")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["ends", "id"]
        verbose_name = verbose_name_plural = "走访计划"
        indexes = [models.Index(fields=["cadre", "status", "starts"], name="visitplan_cadre_idx")]

    def delete(self, *args, **kwargs):
        raise RuntimeError("走访计划不能删除，请取消")
