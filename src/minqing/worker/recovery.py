"""Tasks whose worker died. django-tasks' db_worker marks a task RUNNING when it takes it and SUCCESSFUL or
FAILED when it ends; a worker killed in between (kill -9, out of memory, the machine gone) leaves the row
RUNNING for ever, and nothing would run it again. Two ways back, both giving the row back to the queue
(READY) with a conditional UPDATE, so two recoverers never both do it:

- at once, for a worker we started: `minqing worker` starts db_worker with an id of its own choosing
  (`new_worker_id`) and, when that process dies, gives back the tasks it had claimed (`release`);
- after a lease, for any worker: the scheduler gives back tasks RUNNING for longer than
  MINQING_TASK_LEASE seconds (default 3600; `release_stale`) — a whole `minqing worker` or host gone.

Every task minqing runs is idempotent (the deadline scan keeps its state on the cases, messages are keyed
rows, reports are written once, the rest recompute), so a task run again after a lease that was too short
does no harm. A task that has already taken its worker down MAX_TRIES times is marked FAILED instead of
being given back: one poisonous task must not kill the worker for ever."""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket

from django.db import close_old_connections
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

log = logging.getLogger(__name__)
MAX_TRIES = 3


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=float(os.environ.get("MINQING_TASK_LEASE", "3600")))


def new_worker_id() -> str:
    """At most 64 characters (django-tasks' limit): host, supervisor's pid, a random part."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"[:64]


def _give_back(row: DBTaskResult, why: str) -> str:
    running = DBTaskResult.objects.filter(id=row.id, status=TaskResultStatus.RUNNING)
    if len(row.worker_ids) >= MAX_TRIES:
        done = running.update(status=TaskResultStatus.FAILED, finished_at=timezone.now(), return_value=None,
                              exception_class_path="minqing.worker.recovery.WorkerDied",
                              traceback=f"{why}; its worker died {len(row.worker_ids)} times while running it "
                                        f"({', '.join(row.worker_ids)}): not run again")
        outcome = "failed"
    else:
        done = running.update(status=TaskResultStatus.READY)
        outcome = "requeued"
    if not done:  # finished or given back by someone else meanwhile
        return ""
    log_at = log.error if outcome == "failed" else log.warning
    log_at("task %s (%s) %s: %s", row.id, row.task_path.rsplit(".", 1)[-1], outcome, why)
    return outcome


def release(worker_id: str) -> int:
    """The tasks the dead worker `worker_id` was running go back to the queue. Returns how many."""
    n = 0
    for row in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only("id", "task_path", "worker_ids"):
        if row.worker_ids and row.worker_ids[-1] == worker_id:
            n += bool(_give_back(row, f"worker {worker_id} died while running it"))
    return n


def after_death(worker_id: str) -> int:
    """`minqing worker`'s supervisor, after its db_worker `worker_id` died: `release`, on a fresh connection
    if the one it kept broke meanwhile (a database restart is a likely reason for the death)."""
    close_old_connections()
    return release(worker_id)


def release_stale(now: dt.datetime | None = None) -> int:
    """Tasks RUNNING for longer than the lease go back to the queue (their worker is presumed dead)."""
    now = now or timezone.now()  # django-tasks stamps rows with the real time, not minqing's clock
    n = 0
    for row in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=now - lease()) \
            .only("id", "task_path", "worker_ids", "started_at"):
        n += bool(_give_back(row, f"running since {row.started_at:%Y-%m-%d %H:%M:%S}, longer than the lease"))
    return n
