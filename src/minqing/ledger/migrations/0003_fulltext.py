"""Full-text index on cases' segmented text (see ledger/search.py).

SQLite: an FTS5 external-content table over ledger_case.search_text, kept in step by triggers.
PostgreSQL: a GIN index on to_tsvector('simple', search_text)."""

from django.db import migrations

from minqing.ledger.fulltext_sql import PG_DOWN, PG_UP, SQLITE_DOWN, SQLITE_UP


def run(statements):
    def apply(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in statements.get(vendor, []):
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_initial")]
    operations = [
        migrations.RunPython(run({"sqlite": SQLITE_UP, "postgresql": PG_UP}),
                             run({"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN})),
    ]
