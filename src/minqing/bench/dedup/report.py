"""The benchmark's report: `run` makes it (the set built, loaded after its background, probed,
scored as shipped, at the tuned threshold and beside the baselines), `print_report` prints it."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from .._report import log
from .background import load_background
from .baselines import TFIDF_AT, TfidfBaseline, baseline_exact
from .labelled_set import ALL_KINDS, NEGATIVE, Message, _units, build_set, demo_villages
from .probes import load_originals, run_probes
from .scoring import (
    TARGET_PRECISION,
    TARGET_RECALL,
    _summary,
    choose_threshold,
    decide,
    diagnose,
    metrics,
    sweep,
    wrong_scores,
)
from .variants import _clean


def run(messages: list[Message], n: int, user, seed: int = 2026, progress=log, background: int = 0,
        cache_dir: Path | None = None) -> dict:
    """Build the set, load it (after `background` generated cases) into the current database, probe,
    score. Returns the report."""
    from ...ledger.similar import DUPLICATE_AT

    started = time.perf_counter()
    villages = _units(demo_villages())
    originals, probes, used = build_set(messages, n, villages, seed)
    progress(f"dedup: {len(originals)} originals, {len(probes)} probes over {len(villages)} villages")
    if background:
        load_background(background, used, seed, cache_dir, progress)
    t = time.perf_counter()
    case_ids = load_originals(originals, user)
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    outcomes = run_probes(probes, case_ids, user, progress)
    probe_s = time.perf_counter() - t

    shipped = metrics([(o.probe, decide(o)) for o in outcomes])
    by_split = {s: metrics([(o.probe, decide(o)) for o in outcomes if o.probe.split == s]) for s in ("tune", "test")}
    tune_rows, test_rows = sweep(outcomes, split="tune"), sweep(outcomes, split="test")
    tuned_at = choose_threshold(tune_rows)
    tuned = metrics([(o.probe, decide(o, tuned_at)) for o in outcomes if o.probe.split == "test"])

    exact = metrics(baseline_exact(originals, probes))
    tf = TfidfBaseline(originals, probes)
    index = {id(p): i for i, p in enumerate(probes)}
    tfidf = metrics([(p, tf.decide(i, TFIDF_AT)) for i, p in enumerate(probes)])
    tfidf_place = metrics([(p, tf.decide(i, TFIDF_AT, p.village)) for i, p in enumerate(probes)])

    def tf_decide(o, t, place=False):
        i = index[id(o.probe)]
        return tf.decide(i, t, o.probe.village if place else None)

    tf_tune = sweep(outcomes, split="tune", decide_fn=tf_decide)
    tf_at = choose_threshold(tf_tune)
    tf_tuned = metrics([(o.probe, tf_decide(o, tf_at)) for o in outcomes if o.probe.split == "test"])
    lat = sorted(o.ms for o in outcomes)
    return {
        "originals": len(originals), "probes": len(probes), "villages": len(villages), "seed": seed,
        "background": background,
        "duplicate_at": DUPLICATE_AT, "seconds": {"load": load_s, "probes": probe_s,
                                                  "total": time.perf_counter() - started},
        "duplicates_of_ms": {"median": lat[len(lat) // 2], "max": lat[-1]} if lat else {},
        "methods": {
            f"minqing duplicates_of (shipped, ≥{DUPLICATE_AT})": shipped,
            f"minqing, threshold tuned on half (≥{tuned_at}), test half": tuned,
            "baseline: exact normalised text, same place": exact,
            f"baseline: TF-IDF cosine ≥{TFIDF_AT}, no place rule": tfidf,
            f"baseline: TF-IDF cosine ≥{TFIDF_AT} + same place": tfidf_place,
            f"baseline: TF-IDF tuned on half (≥{tf_at}), no place rule, test half": tf_tuned,
        },
        "split": by_split, "tuned_at": tuned_at,
        "sweep": {"tune": tune_rows, "test": test_rows},
        "misses": diagnose(outcomes, DUPLICATE_AT),
        "wrong_best": {k: _summary(v) for k, v in wrong_scores(outcomes).items()},
        "outcomes": outcomes,
    }


def _pct(v) -> str:
    return "—" if v is None else f"{v:.3f}"


def print_report(report: dict, examples: int = 5, out=sys.stdout) -> None:
    w = out.write
    w(f"\nminqing duplicate detection — {report['originals']} originals, {report['probes']} probes, "
      f"{report['villages']} villages, {report['background']:,} background cases, seed {report['seed']}; targets: precision ≥ {TARGET_PRECISION}, "
      f"recall ≥ {TARGET_RECALL}\n\n")
    head = ["method", "precision", "recall"] + list(ALL_KINDS)
    rows = []
    for name, m in report["methods"].items():
        cells = [name, _pct(m["precision"]), _pct(m["recall"])]
        for k in ALL_KINDS:
            d = m["kinds"][k]
            cells.append(f"{d['n'] - d['clean']}/{d['n']}" if k in NEGATIVE else _pct(d["recall"]))
        rows.append(cells)
    widths = [max(len(head[i]), *(len(r[i]) for r in rows)) for i in range(len(head))]
    w("  ".join(h.ljust(x) for h, x in zip(head, widths, strict=True)) + "\n")
    for r in rows:
        w("  ".join(c.ljust(x) for c, x in zip(r, widths, strict=True)) + "\n")
    w("(kind columns: recall for the positive kinds; probes with a false match / probes for the negatives;\n"
      " same-title: real pairs from the source, recall only, not in the precision/recall columns)\n")
    m = next(iter(report["methods"].values()))
    verdict = "PASS" if m["precision"] >= TARGET_PRECISION and m["recall"] >= TARGET_RECALL else "FAIL"
    w(f"\nshipped: precision {m['precision']:.3f}, recall {m['recall']:.3f} — {verdict}\n")
    w("\nper kind (shipped): kind, probes, returned pairs, correct pairs, precision, recall, clean\n")
    for k in ALL_KINDS:
        d = m["kinds"][k]
        w(f"  {k:<12} {d['n']:5d} {d['returned']:6d} {d['correct']:6d}  {_pct(d['precision']):>6}  "
          f"{_pct(d['recall']):>6}  {_pct(d['clean_rate']):>6}\n")
    for s, ms in report["split"].items():
        w(f"  {s} half: precision {ms['precision']:.3f}, recall {ms['recall']:.3f} ({ms['probes']} probes)\n")
    w(f"\nthreshold sweep (minqing scores; chosen on the tune half: {report['tuned_at']})\n")
    w("  threshold  tune P  tune R   test P  test R   same-title R (test)\n")
    for a, b in zip(report["sweep"]["tune"], report["sweep"]["test"], strict=True):
        w(f"  {a['threshold']:9.2f}  {a['precision']:.3f}  {a['recall']:.3f}    {b['precision']:.3f}  "
          f"{b['recall']:.3f}   {_pct(b['same_title_recall'])}\n")
    if report["misses"]:
        w("\nmissed positives (shipped): kind, missed, not retrieved by the full-text query, scored below, "
          "crowded out of the top 5\n")
        for k, d in report["misses"].items():
            sc = sorted(d["scores"])
            w(f"  {k:<12} {d['missed']:4d} {d['not_retrieved']:4d} {d['below_threshold']:4d} {d['crowded_out']:4d}"
              + (f"  scores median {sc[len(sc) // 2]:.3f} max {sc[-1]:.3f}" if sc else "") + "\n")
    if report["wrong_best"]:
        w("\nbest score of a wrong candidate at the same place, per kind: n, median, p95, max\n")
        for k, d in report["wrong_best"].items():
            w(f"  {k:<12} {d['n']:4d}  {d['median']:.3f}  {d['p95']:.3f}  {d['max']:.3f}\n")
    if examples:
        shown = [o for o in report["outcomes"] if o.probe.positive and o.probe.original not in o.shipped][:examples]
        shown += [o for o in report["outcomes"] if any(k != o.probe.original or not o.probe.positive
                                                       for k in o.shipped)][:examples]
        if shown:
            w("\nexamples (missed positives, then false matches):\n")
        for o in shown:
            p = o.probe
            top = [(k, round(v, 3)) for k, v in o.scored[:3]]
            w(f"  [{p.kind}] original #{p.original} returned {o.shipped} scores {top}: "
              f"{p.title[:30]} | {_clean(p.text)[:80]}\n")
            for score, what in o.wrong:
                w(f"      false match {score}: {what}\n")
    sec = report["seconds"]
    w(f"\nloaded in {sec['load']:.0f}s, probed in {sec['probes']:.0f}s; duplicates_of median "
      f"{report['duplicates_of_ms'].get('median', 0):.1f} ms\n")
