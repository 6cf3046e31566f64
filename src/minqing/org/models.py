"""Units (the four-level tree plus departments), users and their roles, API tokens.

A unit's `path` is the chain of its ancestors' ids, each zero-padded to PATH_WIDTH digits, e.g.
"000001000004000017". A subtree is then a range of strings that any B-tree index serves on both
SQLite and PostgreSQL, whatever the database collation (digit-only strings order the same
everywhere). See org/scope.py.
"""

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PATH_WIDTH = 6


class Level(models.TextChoices):
    COUNTY = "county", _("县")
    TOWNSHIP = "township", _("乡镇/街道")
    VILLAGE = "village", _("村/社区")
    GRID = "grid", _("网格/组")
    DEPARTMENT = "department", _("职能部门")


# Which level may sit under which: the four-level tree, departments under county or township.
ALLOWED_PARENT = {
    Level.COUNTY: {None},
    Level.TOWNSHIP: {Level.COUNTY},
    Level.VILLAGE: {Level.TOWNSHIP},
    Level.GRID: {Level.VILLAGE},
    Level.DEPARTMENT: {Level.COUNTY, Level.TOWNSHIP},
}


class Unit(models.Model):
    code = models.CharField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100)
    level = models.CharField("层级", max_length=12, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=120, db_index=True, editable=False, default="")
    phone = models.CharField("公开联系电话", max_length=40, blank=True)
    active = models.BooleanField(default=True)
    # The unit's centre (WGS-84), optional: where the map draws the unit and its cases without a point of
    # their own, and where a plain map without tiles writes the unit's name (docs/map.md).
    lat = models.FloatField("中心纬度", null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)])
    lng = models.FloatField("中心经度", null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)])

    class Meta:
        ordering = ["path"]
        verbose_name = verbose_name_plural = "单位"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # The path needs our own id, so a new unit is inserted first and then given its path.
        if self.pk is None:
            super().save(*args, **kwargs)
            args, kwargs = (), {}
        self.path = (self.parent.path if self.parent_id else "") + str(self.pk).zfill(PATH_WIDTH)
        super().save(*args, **kwargs)

    @property
    def depth(self) -> int:
        return len(self.path) // PATH_WIDTH

    def ancestors(self):
        """Ancestors from the root down, self excluded."""
        ids = [int(self.path[i : i + PATH_WIDTH]) for i in range(0, len(self.path) - PATH_WIDTH, PATH_WIDTH)]
        by_id = {u.id: u for u in Unit.objects.filter(id__in=ids)}
        return [by_id[i] for i in ids if i in by_id]

    def is_within(self, other: "Unit") -> bool:
        """True if self is other or lies in other's subtree."""
        return self.path.startswith(other.path)


class Role(models.TextChoices):
    CITIZEN = "citizen", _("群众")
    GRID = "grid", _("网格员/村干部")
    DISPATCHER = "dispatcher", _("受理派单员")
    HANDLER = "handler", _("承办人")
    LEADER = "leader", _("领导")
    ADMIN = "admin", _("管理员")


STAFF_ROLES = {Role.GRID, Role.DISPATCHER, Role.HANDLER, Role.LEADER, Role.ADMIN}


class User(AbstractUser):
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    role = models.CharField("角色", max_length=12, choices=Role.choices, default=Role.CITIZEN)
    display_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("电话", max_length=30, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    @property
    def is_staff_member(self) -> bool:
        return self.is_active and self.role in STAFF_ROLES and self.unit_id is not None

    def label(self) -> str:
        return self.display_name or self.username


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored, so a leaked database leaks no token."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, user) -> str:
        raw = secrets.token_urlsafe(32)
        cls.objects.create(user=user, digest=cls.digest_of(raw))
        return raw


class SharedVersion(models.Model):
    """The current version of something each process keeps in memory (the category model, the unit names
    the segmenter knows): bumped by whoever changes it, read by every process of every node at most every
    few seconds (org/versions.py), so that a change made through one node reaches all of them."""

    name = models.CharField(max_length=40, primary_key=True)
    number = models.PositiveBigIntegerField(default=0)
    value = models.CharField(max_length=300, blank=True)  # e.g. the storage name of the current model
    changed_at = models.DateTimeField(default=timezone.now)


class LexiconWord(models.Model):
    """A word of the county's own lexicon (org/lexicon.py): a unit's name, a word discovered in the ledger's
    text (text/newwords.py) or one an administrator added. Active words are fed to the segmenter (and so to
    keywords, search and similarity); a place among them is found whole in a text's places. A rejected word
    stays rejected: the refresh never brings it back."""

    class Source(models.TextChoices):
        UNIT = "unit", _("单位名称")
        DISCOVERED = "discovered", _("自动发现")
        ADMIN = "admin", _("管理员添加")

    class Status(models.TextChoices):
        ACTIVE = "active", _("启用")
        REJECTED = "rejected", _("不用")

    word = models.CharField("词", max_length=40, unique=True)
    source = models.CharField("来源", max_length=12, choices=Source.choices, default=Source.ADMIN)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    place = models.BooleanField("地名", default=False)
    count = models.PositiveIntegerField("出现次数", default=0)
    score = models.FloatField("得分", default=0)
    reviewed = models.BooleanField("已人工审核", default=False)
    indexed = models.BooleanField("已重建索引", default=False)  # cases holding it re-segmented (ledger/search.py)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-score", "word"]
        verbose_name = verbose_name_plural = "词库"
        indexes = [models.Index(fields=["status", "indexed"], name="org_lexicon_status_idx")]

    def __str__(self):
        return self.word
