"""The one state machine of a case.

    accepted 受理 → dispatched 派单 → handling 承办 → replied 答复 → followed_up 回访 → closed 办结
    side paths: returned 退单 (reason), waiting 等待群众 (clock paused), reopened 重新办理
    (unsatisfied rating or a leader's decision); extensions 延期 are requested and decided without
    changing the status.

Each action names the statuses it may start from, the status it leads to (None: unchanged) and
the roles that may take it. Which *case* a user may touch is decided in permissions.py; what an
action does is in actions/. Nothing else changes a case's status.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from ..errors import IllegalTransition
from ..org.models import Role
from .models import Status as S

STAFF = frozenset({Role.GRID, Role.DISPATCHER, Role.HANDLER, Role.LEADER, Role.ADMIN})
WORKERS = frozenset({Role.GRID, Role.HANDLER, Role.ADMIN})
CENTRE = frozenset({Role.DISPATCHER, Role.LEADER, Role.ADMIN})
OPEN = frozenset(s for s in S.values if s != S.CLOSED)
IN_HAND = frozenset({S.DISPATCHED, S.HANDLING, S.WAITING, S.REOPENED})


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: frozenset
    target: str | None
    roles: frozenset
    # "assigned": the case must be assigned to the user's subtree; "above": the user's unit must be
    # strictly above the assigned unit (extension decisions); "cotask": the user's unit has an open
    # co-handling task on the case; "scope": visible is enough.
    reach: str = "scope"


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action("triage", _("分类定级"), OPEN - {S.REPLIED, S.FOLLOWED_UP}, None, CENTRE | WORKERS),
        Action("dispatch", _("派单"), frozenset({S.ACCEPTED, S.RETURNED}), S.DISPATCHED, CENTRE | {Role.GRID}),
        Action("handle", _("签收承办"), frozenset({S.DISPATCHED, S.REOPENED}), S.HANDLING, WORKERS, "assigned"),
        Action("assign", _("指定承办人"), IN_HAND, None, WORKERS | {Role.LEADER}, "assigned"),
        Action("contact", _("联系群众"), IN_HAND, None, WORKERS, "assigned"),
        Action("return", _("退单"), frozenset({S.DISPATCHED, S.HANDLING}), S.RETURNED, WORKERS, "assigned"),
        Action("wait", _("等待群众(停表)"), frozenset({S.HANDLING}), S.WAITING, WORKERS, "assigned"),
        Action("resume", _("恢复办理"), frozenset({S.WAITING}), S.HANDLING, WORKERS, "assigned"),
        Action("progress", _("告知进展"), IN_HAND, None, WORKERS, "assigned"),
        Action("reply", _("答复"), frozenset({S.DISPATCHED, S.HANDLING, S.REOPENED}), S.REPLIED, WORKERS, "assigned"),
        Action("request_extension", _("申请延期"), IN_HAND, None, WORKERS, "assigned"),
        Action("approve_extension", _("批准延期"), IN_HAND, None, CENTRE, "above"),
        Action("reject_extension", _("驳回延期"), IN_HAND, None, CENTRE, "above"),
        Action("follow_up", _("回访"), frozenset({S.REPLIED}), S.FOLLOWED_UP, CENTRE),
        Action("close", _("办结"), frozenset({S.REPLIED, S.FOLLOWED_UP}), S.CLOSED, CENTRE),
        Action("dismiss", _("撤回/无效办结"), OPEN, S.CLOSED, CENTRE),
        Action("reopen", _("重新办理"), frozenset({S.REPLIED, S.FOLLOWED_UP, S.CLOSED}), S.REOPENED, CENTRE),
        Action("cohandle", _("吹哨：请求协办"), IN_HAND, None, WORKERS | CENTRE, "assigned"),
        Action("cotask_done", _("完成协办"), OPEN, None, WORKERS, "cotask"),
        Action("approve_close", _("集体审批"), frozenset({S.REPLIED, S.FOLLOWED_UP}), None, frozenset({Role.LEADER})),
        Action("note", _("内部备注"), frozenset(S.values), None, STAFF),
    ]
}

# A citizen's rating through the tracking code: allowed once the case has a reply.
RATEABLE = frozenset({S.REPLIED, S.FOLLOWED_UP, S.CLOSED})


def get_action(name: str) -> Action:
    try:
        return ACTIONS[name]
    except KeyError:
        raise IllegalTransition(f"未知操作“{name}”", field="action", code="unknown_action") from None


def check_transition(action: Action, status: str) -> None:
    if status not in action.sources:
        raise IllegalTransition(f"工单当前状态为“{S(status).label}”，不能执行“{action.label}”")


def status_after_rating(status: str, rating: str) -> str:
    """An unsatisfied rating reopens the case; otherwise a replied case counts as followed up."""
    if rating == "unsatisfied":
        return S.REOPENED
    return S.FOLLOWED_UP if status == S.REPLIED else status

# Labels of every event that can appear in a case's history (actions plus intake and citizen events).
EVENT_LABELS = {name: a.label for name, a in ACTIONS.items()} | {
    "accept": _("受理"), "rate": _("群众评价"), "merge": _("合并重复诉求"), "merged_into": _("并入他件"),
    "attach": _("上传附件"), "reveal_contact": _("查看联系方式"), "escalate": _("提级督办"),
}
