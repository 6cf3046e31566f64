"""(c) of the workflow benchmark: the worker's throughput. K trivial tasks enqueued on the database
queue (django_tasks_db) and run by the db_worker's own loop in batch mode (as `minqing manage
db_worker --batch`). The task is declared here, at import, so the worker finds it by its path."""

from __future__ import annotations

import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")  # the task below needs the settings

from django_tasks import task  # noqa: E402


@task()
def noop(i: int = 0) -> int:
    """The trivial task whose throughput is measured."""
    return i


def measure_worker(count: int, *, persistent: bool = False) -> dict:
    """Enqueue `count` noop tasks on the database backend, then run the db_worker loop in batch mode
    until the queue is empty; tasks per second for both. The worker calls close_old_connections()
    around every task, which closes the connection when CONN_MAX_AGE is 0 (the SQLite setting);
    persistent=True measures the same with CONN_MAX_AGE=60, as the PostgreSQL setting has."""
    from django.db import connection
    from django.db.models import Count
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(task_path=noop.module_path).delete()
    started = time.perf_counter()
    for i in range(count):
        noop.enqueue(i)
    enqueue_s = time.perf_counter() - started
    worker = Worker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
                    max_tasks=None, worker_id="bench-workflow", excluded_queue_names=[])
    max_age = connection.settings_dict.get("CONN_MAX_AGE", 0)
    if persistent:
        connection.settings_dict["CONN_MAX_AGE"] = 60
        if not connection.in_atomic_block:
            connection.close()  # the next query connects with the new lifetime
    try:
        started = time.perf_counter()
        worker.run()
        run_s = time.perf_counter() - started
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = max_age
    done = DBTaskResult.objects.filter(task_path=noop.module_path)
    by_status = dict(done.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    results = sorted(done.filter(status="SUCCESSFUL").values_list("return_value", flat=True))
    done.delete()
    label = f"CONN_MAX_AGE={60 if persistent else max_age}"
    return {"name": f"worker throughput (db_worker --batch, {label})", "kind": "worker", "tasks": count,
            "conn_max_age": 60 if persistent else max_age, "enqueue_s": enqueue_s,
            "enqueue_per_s": count / enqueue_s if enqueue_s else None, "seconds": run_s,
            "per_s": count / run_s if run_s else None, "by_status": by_status,
            "correct": by_status == {"SUCCESSFUL": count} and results == sorted(range(count))}
