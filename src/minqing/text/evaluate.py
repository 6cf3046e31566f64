"""Measuring the category model on labelled files, and retraining it from the ledger.

`minqing text evaluate --train A.xlsx --test B.xlsx` trains on A (plus the shipped unlabelled sample
and the taxonomy, exactly as the shipped model is built) and scores B. When A and B are the same
file, it runs a stratified 5-fold cross-validation instead, so the figure is never a model scoring
its own training rows. Macro-F1 averages over the categories present in the test labels: a
prediction of any other category counts as an error of the true one, but adds no phantom class."""

from __future__ import annotations

import datetime as dt
import time
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from . import classify
from .corpus import Message, load_sample, read_messages
from .normalise import normalise

Out = Callable[[str], None]


def scores(y_true: Sequence[str], y_pred: Sequence[str]) -> dict:
    """macro_f1, accuracy, and per-class (precision, recall, f1, support) over the true classes."""
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    labels = sorted(set(y_true))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    return {"macro_f1": float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
            "accuracy": float(accuracy_score(y_true, y_pred)), "labels": labels,
            "per_class": {c: (float(p[i]), float(r[i]), float(f[i]), int(s[i])) for i, c in enumerate(labels)},
            "outside": int(sum(1 for v in y_pred if v not in set(labels)))}


def pad(s: str, width: int) -> str:
    """Left-justify for a terminal, where a Chinese character takes two columns."""
    return s + " " * max(0, width - sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s))


def print_scores(result: dict, out: Out) -> None:
    out(f"{pad('category', 16)} {'precision':>9} {'recall':>7} {'f1':>6} {'n':>5}")
    for c, (p, r, f, n) in result["per_class"].items():
        out(f"{pad(c, 16)} {p:>9.3f} {r:>7.3f} {f:>6.3f} {n:>5}")
    if result["outside"]:
        out(f"predictions outside the test file's categories: {result['outside']}")
    out(f"macro_f1={result['macro_f1']:.3f} accuracy={result['accuracy']:.3f}")


def _labelled(path) -> list[Message]:
    msgs = read_messages(path, require_label=True)
    # Labels in traditional script or with stray spaces still name the same category.
    return [Message(m.title, m.text, normalise(m.label).replace(" ", "")) for m in msgs]


def _pairs(msgs) -> list[tuple[str, str]]:
    return [(m.title, m.text) for m in msgs]


def cross_validate(msgs: list[Message], unlabelled=None, folds: int = 5, seed: int = 0,
                   fit: Callable | None = None, test_views: dict[str, Callable] | None = None) -> dict:
    """Stratified k-fold predictions: {"y": labels, "pred": {view: predictions}, "conf": {view:
    confidences}, "train_seconds": [...]}.
    `fit(pairs, labels)` returns something with predict_many (default: minqing's model with the
    given unlabelled messages); `test_views` maps a name to a function applied to each test (title,
    text) pair before predicting (e.g. conversion to traditional script); "plain" is always there."""
    from sklearn.model_selection import StratifiedKFold

    y = np.array([m.label for m in msgs], dtype=object)
    pairs = _pairs(msgs)
    if fit is None:
        def fit(p, labels):
            return classify.train(p, labels, unlabelled=unlabelled)
    views = {"plain": lambda pair: pair, **(test_views or {})}
    preds = {name: np.empty(len(y), dtype=object) for name in views}
    conf = {name: np.zeros(len(y)) for name in views}
    _, counts = np.unique(y, return_counts=True)
    k = max(2, min(folds, int(counts.min())))
    seconds = []
    for tr, te in StratifiedKFold(k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y):
        started = time.perf_counter()
        model = fit([pairs[i] for i in tr], list(y[tr]))
        seconds.append(time.perf_counter() - started)
        for name, view in views.items():
            suggestions = model.predict_many([view(pairs[i]) for i in te])
            preds[name][te] = [s.category for s in suggestions]
            conf[name][te] = [s.confidence for s in suggestions]
    return {"y": list(y), "pred": {n: list(p) for n, p in preds.items()}, "conf": conf,
            "train_seconds": seconds, "folds": k}


def evaluate_files(train_path, test_path, out: Out = print, folds: int = 5) -> dict:
    train_msgs = _labelled(train_path)
    _, unlabelled = load_sample()
    unlabelled = _pairs(unlabelled)
    classes = sorted({m.label for m in train_msgs})
    out(f"train: {train_path} ({len(train_msgs)} labelled messages, {len(classes)} categories)")
    out(f"also used: {len(unlabelled)} unlabelled messages shipped with minqing (word statistics only) "
        "and the taxonomy's category names")
    same = Path(train_path).resolve() == Path(test_path).resolve()
    if same:
        cv = cross_validate(train_msgs, unlabelled, folds=folds)
        out(f"train and test are the same file: stratified {cv['folds']}-fold cross-validation "
            "(every message is scored by a model that never saw it)")
        y, pred = cv["y"], cv["pred"]["plain"]
        out(f"training time per fold: {np.mean(cv['train_seconds']):.1f}s")
    else:
        test_msgs = _labelled(test_path)
        out(f"test: {test_path} ({len(test_msgs)} labelled messages)")
        started = time.perf_counter()
        model = classify.train(_pairs(train_msgs), [m.label for m in train_msgs], unlabelled=unlabelled)
        out(f"training time: {time.perf_counter() - started:.1f}s")
        y, pred = [m.label for m in test_msgs], [s.category for s in model.predict_many(_pairs(test_msgs))]
    result = scores(y, pred)
    print_scores(result, out)
    return result


def _ledger_taxonomy() -> list[tuple[str, ...]] | bool:
    """The taxonomy as the admin keeps it in the database (leaves' paths), else the packaged one."""
    from ..ledger.models import Category

    paths = list(Category.objects.filter(children__isnull=True, level__gte=2).values_list("path", flat=True))
    return [tuple(p.split("/")) for p in paths] if paths else True


RETRAIN_LIMIT = 60_000  # newest categorised cases: about a year of a county; the SVM's time grows faster than n


def train_from_ledger(out: Out = print, limit: int = RETRAIN_LIMIT, text_chars: int = 1000) -> Path:
    """A new model from the ledger's categorised cases (the newest `limit`) plus the shipped data;
    saved as a versioned artefact and installed as the default model (docs/text.md, "Retraining at scale")."""
    from ..ledger.models import Case

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
    model = classify.train(pairs + _pairs(sample), labels + [m.label for m in sample],
                           unlabelled=_pairs(unlabelled), taxonomy=_ledger_taxonomy())
    out(f"trained in {time.perf_counter() - started:.1f}s; categories: {len(model.classes)}")
    m = model.meta.get("metrics") or {}
    if m:
        out(f"out-of-fold check ({m['cv']}, {m['n']} messages): macro_f1={m['macro_f1']:.3f} "
            f"accuracy={m['accuracy']:.3f}")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%SZ")
    path = model.save(classify.models_dir() / f"category-{classify.VERSION}-{stamp}.joblib")
    current = model.save(classify.default_path())
    classify.reset_default_model()
    out(f"saved {path}")
    out(f"installed as {current} (running processes pick it up within {classify.RECHECK_SECONDS:.0f}s)")
    return path
