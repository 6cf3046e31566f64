"""Consultations (征求意见, SPEC C12): a unit asks the people about a proposal; participants add short
statements and vote agree / disagree / pass on others' statements; opinion groups come from the votes
(consult/groups.py). A participant is a pseudonym — a device code kept in a cookie, or the number a
cadre gave a household on a paper sheet — never a person's name or phone."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from ..org.models import Unit


class Consultation(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="consultations", verbose_name="发起单位")
    unit_path = models.CharField(max_length=120, db_index=True)
    title = models.CharField("议题", max_length=100)
    text = models.TextField("方案说明")
    opens_at = models.DateTimeField("开始时间", default=timezone.now)
    closes_at = models.DateTimeField("截止时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   related_name="consultations")
    created_at = models.DateTimeField(default=timezone.now)
    decision = models.TextField("决定与采纳情况", blank=True)
    attribution = models.CharField("数据来源与许可", max_length=300, blank=True)
    cases = models.ManyToManyField("ledger.Case", related_name="consultations", blank=True)

    class Meta:
        ordering = ["-opens_at", "-id"]
        verbose_name = verbose_name_plural = "征求意见"

    def __str__(self):
        return self.title

    def is_open(self, now) -> bool:
        return self.opens_at <= now and (self.closes_at is None or now < self.closes_at)


class StatementStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已通过"
    REJECTED = "rejected", "未通过"


class Statement(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="statements")
    seq = models.PositiveIntegerField("序号")
    text = models.CharField("观点", max_length=300)
    status = models.CharField("审核状态", max_length=10, choices=StatementStatus.choices,
                              default=StatementStatus.PENDING)
    author = models.CharField("提出者（代号）", max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["seq"]
        constraints = [models.UniqueConstraint(fields=["consultation", "seq"], name="statement_seq_unique")]
        verbose_name = verbose_name_plural = "观点"

    def __str__(self):
        return self.text


class Participant(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="participants")
    code = models.CharField("参与者代号", max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["consultation", "code"], name="participant_code_unique")]


class VoteSource(models.TextChoices):
    WEB = "web", "线上"
    PAPER = "paper", "纸质（走访录入）"
    API = "api", "接口"


class Vote(models.Model):
    """One participant's current vote on one statement; a later vote replaces the earlier."""

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="votes")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="votes")
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="votes")
    value = models.SmallIntegerField("表态")  # 1 agree, -1 disagree, 0 pass
    source = models.CharField(max_length=8, choices=VoteSource.choices, default=VoteSource.WEB)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["participant", "statement"], name="vote_once")]
        indexes = [models.Index(fields=["consultation", "updated_at"], name="vote_consult_time")]


class GroupingResult(models.Model):
    """A consultation's opinion groups as last computed (consult/results.py), with the version of the
    votes they were computed from. Pages and the API read this; the worker recomputes it when the votes
    have changed (a city's consultation — 100,000 participants — takes seconds, not a page's time)."""

    consultation = models.OneToOneField(Consultation, on_delete=models.CASCADE, primary_key=True,
                                        related_name="grouping")
    version = models.CharField(max_length=80)  # services.version: votes and the last change
    computed_at = models.DateTimeField(default=timezone.now)
    seconds = models.FloatField(default=0.0)
    data = models.JSONField()

    class Meta:
        verbose_name = verbose_name_plural = "意见分组结果"
