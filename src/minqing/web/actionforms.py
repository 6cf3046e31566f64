"""The fields each lifecycle action asks for on the case page. Rules stay in ledger/actions.py;
this only says which inputs to draw."""

from ..ledger.actions import CLOSE_REASONS, may_dispatch_to
from ..ledger.models import Category, Rating, Reply, Track, Urgency
from ..org.models import Unit, User

FIELDS = {
    "triage": ["category", "urgency", "track"],
    "dispatch": ["unit", "note"],
    "handle": [],
    "assign": ["handler"],
    "contact": ["note"],
    "return": ["note"],
    "wait": ["note"],
    "resume": [],
    "progress": ["progress_kind", "text"],
    "reply": ["text"],
    "request_extension": ["new_due", "reason"],
    "approve_extension": [],
    "reject_extension": ["note"],
    "follow_up": ["rating", "resolved", "note"],
    "close": [],
    "dismiss": ["reason", "note"],
    "reopen": ["note"],
    "note": ["note"],
}
LABELS = {"note": "说明", "text": "内容", "reason": "理由", "new_due": "新的办结时限", "unit": "派往单位",
          "handler": "承办人", "rating": "群众评价", "category": "分类", "urgency": "紧急程度", "track": "办理类型",
          "progress_kind": "类型", "resolved": "群众认为问题是否解决"}


def field_specs(action: str, user, case) -> list[dict]:
    specs = []
    for name in FIELDS.get(action, []):
        spec = {"name": name, "label": LABELS[name], "type": "textarea" if name in ("note", "text") else "select"}
        if name == "unit":
            units = Unit.objects.filter(active=True).exclude(level="grid").order_by("path")
            spec["choices"] = [(u.code, ("　" * (u.depth - 1)) + u.name) for u in units if may_dispatch_to(user, u)]
        elif name == "handler":
            staff = User.objects.filter(unit=case.assigned_unit, is_active=True) if case.assigned_unit_id else []
            spec["choices"] = [(u.username, u.label()) for u in staff]
        elif name == "rating":
            spec["choices"] = Rating.choices
        elif name == "resolved":
            spec["choices"] = [("", "（未问）"), ("true", "已解决"), ("false", "未解决")]
        elif name == "category":
            spec["choices"] = [("", "（不变）")] + [(c.path, c.path) for c in Category.objects.filter(level__lte=2)]
        elif name == "urgency":
            spec["choices"] = [("", "（不变）")] + list(Urgency.choices)
        elif name == "track":
            spec["choices"] = [("", "（不变）")] + list(Track.choices)
        elif name == "reason" and action == "dismiss":
            spec["choices"] = list(CLOSE_REASONS.items())
        elif name == "progress_kind":
            spec["name"] = "kind"
            spec["choices"] = [(Reply.Kind.PROGRESS, "进展告知"), (Reply.Kind.EXPLANATION, "解释说明（暂不具备条件）")]
        elif name == "new_due":
            spec["type"] = "date"
        else:
            spec["type"] = "textarea" if name in ("note", "text", "reason") else "text"
        specs.append(spec)
    return specs
