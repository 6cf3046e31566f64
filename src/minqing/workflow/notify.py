"""Notifications through an outbox (SPEC C14, issue 5).

`queue(...)` writes a Notification row inside the caller's transaction (so a rolled-back change
tells no one) with a unique key (so nothing is said twice); `deliver_pending` sends them from the
worker: pending → sending (committed) → handed to the gateway → sent, so a worker killed in the middle
never sends a message twice (`settle_interrupted`: at most once, or exactly once through a gateway that
takes the message's key). Backends: e-mail through Django's mail framework; SMS through the class named
by settings.MINQING_SMS_BACKEND — the default `OutboxSms` keeps the message in the outbox table for a
provincial gateway adapter to pick up (gateways differ per province)."""

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from .. import clock
from ..org.models import Role, User
from .models import Notification

log = logging.getLogger(__name__)
CITIZEN_TEXT = {
    "dispatch": "您反映的“{title}”已交{unit}办理（编号{number}）。",
    "reply": "您反映的“{title}”已有答复，请凭查询码{code}查看并评价。",
    "close": "您反映的“{title}”已办结，感谢您的监督。查询码{code}。",
}


def queue(key: str, channel: str, kind: str, text: str, *, case=None, user=None, address: str = "") -> bool:
    """Add one message to the outbox; False if a message with this key already exists."""
    try:
        with transaction.atomic():
            Notification.objects.create(key=key[:160], channel=channel, kind=kind, text=text, case=case, user=user,
                                        address=address, created_at=clock.now())
        return True
    except IntegrityError:
        return False


def notify_citizens(case, event: str, event_id: int) -> int:
    """On dispatch, reply and closure: an SMS to every submitter who left a phone (never anonymous)."""
    template = CITIZEN_TEXT.get(event)
    if not template:
        return 0
    sent = 0
    unit = case.assigned_unit.name if case.assigned_unit_id else case.unit.name
    for voice in case.voices.exclude(submitter_mode="anonymous").exclude(submitter_phone=""):
        text = "【民情】" + template.format(title=case.title[:20], unit=unit, number=case.number, code=voice.tracking_code)
        sent += queue(f"citizen:{event_id}:{voice.id}", Notification.Channel.SMS, event, text, case=case,
                      address=voice.submitter_phone)
    return sent


CHUNK = 500  # keys per existence check and rows per INSERT in queue_many


def queue_many(messages: Iterable[Notification]) -> int:
    """`queue` for many messages at once (the deadline scan): a message whose key is already in the
    outbox is skipped, the others are inserted in bulk, in the caller's transaction. A key written by
    another worker in the meantime is ignored by the INSERT (ON CONFLICT DO NOTHING / INSERT OR
    IGNORE), so nothing is said twice. Returns how many were new (in such a race, an upper bound)."""
    now = clock.now()
    fresh: dict[str, Notification] = {}
    for n in messages:
        n.key = n.key[:160]
        n.created_at = n.created_at or now
        fresh.setdefault(n.key, n)
    keys = list(fresh)
    for i in range(0, len(keys), CHUNK):
        for key in Notification.objects.filter(key__in=keys[i:i + CHUNK]).values_list("key", flat=True):
            del fresh[key]
    Notification.objects.bulk_create(list(fresh.values()), batch_size=CHUNK, ignore_conflicts=True)
    return len(fresh)


def site_notice(key: str, user_id: int, kind: str, text: str, case_id: int | None = None) -> Notification:
    """One staff member's site notice (站内通知), for queue_many; `key` is per message and user."""
    return Notification(key=f"{key}:{user_id}", channel=Notification.Channel.SITE, kind=kind, text=text,
                        case_id=case_id, user_id=user_id)


def staff_by_unit(roles, unit_ids: Iterable[int] | None = None) -> dict[int, list[int]]:
    """Ids of the active staff with one of `roles`, per unit (all units, or those of unit_ids): one query."""
    users = User.objects.filter(role__in=roles, is_active=True, unit__isnull=False)
    if unit_ids is not None:
        users = users.filter(unit_id__in=list(unit_ids))
    out: dict[int, list[int]] = {}
    for unit_id, user_id in users.order_by("unit_id", "id").values_list("unit_id", "id"):
        out.setdefault(unit_id, []).append(user_id)
    return out


def notify_unit_staff(unit, roles, kind: str, text: str, key: str, case=None) -> int:
    """A site notice to each active member of `unit` with one of `roles`, once per key and person."""
    users = staff_by_unit(roles, [unit.id]).get(unit.id, [])
    return queue_many(site_notice(key, u, kind, text, case.id if case is not None else None) for u in users)


class OutboxSms:
    """Placeholder gateway: the message stays in the outbox table, marked sent to the gateway queue. The
    adapter that reads the table sees each row (each key) once, so handing a message over again is harmless."""

    idempotent = True

    def send(self, number: str, text: str, key: str = "") -> None:
        log.info("SMS to %s…: %s", number[:3], text[:30])


class _Mail:
    idempotent = False  # SMTP has no key: a repeated hand-over is a repeated e-mail

    def send(self, address: str, text: str) -> None:
        send_mail("民情台账通知", text, None, [address])


def _sms_backend():
    return import_string(getattr(settings, "MINQING_SMS_BACKEND", "minqing.workflow.notify.OutboxSms"))()


def _backend(channel: str):
    return _sms_backend() if channel == Notification.Channel.SMS else _Mail()


SEND_LEASE = dt.timedelta(minutes=10)  # a hand-over not marked after this long was cut off (the worker died)
TRIES = 5


def _claim(skip: list[int]) -> Notification | None:
    """The oldest pending message, claimed in a transaction of its own: `sending` (a site notice, which
    needs no gateway: `sent` at once). Committed before anything is handed to a gateway, so a worker killed
    during the hand-over leaves a row that says so, never one that looks unsent."""
    with transaction.atomic():
        n = (Notification.objects.select_for_update(skip_locked=True)
             .filter(state=Notification.State.PENDING).exclude(id__in=skip).order_by("id").first())
        if n is None:
            return None
        n.attempts += 1
        n.state = Notification.State.SENT if n.channel == Notification.Channel.SITE else Notification.State.SENDING
        n.sent_at = clock.now()  # while `sending`: when it was handed over (settle_interrupted reads it)
        n.save(update_fields=["attempts", "state", "sent_at"])
    return n


def deliver_pending(limit: int = 200) -> int:
    """Send pending messages, one by one: claimed (`sending`, committed), handed to the gateway outside any
    transaction (a slow gateway holds no lock), then marked `sent` — or back to `pending` on an error, to be
    tried again next run (`failed` after 5 tries). A kill between hand-over and mark: `settle_interrupted`."""
    settle_interrupted()
    done, failed, backends = 0, [], {}
    for _ in range(limit):
        n = _claim(failed)
        if n is None:
            break
        done += 1
        if n.channel == Notification.Channel.SITE:
            continue
        claimed = Notification.objects.filter(id=n.id, state=Notification.State.SENDING)
        try:
            backend = backends.get(n.channel) or backends.setdefault(n.channel, _backend(n.channel))
            address = n.address if n.channel == Notification.Channel.SMS else (n.address or n.user.email)
            if getattr(backend, "idempotent", False):
                backend.send(address, n.text, key=n.key)
            else:
                backend.send(address, n.text)
        except Exception as e:  # a gateway failure must not stop the others; retried next run
            failed.append(n.id)
            state = Notification.State.FAILED if n.attempts >= TRIES else Notification.State.PENDING
            claimed.update(state=state, sent_at=None, error=str(e)[:300])
            continue
        claimed.update(state=Notification.State.SENT, sent_at=clock.now())
    return done


def settle_interrupted(now: dt.datetime | None = None) -> int:
    """Messages left `sending` for longer than SEND_LEASE: their worker died between handing them over
    and marking them, and whether the gateway got them is unknown. An SMS gateway that drops a repeated
    key (`idempotent = True`, as the default OutboxSms) gets them again, with the same key: at least once
    to the gateway, once to the phone. Any other gateway, and e-mail: never again — the row becomes
    `unknown` and is logged, for someone to look at (at most once: a citizen sent the same SMS twice
    trusts the next one less, and one missing message is still on the case page and the tracking code)."""
    now = now or clock.now()
    stale = Notification.objects.filter(state=Notification.State.SENDING, sent_at__lt=now - SEND_LEASE)
    settled, sms_again = 0, None
    for n in stale.only("id", "channel", "key"):
        if n.channel == Notification.Channel.SMS and sms_again is None:
            sms_again = bool(getattr(_sms_backend(), "idempotent", False))
        row = Notification.objects.filter(id=n.id, state=Notification.State.SENDING)
        if n.channel == Notification.Channel.SMS and sms_again:
            if row.update(state=Notification.State.PENDING, error="发送中断，按同一消息键重发"):
                settled += 1
                log.warning("notification %s (key %s) was cut off while being sent: handed over again, same key",
                            n.id, n.key)
        elif row.update(state=Notification.State.UNKNOWN, error="发送中断：网关是否已收到不明，为免重复未重发"):
            settled += 1
            log.error("notification %s (%s, key %s) was cut off while being sent: not sent again, state unknown",
                      n.id, n.channel, n.key)
    return settled


LEADERS = [Role.LEADER]
HANDLERS = [Role.HANDLER, Role.GRID]


def on_case_event(sender, event, case, **kwargs):
    if event.action in CITIZEN_TEXT and not event.data.get("imported"):  # history is not news
        notify_citizens(case, event.action, event.id)


def inbox(user, limit: int = 100):
    """A staff member's own messages (站内通知), newest first."""
    return Notification.objects.filter(user=user, channel=Notification.Channel.SITE).select_related("case") \
        .order_by("-created_at", "-id")[:limit]


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, channel=Notification.Channel.SITE, read_at__isnull=True).count()


def mark_read(user) -> int:
    return Notification.objects.filter(user=user, channel=Notification.Channel.SITE, read_at__isnull=True) \
        .update(read_at=clock.now())
