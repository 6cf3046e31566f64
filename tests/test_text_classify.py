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
