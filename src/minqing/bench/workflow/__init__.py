"""Benchmark of the workflow (issue 5): `python -m minqing.bench workflow` (options: driver.py).

For each database and size N, in its own process, on a synthetic ledger of N cases across the demo
county: (a) the deadline scan and escalation pass, (b) the rates of every unit, (c) the worker's
throughput. One module per part:

- scan.py: (a), with the query plans of the scan's queries and their verdicts;
- rates.py: (b), one pass against the unit-by-unit baseline;
- worker.py: (c), the trivial task and the db_worker loop in batch mode;
- process.py: one database × size in its own process (prepare the ledger, then measure), and where
  each one's data lives;
- report.py: the table and the details printed from the children's reports;
- driver.py: the arguments, one child process per database × size (or --show of a saved run), the
  summary and the exit status.

The names below keep the benchmark's import path: tests/test_bench_workflow.py uses them, and the
insight benchmark loads its ledger with `prepare`."""

from .._report import log, print_table
from .driver import (
    DEFAULT_DATA_DIR,
    DEFAULT_PG_URL,
    DEFAULT_SIZES,
    DEFAULT_TASKS,
    QUICK_SIZE,
    QUICK_TASKS,
    main,
    parse,
)
from .process import PG_PREFIX, child, prepare
from .rates import RATES_TARGET_S, measure_rates
from .report import HEADER, print_details, table_rows
from .scan import (
    DUE_SOON,
    NEW_CONTACT,
    NEW_RESOLVE,
    OLD_ESCALATED,
    PLANNED,
    SCAN_TARGET_S,
    TARGET_SIZE,
    index_fields,
    make_open,
    measure_scan,
    plan_verdict,
    plans,
    status_due_index,
)
from .worker import measure_worker, noop

__all__ = [
    "DEFAULT_DATA_DIR", "DEFAULT_PG_URL", "DEFAULT_SIZES", "DEFAULT_TASKS", "DUE_SOON", "HEADER",
    "NEW_CONTACT", "NEW_RESOLVE", "OLD_ESCALATED", "PG_PREFIX", "PLANNED", "QUICK_SIZE", "QUICK_TASKS",
    "RATES_TARGET_S", "SCAN_TARGET_S", "TARGET_SIZE", "child", "index_fields", "log", "main", "make_open",
    "measure_rates", "measure_scan", "measure_worker", "noop", "parse", "plan_verdict", "plans", "prepare",
    "print_details", "print_table", "status_due_index", "table_rows",
]
