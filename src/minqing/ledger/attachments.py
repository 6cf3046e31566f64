"""Attachments on a case: size and type limits checked on the bytes, not only on the name."""

import logging

from django.db import transaction

from ..errors import Invalid, TooLarge
from ..sanitize import clean
from .actions import record
from .models import Attachment
from .permissions import access_case

log = logging.getLogger(__name__)
MAX_BYTES = 10 * 1024 * 1024
# extension -> (content type, leading bytes that a real file of that type starts with)
ALLOWED = {
    "jpg": ("image/jpeg", [b"\xff\xd8\xff"]),
    "jpeg": ("image/jpeg", [b"\xff\xd8\xff"]),
    "png": ("image/png", [b"\x89PNG\r\n\x1a\n"]),
    "pdf": ("application/pdf", [b"%PDF-"]),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", [b"PK\x03\x04"]),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", [b"PK\x03\x04"]),
    "mp3": ("audio/mpeg", [b"ID3", b"\xff\xfb", b"\xff\xf3"]),
    "m4a": ("audio/mp4", []),
}


def check_file(name: str, head: bytes, size: int) -> str:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED:
        raise Invalid(f"不支持的附件类型“.{ext}”，允许：{'、'.join(sorted(ALLOWED))}", field="file", code="file_type")
    if size > MAX_BYTES:
        raise TooLarge(f"附件过大：{size // 1024 // 1024} MB，最大 10 MB", field="file", code="file_too_large")
    content_type, magics = ALLOWED[ext]
    if magics and not any(head.startswith(m) for m in magics):
        raise Invalid(f"文件内容与扩展名“.{ext}”不符", field="file", code="file_type")
    return content_type


@transaction.atomic
def add_attachment(user, number: str, upload) -> Attachment:
    case = access_case(user, number, for_update=True)
    if not user.is_staff_member:
        raise Invalid("只有工作人员可以添加附件")
    head = upload.read(16)
    upload.seek(0)
    # the name as shown: no bidi override ("照片\u202egpj.exe" reads as "照片exe.jpg"), no control characters
    name = clean(upload.name or "", multiline=False).strip()[:200] or "附件"
    content_type = check_file(name, head, upload.size)
    att = Attachment.objects.create(case=case, file=upload, name=name, size=upload.size,
                                    content_type=content_type, uploaded_by=user)
    record(case, "attach", user, case.status, name, {"attachment": att.id, "size": upload.size})
    return att


def open_attachment(user, number: str, attachment_id: int) -> Attachment:
    """An attachment of a case the user may see (the scope gate applies to files too)."""
    from ..errors import NotFound

    case = access_case(user, number)
    att = case.attachments.filter(pk=attachment_id).first()
    if att is None:
        raise NotFound("附件不存在")
    if not att.file.storage.exists(att.file.name):
        # the row is shared, the file must be too (MINQING_MEDIA_ROOT / MINQING_STORAGE_URL on every node):
        # a clear 404 and a log line for the operator, never a 500
        log.error("attachment %s of %s: file %s missing from the storage", att.id, number, att.file.name)
        raise NotFound("附件文件不在文件存储中：请联系管理员检查各节点的共享存储设置（MINQING_MEDIA_ROOT）")
    return att
