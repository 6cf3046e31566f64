"""The category classifier and its evaluation (issue 4). No timing asserts: speed is the benchmark's
business (`python -m minqing.bench text`)."""

import json
import re

import pytest

from minqing.text import classify
from minqing.text.corpus import Message, load_sample, read_messages, taxonomy_documents
from minqing.text.normalise import normalise

from .conftest import shared_file

HOUSING = ("小区物业乱收费", "我们小区的物业公司擅自提高物业费，电梯坏了几个月没人维修，开发商延期交房，业主多次反映无果。")
SCHOOL = ("学校强制补课收费", "孩子所在的中学周末强制学生到校补课，每学期收取补课费八百元，老师说不交就不能参加考试。")
LAST_LINE = re.compile(r"^macro_f1=\d\.\d{3} accuracy=\d\.\d{3}$")


@pytest.fixture(scope="module")
def model():
    """A model from the shipped labelled sample and the taxonomy (no unlabelled messages: faster)."""
    labelled, _ = load_sample()
    return classify.train([(m.title, m.text) for m in labelled], [m.label for m in labelled])


def test_normalise_converts_traditional_to_simplified_and_full_width_to_half_width():
    assert normalise("醫療保險報銷") == "医疗保险报销"
    assert normalise("ＡＢＣ１２３　小區") == "ABC123 小区"


def test_normalise_skips_the_converter_only_where_it_would_change_nothing():
    """Text with no character that starts a t2s change is returned without running OpenCC (the slow part);
    every shipped message and reply comes out exactly as the converter would make it."""
    import unicodedata

    from minqing.text.corpus import load_sample
    from minqing.text.normalise import _SPACE, _t2s

    labelled, unlabelled = load_sample()
    texts = [m.text for m in labelled + unlabelled][:800] + ["沈默的大多数", "有序排队", "幸福小區", "乾隆年间"]
    slow = [_SPACE.sub(" ", _t2s().convert(unicodedata.normalize("NFKC", t))).strip() for t in texts]
    assert [normalise(t) for t in texts] == slow
    assert normalise("沈默的大多数") == "沉默的大多数"  # a phrase that changes with no traditional character


def test_model_suggests_urban_construction_for_a_housing_complaint(model):
    assert model.predict(HOUSING[1], title=HOUSING[0]).category == "城乡建设"


def test_model_suggests_education_for_a_school_complaint(model):
    assert model.predict(SCHOOL[1], title=SCHOOL[0]).category == "教育文体"


def test_model_works_without_a_title(model):
    assert model.predict(SCHOOL[1]).category == "教育文体"


def test_confidences_are_probabilities_and_alternatives_are_three_sorted(model):
    for title, text in (HOUSING, SCHOOL):
        s = model.predict(text, title=title)
        assert 0.0 <= s.confidence <= 1.0
        assert len(s.alternatives) == 3
        assert all(0.0 <= p <= 1.0 for _, p in s.alternatives)
        assert [p for _, p in s.alternatives] == sorted((p for _, p in s.alternatives), reverse=True)
        assert s.alternatives[0] == (s.category, s.confidence)
        assert len({c for c, _ in s.alternatives}) == 3


def test_traditional_script_gets_the_same_category(model):
    import opencc

    s2t = opencc.OpenCC("s2t")
    for title, text in (HOUSING, SCHOOL):
        simplified = model.predict(text, title=title)
        traditional = model.predict(s2t.convert(text), title=s2t.convert(title))
        assert s2t.convert(text) != text
        assert traditional.category == simplified.category


def test_category_without_labelled_examples_is_reachable_but_never_confident(model):
    assert "农村农业" not in model.meta["labelled_classes"]
    s = model.predict("农田灌溉水渠年久失修，村里几百亩水稻种植受影响，请农业部门帮助修复水利设施。")
    assert s.category == "农村农业"
    assert s.confidence <= classify.UNSUPPORTED_CAP


def test_every_taxonomy_class_is_a_model_class(model):
    assert set(model.classes) == {m.label for m in taxonomy_documents()}
    assert len(model.classes) == 15


def test_save_and_load_round_trip(model, tmp_path):
    path = model.save(tmp_path / "category-test.joblib")
    info = json.loads(path.with_suffix(".json").read_text("utf-8"))
    assert info["version"] == classify.VERSION and info["classes"] == model.classes
    assert info["trained_at"] and "macro_f1" in info["metrics"]
    again = classify.Model.load(path)
    assert again.predict(HOUSING[1], HOUSING[0]) == model.predict(HOUSING[1], HOUSING[0])


def test_default_model_loads_the_installed_file_and_does_not_build_when_told_not_to(model, tmp_path, monkeypatch):
    monkeypatch.setenv("MINQING_HOME", str(tmp_path))
    classify.reset_default_model()
    try:
        assert classify.default_model(build=False) is None
        model.save(classify.default_path())
        loaded = classify.default_model(build=False)
        assert loaded is not None and loaded.classes == model.classes
        assert classify.default_model(build=False) is loaded  # once per process
    finally:
        classify.reset_default_model()


def test_training_needs_two_categories():
    with pytest.raises(ValueError):
        classify.train(["学校补课"], ["教育文体"], taxonomy=False)


def test_read_messages_accepts_header_variants(tmp_path):
    path = tmp_path / "voices.csv"
    path.write_text("编号,标题,内容,分类\n1,路灯坏了,村口路灯坏了一个月,城乡建设\n2,,,\n", encoding="utf-8")
    assert read_messages(path, require_label=True) == [Message("路灯坏了", "村口路灯坏了一个月", "城乡建设")]


def _write_xlsx(path, header, rows):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(list(r))
    wb.save(path)


def test_evaluate_files_ends_with_macro_f1_and_accuracy(tmp_path):
    from minqing.text.evaluate import evaluate_files

    msgs = read_messages(shared_file("messages_labeled.xlsx"), require_label=True)
    train, test = tmp_path / "train.xlsx", tmp_path / "test.xlsx"
    _write_xlsx(train, ["留言主题", "留言详情", "一级分类"], [(m.title, m.text[:300], m.label) for m in msgs[::2]])
    _write_xlsx(test, ["主题", "留言详情 ", "一级分类"], [(m.title, m.text[:300], m.label) for m in msgs[1::2][:60]])
    lines = []
    result = evaluate_files(train, test, lines.append)
    assert LAST_LINE.match(lines[-1]), lines[-1]
    assert result["macro_f1"] > 0.6


def test_evaluate_same_file_cross_validates(tmp_path):
    from minqing.text.evaluate import evaluate_files

    msgs = read_messages(shared_file("messages_labeled.xlsx"), require_label=True)
    keep = [m for m in msgs if m.label in ("教育文体", "卫生计生", "交通运输")][::3]
    path = tmp_path / "small.xlsx"
    _write_xlsx(path, ["留言主题", "留言详情", "一级分类"], [(m.title, m.text[:200], m.label) for m in keep])
    lines = []
    evaluate_files(path, path, lines.append, folds=2)
    assert any("cross-validation" in line for line in lines[:-1])
    assert LAST_LINE.match(lines[-1]), lines[-1]


def test_calibration_on_a_large_set_uses_a_sample(monkeypatch):
    """Retraining on a big ledger fits the temperature on CALIBRATION_MAX labelled rows, not all."""
    import numpy as np
    from scipy.sparse import csr_matrix

    monkeypatch.setattr(classify, "CALIBRATION_MAX", 10)
    X = csr_matrix(np.eye(25))
    y = np.array(["a", "b"] * 12 + ["c"], dtype=object)
    Xc, yc, wc, n = classify._calibration_rows(X, y, np.ones(25), 24)
    assert n == 10 and Xc.shape == (11, 25) and len(yc) == len(wc) == 11 and yc[-1] == "c"
    assert classify._calibration_rows(X, y, np.ones(25), 8)[3] == 8


def _synthetic(n_per_class: int = 20) -> list[Message]:
    """Messages of three categories with distinct words, each with a unique title (its identity)."""
    import random

    rng = random.Random(0)
    vocab = {"教育文体": "学校 补课 老师 学生 学费 幼儿园 考试 教材".split(),
             "卫生计生": "医院 医生 看病 药费 医保 护士 手术 疫苗".split(),
             "交通运输": "公交 道路 红绿灯 出租车 驾驶 车站 路口 停车".split()}
    filler = "希望 有关 部门 尽快 解决 这个 情况 已经 很久".split()
    out = []
    for label, words_ in vocab.items():
        for _ in range(n_per_class):
            body = "".join(rng.choice(words_ if rng.random() < 0.5 else filler) for _ in range(12))
            out.append(Message(f"编号{len(out):03d}{rng.choice(words_)}", body, label))
    return out


def test_nested_cv_never_lets_the_outer_test_fold_reach_the_inner_selection(monkeypatch):
    """classify.train chooses its settings by inner CV (text/selection.py); cross-validating it is
    nested only if each choice sees the outer training folds and nothing else. The selection is
    wrapped to record the messages it was given (by their unique titles)."""
    from minqing.text import selection
    from minqing.text.evaluate import nested_cross_validate

    msgs = _synthetic()
    seen = []
    real = selection.select

    def recording(views, y, weights, labelled, rows=None, **kw):
        chosen = labelled if rows is None else [labelled[i] for i in rows]
        seen.append({p[0] for p in chosen})
        assert len(y) == len(labelled)  # taxonomy=False: no extra rows beside the labelled ones
        return real(views, y, weights, labelled, rows, **kw)

    monkeypatch.setattr(selection, "select", recording)
    result = nested_cross_validate(msgs, repeats=2, folds=3,
                                   fit=lambda pairs, labels: classify.train(pairs, labels, taxonomy=False))
    titles = [normalise(m.title) for m in msgs]
    calls = iter(seen)
    assert len(seen) == 2 * 3
    for run in result["runs"]:
        for f in range(run["folds"]):
            test = {t for t, fold in zip(titles, run["fold"], strict=True) if fold == f}
            train = set(titles) - test
            chose_on = next(calls)
            assert not chose_on & test  # the outer test fold never reaches the choice
            assert chose_on == train  # and the choice is made on all of the outer training folds
        assert all(s is not None for s in run["settings"])
    assert len(result["fold_f1"]["plain"]) == 6 and 0.0 <= result["sd"]["plain"] <= 1.0


def test_nested_cv_scores_every_message_once_per_seed_by_a_model_that_never_saw_it():
    from minqing.text.evaluate import nested_cross_validate

    msgs = _synthetic(6)
    trained_on = []

    class Recorder:
        def __init__(self, pairs, labels):
            trained_on.append({p[0] for p in pairs})

        def predict_many(self, pairs):
            assert not {p[0] for p in pairs} & trained_on[-1]
            return [classify.Suggestion("教育文体", 1.0) for _ in pairs]

    result = nested_cross_validate(msgs, repeats=2, folds=3, fit=Recorder)
    assert len(trained_on) == 6
    for run in result["runs"]:
        assert sorted(run["fold"].tolist()) == sorted([0, 1, 2] * 6)


def test_training_chooses_its_settings_unless_given(model):
    from minqing.text import selection

    chosen = selection.Settings(**model.meta["settings"])
    assert model.meta["selection"]["n"] == model.meta["n_labelled"]
    assert model.featuriser.weights == chosen.view_weights and model.scorer.settings == chosen
    msgs = _synthetic(12)
    fixed = classify.train([(m.title, m.text) for m in msgs], [m.label for m in msgs], taxonomy=False,
                           settings=selection.DEFAULT)
    assert "selection" not in fixed.meta and fixed.meta["settings"] == selection.DEFAULT.as_dict()


def test_on_a_large_set_the_choice_is_made_on_a_sample(monkeypatch):
    from minqing.text import selection

    monkeypatch.setattr(selection, "SELECT_MAX", 40)
    msgs = _synthetic(20)
    model = classify.train([(m.title, m.text) for m in msgs], [m.label for m in msgs], taxonomy=False)
    assert model.meta["selection"]["n"] == 40 and model.meta["metrics"]["n"] == 60
