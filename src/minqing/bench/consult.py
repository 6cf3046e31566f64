"""Opinion groups benchmark: `python -m minqing.bench consult [--quick] [--json FILE]`.

1. Planted consultations: 2–5 groups (one a 10% minority), each participant votes on 20–50% of the
   statements, 20% of the votes flipped, 7% passes. Adjusted Rand index of minqing's groups, of the
   best possible classifier (told the true stances: Bayes rule under the noise model) and of the
   Pol.is method (mean-filled 2-D PCA, k-means, k by silhouette); whether the minority was found.
2. A real consultation (../shared/data/polis/vtaiwan.uberx): a tenth of each participant's
   agree/disagree votes hidden (participants with ≥ 5 votes), groups formed from the rest, each hidden
   vote predicted by the majority of the participant's group on that statement (ties and no data: the
   overall majority); minqing, the Pol.is method and no groups.
3. Scale: 10,000 participants × 500 statements, 4 groups: time of find_groups and peak memory."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from minqing.consult.groups import find_groups, group_of
from minqing.consult.polis import polis_groups

SHARED_DATA = Path(os.environ.get("MINQING_SHARED_DATA") or Path(__file__).resolve().parents[4] / "shared" / "data")
POLIS = SHARED_DATA / "polis"
REAL = "vtaiwan.uberx"
NOISE, PASS_RATE, MINORITY, CONSENSUS_SHARE = 0.2, 0.07, 0.10, 0.15


# ------------------------------------------------------------------------------- planted groups
@dataclass
class Planted:
    votes: list  # (participant, statement, value)
    truth: np.ndarray  # planted group per participant 0..n-1
    stances: np.ndarray  # k × m of ±1
    sizes: np.ndarray  # planted proportions
    minority: int  # index of the 10% group


def planted(k: int, n: int, m: int, seed: int, low: float = 0.2, high: float = 0.5) -> Planted:
    """k groups (the last a 10% minority, the others sharing the rest evenly), random ±1 stances with
    15% consensus statements (the same stance in every group); each participant votes on a uniformly
    random 20–50% of the statements; a vote is a pass with 7%, else the stance flipped with 20%."""
    rng = np.random.default_rng(seed)
    sizes = np.array([(1 - MINORITY) / (k - 1)] * (k - 1) + [MINORITY]) if k > 1 else np.ones(1)
    truth = np.sort(rng.choice(k, n, p=sizes))
    stances = rng.choice([-1, 1], (k, m))
    shared = rng.random(m) < CONSENSUS_SHARE
    stances[:, shared] = rng.choice([-1, 1], p=[0.3, 0.7], size=shared.sum())
    votes = []
    for i in range(n):
        seen = rng.choice(m, int(round(rng.uniform(low, high) * m)), replace=False)
        v = stances[truth[i], seen] * np.where(rng.random(len(seen)) < NOISE, -1, 1)
        v[rng.random(len(seen)) < PASS_RATE] = 0
        votes.extend(zip([f"p{i}"] * len(seen), seen.tolist(), v.tolist(), strict=True))
    return Planted(votes, truth, stances, sizes, k - 1)


def best_possible(p: Planted) -> np.ndarray:
    """Bayes rule given the true stances, sizes and noise: the information limit."""
    n, k = len(p.truth), p.stances.shape[0]
    match = np.zeros((n, k))
    for who, s, v in p.votes:
        if v:
            match[int(who[1:])] += p.stances[:, s] == v
    cast = np.zeros(n)
    for who, _, v in p.votes:
        cast[int(who[1:])] += v != 0
    ll = match * np.log(1 - NOISE) + (cast[:, None] - match) * np.log(NOISE) + np.log(p.sizes)
    return ll.argmax(axis=1)


def labels_of(assign: dict, n: int) -> np.ndarray:
    """Participant labels "p0".."p{n-1}" as an array; participants without a group get a group of their own."""
    return np.array([assign.get(f"p{i}", -1 - i) for i in range(n)])


def minority_found(labels: np.ndarray, truth: np.ndarray, minority: int) -> bool:
    """A found group holds ≥ 80% of the minority and is ≥ 80% minority."""
    mine = truth == minority
    for g in set(labels[mine].tolist()):
        inside = labels == g
        if (inside & mine).sum() >= 0.8 * mine.sum() and (inside & mine).sum() >= 0.8 * inside.sum():
            return True
    return False


def run_planted(k: int, n: int, m: int, seed: int) -> dict:
    from sklearn.metrics import adjusted_rand_score as ari

    p = planted(k, n, m, seed)
    t0 = time.perf_counter()
    g = find_groups(p.votes, seed=seed)
    took = time.perf_counter() - t0
    ours = labels_of(group_of(g), n)
    polis = labels_of(polis_groups(p.votes, seed=seed), n)
    best = best_possible(p)
    row = {"k": k, "n": n, "m": m, "seed": seed, "votes": len(p.votes), "found_k": len(g.groups),
           "polis_k": len(set(polis.tolist())), "ari": ari(p.truth, ours), "best": ari(p.truth, best),
           "polis": ari(p.truth, polis), "minority": minority_found(ours, p.truth, p.minority),
           "polis_minority": minority_found(polis, p.truth, p.minority), "seconds": took}
    row["ratio"] = row["ari"] / row["best"] if row["best"] > 0 else float("nan")
    return row


# ------------------------------------------------------------------------------- real consultation
def load_polis(folder: Path) -> list:
    """(voter, comment, vote) in time order from a Pol.is export's votes.csv."""
    with open(folder / "votes.csv", newline="", encoding="utf-8") as f:
        rows = [(int(r["timestamp"]), r["voter-id"], r["comment-id"], int(r["vote"])) for r in csv.DictReader(f)]
    rows.sort(key=lambda r: r[0])
    return [r[1:] for r in rows]


def hide(votes: list, seed: int, share: float = 0.1, min_votes: int = 5):
    """Split the (deduplicated) votes: for every participant with ≥ min_votes votes, round(share × votes)
    (at least one) of their agree/disagree votes are hidden; returns (kept, hidden)."""
    last = {(p, s): v for p, s, v in votes}
    by: dict = {}
    for (p, s), v in last.items():
        by.setdefault(p, []).append((s, v))
    rng = np.random.default_rng(seed)
    kept, hidden = [], []
    for p in sorted(by):
        cast = by[p]
        target = [x for x in cast if x[1] != 0]
        n_hide = min(len(target), max(1, round(share * len(cast)))) if len(cast) >= min_votes else 0
        chosen = set(rng.choice(len(target), n_hide, replace=False).tolist()) if n_hide else set()
        hide_keys = {target[t][0] for t in chosen}
        for s, v in cast:
            (hidden if s in hide_keys else kept).append((p, s, v))
    return kept, hidden


def majority_accuracy(kept: list, hidden: list, assign: dict) -> float:
    """Share of hidden votes whose sign is the majority of the voter's group on that statement
    (ties or no votes: the majority of everyone; a tie there: agree)."""
    overall: dict = {}
    group: dict = {}
    for p, s, v in kept:
        overall[s] = overall.get(s, 0) + v
        g = assign.get(p)
        if g is not None:
            group[g, s] = group.get((g, s), 0) + v
    right = 0
    for p, s, v in hidden:
        g = assign.get(p)
        guess = np.sign(group.get((g, s), 0)) if g is not None else 0
        guess = guess or np.sign(overall.get(s, 0)) or 1
        right += guess == v
    return right / len(hidden)


def run_real(folder: Path, seeds: list[int]) -> dict:
    votes = load_polis(folder)
    rows = []
    for seed in seeds:
        kept, hidden = hide(votes, seed)
        t0 = time.perf_counter()
        g = find_groups(kept, seed=seed)
        took = time.perf_counter() - t0
        ours = group_of(g)
        polis = polis_groups(kept, seed=seed)
        rows.append({"seed": seed, "hidden": len(hidden), "k": len(g.groups), "sizes": [len(x.members) for x in g.groups],
                     "polis_k": len(set(polis.values())), "minqing": majority_accuracy(kept, hidden, ours),
                     "polis": majority_accuracy(kept, hidden, polis), "none": majority_accuracy(kept, hidden, {}),
                     "seconds": took, "k_scores": g.k_scores})
    participants = len({p for p, _, _ in votes})
    return {"dataset": folder.name, "votes": len(votes), "participants": participants, "rows": rows}


# ------------------------------------------------------------------------------- scale
def run_scale(n: int, m: int, repeats: int, seed: int = 0) -> dict:
    p = planted(4, n, m, seed)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        g = find_groups(p.votes, seed=seed)
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    find_groups(p.votes, seed=seed)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    from sklearn.metrics import adjusted_rand_score as ari

    return {"n": n, "m": m, "votes": len(p.votes), "seconds": statistics.median(times), "times": times,
            "peak_mib": peak / 2**20, "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "k": len(g.groups), "ari": ari(p.truth, labels_of(group_of(g), n))}


# ------------------------------------------------------------------------------- report
def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(prog="python -m minqing.bench consult", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one seed, small sizes (a smoke run)")
    ap.add_argument("--json", help="write all figures to this file")
    args = ap.parse_args(argv)
    quick = args.quick
    out: dict = {"date": dt.date.today().isoformat(), "cpus": os.cpu_count(), "python": platform.python_version(),
                 "command": "python -m minqing.bench consult" + (" --quick" if quick else "")}
    print(f"# Opinion groups benchmark ({out['command']}), {out['date']}, {out['cpus']} CPUs")

    # 1. planted
    seeds = [0] if quick else [0, 1, 2]
    sizes = [500, 750, 1000]
    m = 120
    print(f"\n## 1. Planted groups: {m} statements, 20–50% voted each, {NOISE:.0%} flipped, {PASS_RATE:.0%} passes,"
          " one 10% minority")
    print("| planted k | n | seed | votes | minqing k | Pol.is k | ARI minqing | best possible | Pol.is | minqing/best"
          " | minority: minqing | minority: Pol.is | seconds |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    rows = []
    for k in (2, 3, 4, 5):
        for seed in seeds:
            n = sizes[seed % len(sizes)]
            r = run_planted(k, n, m, seed)
            rows.append(r)
            print(f"| {k} | {n} | {seed} | {r['votes']:,} | {r['found_k']} | {r['polis_k']} | {r['ari']:.3f} | "
                  f"{r['best']:.3f} | {r['polis']:.3f} | {r['ratio']:.3f} | {'yes' if r['minority'] else 'no'} | "
                  f"{'yes' if r['polis_minority'] else 'no'} | {r['seconds']:.2f} |", flush=True)
    ratios = [r["ratio"] for r in rows]
    summary = {"mean_ari": statistics.mean(r["ari"] for r in rows), "mean_best": statistics.mean(r["best"] for r in rows),
               "mean_polis": statistics.mean(r["polis"] for r in rows), "mean_ratio": statistics.mean(ratios),
               "min_ratio": min(ratios), "minority": sum(r["minority"] for r in rows),
               "polis_minority": sum(r["polis_minority"] for r in rows), "runs": len(rows),
               "k_right": sum(r["found_k"] == r["k"] for r in rows),
               "polis_k_right": sum(r["polis_k"] == r["k"] for r in rows)}
    by_k = {k: statistics.mean(r["ari"] for r in rows if r["k"] == k) for k in (2, 3, 4, 5)}
    polis_by_k = {k: statistics.mean(r["polis"] for r in rows if r["k"] == k) for k in (2, 3, 4, 5)}
    print(f"\nmean ARI: minqing {summary['mean_ari']:.3f}, best possible {summary['mean_best']:.3f}, "
          f"Pol.is {summary['mean_polis']:.3f}; k right: minqing {summary['k_right']}/{len(rows)}, "
          f"Pol.is {summary['polis_k_right']}/{len(rows)}")
    print("mean ARI by planted k: " + ", ".join(f"{k}: minqing {by_k[k]:.3f} / Pol.is {polis_by_k[k]:.3f}" for k in by_k))
    print(f"minqing/best: mean {summary['mean_ratio']:.3f} (target ≥ 0.95: {_verdict(summary['mean_ratio'] >= 0.95)}), "
          f"lowest {summary['min_ratio']:.3f} (target ≥ 0.90: {_verdict(summary['min_ratio'] >= 0.90)})")
    print(f"minority recovered: minqing {summary['minority']}/{len(rows)} "
          f"(target all: {_verdict(summary['minority'] == len(rows))}), Pol.is {summary['polis_minority']}/{len(rows)}")
    out["planted"] = {"rows": rows, "summary": summary}

    # 2. real
    folder = POLIS / REAL
    print(f"\n## 2. Real consultation: {folder}")
    if not (folder / "votes.csv").exists():
        print(f"skipped: {folder / 'votes.csv'} not found (set MINQING_SHARED_DATA)")
    else:
        real = run_real(folder, [0] if quick else [0, 1, 2, 3, 4])
        print(f"{real['votes']:,} votes by {real['participants']:,} participants; a tenth of each participant's "
              "agree/disagree votes hidden (participants with ≥ 5 votes), predicted by their group's majority")
        print("| seed | hidden votes | minqing k (sizes) | Pol.is k | accuracy minqing | Pol.is | no groups | seconds |")
        print("|---|---|---|---|---|---|---|---|")
        for r in real["rows"]:
            print(f"| {r['seed']} | {r['hidden']:,} | {r['k']} ({', '.join(map(str, r['sizes']))}) | {r['polis_k']} | "
                  f"{r['minqing']:.4f} | {r['polis']:.4f} | {r['none']:.4f} | {r['seconds']:.2f} |")
        mean = {key: statistics.mean(float(r[key]) for r in real["rows"]) for key in ("minqing", "polis", "none")}
        ks = [r["k"] for r in real["rows"]]
        print(f"\nmean accuracy: minqing {mean['minqing']:.4f}, Pol.is {mean['polis']:.4f}, no groups {mean['none']:.4f} "
              f"(target minqing ≥ Pol.is: {_verdict(mean['minqing'] >= mean['polis'])}); groups found {min(ks)}–{max(ks)} "
              f"(target 2–6: {_verdict(min(ks) >= 2 and max(ks) <= 6)})")
        real["mean"] = mean
        out["real"] = real

    # 3. scale
    n, m, repeats = (2000, 200, 1) if quick else (10000, 500, 3)
    print(f"\n## 3. Scale: {n:,} participants × {m} statements, 4 groups, 20–50% voted each")
    sc = run_scale(n, m, repeats)
    print(f"{sc['votes']:,} votes: find_groups {sc['seconds']:.2f} s (median of {repeats}: "
          f"{', '.join(f'{t:.2f}' for t in sc['times'])}), target < 5 s: {_verdict(sc['seconds'] < 5)}; "
          f"peak traced memory {sc['peak_mib']:.0f} MiB, process max RSS {sc['maxrss_mib']:.0f} MiB; "
          f"k found {sc['k']}, ARI {sc['ari']:.3f}")
    out["scale"] = sc
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1, default=float), encoding="utf-8")
        print(f"\nfigures written to {args.json}")
    sys.stdout.flush()
