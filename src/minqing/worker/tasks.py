"""Background tasks (django-tasks with the database queue; `minqing worker` runs them). The task list
sits above the apps it drives — workflow's deadline scan and outbox, insight's warnings, hotspots,
dashboards and monthly reports — so no app has to know another to be scheduled."""

import os

from django_tasks import task

from .. import clock
from ..insight import warnings
from ..insight.dashboard import refresh_hotspots, refresh_snapshots
from ..insight.monthly import write_last_month
from ..workflow import escalation, notify


@task()
def deadline_scan() -> dict:
    return escalation.scan()


@task()
def progress_reminders() -> int:
    return escalation.progress_due(clock.now())


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


@task()
def import_text() -> int:
    """The text work of imported cases (intake/textwork.py), about a minute at a time."""
    from ..intake.textwork import run_pending

    return run_pending(budget_s=50.0)


@task()
def consult_groups() -> int:
    """The opinion groups of every consultation whose votes changed (consult/results.py)."""
    from ..consult.results import refresh_changed

    return refresh_changed()


@task()
def prune_task_results() -> None:
    """Finished task rows older than MINQING_TASK_KEEP_DAYS (default 14; failed ones twice as long) go: the
    queue table would otherwise grow by a few thousand rows a day for ever (django-tasks-db's own command)."""
    from django.core.management import call_command

    days = int(os.environ.get("MINQING_TASK_KEEP_DAYS", "14"))
    call_command("prune_db_task_results", "--queue-name", "*", "--min-age-days", str(days),
                 "--failed-min-age-days", str(2 * days), verbosity=0)


RETRAIN_MIN = 200  # categorised cases before the ledger has anything to teach the shipped model


@task()
def model_retrain() -> str:
    """The category model learns from the cases dispatchers confirmed (ledger/training.py) and is published
    to every node (ledger/model_sync.py)."""
    from ..ledger.models import Case
    from ..ledger.training import train_from_ledger

    if Case.objects.filter(category__isnull=False).exclude(category_top="").count() < RETRAIN_MIN:
        return "skipped: too few categorised cases"
    return str(train_from_ledger(out=lambda line: None))


@task()
def lexicon_refresh() -> dict:
    """New words from the ledger's own text into the county's lexicon, then the cases holding them
    re-segmented (insight/vocabulary.py)."""
    from ..insight.vocabulary import refresh_lexicon

    return refresh_lexicon()


@task()
def lexicon_reindex() -> int:
    """The unit names in the lexicon (for the administrator to see), and the cases holding a word the
    administrator added, changed or rejected, re-segmented."""
    from ..insight.vocabulary import reindex_pending
    from ..org.lexicon import seed_units

    seed_units()
    return reindex_pending()
