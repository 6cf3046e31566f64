"""Chinese full-text search over cases.

Each case keeps `search_text`: its normalised title and text segmented into words, joined by
spaces. SQLite indexes it with FTS5 (unicode61 tokenizer: one token per word) through an
external-content table kept in step by triggers (migration 0003); PostgreSQL with a GIN index on the
generated column search_tsv = to_tsvector('simple', search_text) (migration 0011) and one window
lexeme of its id that no query can name (migration 0015, see ledger/similar.py). A query is
normalised and segmented the same way and every word must match."""

from django.db import connection
from django.db.models.expressions import RawSQL

from ..text.normalise import normalise
from ..text.segment import words


def query_words(text: str) -> list[str]:
    """The query cut as the cases were: the county's lexicon keeps a discovered name (五矿万境) one word,
    which the cases holding it were indexed with (insight/vocabulary.reindex_pending)."""
    from ..org import lexicon

    lexicon.ensure_loaded()
    return words(normalise(text))[:12]


def matching(qs, text: str):
    terms = query_words(text)
    if not terms:
        return qs
    if connection.vendor == "postgresql":
        return qs.extra(where=["ledger_case.search_tsv @@ plainto_tsquery('simple', %s)"],
                        params=[" ".join(terms)])
    expr = " AND ".join('"' + t.replace('"', '""') + '"' for t in terms)
    return qs.filter(id__in=RawSQL("SELECT rowid FROM ledger_case_fts WHERE ledger_case_fts MATCH %s", [expr]))


def ensure_index(using: str = "default") -> bool:
    """(Re)create the full-text index objects if missing; True if anything had to be rebuilt.

    On SQLite, Django rebuilds a table to alter it (new table, copy, drop, rename), and dropping
    ledger_case drops its triggers; so after every migrate the triggers are checked and, if one was
    missing, recreated and the index rebuilt from the table."""
    from django.db import connections

    from . import fulltext_sql

    conn = connections[using]
    with conn.cursor() as cur:
        if conn.vendor == "sqlite":
            cur.execute("SELECT count(*) FROM sqlite_master WHERE type='trigger' AND name LIKE 'ledger_case_fts_%'")
            if cur.fetchone()[0] == 3:
                return False
            for sql in fulltext_sql.SQLITE_DOWN[:3] + fulltext_sql.SQLITE_UP[1:]:
                cur.execute(sql)
            return True
        if conn.vendor == "postgresql":
            cur.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'ledger_case_search_tsv_gin'")
            if cur.fetchone():
                return False
            for sql in fulltext_sql.PG_TSV_CURRENT:
                cur.execute(sql)
            return True
    return False
