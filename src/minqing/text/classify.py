"""First-level category suggestions for citizens' messages, with calibrated confidences.

The method, and why (figures in docs/text.md, measured with `python -m minqing.bench text`):
- Text is normalised first (traditional → simplified, full-width → half-width), so traditional-script
  input is featurised exactly like simplified input.
- Three sparse views, TF-IDF with sublinear term frequency: jieba words of title + text, single
  characters of title + text (robust to segmentation errors and unknown local names), and character
  1–2-grams of the title alone, weighted (×1.5 by default; views and weights are chosen, below) —
  the title is the citizen's own summary and carries most of the signal in short messages.
- The IDF and the vocabulary come from the labelled *and* unlabelled messages: with ~400 labels,
  thousands of unlabelled messages give far steadier word statistics (+1.5 points).
- Every leaf of the taxonomy ("住房保障与房地产 物业服务" → 城乡建设) is added as a short pseudo-message:
  +3 points on the labelled classes, and the 8 classes without any labelled example can be predicted.
- Two linear models, averaged on standardised scores: a class-balanced linear SVM and complement
  naive Bayes. Confidences are a softmax of the averaged score with a temperature fitted on
  out-of-fold predictions, so "0.9" means right about nine times in ten.
- The settings (which views, the title's weight, NB's α and weight) are chosen at every training by
  cross-validation on the labelled messages given (text/selection.py), so cross-validating `train`
  is a nested cross-validation and its figure an honest one.
- Self-training on the unlabelled messages was measured and rejected: they include classes absent
  from the labels, and the pseudo-labels cost 1–8 points.

`default_model()` loads MINQING_HOME/models/category-<VERSION>.joblib once per process (and again
when that file is replaced, e.g. by `minqing text train`), building it from the shipped sample on
first use."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import selection
from .normalise import normalise
from .segment import words
from .selection import DEFAULT, Settings, nb_scores, stack, svm_scores

VERSION = "2"  # bump when features or models change: older artefacts are then rebuilt, not loaded
TITLE_WEIGHT = DEFAULT.title_weight
TEXT_CHARS = 1000  # of a message's text are read: the gist is at the start (and segmenting 2,000 costs 15 ms)
TOP_N = 3
# A category known only from the taxonomy's names (no labelled message yet) is suggested with at most
# this confidence: enough to show, never enough to dispatch automatically on names alone.
UNSUPPORTED_CAP = 0.5
RECHECK_SECONDS = 30.0
MIN_SELECT = 30  # labelled messages from which settings are chosen by cross-validation (else DEFAULT)
log = logging.getLogger(__name__)
# "尊敬的胡书记:您好!" — after normalisation the punctuation is ASCII.
_SALUTATION = re.compile(r"^\s*(尊敬的[^,:!。;]{0,15}[,:!;]?\s*)?((您|你)(们)?好[!,。:;]?\s*)?")


@dataclass(frozen=True)
class Suggestion:
    category: str
    confidence: float
    alternatives: list[tuple[str, float]] = field(default_factory=list)  # top 3, best first (incl. category)


def _item(item) -> tuple[str, str]:
    """(title, text) from a str, a (title, text) pair, a mapping or an object with title/text."""
    if isinstance(item, str):
        return "", item
    if isinstance(item, (tuple, list)):
        return str(item[0] or ""), str(item[1] or "")
    if isinstance(item, dict):
        return str(item.get("title") or ""), str(item.get("text") or "")
    return str(getattr(item, "title", "") or ""), str(getattr(item, "text", "") or "")


class Prepared(tuple):
    """A text already prepared (normalised and segmented), so that a caller who also needs its words
    (workflow/suggest.py) segments it once."""


def prepare(item) -> Prepared:
    return item if isinstance(item, Prepared) else Prepared(_prepare(*_item(item)))


def _prepare_for_training(item) -> tuple[str, str, str]:
    return _prepare_cached(*_item(item))


def _prepare(title: str, text: str) -> tuple[str, str, str]:
    """(normalised title, normalised title + text, space-joined words). Without a title, the text's
    first 60 characters after any salutation stand in for it (measured: 0.83 macro-F1 on untitled
    messages, against 0.80 with no title view and 0.79 with the whole text as title)."""
    title, text = normalise(title), normalise(text)[:TEXT_CHARS]
    if not title and text:
        title = _SALUTATION.sub("", text)[:60]
    full = f"{title} {text}".strip()
    return title, full, " ".join(words(full))


# Cross-validation and retraining prepare the same unlabelled messages and taxonomy names again and
# again; suggestions for new voices do not go through this cache (it would only grow).
_prepare_cached = lru_cache(maxsize=8192)(_prepare)


PARALLEL_FROM = 20_000  # training texts from which preparation (segmentation) runs on every core


def _prepare_all(items: list) -> list[tuple[str, str, str]]:
    """Prepared training texts; a large set (retraining from the ledger) is segmented on every core
    in forked workers, which inherit the loaded segmenter and its dictionary of local names."""
    cores = os.cpu_count() or 1
    if len(items) < PARALLEL_FROM or cores < 2:
        return [_prepare_for_training(t) for t in items]
    import multiprocessing

    words("初始化")  # load the dictionary before forking, not once per worker
    pairs = [_item(t) for t in items]
    with multiprocessing.get_context("fork").Pool(cores) as pool:
        return pool.starmap(_prepare, pairs, chunksize=1000)


def _space(s: str) -> list[str]:
    return s.split()


class Featuriser:
    """The three TF-IDF views above, stacked. Fitted on every text available (labels unused)."""

    def __init__(self, weights: tuple[float, float, float] = DEFAULT.view_weights):
        self.weights = weights  # of the words, chars and title views (0: left out)

    def fit(self, prepared: list[tuple[str, str, str]]) -> Featuriser:
        from sklearn.feature_extraction.text import TfidfVectorizer

        min_df = 2 if len(prepared) >= 500 else 1
        common = {"sublinear_tf": True, "min_df": min_df, "dtype": np.float32}
        self.words = TfidfVectorizer(analyzer=_space, **common).fit([p[2] for p in prepared])
        self.chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 1), **common).fit([p[1] for p in prepared])
        self.title = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), **common).fit([p[0] for p in prepared])
        return self

    def views(self, prepared: list[tuple[str, str, str]]):
        """(words, chars, title) matrices, the title not yet weighted."""
        return (self.words.transform([p[2] for p in prepared]), self.chars.transform([p[1] for p in prepared]),
                self.title.transform([p[0] for p in prepared]))

    def transform(self, prepared: list[tuple[str, str, str]]):
        return stack(self.views(prepared), self.weights)


def _softmax(s: np.ndarray) -> np.ndarray:
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class Scorer:
    """The SVM + complement-NB pair on one feature matrix; scores are standardised per row."""

    def __init__(self, X, y, weights, settings: Settings = DEFAULT):
        self.settings = settings
        self.svm = selection.fit_svm(X, y, weights, settings.svm_c)
        self.nb = selection.fit_nb(X, y, weights, settings.nb_alpha) if settings.nb_weight else None
        self.classes_ = self.svm.classes_

    def __call__(self, X) -> np.ndarray:
        s = svm_scores(self.svm, X)
        return s + self.settings.nb_weight * nb_scores(self.nb, X) if self.nb is not None else s


class Model:
    def __init__(self, featuriser: Featuriser, scorer: Scorer, temperature: float, meta: dict):
        self.featuriser, self.scorer, self.temperature, self.meta = featuriser, scorer, temperature, meta
        self.version = VERSION

    @property
    def classes(self) -> list[str]:
        return [str(c) for c in self.scorer.classes_]

    def probabilities(self, items) -> np.ndarray:
        X = self.featuriser.transform([prepare(i) for i in items])
        return _softmax(self.scorer(X) / self.temperature)

    def predict_many(self, items) -> list[Suggestion]:
        items = list(items)
        if not items:
            return []
        P = self.probabilities(items)
        classes = self.classes
        supported = set(self.meta.get("labelled_classes", classes))
        unsupported = [k for k, c in enumerate(classes) if c not in supported]
        if unsupported:  # a cap of 0.5 keeps the order: only a top class can be above 0.5
            P[:, unsupported] = np.minimum(P[:, unsupported], UNSUPPORTED_CAP)
        out = []
        for p in P:
            top = np.argsort(-p, kind="stable")[:TOP_N]
            alts = [(classes[k], round(float(p[k]), 4)) for k in top]
            out.append(Suggestion(alts[0][0], alts[0][1], alts))
        return out

    def predict(self, text, title: str = "") -> Suggestion:
        """Suggestion for one message: `text` may also be a (title, text) pair or a mapping."""
        return self.predict_many([(title, text) if title and isinstance(text, str) else text])[0]

    def save(self, path) -> Path:
        """The model (joblib) and beside it a small JSON: version, classes, trained_at, metrics."""
        import joblib

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + f".tmp{os.getpid()}")
        joblib.dump(self, tmp, compress=3)
        info = {"version": self.version, "classes": self.classes, **self.meta}
        path.with_suffix(".json").write_text(json.dumps(info, ensure_ascii=False, indent=1), "utf-8")
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, path) -> Model:
        import joblib

        model = joblib.load(Path(path))
        if not isinstance(model, cls) or getattr(model, "version", None) != VERSION:
            raise ValueError(f"{path}: not a category model of version {VERSION}")
        return model


def _fit_temperature(scores: np.ndarray, y_idx: np.ndarray) -> float:
    """The softmax temperature that minimises the log loss of out-of-fold scores."""
    from scipy.optimize import minimize_scalar

    def nll(log_t):
        p = _softmax(scores / np.exp(log_t))
        return -np.log(p[np.arange(len(y_idx)), y_idx] + 1e-12).mean()

    return float(np.exp(minimize_scalar(nll, bounds=(-4, 4), method="bounded").x))


def _out_of_fold(X, y, weights, n_labelled: int, folds: int = 3, seed: int = 0, settings: Settings = DEFAULT):
    """Out-of-fold scores for the first n_labelled rows (the rest, pseudo-messages, always train)."""
    from sklearn.model_selection import KFold, StratifiedKFold

    yl = y[:n_labelled]
    _, counts = np.unique(yl, return_counts=True)
    splitter = (StratifiedKFold(folds, shuffle=True, random_state=seed) if counts.min() >= folds
                else KFold(folds, shuffle=True, random_state=seed))
    rest = np.arange(n_labelled, len(y))
    classes = np.unique(y)
    scores = np.zeros((n_labelled, len(classes)))
    for tr, te in splitter.split(np.zeros(n_labelled), yl if counts.min() >= folds else None):
        idx = np.concatenate([tr, rest])
        s = Scorer(X[idx], y[idx], weights[idx], settings)
        cols = np.searchsorted(classes, s.classes_)
        scores[te] = -1e3  # a class absent from this fold's training rows cannot win
        scores[np.ix_(te, cols)] = s(X[te])
    return classes, scores


CALIBRATION_MAX = 20_000  # labelled messages the temperature and the out-of-fold check are fitted on


def _calibration_rows(X, y, weights, n_labelled: int, seed: int = 0):
    """The rows for calibration: every labelled row, or (retraining on a large ledger) a random
    CALIBRATION_MAX of them — three out-of-fold fits on 200,000 cases would triple the training time
    for a single number — followed by the pseudo-messages. Returns (X, y, weights, labelled rows)."""
    if n_labelled <= CALIBRATION_MAX:
        return X, y, weights, n_labelled
    from scipy.sparse import vstack

    pick = np.sort(np.random.default_rng(seed).choice(n_labelled, CALIBRATION_MAX, replace=False))
    rest = np.arange(n_labelled, len(y))
    return (vstack([X[pick], X[rest]]).tocsr(), np.concatenate([y[pick], y[rest]]),
            np.concatenate([weights[pick], weights[rest]]), CALIBRATION_MAX)


def train(texts, labels, unlabelled=None, taxonomy: bool | list = True, calibrate: bool = True,
          settings: Settings | None = None) -> Model:
    """A model from labelled messages (str, (title, text) pairs or mappings) and their first-level
    categories; `unlabelled` messages only inform word statistics; `taxonomy` adds one pseudo-message
    per leaf (True: the packaged taxonomy; or a list of (一级, 二级, 三级) rows; False: none).
    `settings` None: chosen by cross-validation on these labelled messages (text/selection.py)."""
    from .corpus import taxonomy_documents

    started = time.perf_counter()
    texts, labels = list(texts), [str(label) for label in labels]
    if len(texts) != len(labels):
        raise ValueError("texts and labels differ in length")
    pseudo = [] if taxonomy is False else taxonomy_documents(None if taxonomy is True else taxonomy)
    labelled = _prepare_all(texts)
    extra = [_prepare_for_training((m.title, m.text)) for m in pseudo]
    others = _prepare_all(list(unlabelled or []))
    y = np.array(labels + [m.label for m in pseudo], dtype=object)
    if len(set(y)) < 2:
        raise ValueError("a classifier needs at least two categories")
    featuriser = Featuriser().fit(labelled + extra + others)
    views = featuriser.views(labelled + extra)
    weights = np.ones(len(y))
    meta = {"trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "n_labelled": len(labelled),
            "n_taxonomy": len(extra), "n_unlabelled": len(others), "metrics": {},
            "labelled_classes": sorted(set(labels))}
    chosen = None
    if settings is None and len(labelled) >= MIN_SELECT:
        rows = None
        if len(labelled) > selection.SELECT_MAX:
            rows = np.sort(np.random.default_rng(0).choice(len(labelled), selection.SELECT_MAX, replace=False))
        chosen = selection.select(views, y, weights, labelled, rows)
        settings = chosen.settings
        meta["selection"] = {"folds": selection.SELECT_FOLDS, "n": len(chosen.rows),
                             "inner_macro_f1": round(chosen.score, 4), "tried": len(chosen.table)}
    settings = settings or selection.DEFAULT
    meta["settings"] = settings.as_dict()
    featuriser.weights = settings.view_weights
    X = stack(views, settings.view_weights)
    temperature = 1.0
    if calibrate and len(labelled) >= 30:
        if chosen is not None and len(chosen.rows) == len(labelled):  # the winner's out-of-fold scores
            classes, oof, yc = chosen.classes, chosen.oof, y[:len(labelled)]
        else:
            Xc, yc, wc, n = _calibration_rows(X, y, weights, len(labelled))
            classes, oof = _out_of_fold(Xc, yc, wc, n, settings=settings)
            yc = yc[:n]
        temperature = _fit_temperature(oof, np.searchsorted(classes, yc))
        meta["metrics"] = _oof_metrics(classes, oof, yc)
        if chosen is not None and len(chosen.rows) == len(labelled):
            meta["metrics"]["cv"] += f", the best of {len(chosen.table)} settings (optimistic)"
    model = Model(featuriser, Scorer(X, y, weights, settings), temperature, meta)
    meta["train_seconds"] = round(time.perf_counter() - started, 1)
    return model


def _oof_metrics(classes, scores, y) -> dict:
    from sklearn.metrics import accuracy_score, f1_score

    pred = classes[scores.argmax(axis=1)]
    present = sorted(set(y))
    return {"cv": "3-fold, out-of-fold", "macro_f1": round(float(f1_score(y, pred, labels=present, average="macro")), 4),
            "accuracy": round(float(accuracy_score(y, pred)), 4), "n": int(len(y))}


# ------------------------------------------------------------------------------ default model
def models_dir() -> Path:
    home = os.environ.get("MINQING_HOME") or Path.home() / ".minqing"
    return Path(home).expanduser() / "models"


def default_path() -> Path:
    return models_dir() / f"category-{VERSION}.joblib"


def train_default() -> Model:
    """The cold-start model: the shipped sample (labelled + unlabelled) and the packaged taxonomy."""
    from .corpus import load_sample

    labelled, unlabelled = load_sample()
    return train([(m.title, m.text) for m in labelled], [m.label for m in labelled],
                 unlabelled=[(m.title, m.text) for m in unlabelled])


_lock = threading.Lock()
_cache: dict = {"model": None, "mtime": None, "path": None, "checked": 0.0}


def default_model(build: bool = True) -> Model | None:
    """The process's model, loaded once (re-read when the file on disk is replaced). Missing or
    unreadable: built from the shipped data when `build`, else None — callers must treat None and
    any exception as "no suggestion", never as a reason to refuse a case."""
    path = default_path()
    now = time.monotonic()
    with _lock:
        if _cache["model"] is not None and _cache["path"] == path and now - _cache["checked"] < RECHECK_SECONDS:
            return _cache["model"]
        _cache["checked"] = now
        mtime = path.stat().st_mtime if path.exists() else None
        if _cache["model"] is not None and _cache["path"] == path and mtime == _cache["mtime"]:
            return _cache["model"]
        model = None
        if mtime is not None:
            try:
                model = Model.load(path)
            except Exception:  # another scikit-learn, a truncated file: rebuild rather than fail
                log.exception("category model %s unreadable; rebuilding from the shipped data", path)
        if model is None:
            if not build:
                return None
            model = train_default()
            model.save(path)
            mtime = path.stat().st_mtime
        _cache.update(model=model, mtime=mtime, path=path)
        return model


def reset_default_model() -> None:
    with _lock:
        _cache.update(model=None, mtime=None, path=None, checked=0.0)
