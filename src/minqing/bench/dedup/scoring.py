"""The figures: pair-level precision (returned pairs that are the probe's original) and recall
(positive probes whose original is returned), overall and per kind (`metrics`); the decision at
another threshold than the shipped one (`decide`) and the threshold sweep, chosen on a seeded half of
the originals (tune) and reported on the other half (test), never on rows; why positives were missed
and how close the false matches come."""

from __future__ import annotations

import math

from .labelled_set import ALL_KINDS, KINDS, NEGATIVE, POSITIVE, Probe
from .probes import Outcome

TARGET_PRECISION, TARGET_RECALL = 0.95, 0.90
THRESHOLDS = [round(0.10 + 0.05 * i, 2) for i in range(13)]  # 0.10 … 0.70
LIMIT = 5  # duplicates_of's default: what the dispatcher is shown


def decide(outcome: Outcome, threshold: float | None = None, limit: int = LIMIT) -> list[int]:
    """The originals returned for a probe: as shipped, or at another threshold (same order, same limit)."""
    if threshold is None:
        return outcome.shipped
    return [k for k, s in outcome.scored if s >= threshold][:limit]


def metrics(pairs: list[tuple[Probe, list[int]]]) -> dict:
    """Pair-level precision (returned pairs that are the probe's original) and recall (positive
    probes whose original was returned), overall and per kind. For a negative kind, recall is None
    and `clean` is the share of probes with nothing returned. The EXTRA kinds are counted per kind
    only, never in the overall figures."""
    per = {k: {"n": 0, "returned": 0, "correct": 0, "found": 0, "clean": 0} for k in ALL_KINDS}
    for probe, returned in pairs:
        d = per[probe.kind]
        d["n"] += 1
        d["returned"] += len(returned)
        hit = probe.positive and probe.original in returned
        d["correct"] += returned.count(probe.original) if probe.positive else 0
        d["found"] += int(hit)
        d["clean"] += int(all(r == probe.original for r in returned) if probe.positive else not returned)
    kinds = {}
    for k, d in per.items():
        kinds[k] = {**d, "precision": d["correct"] / d["returned"] if d["returned"] else None,
                    "recall": (d["found"] / d["n"] if d["n"] else None) if k not in NEGATIVE else None,
                    "clean_rate": d["clean"] / d["n"] if d["n"] else None}
    returned = sum(per[k]["returned"] for k in KINDS)
    correct = sum(per[k]["correct"] for k in KINDS)
    positives = sum(per[k]["n"] for k in POSITIVE)
    found = sum(per[k]["found"] for k in POSITIVE)
    probes = sum(per[k]["n"] for k in KINDS)
    return {"probes": probes, "positives": positives, "negatives": probes - positives,
            "returned": returned, "correct": correct, "found": found,
            "precision": correct / returned if returned else 1.0,
            "recall": found / positives if positives else 0.0, "kinds": kinds}


def _f1(m: dict) -> float:
    p, r = m["precision"], m["recall"]
    return 2 * p * r / (p + r) if p + r else 0.0


def choose_threshold(rows: list[dict], precision: float = TARGET_PRECISION) -> float:
    """Highest recall with precision ≥ target (ties: the higher threshold); else the best F1."""
    ok = [r for r in rows if r["precision"] >= precision]
    if ok:
        return max(ok, key=lambda r: (r["recall"], r["threshold"]))["threshold"]
    return max(rows, key=lambda r: (_f1(r), r["threshold"]))["threshold"]


def sweep(outcomes: list[Outcome], thresholds=THRESHOLDS, split: str | None = None, decide_fn=decide) -> list[dict]:
    chosen = [o for o in outcomes if split is None or o.probe.split == split]
    rows = []
    for t in thresholds:
        m = metrics([(o.probe, decide_fn(o, t)) for o in chosen])
        rows.append({"threshold": t, "precision": m["precision"], "recall": m["recall"],
                     "returned": m["returned"], "found": m["found"],
                     "same_title_recall": m["kinds"]["same-title"]["recall"]})
    return rows


def diagnose(outcomes: list[Outcome], threshold: float) -> dict:
    """Why positives were missed: the original never came back from candidate retrieval (the rarest
    words' full-text query), it did but scored below the threshold, or it was crowded out of the
    top LIMIT by other matches."""
    out: dict[str, dict] = {}
    for o in outcomes:
        if not o.probe.positive or o.probe.original in o.shipped:
            continue
        d = out.setdefault(o.probe.kind, {"missed": 0, "not_retrieved": 0, "below_threshold": 0, "crowded_out": 0,
                                          "scores": []})
        d["missed"] += 1
        score = next((s for k, s in o.scored if k == o.probe.original), None)
        if score is None:
            d["not_retrieved"] += 1
        else:
            d["below_threshold" if score < threshold else "crowded_out"] += 1
            d["scores"].append(score)
    return out


def wrong_scores(outcomes: list[Outcome]) -> dict[str, list[float]]:
    """The best score of a wrong candidate per probe kind (how close the false matches come)."""
    out: dict[str, list[float]] = {}
    for o in outcomes:
        best = max((s for k, s in o.scored if not (o.probe.positive and k == o.probe.original)), default=None)
        if best is not None:
            out.setdefault(o.probe.kind, []).append(best)
    return out


def _summary(values: list[float]) -> dict:
    v = sorted(values)
    return {"n": len(v), "median": v[len(v) // 2], "p95": v[max(0, math.ceil(0.95 * len(v)) - 1)], "max": v[-1]}
