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
