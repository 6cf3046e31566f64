"""A synthetic ledger for benchmarks: the demo county's units, and as many cases as asked for, made
from real citizens' messages (segmented once, then recombined), loaded in bulk.

The data is deterministic for a given seed and size, so a loaded database can be reused.

- pool.py: the real messages, normalised and segmented once; the Babbler (texts that never recur);
- distributions.py: how often each channel, status, category … occurs (and GENERATOR_VERSION);
- world.py: the county (units, the benchmark's users) and the World every row is drawn from;
- rows.py: the case and voice rows, generated;
- load.py: the bulk load (and why bulk), and what is stored about the loaded ledger.

The benchmarks use it as one module (`from . import _data`, then `_data.load_pool(...)`): the names
they use are gathered here. Its name starts with "_" so that `python -m minqing.bench` does not take
it for an area."""

from .distributions import GENERATOR_VERSION
from .load import _sqlite_schema, load_ledger, read_meta, write_meta
from .pool import _SENTENCE, SHARED_DATA, TIPDM, VOTES_FILE, Babbler, PoolItem, load_pool, pool_topics
from .rows import CASE_COLUMNS, VOICE_COLUMNS, generate, model_columns, pg_dt, sqlite_dt
from .world import BENCH_ROOT, Place, World, build_world, setup_county

__all__ = [
    "BENCH_ROOT", "CASE_COLUMNS", "GENERATOR_VERSION", "SHARED_DATA", "TIPDM", "VOICE_COLUMNS", "VOTES_FILE",
    "Babbler", "Place", "PoolItem", "World", "_SENTENCE", "_sqlite_schema", "build_world", "generate",
    "load_ledger", "load_pool", "model_columns", "pg_dt", "pool_topics", "read_meta", "setup_county",
    "sqlite_dt", "write_meta",
]
