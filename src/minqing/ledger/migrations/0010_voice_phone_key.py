"""The people's history (intake/citizens.py) joins voices by the submitter's phone: a digits-only key on
each named or protected voice, indexed. A nullable column without default: on SQLite an ALTER TABLE ADD
COLUMN, no table rebuild. The backfill fills the key of the voices already recorded (anonymous voices
carry no phone and stay NULL)."""

import re

from django.db import migrations, models


def _key(phone: str) -> str:
    # frozen copy of intake.masking.phone_key as of this migration
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if len(digits) >= 5 else ""


def backfill(apps, schema_editor):
    Voice = apps.get_model("ledger", "Voice")
    rows = (Voice.objects.exclude(submitter_mode="anonymous").exclude(submitter_phone="")
            .values_list("id", "submitter_phone").order_by("id"))
    batch = []
    for pk, phone in rows.iterator(chunk_size=2000):
        key = _key(phone)
        if key:
            batch.append(Voice(id=pk, phone_key=key))
        if len(batch) >= 2000:
            Voice.objects.bulk_update(batch, ["phone_key"])
            batch = []
    if batch:
        Voice.objects.bulk_update(batch, ["phone_key"])


class Migration(migrations.Migration):
    dependencies = [("ledger", "0009_case_escalation_indexes")]

    operations = [
        migrations.AddField(
            model_name="voice",
            name="phone_key",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=20, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
