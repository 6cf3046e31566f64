"""Background tasks (django-tasks with the database queue; `minqing worker` runs them)."""

from django_tasks import task

from . import escalation, notify


@task()
def deadline_scan() -> dict:
    return escalation.scan()


@task()
def deliver_notifications() -> int:
    return notify.deliver_pending()


@task()
def warning_scan() -> dict:
    from ..insight import warnings

    return warnings.scan()


@task()
def hotspot_refresh() -> int:
    from ..insight.dashboard import refresh_hotspots

    return refresh_hotspots()


@task()
def monthly_report() -> list[str]:
    from ..insight.monthly import write_last_month

    return write_last_month()


@task()
def dashboard_refresh() -> int:
    from ..insight.dashboard import refresh_snapshots

    return refresh_snapshots()
