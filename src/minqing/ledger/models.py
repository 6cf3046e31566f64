"""The ledger (台账): cases, the voices they carry, their append-only history, replies,
extensions and attachments; the taxonomy, time-limit rules and the working-day calendar.

Nothing here is ever hard-deleted: `delete()` raises. A withdrawn or spam case is closed with a
reason (see lifecycle.py)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..org.models import Unit


class NoDelete(models.Model):
    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise PermissionError("台账记录不可删除；请以“撤回/无效”理由办结")


class Channel(models.TextChoices):
    VISIT = "visit", _("走访/下访")
    WALK_IN = "walk_in", _("来访")
    PHONE = "phone", _("来电")
    WEB = "web", _("网上/手机")
    LETTER = "letter", _("来信")
    IMPORT = "import", _("台账导入")
    OPEN311 = "open311", _("Open311 接口")  # another system's client, by API key (minqing/open311/)


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    CRITICAL = "critical", _("特急")


class Track(models.TextChoices):
    IMMEDIATE = "immediate", _("立行立办")
    CONDITIONAL = "conditional", _("创造条件办")
    SYSTEMIC = "systemic", _("系统治理")


class SubmitterMode(models.TextChoices):
    NAMED = "named", _("实名")
    PROTECTED = "protected", _("保密")
    ANONYMOUS = "anonymous", _("匿名")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically_satisfied", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class Category(models.Model):
    """One node of the three-level taxonomy (一级/二级/三级分类)."""

    name = models.CharField(max_length=60)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    level = models.PositiveSmallIntegerField()
    path = models.CharField(max_length=200, unique=True)  # "城乡建设/安全生产/事故处理"
    sensitive = models.BooleanField("敏感事项（办结需集体审批）", default=False)
    auto_dispatch_at = models.FloatField("自动派单置信度阈值", null=True, blank=True,
                                         help_text="系统建议的置信度达到此值时自动派单；留空则从不自动派单")

    class Meta:
        ordering = ["path"]
        verbose_name = verbose_name_plural = "分类"

    def __str__(self):
        return self.path

    @property
    def top(self) -> str:
        return self.path.split("/")[0]


class SlaRule(models.Model):
    """Time limits in working days for a first-level category (blank = any) and an urgency.
    0 working days means by the end of the working day the case arrived on."""

    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE)
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    contact_days = models.PositiveSmallIntegerField("首次联系时限(工作日)")
    resolve_days = models.PositiveSmallIntegerField("办结时限(工作日)")

    class Meta:
        unique_together = [("category", "urgency")]
        verbose_name = verbose_name_plural = "办理时限"


class CalendarDay(models.Model):
    """An admin's override of the working-day calendar: a local holiday or a make-up working day."""

    date = models.DateField(unique=True)
    is_workday = models.BooleanField()
    name = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = verbose_name_plural = "工作日历调整"


class Status(models.TextChoices):
    ACCEPTED = "accepted", _("已受理")
    DISPATCHED = "dispatched", _("已派单")
    HANDLING = "handling", _("承办中")
    WAITING = "waiting", _("等待群众(停表)")
    RETURNED = "returned", _("已退单")
    REPLIED = "replied", _("已答复")
    FOLLOWED_UP = "followed_up", _("已回访")
    REOPENED = "reopened", _("重新办理")
    CLOSED = "closed", _("已办结")


OPEN_STATUSES = [s for s in Status.values if s != Status.CLOSED]


class Case(NoDelete):
    number = models.CharField("编号", max_length=20, unique=True)
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    title = models.CharField("标题", max_length=200)
    text = models.TextField("原文")
    text_norm = models.TextField("规范化文本", blank=True)
    search_text = models.TextField(blank=True, help_text="分词后以空格连接，供全文检索")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT)
    category_top = models.CharField(max_length=60, blank=True, db_index=True)

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="cases_here", verbose_name="所在单位")
    place_path = models.CharField(max_length=120, db_index=True)
    address = models.CharField("地址", max_length=200, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)

    urgency = models.CharField("紧急程度", max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    track = models.CharField("办理类型", max_length=12, choices=Track.choices, blank=True)
    plan_date = models.DateField("计划解决日期", null=True, blank=True)
    rectification = models.ForeignKey("Rectification", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="cases", verbose_name="整改项")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.ACCEPTED)
    assigned_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="cases_assigned", verbose_name="承办单位")
    assigned_path = models.CharField(max_length=120, blank=True, db_index=True)
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="cases_handled", verbose_name="承办人")

    received_at = models.DateTimeField("收到时间", default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    contact_due = models.DateTimeField("首次联系时限", null=True, blank=True)
    resolve_due = models.DateTimeField("办结时限", null=True, blank=True)
    first_contact_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=20, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    extensions_granted = models.PositiveSmallIntegerField(default=0)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    return_count = models.PositiveSmallIntegerField(default=0)
    escalation_level = models.PositiveSmallIntegerField("督办层级", default=0)
    escalated_to = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="督办单位")

    rating = models.CharField("满意度", max_length=20, choices=Rating.choices, blank=True)
    resolved = models.BooleanField("群众认为已解决", null=True, blank=True)
    # the latest reply's assessment (text/replies.py): kept beside the citizen's rating (docs/replies.md)
    reply_score = models.FloatField("答复质量评分", null=True, blank=True)
    suggested_category = models.CharField("系统建议分类", max_length=60, blank=True)
    suggestion_confidence = models.FloatField(null=True, blank=True)
    suggested_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    auto_dispatched = models.BooleanField("自动派单", default=False)
    keywords = models.CharField("关键词", max_length=200, blank=True)
    places = models.CharField("地名", max_length=200, blank=True)
    voices_count = models.PositiveIntegerField(default=1)
    endorsements = models.PositiveIntegerField("点赞数", default=0)
    objections = models.PositiveIntegerField("反对数", default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="cases_created")
    # The head of the case's sealed history (ledger/seal.py), written only by `seal.append`, never by save().
    # NULL until sealed: nullable, without default, so adding them rebuilt no table on SQLite.
    audit_count = models.IntegerField(null=True, editable=False)
    audit_head = models.CharField(max_length=64, null=True, editable=False)
    audit_seal = models.CharField(max_length=64, null=True, editable=False)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = verbose_name_plural = "工单"
        # Lists filter on scope (place_path, assigned_path, created_by) plus one of status, channel,
        # category, overdue or dates, newest first. Each index carries the scope columns, so deciding
        # whether a case is in a user's scope needs no read of the (wide) case row; case_list_idx
        # carries every list filter in time order, for paging newest first (ledger/paging.py).
        # The deadline scan (workflow/escalation.py) reads only the cases to raise, one range per
        # deadline: case_escalate_resolve_idx and case_escalate_contact_idx.
        indexes = [
            models.Index(fields=["status", "resolve_due"]),
            models.Index(fields=["status", "escalation_level", "resolve_due"], name="case_escalate_resolve_idx"),
            models.Index(fields=["status", "escalation_level", "first_contact_at", "contact_due"],
                         name="case_escalate_contact_idx"),
            models.Index(fields=["received_at", "id", "status", "place_path", "assigned_path", "created_by",
                                 "channel", "category_top", "resolve_due", "contact_due", "first_contact_at"],
                         name="case_list_idx"),
            models.Index(fields=["status", "resolve_due", "place_path", "assigned_path", "created_by",
                                 "contact_due", "first_contact_at"], name="case_status_idx"),
            models.Index(fields=["place_path", "received_at"]),
            models.Index(fields=["assigned_path", "received_at"]),
            models.Index(fields=["channel", "received_at", "place_path", "assigned_path", "created_by"],
                         name="case_channel_idx"),
            models.Index(fields=["category_top", "received_at", "place_path", "assigned_path", "created_by"],
                         name="case_category_idx"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED

    def save(self, *args, **kwargs):
        if not self._state.adding and not args and kwargs.get("update_fields") is None:  # a stale copy must
            deferred = self.get_deferred_fields()  # not roll the sealed head back
            kwargs["update_fields"] = [f.name for f in self._meta.concrete_fields if not f.primary_key
                                       and not f.name.startswith("audit_") and f.attname not in deferred]
        super().save(*args, **kwargs)


class Voice(NoDelete):
    """One thing one person said, as received. A case carries one or more voices; each voice keeps
    its own submitter, tracking code and rating, so every citizen gets their own answer."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="voices")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    title = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    received_at = models.DateTimeField(default=timezone.now)
    tracking_code = models.CharField(max_length=16, unique=True)
    submitter_mode = models.CharField(max_length=10, choices=SubmitterMode.choices, default=SubmitterMode.ANONYMOUS)
    submitter_name = models.CharField(max_length=60, blank=True)
    submitter_phone = models.CharField(max_length=30, blank=True)
    # The people's history joins voices by this (intake/citizens.py): the phone's digits, set at intake for
    # named and protected voices; NULL for anonymous ones, which never join.
    phone_key = models.CharField(max_length=20, null=True, blank=True, db_index=True, editable=False)
    submitter_ref = models.CharField("来源系统中的用户编号", max_length=60, blank=True)
    source = models.CharField(max_length=40, blank=True)
    external_id = models.CharField(max_length=60, blank=True)
    import_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    endorsements = models.PositiveIntegerField(default=0)
    objections = models.PositiveIntegerField(default=0)
    rating = models.CharField(max_length=20, choices=Rating.choices, blank=True)
    resolved = models.BooleanField("群众认为已解决", null=True, blank=True)
    rating_comment = models.TextField(blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        ordering = ["received_at", "id"]


class CaseEvent(models.Model):
    """Append-only history: who did what, when, and the fields before and after."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    actor_label = models.CharField(max_length=80, blank=True)
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    seal = models.CharField(max_length=64, null=True, editable=False)  # HMAC chain per case: ledger/seal.py

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "id"], name="caseevent_chain_idx")]  # audit verify's order

    def save(self, *args, **kwargs):
        if self.pk is not None or not self.seal:  # written sealed, once: ledger/seal.py `append`
            raise PermissionError("历史记录只可追加，不可修改" if self.pk else "历史记录须经 seal.append 封印后写入")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("历史记录只可追加，不可删除")


class Reply(NoDelete):
    class Kind(models.TextChoices):
        REPLY = "reply", _("答复")
        EXPLANATION = "explanation", _("解释说明")
        PROGRESS = "progress", _("进展告知")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="replies")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.REPLY)
    text = models.TextField()
    at = models.DateTimeField(default=timezone.now)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    author_label = models.CharField(max_length=80, blank=True)
    score = models.FloatField("答复质量评分", null=True, blank=True)  # a reply (答复) only; docs/replies.md
    override_reason = models.TextField("低于答复质量标准仍发送的理由", blank=True)

    class Meta:
        ordering = ["at", "id"]


class Extension(NoDelete):
    class State(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="extensions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()
    new_due = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)


def attachment_path(instance, filename):
    return f"attachments/{timezone.now():%Y/%m}/{instance.case.number}/{filename}"


class Attachment(NoDelete):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField(default=timezone.now)


class CaseCounter(models.Model):
    """Next case number per year; rows are locked while a number is taken."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class Rectification(NoDelete):
    """A root-cause item (整改项, 治本之策) with a timetable and a responsible leader; systemic cases
    link to it, and the monthly top problem (每月一题) becomes one."""

    class State(models.TextChoices):
        OPEN = "open", _("整改中")
        DONE = "done", _("已完成")

    title = models.CharField("整改事项", max_length=200)
    plan = models.TextField("整改措施与时间表", blank=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="rectifications", verbose_name="责任单位")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name="责任领导")
    due = models.DateField("完成时限")
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = verbose_name_plural = "整改项"

    def __str__(self):
        return self.title


class CoTask(NoDelete):
    """Co-handling (协办/吹哨报到): a unit called in on a case by the lead unit, with its own deadline."""

    class State(models.TextChoices):
        OPEN = "open", _("协办中")
        DONE = "done", _("已完成")
        EXPLAINED = "explained", _("已说明")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="cotasks")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="cotasks")
    unit_path = models.CharField(max_length=120, db_index=True)
    request = models.TextField("协办事项")
    due = models.DateTimeField("协办时限")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    answer = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]


class Approval(NoDelete):
    """A leader's vote in a collective approval (集体审批) of closing a case of a sensitive category."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="approvals")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agree = models.BooleanField()
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        unique_together = [("case", "leader")]
