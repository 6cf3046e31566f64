"""The printed report: the times (wall clock and CPU) against the target — p99 < 50 ms for suggest +
duplicates + precedents at 1,000,000 cases, judged only at that size —, the machine's noise, the
phases, what the dispatcher was shown, memory and cold start, the database's size and, when there is
one, the diagnosis of the slowest voices."""

from __future__ import annotations

import os
import sys

TARGET_MS = 50.0
TARGET_SIZE = 1_000_000


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
