"""The text work of imported cases, done after the import by the worker (or by `minqing import ledger
--index-now`), chunk by chunk with its progress on the `ImportJob`.

Normalising (繁→简, full-width), segmenting for the search index, keywords and places cost ~5–10 ms a
case — more than everything else an import does for a row. `submit_voice` does them inline; a bulk
import writes its cases with an empty `text_norm` (intake/bulk.py) and leaves them here, where
`text_fields` — the same function `submit_voice` calls — fills `text_norm`, `search_text` (the
full-text index follows: SQLite's triggers, PostgreSQL's generated tsvector), `keywords` and `places`.
Until then a case is in the ledger, numbered and sealed, but not found by a word search; the import
page shows how far this has come.

Each chunk is one transaction: the cases' fields and the job's cursor move together, so a worker that
dies loses at most one chunk's work and the next one goes on from the cursor. Imported history gets
no suggestion (`analyse(imported=True)`), as before; the similarity statistics (`ledger.similar.
term_stats`) are re-sampled when a job finishes."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import connection, transaction
from django.db.models import F

from .. import clock
from ..ledger.models import Case
from ..org.models import Unit
from .models import ImportJob
from .services import text_fields, title_from

CHUNK = 500


def pending_jobs():
    return ImportJob.objects.filter(state=ImportJob.State.INDEXING).order_by("id")


def _given_title(title: str, text: str) -> str:
    """The title as the row gave it: '' where the system made it from the text (as `submit_voice` passes it)."""
    return "" if title == title_from(text) else title


def index_chunk(job: ImportJob, size: int = CHUNK) -> int:
    """The text work of the next `size` cases of a job; 0 when there is none left (the job is then done)."""
    units: dict[int, Unit] = {}
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().filter(pk=job.pk).first()
        if locked is None or locked.state != ImportJob.State.INDEXING:
            return 0
        job.cursor, job.text_done = locked.cursor, locked.text_done
        rows = list(Case.objects.filter(id__gt=max(job.cursor, (job.first_case or 1) - 1), id__lte=job.last_case or 0,
                                        text_norm="").order_by("id").values_list("id", "title", "text", "unit_id")[:size])
        if not rows:
            ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.DONE, finished_at=clock.now())
            job.state = ImportJob.State.DONE
            from ..ledger.similar import forget_term_stats

            forget_term_stats()  # the new cases count in the word statistics from now on
            return 0
        updates = []
        for cid, title, text, unit_id in rows:
            if unit_id not in units:
                units[unit_id] = Unit.objects.get(pk=unit_id)
            f = text_fields(text, _given_title(title, text), units[unit_id], imported=True)
            updates.append((f["text_norm"] or " ", f["search_text"], f["keywords"], f["places"], cid))
        with connection.cursor() as cur:
            cur.executemany(f"UPDATE {Case._meta.db_table} SET text_norm = %s, search_text = %s, keywords = %s, "
                            "places = %s WHERE id = %s", updates)
        job.cursor = rows[-1][0]
        job.text_done += len(rows)
        ImportJob.objects.filter(pk=job.pk).update(cursor=job.cursor, text_done=F("text_done") + len(rows))
    return len(rows)


def index_job(job: ImportJob, budget_s: float | None = None,
              progress: Callable[[ImportJob], None] | None = None) -> int:
    """Chunk after chunk until the job is done (or `budget_s` seconds have passed); cases done."""
    started, done = time.monotonic(), 0
    while True:
        n = index_chunk(job)
        done += n
        if progress:
            progress(job)
        if n == 0 or (budget_s is not None and time.monotonic() - started > budget_s):
            return done


def run_pending(budget_s: float = 50.0) -> int:
    """The worker's task: the oldest unfinished jobs first, for about `budget_s` seconds."""
    started, done = time.monotonic(), 0
    for job in pending_jobs():
        left = budget_s - (time.monotonic() - started)
        if left <= 0:
            break
        done += index_job(job, budget_s=left)
    return done
