"""Covering indexes for case lists at a million cases (docs/benchmarks.md, ledger/paging.py)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ledger", "0007_suggestions_keywords")]

    operations = [
        migrations.RemoveIndex(model_name="case", name="ledger_case_receive_0825ee_idx"),
        migrations.RemoveIndex(model_name="case", name="ledger_case_channel_e5ed13_idx"),
        migrations.RemoveIndex(model_name="case", name="ledger_case_categor_f830cd_idx"),
        migrations.AddIndex(model_name="case", index=models.Index(
            fields=["received_at", "id", "status", "place_path", "assigned_path", "created_by", "channel",
                    "category_top", "resolve_due", "contact_due", "first_contact_at"], name="case_list_idx")),
        migrations.AddIndex(model_name="case", index=models.Index(
            fields=["status", "resolve_due", "place_path", "assigned_path", "created_by", "contact_due",
                    "first_contact_at"], name="case_status_idx")),
        migrations.AddIndex(model_name="case", index=models.Index(
            fields=["channel", "received_at", "place_path", "assigned_path", "created_by"], name="case_channel_idx")),
        migrations.AddIndex(model_name="case", index=models.Index(
            fields=["category_top", "received_at", "place_path", "assigned_path", "created_by"],
            name="case_category_idx")),
    ]
