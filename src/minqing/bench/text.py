"""Category classification benchmark:
`python -m minqing.bench text [--repeats N] [--folds K] [--unlabelled sample|full] [--fixed]`.

Nested, repeated stratified cross-validation on ../shared/data/tipdm2020c/messages_labeled.xlsx: K
outer folds (default 5) × N fold seeds (default 2). For each outer fold minqing's `classify.train`
sees only the outer training folds and chooses its settings there by 3-fold inner cross-validation
(text/selection.py); the outer test fold scores the result. The figure is the mean ± sd of the
outer folds' macro-F1, beside the plain baseline (jieba words, TF-IDF, linear SVM — no
normalisation, no title weighting, no unlabelled data, no taxonomy, nothing chosen) on the same
outer folds. Also: accuracy, per-class F1, the confusion matrix, macro-F1 when the test folds are
first converted to traditional script (OpenCC s2t), confidence calibration, what the inner folds
chose, training and suggestion times. `--fixed` adds the old, non-nested figure: the default settings
on the same outer folds.

minqing's model uses the unlabelled messages shipped in the package (`--unlabelled sample`, what a
county gets) or all 6,826 of the shared files (`--unlabelled full`) — only for word statistics (their
text, never a label; the outer test fold's text is not among them unless it is also in those files).
Macro-F1 averages over the file's 7 categories (see minqing.text.evaluate)."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SHARED_DATA = Path(os.environ.get("MINQING_SHARED_DATA") or Path(__file__).resolve().parents[4] / "shared" / "data")
TIPDM = SHARED_DATA / "tipdm2020c"


@dataclass
class _Label:
    category: str
    confidence: float = 1.0


class Baseline:
    """The plain baseline: jieba words of title + text (punctuation and stopwords dropped, the text
    as it came: no normalisation), TF-IDF unigrams, LinearSVC with default settings."""

    def __init__(self, pairs, labels):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        from minqing.text.segment import words

        self._cut = lambda p: " ".join(words(f"{p[0]} {p[1]}"))
        self.vec = TfidfVectorizer(tokenizer=str.split, token_pattern=None, lowercase=False)
        self.svm = LinearSVC().fit(self.vec.fit_transform([self._cut(p) for p in pairs]), labels)

    def predict_many(self, pairs):
        return [_Label(c) for c in self.svm.predict(self.vec.transform([self._cut(p) for p in pairs]))]


def _traditional():
    import opencc

    conv = opencc.OpenCC("s2t")
    return lambda pair: (conv.convert(pair[0]), conv.convert(pair[1]))


def _ece(conf, correct, bins=10) -> float:
    """Expected calibration error: how far confidence is from accuracy, averaged over bins."""
    conf, correct = np.asarray(conf), np.asarray(correct, dtype=float)
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(conf, edges) - 1, 0, bins - 1)
    return float(sum(abs(conf[idx == b].mean() - correct[idx == b].mean()) * (idx == b).mean()
                     for b in range(bins) if (idx == b).any()))


def _row(name, ours, base, fmt="{:.3f}", ratio=True):
    r = f"{ours / base:.2f}×" if ratio and base else "—"
    b = fmt.format(base) if base is not None else "—"
    return f"{name:<44} {fmt.format(ours):>9} {b:>9} {r:>7}"


def _mean_sd(values) -> str:
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values) if len(values) > 1 else 0.0:.3f}"


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m minqing.bench text")
    ap.add_argument("--repeats", type=int, default=2, help="outer cross-validations with different fold seeds")
    ap.add_argument("--unlabelled", choices=("sample", "full"), default="sample")
    ap.add_argument("--folds", type=int, default=5, help="outer folds")
    ap.add_argument("--fixed", action="store_true", help="also the default settings, not chosen (non-nested)")
    args = ap.parse_args(argv)
    labelled_file = TIPDM / "messages_labeled.xlsx"
    if not labelled_file.exists():
        print(f"skipped: {labelled_file} not found (the text benchmark needs ../shared/data; "
              "set MINQING_SHARED_DATA to its folder)")
        return 0

    from collections import Counter

    from minqing.text import classify, selection
    from minqing.text.corpus import load_sample, read_messages
    from minqing.text.evaluate import _labelled, nested_cross_validate, pad, scores

    msgs = _labelled(labelled_file)
    if args.unlabelled == "full":
        unl = [(m.title, m.text) for f in ("messages_with_votes.xlsx", "messages_with_replies.xlsx")
               for m in read_messages(TIPDM / f)]
    else:
        unl = [(m.title, m.text) for m in load_sample()[1]]
    print(f"text classification: {labelled_file.name}, {len(msgs)} messages, {len(set(m.label for m in msgs))} "
          f"categories; nested CV: {args.folds} outer folds × {args.repeats} seeds, settings chosen by "
          f"{selection.SELECT_FOLDS}-fold inner CV over {len(selection.candidates())} candidates; unlabelled for minqing: "
          f"{len(unl)} ({args.unlabelled}); {os.cpu_count()} CPUs", flush=True)
    views = {"traditional": _traditional()}
    started = time.perf_counter()

    def ours(pairs, labels):
        return classify.train(pairs, labels, unlabelled=unl)

    def fixed(pairs, labels):
        return classify.train(pairs, labels, unlabelled=unl, settings=selection.DEFAULT)

    nested = nested_cross_validate(msgs, args.repeats, args.folds, fit=ours, test_views=views)
    base = nested_cross_validate(msgs, args.repeats, args.folds, fit=Baseline, test_views=views)
    flat = nested_cross_validate(msgs, args.repeats, args.folds, fit=fixed) if args.fixed else None
    cv_seconds = time.perf_counter() - started
    ours_runs, base_runs = nested["runs"], base["runs"]

    def mean(runs, view, key):
        return statistics.mean(scores(r["y"], r["pred"][view])[key] for r in runs)

    o_f1, b_f1 = nested["mean"]["plain"], base["mean"]["plain"]
    o_tr, b_tr = nested["mean"]["traditional"], base["mean"]["traditional"]
    o_t = statistics.mean(t for r in ours_runs for t in r["train_seconds"])
    b_t = statistics.mean(t for r in base_runs for t in r["train_seconds"])

    # Suggestion latency and full-set training time: one model on every labelled message, cold.
    classify._prepare_cached.cache_clear()
    started = time.perf_counter()
    model = classify.train([(m.title, m.text) for m in msgs], [m.label for m in msgs], unlabelled=unl)
    full_train = time.perf_counter() - started
    lat = []
    for m in msgs:
        t0 = time.perf_counter()
        model.predict(m.text, title=m.title)
        lat.append((time.perf_counter() - t0) * 1000)
    lat.sort()
    r0 = ours_runs[0]
    correct = np.array(r0["pred"]["plain"]) == np.array(r0["y"])
    n_folds = len(nested["fold_f1"]["plain"])

    print()
    print(f"{'figure':<44} {'minqing':>9} {'baseline':>9} {'ratio':>7}")
    print(f"{f'macro-F1, nested: mean ± sd of {n_folds} outer folds':<44} "
          f"{_mean_sd(nested['fold_f1']['plain']):>15} {_mean_sd(base['fold_f1']['plain']):>15}")
    print(_row("macro-F1, nested, all outer folds pooled", mean(ours_runs, "plain", "macro_f1"),
               mean(base_runs, "plain", "macro_f1")))
    print(_row("accuracy (pooled)", mean(ours_runs, "plain", "accuracy"), mean(base_runs, "plain", "accuracy")))
    print(_row("macro-F1, test folds in traditional script", o_tr, b_tr))
    print(_row("drop with traditional script (points)", 100 * (o_f1 - o_tr), 100 * (b_f1 - b_tr), "{:.1f}", False))
    if flat:
        print(f"{'macro-F1, default settings (not chosen)':<44} {_mean_sd(flat['fold_f1']['plain']):>15}")
    print(_row("training time per outer fold, with choice (s)", o_t, b_t, "{:.2f}"))
    print(_row(f"mean confidence (accuracy {correct.mean():.3f})", float(np.mean(r0["conf"]["plain"])),
               None, ratio=False))
    print(_row("calibration error (ECE)", _ece(r0["conf"]["plain"], correct), None, ratio=False))
    print(_row(f"training on all {len(msgs)} + {len(unl)} unlabelled (s)", full_train, None, "{:.1f}", False))
    print(_row("suggestion time per message, median (ms)", lat[len(lat) // 2], None, "{:.1f}", False))
    print(_row("suggestion time per message, p99 (ms)", lat[int(0.99 * (len(lat) - 1))], None, "{:.1f}", False))
    print(f"cross-validation wall time: {cv_seconds:.0f}s")
    from .newwords import report as newwords_report

    nw = newwords_report()
    print(f"words discovered: {nw['words']} ({nw['places']} places) in {nw['messages']} messages, {nw['seconds']} s; "
          f"judged real in the sample (docs/newwords-sample.md): {nw['judged_real']}/{nw['judged']}")

    print("\nsettings the inner folds chose (weights of words, chars, title; SVM C; NB alpha, weight): outer folds")
    chosen = Counter(tuple(s.values()) for r in ours_runs for s in r["settings"])
    for setting, n in chosen.most_common():
        print(f"  {setting}: {n}")
    print(f"on all {len(msgs)}: {tuple(model.meta['settings'].values())} "
          f"(inner macro-F1 {model.meta['selection']['inner_macro_f1']:.3f}, optimistic: the best of "
          f"{model.meta['selection']['tried']})")

    so, sb = scores(r0["y"], r0["pred"]["plain"]), scores(base_runs[0]["y"], base_runs[0]["pred"]["plain"])
    print("\nper-class F1 (first seed, pooled over its outer folds)")
    print(f"{pad('category', 16)} {'minqing':>8} {'baseline':>9} {'n':>5}")
    for c in so["labels"]:
        print(f"{pad(c, 16)} {so['per_class'][c][2]:>8.3f} {sb['per_class'][c][2]:>9.3f} {so['per_class'][c][3]:>5}")

    from sklearn.metrics import confusion_matrix

    labels = so["labels"]
    for name, run in (("minqing", r0), ("baseline", base_runs[0])):
        cm = confusion_matrix(run["y"], run["pred"]["plain"], labels=labels)
        print(f"\nconfusion matrix, {name} (rows: true, columns: predicted, in the order above)")
        for c, row in zip(labels, cm, strict=True):
            print(f"{pad(c, 16)} " + " ".join(f"{v:>4}" for v in row))
    outside = sum(1 for p in r0["pred"]["plain"] if p not in set(labels))
    print(f"\nminqing predictions outside the file's 7 categories: {outside}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
