"""Background tasks (django-tasks with the database queue; `minqing worker` runs them). The task list
sits above the apps it drives — workflow's deadline scan and outbox, insight's warnings, hotspots,
dashboards and monthly reports — so no app has to know another to be scheduled."""

from django_tasks import task

from ..insight import warnings
from ..insight.dashboard import refresh_hotspots, refresh_snapshots
from ..insight.monthly import write_last_month
from ..workflow import escalation, notify


@task()
def deadline_scan() -> dict:
    return escalation.scan()


@task()
def deliver_notifications() -> int:
    return notify.deliver_pending()


@task()
def warning_scan() -> dict:
    return warnings.scan()


@task()
def hotspot_refresh() -> int:
    return refresh_hotspots()


@task()
def monthly_report() -> list[str]:
    return write_last_month()


@task()
def dashboard_refresh() -> int:
    return refresh_snapshots()
