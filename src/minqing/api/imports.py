"""Excel ledger imports and saved import mappings (dispatchers and admins)."""

from datetime import datetime
from typing import Any

from ninja import File, Form, Schema, Status
from ninja.files import UploadedFile

from ..errors import Forbidden, NotFound
from ..intake.excel import import_ledger, save_mapping
from ..org.models import Role
from .main import api

IMPORT_ROLES = {Role.DISPATCHER, Role.ADMIN}


class RejectedRow(Schema):
    row: int
    reason: str


class ImportOut(Schema):
    imported: int
    rejected: list[RejectedRow]
    skipped: int
    total: int
    notes: list[str] = []
    job: int | None = None  # GET /api/imports/{job}: the text work of the new cases, done by the worker
    text_pending: int = 0


class ImportJobOut(Schema):
    id: int
    source: str
    created_at: datetime
    total: int
    imported: int
    rejected: int
    skipped: int
    state: str  # indexing | done
    text_done: int
    text_total: int
    finished_at: datetime | None = None


class MappingIn(Schema):
    name: str
    columns: dict[str, str]
    date_format: str | None = None


def _check_role(user) -> None:
    if not getattr(user, "is_staff_member", False) or user.role not in IMPORT_ROLES:
        raise Forbidden("只有受理派单员或管理员可以导入台账")


@api.post("/imports", response=ImportOut, tags=["imports"],
          summary="导入 Excel 台账（.xlsx/.xls）：每行生成一件工单，已导入过的行跳过，有问题的行给出行号和原因")
def post_import(request, file: File[UploadedFile], mapping: Form[str | None] = None):
    _check_role(request.auth)
    return import_ledger(file, mapping=mapping or None, user=request.auth).as_dict()


@api.get("/imports/{job_id}", response=ImportJobOut, tags=["imports"],
         summary="一次导入的进度：导入的行数，以及后台进程完成文本处理（检索索引、关键词）的工单数")
def get_import(request, job_id: int):
    from ..intake.models import ImportJob

    user = request.auth
    _check_role(user)
    jobs = ImportJob.objects.all() if user.role == Role.ADMIN else ImportJob.objects.filter(user=user)
    job = jobs.filter(pk=job_id).first()
    if job is None:
        raise NotFound("没有这次导入")
    return job.as_dict()


@api.post("/import-mappings", response={201: dict[str, Any]}, tags=["imports"],
          summary="保存导入映射：{名称, columns: {Excel 表头: 字段名}}，字段名如 title、text、received_at、unit")
def post_mapping(request, payload: MappingIn):
    _check_role(request.auth)
    m = save_mapping(payload.name, payload.columns, payload.date_format or "")
    return Status(201, {"name": m.name, "columns": m.columns, "date_format": m.date_format or None})
