"""Text understanding for dispatchers and integrators."""

from typing import Any

from ninja import Schema

from ..errors import Invalid
from ..intake.services import clean_text
from ..org.models import Unit
from ..workflow.suggest import public, suggest
from .main import api


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
