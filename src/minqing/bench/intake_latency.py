"""Intake latency at scale (issue 4): `python -m minqing.bench intake_latency [--size 1000000] [--quick]`.

    python -m minqing.bench intake_latency [--size 1000000] [--quick] [--voices 200] [--db sqlite|postgresql]
                                           [--fresh] [--profile] [--copies 100] [--json FILE]
                                           [--train | --train-only] [--train-limit N] [--no-freeze]

Against a generated ledger (bench/_data.py: the demo county, real sentences recombined, ~60% closed;
stored under --data-dir as intake-sqlite-<size>, or in the PostgreSQL database mqintake_<size>, and
reused while its size and generator version match), for each of ≥200 real voices from the shared
data (or the demo sample):

- the whole intake, `intake.services.submit_voice` (normalise, segment, keywords, classify, route,
  number, write, index);
- what the dispatcher is shown for the new case: `workflow.suggest.suggest` (category + unit),
  `ledger.similar.duplicates_of` and `ledger.similar.precedents_of` — each timed, and their sum;
- for the first --copies voices, an edited copy submitted at the same place, to check that
  duplicates_of still finds the voice among `size` cases (retrieval at scale).

Each voice is rolled back, so the stored ledger stays as generated. Median and p99 (nearest rank)
are printed, the duplicates/precedents time split into its phases (segmenting and choosing the
rare words, the full-text candidate query, fetching and scoring the candidates), and the process's
memory (RSS) before and after loading the segmenter, the category model and the word statistics.
Target: p99 < 50 ms for suggest + duplicates + precedents at 1,000,000 cases. When it is missed (or
with --profile), a cProfile of the slow part and the candidate query's plan are printed.
--train / --train-only: also (only) time `minqing text train` on the ledger (measure_training), reading the
newest --train-limit categorised cases, and score the new model on the 5,000 oldest. The ledger's categories
follow its texts (bench/_data.py World.topics), so there is something to learn."""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import resource
import shutil
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from ._report import log, median, percentile

TARGET_MS = 50.0
TARGET_SIZE = 1_000_000
QUICK_SIZE = 10_000
DEFAULT_VOICES = 200
DEFAULT_DATA_DIR = Path(os.environ.get("MINQING_BENCH_DIR", "/tmp/minqing-bench"))
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/"
BENCH_KIND = "intake_latency"


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


# ------------------------------------------------------------------------------------ voices
def read_voices(n: int, seed: int = 2026) -> list[tuple[str, str]]:
    """(title, text) of n real messages: the TipDM files with replies and with votes, else the demo sample."""
    from ..text.corpus import read_messages
    from ._data import TIPDM

    out: list[tuple[str, str]] = []
    for name in ("messages_with_replies.xlsx", "messages_with_votes.xlsx"):
        path = TIPDM / name
        if path.exists():
            out += [(m.title, m.text) for m in read_messages(path) if len(m.text.strip()) >= 10
                    and len(m.text) <= 9000]
    if not out:
        from ..demo.cases import demo_voices

        out = [(v.get("title", ""), v["text"]) for v in demo_voices()]
    rng = random.Random(seed)
    rng.shuffle(out)
    while len(out) < n:  # a small demo sample: repeat it
        out += out[: n - len(out)]
    return out[:n]


def village_units() -> list[str]:
    from ..org.models import Level, Unit

    return sorted(Unit.objects.filter(level__in=[Level.VILLAGE, Level.GRID], active=True, code__startswith="QS-")
                  .values_list("code", flat=True))


# ------------------------------------------------------------------------------------ phases
class Phases:
    """Time spent inside duplicates_of / precedents_of, by phase, per voice: choosing the words
    (segmenting + rare-term selection), the full-text candidate query, the rest (fetching the
    candidate rows and scoring them)."""

    def __init__(self):
        self.current: dict[str, float] = defaultdict(float)
        self.per_voice: list[dict[str, float]] = []

    @contextmanager
    def installed(self):
        from unittest import mock

        from ..ledger import similar

        def timed(name, fn):
            def wrapper(*a, **kw):
                t = time.perf_counter()
                try:
                    return fn(*a, **kw)
                finally:
                    self.current[name] += (time.perf_counter() - t) * 1000
            return wrapper

        with mock.patch.object(similar, "words", timed("words", similar.words)), \
                mock.patch.object(similar, "_candidate_rows", timed("candidates", similar._candidate_rows)), \
                mock.patch.object(similar, "bigrams", timed("bigrams", similar.bigrams)):
            yield

    def next_voice(self, total_ms: float) -> None:
        d = dict(self.current)
        d["fetch+score"] = max(0.0, total_ms - sum(d.values()))
        self.per_voice.append(d)
        self.current.clear()

    def summary(self) -> dict[str, dict[str, float]]:
        names = ["words", "candidates", "bigrams", "fetch+score"]
        return {n: {"median": median([v.get(n, 0.0) for v in self.per_voice]),
                    "p99": percentile([v.get(n, 0.0) for v in self.per_voice], 99)} for n in names} \
            if self.per_voice else {}


# --------------------------------------------------------------------------------- measuring
def _submit(user, title, text, unit):
    from ..intake.services import submit_voice

    return submit_voice({"title": title, "text": text, "unit": unit, "channel": "phone",
                         "submitter": {"mode": "anonymous"}}, user).case


def warm_up(user, units: list[str]) -> dict:
    """Cold-start costs, each with the memory it adds: the segmenter (+ local names), the category
    model, the word statistics. Returns {step: {"seconds", "rss_mb"}}."""
    from ..ledger.similar import forget_term_stats, term_stats
    from ..org import lexicon
    from ..text.classify import default_model
    from ..text.segment import words

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
    from ..text.classify import Model, default_path

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


def measure(user, voices: list[tuple[str, str]], units: list[str], copies: int = 100, seed: int = 2026,
            progress=log) -> dict:
    """Per voice: submit_voice; suggest, duplicates_of, precedents_of for the new case; an edited copy
    (first `copies` voices) to check that duplicates_of finds it. Everything is rolled back."""
    from django.db import transaction

    from ..ledger.similar import duplicates_of, precedents_of
    from ..workflow.suggest import suggest
    from .dedup import edit

    rng = random.Random(seed)
    names = ("submit_voice", "suggest", "duplicates_of", "precedents_of", "suggest+duplicates+precedents")
    times: dict[str, list[float]] = {k: [] for k in names}
    cpu: dict[str, list[float]] = {k: [] for k in names}  # process CPU time: what the code costs, without
    # the waits of a busy machine (other processes on the CPUs, disk reads)
    phases = Phases()
    noise: list[float] = []  # the same fixed CPU work after every voice: how much the machine itself varies
    found, checked, dups, precs, suggested = 0, 0, 0, 0, 0
    slowest: list[tuple[float, int]] = []
    with phases.installed():
        for i, (title, text) in enumerate(voices):
            unit = rng.choice(units)
            with transaction.atomic():
                c0, t0 = time.process_time(), time.perf_counter()
                case = _submit(user, title, text, unit)
                c1, t1 = time.process_time(), time.perf_counter()
                s = suggest(case.text_norm, case.title, case.unit)
                c2, t2 = time.process_time(), time.perf_counter()
                phases.current.clear()
                d = duplicates_of(case)
                c3, t3 = time.process_time(), time.perf_counter()
                p = precedents_of(case)
                c4, t4 = time.process_time(), time.perf_counter()
                phases.next_voice((t4 - t2) * 1000)
                if i < copies:
                    copy = _submit(user, title, edit(text, rng), unit)
                    checked += 1
                    found += any(m.case.id == case.id for m in duplicates_of(copy))
                    phases.current.clear()
                transaction.set_rollback(True)
            times["submit_voice"].append((t1 - t0) * 1000)
            times["suggest"].append((t2 - t1) * 1000)
            times["duplicates_of"].append((t3 - t2) * 1000)
            times["precedents_of"].append((t4 - t3) * 1000)
            times["suggest+duplicates+precedents"].append((t4 - t1) * 1000)
            for k, (a, b) in zip(names, ((c0, c1), (c1, c2), (c2, c3), (c3, c4), (c1, c4)), strict=True):
                cpu[k].append((b - a) * 1000)
            slowest.append(((t4 - t1) * 1000, i))
            t5 = time.perf_counter()
            _fixed_work()
            noise.append((time.perf_counter() - t5) * 1000)
            dups += bool(d)
            precs += bool(p)
            suggested += s["category"] is not None
            if (i + 1) % 50 == 0:
                progress(f"  {i + 1}/{len(voices)} voices")
    slowest.sort(reverse=True)
    return {
        "n": len(voices),
        "times": {k: {"median": median(v), "p99": percentile(v, 99), "max": max(v)} for k, v in times.items()},
        "cpu": {k: {"median": median(v), "p99": percentile(v, 99), "max": max(v)} for k, v in cpu.items()},
        "phases": phases.summary(),
        "with_duplicates": dups, "with_precedents": precs, "with_category": suggested,
        "copies_checked": checked, "copies_found": found,
        "slowest": [i for _ms, i in slowest[:10]],
        "machine_noise": {"median": median(noise), "p99": percentile(noise, 99), "max": max(noise)},
    }


def _fixed_work(n: int = 200_000) -> int:
    """A fixed amount of pure-Python work (~10 ms on the 2-core benchmark machine)."""
    x = 0
    for i in range(n):
        x += i * i
    return x


# ---------------------------------------------------------------------------------- diagnosis
def candidate_query(case) -> tuple[str, list]:
    """The full-text candidate query duplicates_of runs for a case, with its parameters, as captured
    from the database connection (so that it follows whatever ledger/similar.py does)."""
    from django.db import connection

    from ..ledger.similar import duplicates_of

    captured: list[tuple[str, list]] = []

    def capture(execute, sql, params, many, context):
        if "ledger_case_fts" in sql or "to_tsquery" in sql:
            captured.append((sql, list(params or [])))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        duplicates_of(case)
    return captured[0] if captured else ("", [])


def diagnose(user, voices: list[tuple[str, str]], units: list[str], indexes: list[int], seed: int = 2026) -> dict:
    """For the slowest voices: the candidate query's plan and time, how many rows match the OR of the
    rare words (all of them are ranked before LIMIT applies), and each word's document count; then a
    cProfile of suggest + duplicates + precedents over them."""
    from django.db import connection, transaction

    from ..ledger.similar import duplicates_of, precedents_of, term_stats
    from ..workflow.suggest import suggest

    rng = random.Random(seed)
    out = {"queries": [], "profile": ""}
    prof = cProfile.Profile()
    for i in indexes:
        title, text = voices[i]
        with transaction.atomic():
            case = _submit(user, title, text, rng.choice(units))
            sql, params = candidate_query(case)
            if not sql:
                transaction.set_rollback(True)
                continue
            match = "%s"  # the OR of the words: the only string parameter
            expr = next(p for p in params if isinstance(p, str))
            with connection.cursor() as cur:
                t = time.perf_counter()
                cur.execute(sql, params)
                n_ids = len(cur.fetchall())
                ms = (time.perf_counter() - t) * 1000
                if connection.vendor == "sqlite":
                    cur.execute("EXPLAIN QUERY PLAN " + sql, params)
                    plan = [row[3] for row in cur.fetchall()]
                    cur.execute(f"SELECT COUNT(*) FROM ledger_case_fts WHERE ledger_case_fts MATCH {match}", [expr])
                else:
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                    plan = [row[0] for row in cur.fetchall()]
                    cur.execute("SELECT COUNT(*) FROM ledger_case WHERE search_tsv "
                                f"@@ to_tsquery('simple', {match})", [expr])
                matching = cur.fetchone()[0]
            stats = term_stats()
            terms = expr.replace('"', "").replace(" OR ", " | ").split(" | ")
            scale = (_case_count() / stats.n) if stats.n else 0
            out["queries"].append({"voice": i, "ms": ms, "ids": n_ids, "matching": matching, "plan": plan,
                                   "terms": [(t, round(stats.df.get(t, 0) * scale)) for t in terms],
                                   "sql": sql, "params": params})
            prof.enable()
            suggest(case.text_norm, case.title, case.unit)
            duplicates_of(case)
            precedents_of(case)
            prof.disable()
            transaction.set_rollback(True)
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(25)
    out["profile"] = buf.getvalue()
    return out


def _case_count() -> int:
    from ..ledger.models import Case

    return Case.objects.count()


def index_size() -> dict:
    """On-disk size of the full-text index and of the whole database (MB)."""
    from django.db import connection

    out = {}
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("PRAGMA page_size")
            page = cur.fetchone()[0]
            cur.execute("PRAGMA page_count")
            out["database_mb"] = cur.fetchone()[0] * page / 2**20
            try:
                cur.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'ledger_case_fts%'")
                out["fts_index_mb"] = (cur.fetchone()[0] or 0) / 2**20
            except Exception:  # dbstat is a compile-time option of SQLite
                out["fts_index_mb"] = None
        else:
            cur.execute("SELECT pg_database_size(current_database()), "
                        "COALESCE(pg_relation_size('ledger_case_search_tsv_gin'), 0)")
            db, gin = cur.fetchone()
            out["database_mb"], out["fts_index_mb"] = db / 2**20, gin / 2**20
    return out


# ------------------------------------------------------------------------------- the ledger
def prepare_ledger(args) -> dict:
    """Generate (or reuse) the ledger in the current database; returns the load report."""
    from django.db import connection

    from ..clock import now
    from ..ledger.models import Case
    from . import _data
    from .dedup import generated_ledger

    meta = _data.read_meta()
    want = {"size": args.size, "version": _data.GENERATOR_VERSION, "seed": args.seed, "bench": BENCH_KIND,
            "topics": True}  # categories follow the texts (World.topics)
    if not args.fresh and {k: meta.get(k) for k in want} == want and Case.objects.count() == args.size:
        log(f"reusing the ledger of {args.size:,} cases loaded {meta.get('loaded_at')} (--fresh to rebuild)")
        return (meta.get("load") or {}) | {"reused": True}
    if Case.objects.exists() or meta:
        log("the stored ledger does not match: rebuilding")
        connection.close()
        reset_database(args)
        _migrate()
    _data.setup_county()
    pool = _data.load_pool(args.pool, args.data_dir, log=log)
    world = _data.build_world(pool, now(), seed=args.seed, topics=_data.pool_topics(pool))
    log(f"generating and loading {args.size:,} cases …")
    load = generated_ledger(world, args.size, fast=True, progress=log)
    log(f"loaded in {load['seconds']:.0f}s: " + ", ".join(f"{k} {v:.1f}s" for k, v in load["phases"].items()))
    _data.write_meta(want | {"loaded_at": now().isoformat(timespec="seconds"), "load": load})
    return load | {"reused": False}


def _home(args) -> Path:
    return args.data_dir / (f"intake-sqlite-{args.size}" if args.db == "sqlite" else "intake-pg-home")


def _pg_name(args) -> str:
    name = f"mqintake_{args.size}"
    assert not name.startswith("mqbench") and name not in ("test", "test_minqing")
    return name


def reset_database(args) -> None:
    if args.db == "sqlite":
        for p in _home(args).glob("minqing.sqlite3*"):
            p.unlink()
    else:
        from .ledger import _pg_admin

        _pg_admin(args.pg_url, [f'DROP DATABASE IF EXISTS "{_pg_name(args)}" WITH (FORCE)',
                                f'CREATE DATABASE "{_pg_name(args)}"'])


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def configure(args) -> None:
    """Select our own database through the environment (as production does), then set Django up."""
    home = _home(args)
    home.mkdir(parents=True, exist_ok=True)
    os.environ["MINQING_HOME"] = str(home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")
    if args.db == "sqlite":
        os.environ.pop("MINQING_DATABASE_URL", None)
        if args.fresh:
            reset_database(args)
    else:
        import psycopg

        u = urlparse(args.pg_url)
        with psycopg.connect(urlunparse(u._replace(path="/postgres")), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [_pg_name(args)]).fetchone()
        if args.fresh or not exists:
            reset_database(args)
        os.environ["MINQING_DATABASE_URL"] = urlunparse(u._replace(path="/" + _pg_name(args)))
    # One trained model for every ledger of this benchmark: training takes ~30 s, loading ~0.3 s.
    from ..text.classify import VERSION

    shared = args.data_dir / "intake-models" / f"category-{VERSION}.joblib"
    mine = home / "models" / shared.name
    if shared.exists() and not mine.exists():
        mine.parent.mkdir(parents=True, exist_ok=True)
        for suffix in (".joblib", ".json"):
            src = shared.with_suffix(suffix)
            if src.exists():
                shutil.copy2(src, mine.with_suffix(suffix))
    import django

    django.setup()
    _migrate()


def keep_model(args) -> None:
    from ..text.classify import default_path

    path = default_path()
    shared = args.data_dir / "intake-models" / path.name
    if path.exists() and not shared.exists():
        shared.parent.mkdir(parents=True, exist_ok=True)
        for suffix in (".joblib", ".json"):
            if path.with_suffix(suffix).exists():
                shutil.copy2(path.with_suffix(suffix), shared.with_suffix(suffix))


HELD_OUT = 5_000  # the oldest categorised cases: never among the newest that retraining reads


def measure_training(limit: int | None = None) -> dict:
    """`minqing text train` on this ledger (the newest `limit` categorised cases and the shipped data):
    wall and CPU time (segmentation runs in forked workers: their CPU and peak memory are counted),
    this process's memory before and at its peak, the model's size on disk; then the new model and the
    one in use before it scored on the HELD_OUT oldest categorised cases (the ledger's categories follow its
    texts as the shipped model reads them, with 15% noise: bench/_data.py World.topics)."""
    from ..ledger.models import Case
    from ..ledger.training import RETRAIN_LIMIT, train_from_ledger
    from ..text import classify
    from ..text.evaluate import scores as score

    limit = limit or RETRAIN_LIMIT
    categorised = Case.objects.filter(category__isnull=False).exclude(category_top="")
    held = list(categorised.order_by("received_at").values_list("title", "text_norm", "category_top")[:HELD_OUT])
    overlap = categorised.count() < limit + len(held)  # a small ledger: the held-out cases are also read
    before = classify.default_model()  # the model in use before retraining (the shipped one at first)
    lines: list[str] = []
    rss0, wall0 = rss_mb(), time.perf_counter()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    path = train_from_ledger(out=lines.append, limit=limit)
    wall = time.perf_counter() - wall0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(b.ru_utime + b.ru_stime - a.ru_utime - a.ru_stime for a, b in zip(cpu0, cpu1, strict=True))
    info = json.loads(path.with_suffix(".json").read_text("utf-8"))
    truth = [top for _t, _x, top in held]
    scores = {}
    for name, model in (("retrained", classify.Model.load(path)), ("before", before)):
        guess = [s.category for s in model.predict_many((t, x) for t, x, _top in held)]
        got = score(truth, guess)
        scores[name] = {"accuracy": round(got["accuracy"], 3), "macro_f1": round(got["macro_f1"], 3)}
    return {"limit": limit, "seconds": round(wall, 1), "cpu_seconds": round(cpu, 1), "rss_before_mb": round(rss0),
            "peak_mb": round(peak_mb()), "worker_peak_mb": round(cpu1[1].ru_maxrss / 1024),
            "model_mb": round(path.stat().st_size / 2**20, 1), "n_labelled": info.get("n_labelled"),
            "metrics": info.get("metrics"), "held_out": len(held), "held_out_also_trained_on": overlap,
            "held_out_scores": scores, "output": lines}


# -------------------------------------------------------------------------------------- main
def parse(argv: list[str]):
    p = argparse.ArgumentParser(prog="python -m minqing.bench intake_latency", description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=None, help=f"cases in the ledger (default {TARGET_SIZE:,})")
    p.add_argument("--quick", action="store_true", help=f"{QUICK_SIZE:,} cases (smoke run, < 60 s)")
    p.add_argument("--voices", type=int, default=None, help=f"voices timed (default {DEFAULT_VOICES}; --quick 100)")
    p.add_argument("--copies", type=int, default=None, help="edited copies checked for retrieval at scale "
                   "(default 100; --quick 20)")
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--fresh", action="store_true", help="rebuild the stored ledger")
    p.add_argument("--profile", action="store_true", help="always print the cProfile and query plans")
    p.add_argument("--pool", type=int, default=None, help="real messages in the generator's text pool "
                   "(default 5000; --quick 600)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    p.add_argument("--pg-url", default=os.environ.get("MINQING_BENCH_PG_URL", DEFAULT_PG_URL))
    p.add_argument("--json", type=Path, default=None)
    p.add_argument("--no-freeze", action="store_true", help="measure without the web worker's gc.freeze() "
                   "after warm-up (minqing/warmup.py)")
    p.add_argument("--train", action="store_true", help="also time `minqing text train` on this ledger")
    p.add_argument("--train-only", action="store_true", help="only time `minqing text train` on this ledger")
    p.add_argument("--train-limit", type=int, default=None, help="newest categorised cases read by --train "
                   "(default ledger.training.RETRAIN_LIMIT)")
    args = p.parse_args(argv)
    args.size = args.size or (QUICK_SIZE if args.quick else TARGET_SIZE)
    args.pool = args.pool or (600 if args.quick else 5000)
    args.voices = args.voices or (100 if args.quick else DEFAULT_VOICES)
    if args.copies is None:
        args.copies = 20 if args.quick else 100
    return args


def print_report(r: dict, out=sys.stdout) -> None:
    w = out.write
    w(f"\nminqing intake latency — {r['db']} {r['size']:,} cases, {r['voices']} voices, {os.cpu_count()} CPUs; "
      f"target: p99 < {TARGET_MS:.0f} ms for suggest + duplicates + precedents at {TARGET_SIZE:,} cases\n\n")
    w(f"  {'measurement':<32} {'median ms':>10} {'p99 ms':>9} {'max ms':>9}   {'CPU median':>10} {'CPU p99':>8}\n")
    for k, v in r["times"].items():
        c = r["cpu"][k]
        w(f"  {k:<32} {v['median']:10.1f} {v['p99']:9.1f} {v['max']:9.1f}   {c['median']:10.1f} {c['p99']:8.1f}\n")
    w("  (wall-clock time; CPU: this process's CPU time, i.e. without waiting for a busy machine's CPUs or disk)\n")
    total = r["times"]["suggest+duplicates+precedents"]
    if r["size"] >= TARGET_SIZE:
        verdict = "PASS" if total["p99"] < TARGET_MS else "FAIL"
    else:
        verdict = f"no verdict at {r['size']:,} cases (the target is at {TARGET_SIZE:,})"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    w(f"\n  suggest + duplicates + precedents: p99 {total['p99']:.1f} ms — {verdict}"
      f" (CPU p99 {r['cpu']['suggest+duplicates+precedents']['p99']:.1f} ms; load average {load:.1f})\n")
    noise = r.get("machine_noise")
    if noise:
        w(f"  machine noise: the same fixed CPU work after every voice took median {noise['median']:.1f} ms, "
          f"p99 {noise['p99']:.1f} ms (×{noise['p99'] / noise['median']:.1f}), max {noise['max']:.1f} ms — "
          "what this machine adds to any p99\n")
    if r["phases"]:
        w("\n  duplicates_of + precedents_of by phase (ms):   median     p99\n")
        for k, v in r["phases"].items():
            w(f"    {k:<42} {v['median']:7.1f} {v['p99']:7.1f}\n")
    w(f"\n  voices with a duplicate shown: {r['with_duplicates']}/{r['voices']}, with precedents: "
      f"{r['with_precedents']}/{r['voices']}, with a category: {r['with_category']}/{r['voices']}\n")
    if r["copies_checked"]:
        w(f"  edited copy at the same place found by duplicates_of among {r['size']:,} cases: "
          f"{r['copies_found']}/{r['copies_checked']}\n")
    w("\n  memory (RSS, MB) and cold-start time:\n")
    prev = None
    for k, v in r["memory"].items():
        extra = "".join(f", {x} {v[x]:,}" for x in ("classes", "documents", "words") if x in v)
        if "kept_mb" in v:
            extra += f"; holds {v['kept_mb']:.0f} MB of Python objects"
        w(f"    {k:<18} {v['rss_mb']:8.0f} MB" + (f"  (+{v['rss_mb'] - prev:.0f} MB, {v['seconds']:.2f} s{extra})"
                                                   if prev is not None else "") + "\n")
        prev = v["rss_mb"]
    peak = "" if r.get("peak_includes_generation") else f" (peak {r['peak_mb']:.0f} MB)"
    w(f"    after the run      {r['rss_after_mb']:8.0f} MB{peak}\n")
    idx = r["index"]
    w(f"  database {idx['database_mb']:,.0f} MB on disk"
      + (f", full-text index {idx['fts_index_mb']:,.0f} MB" if idx.get("fts_index_mb") is not None else "") + "\n")
    if r.get("diagnosis"):
        w("\n  slowest voices — the candidate query (every row matching the OR is ranked before LIMIT):\n")
        for q in r["diagnosis"]["queries"]:
            w(f"    voice {q['voice']}: {q['ms']:.1f} ms, {q['matching']:,} matching rows, {q['ids']} kept\n")
            w("      words (≈ documents): " + ", ".join(f"{t} {n:,}" for t, n in q["terms"]) + "\n")
            for line in q["plan"]:
                w(f"      plan: {line}\n")
        w("\n  cProfile of suggest + duplicates + precedents over the slowest voices:\n")
        for line in r["diagnosis"]["profile"].splitlines():
            if line.strip():
                w(f"    {line}\n")


def main(argv: list[str]) -> None:
    args = parse(argv)
    started = time.perf_counter()
    configure(args)
    import logging

    logging.getLogger("minqing").setLevel(logging.ERROR)
    from django.db import connection

    from . import _data

    load = prepare_ledger(args)
    if not load.get("reused"):
        # Measure in a fresh process, so that the memory figures are not those of the generator.
        connection.close()
        sys.stdout.flush()
        argv = [a for a in argv if a != "--fresh"]
        os.environ["MINQING_INTAKE_REEXEC"] = "1"  # the peak RSS then still includes the generator's
        os.execv(sys.executable, [sys.executable, "-m", "minqing.bench", "intake_latency", *argv])
    users = _data.setup_county()
    if args.train_only:
        report = {"db": connection.vendor, "size": args.size, "load": load, "training": measure_training(args.train_limit)}
        print(json.dumps(report["training"], ensure_ascii=False, indent=1))
        if args.json:
            args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str), "utf-8")
        return
    user = users["dispatcher"]
    units = village_units()
    voices = read_voices(args.voices + 5, args.seed)
    memory = warm_up(user, units)
    if not args.no_freeze:  # as a web worker does before serving (minqing/warmup.py)
        from .. import warmup

        warmup.warm_up()
    keep_model(args)
    log(f"measuring {args.voices} voices against {args.size:,} cases …")
    measure(user, voices[args.voices:], units, copies=0, seed=args.seed + 1, progress=lambda s: None)  # warm
    result = measure(user, voices[: args.voices], units, copies=args.copies, seed=args.seed)
    report = {"db": connection.vendor, "size": args.size, "voices": args.voices, "load": load, **result,
              "memory": memory, "rss_after_mb": rss_mb(), "peak_mb": peak_mb(), "index": index_size(),
              "peak_includes_generation": os.environ.get("MINQING_INTAKE_REEXEC") == "1"}
    missed = report["times"]["suggest+duplicates+precedents"]["p99"] >= TARGET_MS and args.size >= TARGET_SIZE
    if args.profile or missed:
        report["diagnosis"] = diagnose(user, voices, units, result["slowest"][:5], args.seed)
    print_report(report)
    if args.train:
        report["training"] = measure_training(args.train_limit)
        print(json.dumps(report["training"], ensure_ascii=False, indent=1))
    print(f"\ntotal {time.perf_counter() - started:.0f}s")
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str), "utf-8")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
