"""Full-text index on cases' segmented text (see ledger/search.py).

SQLite: an FTS5 external-content table over ledger_case.search_text, kept in step by triggers.
PostgreSQL: a GIN index on to_tsvector('simple', search_text)."""

from django.db import migrations

SQLITE_UP = [
    "CREATE VIRTUAL TABLE ledger_case_fts USING fts5(search_text, content='ledger_case', content_rowid='id', tokenize='unicode61')",
    """CREATE TRIGGER ledger_case_fts_ai AFTER INSERT ON ledger_case BEGIN
         INSERT INTO ledger_case_fts(rowid, search_text) VALUES (new.id, new.search_text); END""",
    """CREATE TRIGGER ledger_case_fts_ad AFTER DELETE ON ledger_case BEGIN
         INSERT INTO ledger_case_fts(ledger_case_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END""",
    """CREATE TRIGGER ledger_case_fts_au AFTER UPDATE OF search_text ON ledger_case BEGIN
         INSERT INTO ledger_case_fts(ledger_case_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
         INSERT INTO ledger_case_fts(rowid, search_text) VALUES (new.id, new.search_text); END""",
    "INSERT INTO ledger_case_fts(ledger_case_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS ledger_case_fts_ai",
    "DROP TRIGGER IF EXISTS ledger_case_fts_ad",
    "DROP TRIGGER IF EXISTS ledger_case_fts_au",
    "DROP TABLE IF EXISTS ledger_case_fts",
]
PG_UP = ["CREATE INDEX ledger_case_search_gin ON ledger_case USING gin (to_tsvector('simple', search_text))"]
PG_DOWN = ["DROP INDEX IF EXISTS ledger_case_search_gin"]


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
