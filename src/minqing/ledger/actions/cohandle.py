"""Co-handling (协办 / 吹哨报到): the lead unit calls in another unit with a task and a deadline on
the same case; the called unit answers its task. Who may see and answer is the scope gate's
(ledger/permissions.py: a unit called in sees the case)."""

from ... import clock
from ...errors import Invalid
from ..deadlines import calendar_from_db
from ..models import CoTask
from .common import date, iso, text_field, unit_of


def do_cohandle(case, user, f):
    """吹哨报到: the lead unit calls in another unit with a task and a deadline on the same case."""
    unit = unit_of(f.get("unit"))
    if case.assigned_unit_id and unit.id == case.assigned_unit_id:
        raise Invalid("不能请求本单位协办", field="unit")
    if case.cotasks.filter(unit=unit, state=CoTask.State.OPEN).exists():
        raise Invalid(f"已请{unit.name}协办，尚未完成", field="unit")
    request = text_field(f, "note", "协办事项", minimum=4)
    due = date(f.get("new_due") or f.get("due"), "due") if (f.get("new_due") or f.get("due")) else \
        calendar_from_db().add_working_days(clock.now(), 3)
    task = CoTask.objects.create(case=case, unit=unit, unit_path=unit.path, request=request, due=due,
                                 created_by=user, created_at=clock.now())
    return {"cotask": task.id, "unit": unit.code, "due": iso(due)}


def do_cotask_done(case, user, f):
    answer = text_field(f, "note", "协办情况", minimum=4)
    state = f.get("state") or CoTask.State.DONE
    if state not in (CoTask.State.DONE, CoTask.State.EXPLAINED):
        raise Invalid("协办结果应为 done（已完成）或 explained（说明无法办理）", field="state")
    task = next(t for t in case.cotasks.filter(state=CoTask.State.OPEN) if t.unit_path.startswith(user.unit.path)) \
        if user.unit_id else case.cotasks.filter(state=CoTask.State.OPEN).first()
    task.state, task.answer, task.done_at = state, answer, clock.now()
    task.save()
    return {"cotask": task.id, "state": state}
