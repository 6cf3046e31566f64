"""Indexes for the deadline scan at a million cases (workflow/escalation.py, docs/benchmarks.md): each
branch of the escalation query reads only the cases to raise. AddIndex only: on SQLite no table
rebuild, so the full-text triggers (ledger/search.ensure_index) are untouched."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ledger", "0008_case_list_indexes")]

    operations = [
        migrations.AddIndex(model_name="case", index=models.Index(
            fields=["status", "escalation_level", "resolve_due"], name="case_escalate_resolve_idx")),
        migrations.AddIndex(model_name="case", index=models.Index(
            fields=["status", "escalation_level", "first_contact_at", "contact_due"],
            name="case_escalate_contact_idx")),
    ]
