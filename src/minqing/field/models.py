"""Field visits (走访/下访, SPEC C13): who went where, when, whom they met, and what they heard."""

from django.conf import settings
from django.db import models
from django.utils import timezone

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
