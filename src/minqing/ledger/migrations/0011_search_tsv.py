"""PostgreSQL: the segmented text's tsvector stored in a generated column with its GIN index (ledger/search.py).
SQLite: nothing (FTS5, migration 0003)."""

from django.db import migrations

from minqing.ledger.fulltext_sql import PG_TSV_DOWN, PG_TSV_UP


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("ledger", "0010_voice_phone_key")]
    operations = [migrations.RunPython(run(PG_TSV_UP), run(PG_TSV_DOWN))]
