"""The category model's settings, chosen by cross-validation inside the training data (docs/text.md).

Every setting that was ever chosen by looking at a score — which views are used (jieba words, single
characters, the title's character 1–2-grams) and the title's weight, the naive Bayes smoothing α and
its weight in the average — is chosen again, by `select`, each time a model is trained, by
`SELECT_FOLDS`-fold cross-validation on the labelled messages it is given and on nothing else. A cross-validation of `classify.train` is therefore a nested cross-validation: the outer
test fold never reaches the choice (tests/test_text_classify.py checks it). The taxonomy's
pseudo-messages always train and are never scored. The winner's out-of-fold scores also fit the
confidence temperature, so selection costs no extra fit there.

Cost: for each view set one feature matrix; for each (view set, C) one SVM fit per fold and for
each (view set, α) one naive Bayes fit per fold; the NB weight only re-averages scores. C stays at
liblinear's default 1.0 (never tuned).
Ties go to the earlier setting in GRID order (DEFAULT first)."""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass

import numpy as np
from scipy.sparse import hstack

SELECT_FOLDS = 3
SELECT_MAX = 1500  # labelled messages the choice is made on (a random sample of a larger set)


@dataclass(frozen=True)
class Settings:
    words_weight: float = 1.0  # 0: the view is left out
    chars_weight: float = 1.0
    title_weight: float = 1.5
    svm_c: float = 1.0
    nb_alpha: float = 0.1
    nb_weight: float = 0.5

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def view_weights(self) -> tuple[float, float, float]:
        return self.words_weight, self.chars_weight, self.title_weight


DEFAULT = Settings()
VIEW_SETS = tuple(v for v in itertools.product((1.0, 0.0), (1.0, 0.0), (1.5, 1.0, 2.0, 0.0)) if any(v))
GRID = {"views": VIEW_SETS, "svm_c": (1.0,), "nb_alpha": (0.1, 0.3, 1.0), "nb_weight": (0.5, 0.0, 1.0)}


@dataclass
class Selection:
    settings: Settings
    score: float  # inner out-of-fold macro-F1 of the winner
    classes: np.ndarray  # columns of oof
    oof: np.ndarray  # the winner's out-of-fold scores of the labelled rows selected on
    rows: np.ndarray  # which labelled rows (indices into the labelled list given)
    table: list[tuple[dict, float]]  # every setting tried and its score


def standardise(d: np.ndarray) -> np.ndarray:
    d = d - d.mean(axis=1, keepdims=True)
    return d / (d.std(axis=1, keepdims=True) + 1e-9)


def stack(views, weights):
    """The three views (words, characters, title n-grams) as one matrix, each weighted; weight 0
    leaves a view out."""
    return hstack([w * v for v, w in zip(views, weights, strict=True) if w]).tocsr()


def fit_svm(X, y, weights, c: float):
    from sklearn.svm import LinearSVC

    return LinearSVC(C=c, class_weight="balanced", max_iter=5000).fit(X, y, sample_weight=weights)


def fit_nb(X, y, weights, alpha: float):
    from sklearn.naive_bayes import ComplementNB

    return ComplementNB(alpha=alpha).fit(X, y, sample_weight=weights)


def svm_scores(svm, X) -> np.ndarray:
    d = svm.decision_function(X)
    if d.ndim == 1:  # two classes: liblinear gives one column
        d = np.column_stack([-d, d])
    return standardise(d)


def nb_scores(nb, X) -> np.ndarray:
    return standardise(nb.predict_joint_log_proba(X))


def candidates(grid: dict | None = None) -> list[Settings]:
    """Every setting tried, in order (DEFAULT first); without NB, only its first α."""
    grid = grid or GRID
    return [Settings(*v, c, a, w) for v, c, a, w in itertools.product(*grid.values())
            if w or a == grid["nb_alpha"][0]]


def _splits(y_labelled: np.ndarray, folds: int, seed: int):
    from sklearn.model_selection import KFold, StratifiedKFold

    _, counts = np.unique(y_labelled, return_counts=True)
    n = len(y_labelled)
    if counts.min() >= folds:
        return list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(n), y_labelled))
    return list(KFold(folds, shuffle=True, random_state=seed).split(np.zeros(n)))


def macro_f1(y_true, y_pred) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y_true, y_pred, labels=sorted(set(y_true)), average="macro", zero_division=0))


def select(views, y, weights, labelled: list, rows=None, folds: int | None = None, seed: int = 0,
           grid: dict | None = None) -> Selection:
    """The best settings by inner `folds`-fold CV. `views`: the (words, chars, title) matrices of the
    labelled rows followed by the always-training extra rows (taxonomy); `y`, `weights`: per row;
    `labelled`: the labelled rows' prepared texts (what the choice is made on; `rows` picks a subset
    of them). Only these rows are read: the caller holds out whatever it will score."""
    grid, folds = grid or GRID, folds or SELECT_FOLDS
    n_labelled = len(labelled)
    rows = np.arange(n_labelled) if rows is None else np.asarray(rows)
    extra = np.arange(n_labelled, len(y))
    classes = np.unique(y)
    yl = y[rows]
    splits = _splits(yl, folds, seed)
    n, k = len(rows), len(classes)
    svm_oof, nb_oof = {}, {}
    for tw in grid["views"]:
        X = stack(views, tw)
        for c in grid["svm_c"]:
            svm_oof[tw, c] = np.full((n, k), np.nan)
        for a in grid["nb_alpha"]:
            nb_oof[tw, a] = np.full((n, k), np.nan)
        for tr, te in splits:
            idx = np.concatenate([rows[tr], extra])
            Xtr, ytr, wtr, Xte = X[idx], y[idx], weights[idx], X[rows[te]]
            for c in grid["svm_c"]:
                svm = fit_svm(Xtr, ytr, wtr, c)
                svm_oof[tw, c][np.ix_(te, np.searchsorted(classes, svm.classes_))] = svm_scores(svm, Xte)
            for a in grid["nb_alpha"]:
                nb = fit_nb(Xtr, ytr, wtr, a)
                nb_oof[tw, a][np.ix_(te, np.searchsorted(classes, nb.classes_))] = nb_scores(nb, Xte)
    best, table = None, []
    for s in candidates(grid):
        tw, c, a, w = s.view_weights, s.svm_c, s.nb_alpha, s.nb_weight
        scores = np.nan_to_num(svm_oof[tw, c] + w * nb_oof[tw, a], nan=-1e3)  # absent class: cannot win
        f1 = macro_f1(yl, classes[scores.argmax(axis=1)])
        table.append((s.as_dict(), round(f1, 4)))
        if best is None or f1 > best[1] + 1e-12:
            best = (s, f1, scores)
    return Selection(best[0], best[1], classes, best[2], rows, table)
