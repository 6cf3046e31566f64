"""Benchmark of issue 6 (see trouble coming): `python -m minqing.bench insight` (options: driver.py).

In the parent process, without a database: (1) hotspots on the real messages beside the data's own
likes and (2) foresight back-tests. Per size, in its own process on a generated ledger: (3) planted
events and the warning scan, (4) a full hotspot rebuild, (5) the dashboard's page times. The report
is printed as JSON. One module per part:

- ledger_free.py: (1) and (2);
- planted.py: (3), the planted events and the precision, recall and time to detect of the warnings;
- dashboard.py: (4) and (5);
- process.py: one size in its own process (the ledger, its background, the rolled-back measuring),
  and where each one's data lives;
- driver.py: the arguments, the parent's parts, one child process per size, the JSON report.

The names below keep the benchmark's import path as it was before it became a package."""

from .._report import log
from .dashboard import DASHBOARD_TARGET_S, measure_dashboard, measure_rebuild
from .driver import DATA_DIR, DEFAULT_PG_URL, PARTS, main, parse
from .ledger_free import backtest, foresight_backtests, hotspot_agreement
from .planted import SURGE_TOPICS, VARIANTS, measure_warnings, plant
from .process import POOL, child

__all__ = [
    "DASHBOARD_TARGET_S", "DATA_DIR", "DEFAULT_PG_URL", "PARTS", "POOL", "SURGE_TOPICS", "VARIANTS", "backtest",
    "child", "foresight_backtests", "hotspot_agreement", "log", "main", "measure_dashboard", "measure_rebuild",
    "measure_warnings", "parse", "plant",
]
