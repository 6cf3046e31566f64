"""Saved column mappings for ledger imports (see excel.py): an office whose Excel ledger uses its
own headers saves a mapping once and names it on every import."""

from django.db import models
from django.utils import timezone


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
