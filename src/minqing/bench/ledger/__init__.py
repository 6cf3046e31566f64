"""Benchmark of the ledger at scale (issue 3): `python -m minqing.bench ledger` (options: driver.py).

For each database and size it generates (or reuses) a synthetic ledger across the demo county
(see bench/_data/), then measures through the real code paths. One module per part:

- lists.py: the case list (API and web page) and Chinese text search, with their baselines;
- imports.py: the import rate of the TipDM votes file through `import_ledger`;
- process.py: one database × size in its own process (load or reuse the ledger, then measure), and
  where each one's data lives;
- report.py: the table and the details printed from the children's reports;
- driver.py: the arguments, one child process per database × size, the summary and the exit status.

The names below keep the benchmark's import path: tests/test_bench_smoke.py uses them, and the
workflow, insight, dedup and intake_latency benchmarks borrow the PostgreSQL helpers."""

from .._report import median, percentile
from .driver import DEFAULT_DATA_DIR, DEFAULT_PG_URL, DEFAULT_SIZES, QUICK_SIZE, main, parse
from .imports import measure_import
from .lists import (
    DISPATCHER,
    HANDLER,
    LIST_TARGET_MS,
    SEARCH_TARGET_MS,
    SEARCH_WORDS,
    TARGET_SIZE,
    Surface,
    explain,
    like_matching,
    list_variants,
    measure,
    run_suite,
    search_variants,
)
from .process import _pg_admin, _pg_database_exists, child, distribution
from .report import HEADER, print_details, table_rows

__all__ = [
    "DEFAULT_DATA_DIR", "DEFAULT_PG_URL", "DEFAULT_SIZES", "DISPATCHER", "HANDLER", "HEADER", "LIST_TARGET_MS",
    "QUICK_SIZE", "SEARCH_TARGET_MS", "SEARCH_WORDS", "TARGET_SIZE", "Surface", "_pg_admin", "_pg_database_exists",
    "child", "distribution", "explain", "like_matching", "list_variants", "main", "measure", "measure_import",
    "median", "parse", "percentile", "print_details", "run_suite", "search_variants", "table_rows",
]
