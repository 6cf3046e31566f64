"""The background tasks moved from minqing.workflow.tasks to minqing.worker.tasks (issue 14: the task
list sits above the apps). A queued task names its function by path; rows still waiting under the old
path would fail to import in the new worker, so they are renamed. Finished rows keep their history."""

from django.db import migrations

OLD, NEW = "minqing.workflow.tasks.", "minqing.worker.tasks."


def rename(apps, schema_editor):
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    waiting = DBTaskResult.objects.filter(task_path__startswith=OLD, status="READY")
    for row in waiting.only("id", "task_path"):
        row.task_path = NEW + row.task_path[len(OLD):]
        row.save(update_fields=["task_path"])


class Migration(migrations.Migration):
    dependencies = [
        ("workflow", "0003_notification_read_at"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(rename, migrations.RunPython.noop)]
