"""The category model learns from confirmed cases (SPEC C7): `minqing text train` (and the benchmark's
retraining at scale) fits a new model on the ledger's categorised cases plus the shipped data, saves it
as a versioned artefact and installs it as the default model (docs/text.md, "Retraining at scale").
The model itself and its measurement are text/ (pure); this is the part that reads the ledger."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from ..text import classify
from ..text.corpus import load_sample
from ..text.evaluate import Out, pairs_of
from .models import Case, Category


def _ledger_taxonomy() -> list[tuple[str, ...]] | bool:
    """The taxonomy as the admin keeps it in the database (leaves' paths), else the packaged one."""
    paths = list(Category.objects.filter(children__isnull=True, level__gte=2).values_list("path", flat=True))
    return [tuple(p.split("/")) for p in paths] if paths else True


RETRAIN_LIMIT = 60_000  # newest categorised cases: about a year of a county; the SVM's time grows faster than n


def train_from_ledger(out: Out = print, limit: int = RETRAIN_LIMIT, text_chars: int = 1000) -> Path:
    """A new model from the ledger's categorised cases (the newest `limit`) plus the shipped data;
    saved as a versioned artefact and installed as the default model (docs/text.md, "Retraining at scale")."""
    rows = (Case.objects.filter(category__isnull=False).exclude(category_top="").order_by("-received_at")
            .values_list("title", "text_norm", "text", "category_top")[:limit])
    pairs, labels = [], []
    for title, text_norm, text, top in rows.iterator(chunk_size=5000):
        pairs.append((title or "", (text_norm or text or "")[:text_chars]))
        labels.append(top)
    sample, unlabelled = load_sample()
    out(f"ledger: {len(pairs)} categorised cases; shipped: {len(sample)} labelled, "
        f"{len(unlabelled)} unlabelled messages")
    started = time.perf_counter()
    model = classify.train(pairs + pairs_of(sample), labels + [m.label for m in sample],
                           unlabelled=pairs_of(unlabelled), taxonomy=_ledger_taxonomy())
    out(f"trained in {time.perf_counter() - started:.1f}s; categories: {len(model.classes)}")
    m = model.meta.get("metrics") or {}
    if m:
        out(f"out-of-fold check ({m['cv']}, {m['n']} messages): macro_f1={m['macro_f1']:.3f} "
            f"accuracy={m['accuracy']:.3f}")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%SZ")
    path = model.save(classify.models_dir() / f"category-{classify.VERSION}-{stamp}.joblib")
    current = model.save(classify.default_path())
    classify.reset_default_model()
    from .model_sync import SYNC_SECONDS, publish

    name = publish(path)  # every node's processes fetch it from the shared storage (ledger/model_sync.py)
    out(f"saved {path}")
    out(f"installed as {current} and published as {name} (every process of every node picks it up within "
        f"{SYNC_SECONDS + classify.RECHECK_SECONDS:.0f}s)")
    return path
