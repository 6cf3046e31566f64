"""Reminders, escalation up the tree, the notification outbox and the scheduler: each idempotent."""

import datetime as dt

import pytest

from minqing import clock
from minqing.ledger.actions import perform
from minqing.ledger.models import Case
from minqing.worker import scheduler
from minqing.workflow import escalation, notify
from minqing.workflow.models import Notification

PHONE = "13700001111"


@pytest.fixture
def dispatched(make_case, county):
    case = make_case("VA", submitter={"mode": "protected", "name": "周敏", "phone": PHONE})
    perform(county["disp"], case.number, "dispatch", {"unit": "VA"})
    return Case.objects.get(pk=case.pk)


def test_missed_contact_then_resolution_escalate_one_level_each_and_only_once(dispatched, county):
    after_contact = dispatched.contact_due + dt.timedelta(hours=1)
    assert escalation.scan(after_contact)["escalated"] == 1
    assert escalation.scan(after_contact)["escalated"] == 0  # a second pass changes nothing
    case = Case.objects.get(pk=dispatched.pk)
    assert case.escalation_level == 1 and case.escalated_to.code == "T1"
    assert Notification.objects.filter(kind="escalate", user=county["t_leader"]).count() == 1
    assert Notification.objects.filter(kind="escalate", user=county["ha"]).count() == 1
    after_resolve = dispatched.resolve_due + dt.timedelta(hours=1)
    assert escalation.scan(after_resolve)["escalated"] == 1
    case.refresh_from_db()
    assert case.escalation_level == 2 and case.escalated_to.code == "C"
    assert [e.action for e in case.events.all()].count("escalate") == 2


def test_second_return_escalates_once_with_an_event_and_a_notice_to_the_leaders_above(make_case, county):
    case = make_case("VA")
    for note in ("不属于本村职责", "仍不属于本村职责"):
        perform(county["disp"], case.number, "dispatch", {"unit": "VA"})
        assert not case.events.filter(action="escalate").exists()  # a first return raises nothing
        perform(county["ha"], case.number, "return", {"note": note})
    case.refresh_from_db()
    assert case.return_count == 2 and case.escalation_level == 1 and case.escalated_to.code == "T1"
    actions = list(case.events.values_list("action", flat=True))
    assert actions[-2:] == ["return", "escalate"] and actions.count("escalate") == 1  # after the return's own
    event = case.events.get(action="escalate")
    assert event.data["escalation_level"] == {"before": 0, "after": 1}
    assert event.data["escalated_to"] == {"before": None, "after": "T1", "why": "多次退单"}
    assert event.actor_label == "系统" and event.from_status == event.to_status == "returned"
    notices = Notification.objects.filter(kind="escalate", case=case)
    assert [n.user for n in notices] == [county["t_leader"]]  # the leaders above; not the returning handlers
    assert "多次退单" in notices[0].text and "甲村" in notices[0].text
    # The deadline scan still raises it further when the resolution deadline passes, once.
    late = case.resolve_due + dt.timedelta(hours=1)
    assert escalation.scan(late)["escalated"] == 1 and escalation.scan(late)["escalated"] == 0
    case.refresh_from_db()
    assert case.escalation_level == 2 and case.escalated_to.code == "C"
    assert case.events.filter(action="escalate").count() == 2
    assert Notification.objects.filter(kind="escalate", case=case, user=county["leader"]).count() == 1


def test_escalations_in_bulk_are_the_same_as_one_by_one(make_case, county, dispatched):
    """The pass raises its cases in batches: a batch of one and a batch of many write the same."""
    others = [make_case("VB") for _ in range(4)]
    for c in others:
        perform(county["disp"], c.number, "dispatch", {"unit": "VB"})
    perform(county["hb"], others[0].number, "reply", {"text": "已处理完毕，谢谢。"})  # answered: not raised
    late = dispatched.resolve_due + dt.timedelta(days=30)
    assert len(escalation.due_ids(late)) == escalation.due_escalations(late).count() == 4
    assert escalation.escalate_many(escalation.due_ids(late), late, batch=2) == 4
    assert escalation.due_ids(late) == [] and escalation.scan(late)["escalated"] == 0
    for c in [dispatched] + others[1:]:
        c.refresh_from_db()
        assert c.escalation_level == 2 and c.escalated_to.code == "C"
        event = c.events.get(action="escalate")
        assert event.data == {"escalation_level": {"before": 0, "after": 2},
                              "escalated_to": {"before": None, "after": "C"}}
        assert event.note == "办理超时，提级至测试县督办"
        keys = sorted(Notification.objects.filter(case=c, kind="escalate").values_list("key", flat=True))
        handler = county["ha"] if c == dispatched else county["hb"]
        assert keys == [f"escalate-base:{c.id}:2:{handler.id}", f"escalate:{c.id}:2:{county['leader'].id}"]
    assert not others[0].events.filter(action="escalate").exists()


def test_two_workers_escalate_once(dispatched, county):
    """A case raised by another worker between the query and the batch's lock is left alone."""
    late = dispatched.resolve_due + dt.timedelta(hours=1)
    ids = escalation.due_ids(late)
    assert escalation.escalate_many(ids, late) == 1
    assert escalation.escalate_many(ids, late) == 0  # the second worker had read the same ids
    assert dispatched.events.filter(action="escalate").count() == 1
    assert Notification.objects.filter(kind="escalate", case=dispatched).count() == 2


def test_a_case_raised_meanwhile_is_skipped_and_the_rest_of_its_batch_done(make_case, county, dispatched,
                                                                           monkeypatch):
    """Should a row change between the batch's lock and its UPDATE (it cannot, under the lock), the
    conditional UPDATE counts fewer rows: the batch is rolled back and redone case by case."""
    other = make_case("VA")
    perform(county["disp"], other.number, "dispatch", {"unit": "VA"})
    late = dispatched.resolve_due + dt.timedelta(days=30)
    real = escalation.for_deadline

    def meanwhile(case, level, units):  # another worker raises `dispatched` just before our UPDATE
        if case.id == dispatched.id:
            Case.objects.filter(pk=case.id).update(escalation_level=2)
        return real(case, level, units)

    monkeypatch.setattr(escalation, "for_deadline", meanwhile)
    assert escalation.escalate_many(escalation.due_ids(late), late) == 1
    assert not dispatched.events.filter(action="escalate").exists()
    assert other.events.filter(action="escalate").count() == 1
    assert not Notification.objects.filter(kind="escalate", case=dispatched).exists()


def test_contact_in_time_means_no_escalation(dispatched, county):
    perform(county["ha"], dispatched.number, "contact", {"note": "已电话联系"})
    assert escalation.scan(dispatched.contact_due + dt.timedelta(hours=1))["escalated"] == 0


def test_reminder_before_the_deadline_once(dispatched, county):
    before = dispatched.resolve_due - dt.timedelta(hours=3)
    assert escalation.scan(before)["reminders"] == 1  # one handler in village A
    assert escalation.scan(before)["reminders"] == 0


def test_citizen_is_told_on_dispatch_reply_and_closure_but_never_when_anonymous(dispatched, county, make_case):
    perform(county["ha"], dispatched.number, "reply", {"text": "已安排维修。"})
    perform(county["disp"], dispatched.number, "follow_up", {"rating": "satisfied"})
    perform(county["disp"], dispatched.number, "close", {})
    sms = Notification.objects.filter(channel="sms", address=PHONE)
    assert sorted(sms.values_list("kind", flat=True)) == ["close", "dispatch", "reply"]
    assert "查询码" in sms.get(kind="reply").text
    anon = make_case("VA")
    perform(county["disp"], anon.number, "dispatch", {"unit": "VA"})
    assert not Notification.objects.filter(case=anon, channel="sms").exists()


def test_rolled_back_change_tells_no_one(dispatched, county):
    from minqing.errors import Invalid

    with pytest.raises(Invalid):
        perform(county["ha"], dispatched.number, "reply", {"text": ""})
    assert not Notification.objects.filter(kind="reply").exists()


class FlakyGateway:
    calls: list = []
    fail_on: int | None = None

    def send(self, number, text):
        FlakyGateway.calls.append(text)
        if len(FlakyGateway.calls) == FlakyGateway.fail_on:
            raise ConnectionError("gateway down")


def test_worker_killed_mid_run_loses_nothing_and_sends_nothing_twice(dispatched, county, settings):
    settings.MINQING_SMS_BACKEND = "tests.test_escalation.FlakyGateway"
    perform(county["ha"], dispatched.number, "reply", {"text": "已安排维修。"})
    pending = Notification.objects.filter(state="pending", channel="sms").count()
    assert pending == 2  # dispatch and reply
    FlakyGateway.calls, FlakyGateway.fail_on = [], 2
    notify.deliver_pending()  # the second send fails like a crash in the middle
    assert Notification.objects.filter(state="sent").count() == 1
    FlakyGateway.fail_on = None
    notify.deliver_pending()  # the restarted worker
    notify.deliver_pending()  # and once more: nothing left
    texts = [n.text for n in Notification.objects.filter(channel="sms")]
    assert Notification.objects.filter(state="sent", channel="sms").count() == 2
    assert sorted(set(FlakyGateway.calls)) == sorted(texts)
    assert len([c for c in FlakyGateway.calls if c == texts[0]]) == 1


def test_scheduler_enqueues_each_job_once_per_period(db):
    now = clock.now()
    assert scheduler.claim("deadline_scan", 300, now)
    assert not scheduler.claim("deadline_scan", 300, now + dt.timedelta(seconds=10))
    assert scheduler.claim("deadline_scan", 300, now + dt.timedelta(seconds=301))


def test_scheduled_tasks_run_through_the_task_queue(dispatched, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    from minqing.worker import tasks

    result = tasks.deadline_scan.enqueue()
    assert result.return_value == {"reminders": 0, "escalated": 0} or "escalated" in result.return_value


def test_escalation_shows_in_lists_notices_page_and_api(dispatched, county, client, api):
    escalation.scan(dispatched.resolve_due + dt.timedelta(hours=1))  # both deadlines missed: to the county
    client.force_login(county["leader"])
    assert '<span class="count">1</span>' in client.get("/cases/").content.decode()
    page = client.get("/notices/").content.decode()
    assert "督办" in page and dispatched.number in page
    assert '<span class="count">' not in client.get("/cases/").content.decode()  # read now
    listed = client.get("/cases/").content.decode()
    assert "督办·测试县" in listed
    status, body = api("ha")("GET", "/api/notifications")
    assert status == 200 and body[0]["kind"] == "escalate" and body[0]["case"] == dispatched.number


def test_queued_tasks_under_the_old_module_path_are_renamed_for_the_new_worker(db):
    """Data migration workflow 0004: the task list moved from minqing.workflow.tasks to minqing.worker.tasks;
    a task still waiting under the old path would no longer import, so it is renamed. Done rows keep theirs."""
    import importlib

    from django.apps import apps
    from django_tasks_db.models import DBTaskResult

    from minqing.worker import tasks

    waiting = tasks.deadline_scan.enqueue()
    done = tasks.deliver_notifications.enqueue()
    DBTaskResult.objects.filter(id=waiting.id).update(task_path="minqing.workflow.tasks.deadline_scan")
    DBTaskResult.objects.filter(id=done.id).update(task_path="minqing.workflow.tasks.deliver_notifications",
                                                   status="SUCCESSFUL")
    migration = importlib.import_module("minqing.workflow.migrations.0004_worker_task_paths")
    migration.rename(apps, None)
    assert DBTaskResult.objects.get(id=waiting.id).task_path == "minqing.worker.tasks.deadline_scan"
    assert DBTaskResult.objects.get(id=waiting.id).task.func is tasks.deadline_scan.func
    assert DBTaskResult.objects.get(id=done.id).task_path == "minqing.workflow.tasks.deliver_notifications"
