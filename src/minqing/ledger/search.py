"""Chinese full-text search over cases.

Each case keeps `search_text`: its normalised title and text segmented into words, joined by
spaces. SQLite indexes it with FTS5 (unicode61 tokenizer: one token per word) through an
external-content table kept in step by triggers; PostgreSQL with a GIN index on
to_tsvector('simple', search_text). A query is normalised and segmented the same way and every
word must match. Both are created by migration 0002."""

from django.db import connection
from django.db.models.expressions import RawSQL

from ..text.normalise import normalise
from ..text.segment import words


def query_words(text: str) -> list[str]:
    return words(normalise(text))[:12]


def matching(qs, text: str):
    terms = query_words(text)
    if not terms:
        return qs
    if connection.vendor == "postgresql":
        return qs.extra(where=["to_tsvector('simple', ledger_case.search_text) @@ plainto_tsquery('simple', %s)"],
                        params=[" ".join(terms)])
    expr = " AND ".join('"' + t.replace('"', '""') + '"' for t in terms)
    return qs.filter(id__in=RawSQL("SELECT rowid FROM ledger_case_fts WHERE ledger_case_fts MATCH %s", [expr]))
