"""Measuring the category model on labelled files (retraining it from the ledger's cases is
ledger/training.py: this module knows files and lists, never the database).

`minqing text evaluate --train A.xlsx --test B.xlsx` trains on A (plus the shipped unlabelled sample
and the taxonomy, exactly as the shipped model is built) and scores B. When A and B are the same
file, it runs a stratified 5-fold cross-validation instead, so the figure is never a model scoring
its own training rows. `classify.train` chooses its settings by cross-validation inside the training
rows it is given, so this cross-validation is nested: the outer test fold never reaches the choice. Macro-F1 averages over the categories present in the test labels: a
prediction of any other category counts as an error of the true one, but adds no phantom class."""

from __future__ import annotations

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


def pairs_of(msgs) -> list[tuple[str, str]]:
    return [(m.title, m.text) for m in msgs]


def cross_validate(msgs: list[Message], unlabelled=None, folds: int = 5, seed: int = 0,
                   fit: Callable | None = None, test_views: dict[str, Callable] | None = None) -> dict:
    """Stratified k-fold predictions: {"y": labels, "pred": {view: predictions}, "conf": {view:
    confidences}, "fold": the outer fold of each message, "settings": per fold, what the model chose
    (meta["settings"]), "train_seconds": [...]}.
    `fit(pairs, labels)` returns something with predict_many (default: minqing's model with the
    given unlabelled messages); it sees the training folds only, so whatever it chooses inside (as
    classify.train does) is chosen without the test fold. `test_views` maps a name to a function
    applied to each test (title, text) pair before predicting (e.g. conversion to traditional
    script); "plain" is always there."""
    from sklearn.model_selection import StratifiedKFold

    y = np.array([m.label for m in msgs], dtype=object)
    pairs = pairs_of(msgs)
    if fit is None:
        def fit(p, labels):
            return classify.train(p, labels, unlabelled=unlabelled)
    views = {"plain": lambda pair: pair, **(test_views or {})}
    preds = {name: np.empty(len(y), dtype=object) for name in views}
    conf = {name: np.zeros(len(y)) for name in views}
    fold_of = np.zeros(len(y), dtype=int)
    _, counts = np.unique(y, return_counts=True)
    k = max(2, min(folds, int(counts.min())))
    seconds, settings = [], []
    for f, (tr, te) in enumerate(StratifiedKFold(k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y)):
        started = time.perf_counter()
        model = fit([pairs[i] for i in tr], list(y[tr]))
        seconds.append(time.perf_counter() - started)
        settings.append((getattr(model, "meta", None) or {}).get("settings"))
        fold_of[te] = f
        for name, view in views.items():
            suggestions = model.predict_many([view(pairs[i]) for i in te])
            preds[name][te] = [s.category for s in suggestions]
            conf[name][te] = [s.confidence for s in suggestions]
    return {"y": list(y), "pred": {n: list(p) for n, p in preds.items()}, "conf": conf, "fold": fold_of,
            "settings": settings, "train_seconds": seconds, "folds": k}


def fold_scores(run: dict, view: str = "plain") -> list[float]:
    """Macro-F1 of each outer test fold of a cross_validate run."""
    y, pred, fold = np.array(run["y"], dtype=object), np.array(run["pred"][view], dtype=object), run["fold"]
    return [scores(list(y[fold == f]), list(pred[fold == f]))["macro_f1"] for f in range(run["folds"])]


def nested_cross_validate(msgs: list[Message], repeats: int = 3, folds: int = 5, fit: Callable | None = None,
                          unlabelled=None, test_views: dict[str, Callable] | None = None) -> dict:
    """Repeated stratified k-fold (fold seeds 0..repeats-1) of a training procedure that chooses its
    own settings inside the training folds (classify.train does): {"runs": [cross_validate results],
    "fold_f1": {view: macro-F1 of every outer fold}, "mean"/"sd": {view: over those folds}}."""
    runs = [cross_validate(msgs, unlabelled, folds=folds, seed=r, fit=fit, test_views=test_views)
            for r in range(repeats)]
    names = list(runs[0]["pred"])
    f1 = {v: [s for r in runs for s in fold_scores(r, v)] for v in names}
    return {"runs": runs, "fold_f1": f1, "mean": {v: float(np.mean(f1[v])) for v in names},
            "sd": {v: float(np.std(f1[v], ddof=1)) if len(f1[v]) > 1 else 0.0 for v in names}}


def evaluate_files(train_path, test_path, out: Out = print, folds: int = 5) -> dict:
    train_msgs = _labelled(train_path)
    _, unlabelled = load_sample()
    unlabelled = pairs_of(unlabelled)
    classes = sorted({m.label for m in train_msgs})
    out(f"train: {train_path} ({len(train_msgs)} labelled messages, {len(classes)} categories)")
    out(f"also used: {len(unlabelled)} unlabelled messages shipped with minqing (word statistics only) "
        "and the taxonomy's category names")
    same = Path(train_path).resolve() == Path(test_path).resolve()
    if same:
        cv = cross_validate(train_msgs, unlabelled, folds=folds)
        out(f"train and test are the same file: stratified {cv['folds']}-fold cross-validation, nested "
            "(every message is scored by a model that never saw it, with settings chosen without it)")
        y, pred = cv["y"], cv["pred"]["plain"]
        out(f"training time per fold: {np.mean(cv['train_seconds']):.1f}s")
    else:
        test_msgs = _labelled(test_path)
        out(f"test: {test_path} ({len(test_msgs)} labelled messages)")
        started = time.perf_counter()
        model = classify.train(pairs_of(train_msgs), [m.label for m in train_msgs], unlabelled=unlabelled)
        out(f"training time: {time.perf_counter() - started:.1f}s")
        y, pred = [m.label for m in test_msgs], [s.category for s in model.predict_many(pairs_of(test_msgs))]
    result = scores(y, pred)
    print_scores(result, out)
    return result
