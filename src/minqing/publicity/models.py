"""Notices (公告) on the public board (村务公开, SPEC C14): what a unit is doing, what it plans, the
results of a consultation, answers to common questions — in plain language, for everyone.

A notice is never deleted: a wrong one is withdrawn (it leaves the public board and the feed, and
the staff list keeps it with who withdrew it and when)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..org.models import Unit


class NoticeKind(models.TextChoices):
    DOING = "doing", _("正在办")
    PLAN = "plan", _("计划")
    RESULT = "result", _("结果公示")
    FAQ = "faq", _("常见问题解答")


class Notice(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="notices", verbose_name="发布单位")
    unit_path = models.CharField(max_length=120, db_index=True)
    kind = models.CharField("类别", max_length=10, choices=NoticeKind.choices)
    title = models.CharField("标题", max_length=100)
    body = models.TextField("正文")
    published_at = models.DateTimeField("发布时间", default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    consultation = models.ForeignKey("consult.Consultation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="notices", verbose_name="关联征求意见")
    cases = models.ManyToManyField("ledger.Case", related_name="notices", blank=True, verbose_name="关联工单")
    withdrawn = models.BooleanField("已撤回", default=False)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = verbose_name_plural = "公告"
        indexes = [models.Index(fields=["unit_path", "withdrawn", "published_at"], name="notice_board_idx")]

    def __str__(self):
        return self.title

    def delete(self, *args, **kwargs):
        raise RuntimeError("公告不能删除，请撤回")
