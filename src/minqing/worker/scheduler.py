"""Periodic jobs for the worker. Several workers on several hosts may run this loop: a job is
enqueued only by the worker that moves its SchedulerTick forward (a conditional UPDATE), so each
period enqueues it once. Once a minute the same way, tasks whose worker died are given back to the queue
(recovery.py). The loop survives a database restart: it drops a broken connection before each tick
(a thread outside a request has no one else to do it), and a failed tick is logged and tried again."""

import datetime as dt
import os
import time

from django.db import close_old_connections, transaction

from .. import clock
from ..workflow.models import SchedulerTick
from . import recovery, tasks

DAY = 86400
JOBS = {"deadline_scan": 300, "progress_reminders": 3600, "deliver_notifications": 20, "warning_scan": 3600, "hotspot_refresh": 3600,
        "monthly_report": 6 * 3600, "dashboard_refresh": 600, "prune_task_results": DAY,
        "model_retrain": int(float(os.environ.get("MINQING_RETRAIN_DAYS", "7")) * DAY),
        "lexicon_refresh": DAY, "lexicon_reindex": 600,
        "import_text": 30, "consult_groups": 60}  # seconds between runs
NOT_AT_ONCE = {"model_retrain", "prune_task_results", "lexicon_refresh"}  # a new installation waits a period before their first run
RECOVERY_EVERY = int(os.environ.get("MINQING_RECOVERY_EVERY", "60"))  # seconds between looks for tasks whose
# worker died (recovery.release_stale; a task is given back after MINQING_TASK_LEASE)


def claim(name: str, every: int, now: dt.datetime, at_once: bool = True) -> bool:
    """True for exactly one caller per period across every worker of the cluster: the one whose
    conditional UPDATE moves the tick (or whose INSERT makes it: the other inserts fail on the key)."""
    with transaction.atomic():
        tick, created = SchedulerTick.objects.get_or_create(name=name, defaults={"last_run": now})
        if created:
            return at_once
        updated = SchedulerTick.objects.filter(name=name, last_run=tick.last_run,
                                               last_run__lte=now - dt.timedelta(seconds=every)).update(last_run=now)
        return updated == 1


def run_due(now: dt.datetime | None = None) -> list[str]:
    now = now or clock.now()
    started = []
    for name, every in JOBS.items():
        if every > 0 and claim(name, every, now, at_once=name not in NOT_AT_ONCE):
            getattr(tasks, name).enqueue()
            started.append(name)
    if claim("task_recovery", RECOVERY_EVERY, now):
        recovery.release_stale()
    return started


def loop(stop, interval: float = 5.0) -> None:  # pragma: no cover - exercised by `minqing worker`
    while not stop.is_set():
        try:
            close_old_connections()  # a connection broken by a database restart is dropped, not reused for ever
            run_due()
        except Exception:  # a database hiccup must not kill the scheduler
            import logging

            logging.getLogger(__name__).exception("scheduler tick failed")
        stop.wait(interval)
        time.sleep(0)
