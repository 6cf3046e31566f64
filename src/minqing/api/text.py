"""Text understanding for dispatchers and integrators."""

from typing import Any

from ninja import Schema

from ..errors import Invalid
from ..intake.services import clean_text
from ..org.models import Unit
from ..workflow.suggest import public, suggest
from .main import STAFF_OR_TOKEN, api


class ClassifyIn(Schema):
    text: str
    title: str | None = None
    unit: str | None = None


@api.post("/text/classify", response=dict[str, Any], tags=["text"],
          summary="建议一级分类、承办单位（按派单规则）、置信度和前三个备选")
def post_classify(request, payload: ClassifyIn):
    text = clean_text(payload.text, "文本", "text", required=True)
    place = None
    if payload.unit:
        place = Unit.objects.filter(code=payload.unit).first()
        if place is None:
            raise Invalid(f"单位“{payload.unit}”不存在", field="unit")
    result = public(suggest(text, payload.title or "", place))
    if result["category"] is None:
        result["note"] = "分类模型尚未就绪（首次启动时由 minqing up 训练），暂只给出按地点的承办单位"
    return result


class AssessReplyIn(Schema):
    text: str
    reply: str
    title: str | None = None


@api.post("/text/assess_reply", auth=STAFF_OR_TOKEN, response=dict[str, Any], tags=["text"],
          summary="答复质量检查：相关度、完整性（未答复的诉求逐条列出）、依据（文件、事实、时限、措施）、"
                  "套话比例和总评分（均为 0..1），附理由；见 docs/replies.md")
def post_assess_reply(request, payload: AssessReplyIn):
    from ..ledger.reply_quality import assess_text, public

    text = clean_text(payload.text, "留言内容", "text", required=True)
    reply = clean_text(payload.reply, "答复内容", "reply", required=True)
    title = clean_text(payload.title, "标题", "title", required=False, limit=200, multiline=False) or None
    return public(assess_text(text, reply, title))
