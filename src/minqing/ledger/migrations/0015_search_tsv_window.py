"""PostgreSQL: the stored tsvector gains the case's window lexeme ('§' + id // 100,000), so the candidate
query of duplicates and precedents reads only the newest million cases inside the GIN index
(ledger/fulltext_sql.py, ledger/similar.py). The column is rebuilt: a table rewrite and an index build —
seconds for a county, about as long as the first index build for ten million cases (docs/deploy.md).
SQLite: nothing (FTS5 ranks inside its own index)."""

from django.db import migrations

from minqing.ledger.fulltext_sql import PG_WINDOW_DOWN, PG_WINDOW_UP, on_postgresql as run


class Migration(migrations.Migration):
    dependencies = [("ledger", "0014_reply_quality_score")]
    operations = [migrations.RunPython(run(PG_WINDOW_UP), run(PG_WINDOW_DOWN))]
