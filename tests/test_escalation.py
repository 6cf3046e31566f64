"""Reminders, escalation up the tree, the notification outbox and the scheduler: each idempotent."""

import datetime as dt

import pytest

from minqing import clock
from minqing.ledger.actions import perform
from minqing.ledger.models import Case
from minqing.workflow import escalation, notify, scheduler
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
    from minqing.workflow import tasks

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
