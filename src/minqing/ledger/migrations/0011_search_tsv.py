"""PostgreSQL: the segmented text's tsvector stored in a generated column with its GIN index (ledger/search.py).
SQLite: nothing (FTS5, migration 0003)."""

from django.db import migrations

from minqing.ledger.fulltext_sql import PG_TSV_DOWN, PG_TSV_UP, on_postgresql as run


class Migration(migrations.Migration):
    dependencies = [("ledger", "0010_voice_phone_key")]
    operations = [migrations.RunPython(run(PG_TSV_UP), run(PG_TSV_DOWN))]
