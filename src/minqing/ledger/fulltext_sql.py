"""SQL for the full-text index (see ledger/search.py), shared by its migrations and the
post-migrate check that restores SQLite triggers after a table rebuild."""


def on_postgresql(statements):
    """A migration step running `statements` on PostgreSQL and nothing elsewhere."""

    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return apply


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

# Migration 0011: a stored tsvector column, so that a plan walking another index (received_at for a list
# ordered by time) checks a stored vector per row instead of parsing the text again; the index of 0003
# on the expression then goes.
PG_TSV_UP = [
    "ALTER TABLE ledger_case ADD COLUMN IF NOT EXISTS search_tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED",
    "CREATE INDEX IF NOT EXISTS ledger_case_search_tsv_gin ON ledger_case USING gin (search_tsv)",
    "DROP INDEX IF EXISTS ledger_case_search_gin",
]
PG_TSV_DOWN = [
    "CREATE INDEX IF NOT EXISTS ledger_case_search_gin ON ledger_case USING gin (to_tsvector('simple', search_text))",
    "DROP INDEX IF EXISTS ledger_case_search_tsv_gin",
    "ALTER TABLE ledger_case DROP COLUMN IF EXISTS search_tsv",
]

# Migration 0015: the stored vector also holds one "window" lexeme, '§' + the case id // WINDOW_BUCKET
# ('§95' = ids 9,500,000–9,599,999), which no query parser can produce. The candidate query of
# duplicates and precedents (ledger/similar.py) ANDs its words with the window's lexemes, so the GIN
# index itself keeps out every match older than the newest million cases and no heap page of an old match
# is read (docs/duplicates.md). A user's search never names the lexeme and is unchanged.
WINDOW_BUCKET = 100_000
TSV_EXPR = f"to_tsvector('simple', search_text) || array_to_tsvector(ARRAY['§' || (id / {WINDOW_BUCKET})::text])"
PG_TSV_CURRENT = [  # idempotent: what ensure_index restores
    f"ALTER TABLE ledger_case ADD COLUMN IF NOT EXISTS search_tsv tsvector GENERATED ALWAYS AS ({TSV_EXPR}) STORED",
    PG_TSV_UP[1],
]
_PG_TSV_DROP = ["DROP INDEX IF EXISTS ledger_case_search_tsv_gin", "ALTER TABLE ledger_case DROP COLUMN IF EXISTS search_tsv"]
PG_WINDOW_UP = _PG_TSV_DROP + PG_TSV_CURRENT
PG_WINDOW_DOWN = _PG_TSV_DROP + PG_TSV_UP[:2]
