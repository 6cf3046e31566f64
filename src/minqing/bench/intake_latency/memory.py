"""The process's memory and the cold-start costs: resident memory now and at its peak, and
`warm_up`, which loads the segmenter (+ local names), the category model and the word statistics one
after the other, timing each and noting the memory it adds (RSS) and the Python memory it keeps
(tracemalloc)."""

from __future__ import annotations

import resource
import time


def rss_mb() -> float:
    """Resident memory of this process now (MB), from /proc; the peak from getrusage elsewhere."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def warm_up(user, units: list[str]) -> dict:
    """Cold-start costs, each with the memory it adds: the segmenter (+ local names), the category
    model, the word statistics. Returns {step: {"seconds", "rss_mb"}}."""
    from ...ledger.similar import forget_term_stats, term_stats
    from ...org import lexicon
    from ...text.classify import default_model
    from ...text.segment import words

    steps = {"start": {"seconds": 0.0, "rss_mb": rss_mb()}}
    t = time.perf_counter()
    lexicon.ensure_loaded()
    words("预热分词器，加载词典")
    steps["segmenter"] = {"seconds": time.perf_counter() - t, "rss_mb": rss_mb()}
    # Cold-start times first, untraced; then the Python memory each object keeps (tracemalloc: RSS
    # also holds freed allocations and SQLite's page cache).
    t = time.perf_counter()
    model = default_model(build=True)
    steps["category model"] = {"seconds": time.perf_counter() - t, "rss_mb": rss_mb(),
                               "classes": len(model.classes) if model else 0}
    forget_term_stats()
    t = time.perf_counter()
    stats = term_stats()
    steps["word statistics"] = {"seconds": time.perf_counter() - t, "rss_mb": rss_mb(), "documents": stats.n,
                                "words": len(stats.df)}
    from ...text.classify import Model, default_path

    steps["category model"]["kept_mb"] = _kept(lambda: Model.load(default_path()))
    forget_term_stats()
    steps["word statistics"]["kept_mb"] = _kept(term_stats)
    return steps


def _kept(build) -> float:
    """MB of Python memory still held by what build() returns (tracemalloc)."""
    import gc
    import tracemalloc

    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        obj = build()
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    del obj
    return kept / 2**20
