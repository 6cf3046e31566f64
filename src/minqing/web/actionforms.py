"""The fields each lifecycle action asks for on the case page. Rules stay in ledger/actions/;
this only says which inputs to draw."""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..ledger.actions import CLOSE_REASONS, may_dispatch_to
from ..ledger.models import Category, Rating, Reply, Track, Urgency
from ..org.models import Unit, User

FIELDS = {
    "triage": ["category", "urgency", "track", "plan_date", "explanation", "rectification", "rectification_title",
               "leader", "due"],
    "dispatch": ["unit", "note"],
    "handle": [],
    "assign": ["handler"],
    "contact": ["note"],
    "return": ["note"],
    "wait": ["note"],
    "resume": [],
    "progress": ["progress_kind", "text"],
    "reply": ["text", "override_reason"],
    "request_extension": ["new_due", "reason"],
    "approve_extension": [],
    "reject_extension": ["note"],
    "follow_up": ["rating", "resolved", "note"],
    "close": [],
    "dismiss": ["reason", "note"],
    "reopen": ["note"],
    "note": ["note"],
    "cohandle": ["unit", "due", "note"],
    "cotask_done": ["cotask_state", "note"],
    "approve_close": ["agree", "note"],
}
LABELS = {"note": _("说明"), "text": _("内容"), "reason": _("理由"), "new_due": _("新的办结时限"), "unit": _("单位"),
          "handler": _("承办人"), "rating": _("群众评价"), "category": _("分类"), "urgency": _("紧急程度"), "track": _("办理类型"),
          "progress_kind": _("类型"), "resolved": _("群众认为问题是否解决"),
          "plan_date": _("计划解决日期（创造条件办）"), "explanation": _("给群众的解释说明（创造条件办）"),
          "rectification": _("并入整改项（系统治理）"), "rectification_title": _("或新建整改项：事项"),
          "leader": _("新整改项的责任领导"), "due": _("时限"), "cotask_state": _("协办结果"), "agree": _("表决"),
          "override_reason": _("低于答复质量标准仍发送的理由（评分达标时不必填写）")}


def field_specs(action: str, user, case) -> list[dict]:
    specs = []
    for name in FIELDS.get(action, []):
        spec = {"name": name, "label": LABELS[name], "type": "select"}
        if name == "unit":
            units = Unit.objects.filter(active=True).exclude(level="grid").order_by("path")
            allowed = (lambda u: u.id != case.assigned_unit_id) if action == "cohandle" else \
                (lambda u: may_dispatch_to(user, u))
            spec["choices"] = [("", _("（请选择单位）"))] + [(u.code, ("　" * (u.depth - 1)) + u.name)
                                                    for u in units if allowed(u)]
            if action == "dispatch" and case.suggested_unit_id:  # the suggestion, never the first unit listed
                spec["value"] = case.suggested_unit.code
        elif name == "handler":
            staff = User.objects.filter(unit=case.assigned_unit, is_active=True) if case.assigned_unit_id else []
            spec["choices"] = [(u.username, u.label()) for u in staff]
        elif name == "rating":
            spec["choices"] = Rating.choices
        elif name == "resolved":
            spec["choices"] = [("", _("（未问）")), ("true", _("已解决")), ("false", _("未解决"))]
        elif name == "category":
            from ..workflow.suggest import deeper

            hints = [(d["category"], format_lazy(_("建议：{}"), d["category"])) for d in deeper(case.text_norm, case.suggested_category)]
            spec["choices"] = [("", _("（不变）"))] + hints + [(c.path, c.path) for c in Category.objects.filter(level__lte=2)]
        elif name == "urgency":
            spec["choices"] = [("", _("（不变）"))] + list(Urgency.choices)
        elif name == "track":
            spec["choices"] = [("", _("（不变）"))] + list(Track.choices)
        elif name == "reason" and action == "dismiss":
            spec["choices"] = [("", _("（请选择理由）"))] + list(CLOSE_REASONS.items())  # required: chosen, not preselected
        elif name == "progress_kind":
            spec["name"] = "kind"
            spec["choices"] = [(Reply.Kind.PROGRESS, _("进展告知")), (Reply.Kind.EXPLANATION, _("解释说明（暂不具备条件）"))]
        elif name in ("new_due", "plan_date", "due"):
            spec["type"] = "date"
        elif name == "explanation":
            spec["name"], spec["type"] = "text", "textarea"
        elif name == "rectification":
            from ..ledger.models import Rectification

            spec["choices"] = [("", _("（不并入）"))] + [(r.id, r.title) for r in Rectification.objects.filter(state="open")]
        elif name == "leader":
            spec["choices"] = [("", _("（选择领导）"))] + [(u.username, f"{u.label()}（{u.unit.name}）")
                                                   for u in User.objects.filter(role="leader", is_active=True)
                                                   .select_related("unit")]
        elif name == "cotask_state":
            spec["name"] = "state"
            spec["choices"] = [("done", _("已完成")), ("explained", _("无法办理，已说明"))]
        elif name == "agree":
            spec["choices"] = [("", _("（请表决）")), ("true", _("同意办结")), ("false", _("不同意"))]  # never agree by default
        else:
            spec["type"] = "textarea" if name in ("note", "text", "reason", "rectification_title") else "text"
            if name == "text" and action == "reply":
                spec["rows"] = 8
        specs.append(spec)
    return specs
