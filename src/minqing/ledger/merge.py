"""Merging duplicate cases: one problem, many voices. The voices of the source case move to the
target; the source is closed as a duplicate with a pointer to the target. Every voice keeps its own
tracking code, so each citizen follows the merged case and gives their own rating."""

from django.db import transaction
from django.db.models import F

from .. import clock
from ..errors import Forbidden, Invalid
from .actions import record
from .lifecycle import CENTRE
from .models import Status, Voice
from .permissions import access_case


@transaction.atomic
def merge(user, target_number: str, source_number: str):
    if user.role not in CENTRE:
        raise Forbidden("只有受理派单员或领导可以合并重复诉求")
    if not source_number or source_number == target_number:
        raise Invalid("请选择另一件要合并的工单", field="source")
    target = access_case(user, target_number, for_update=True)
    source = access_case(user, source_number, for_update=True)
    for case in (target, source):
        if case.status == Status.CLOSED:
            raise Invalid(f"工单 {case.number} 已办结，不能合并", field="source")
    moved = Voice.objects.filter(case=source).update(case=target)
    type(target).objects.filter(pk=target.pk).update(
        voices_count=F("voices_count") + source.voices_count,
        endorsements=F("endorsements") + source.endorsements, updated_at=clock.now())
    target.refresh_from_db()
    before = source.status
    source.status, source.close_reason, source.closed_at = Status.CLOSED, "duplicate", clock.now()
    source.voices_count, source.updated_at = 0, clock.now()
    source.save()
    record(source, "merged_into", user, before, f"合并到 {target.number}", {"target": target.number, "voices": moved})
    record(target, "merge", user, target.status, f"并入 {source.number}（{moved} 条诉求）",
           {"source": source.number, "voices": moved})
    return target
