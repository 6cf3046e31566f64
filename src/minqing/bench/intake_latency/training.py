"""--train / --train-only: `minqing text train` timed on the generated ledger (`measure_training`),
reading the newest --train-limit categorised cases, and the new model scored on the 5,000 oldest. The
ledger's categories follow its texts (bench/_data World.topics), so there is something to learn."""

from __future__ import annotations

import json
import resource
import time

from .memory import peak_mb, rss_mb

HELD_OUT = 5_000  # the oldest categorised cases: never among the newest that retraining reads


def measure_training(limit: int | None = None) -> dict:
    """`minqing text train` on this ledger (the newest `limit` categorised cases and the shipped data):
    wall and CPU time (segmentation runs in forked workers: their CPU and peak memory are counted),
    this process's memory before and at its peak, the model's size on disk; then the new model and the
    one in use before it scored on the HELD_OUT oldest categorised cases (the ledger's categories follow its
    texts as the shipped model reads them, with 15% noise: bench/_data World.topics)."""
    from ...ledger.models import Case
    from ...ledger.training import RETRAIN_LIMIT, train_from_ledger
    from ...text import classify
    from ...text.evaluate import scores as score

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
