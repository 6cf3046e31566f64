"""The reply assessment's learned part (text/reply_topics.py, text/reply_model.py; docs/replies.md): a topic
space that sees a reply in other words speak of its message, and the topicality weights learned from real
message–reply pairs."""

import numpy as np
import pytest

from minqing.ledger.actions import perform
from minqing.text.replies import assess_reply
from minqing.text.reply_model import FEATURES, ReplyModel, learn, shipped_model
from minqing.text.reply_topics import TopicSpace

NOISE_TITLE = "小区楼下每晚噪音扰民"
NOISE = "每天晚上七点到十点，楼下空地上音乐声非常大，吵得孩子无法写作业，老人无法休息，希望有关部门管一管。"
IN_OTHER_WORDS = "经核实，派出所民警已到现场与跳舞团队负责人沟通，要求其降低音响音量，每晚21时前结束活动，我们将不定期巡查。"
ANOTHER_MATTER = "经核实，该路段道路硬化工程已列入2020年农村公路建设计划，预计年底前完成水泥路面铺设。"
GENERIC = "您的留言已收悉，已转交相关部门处理。"


def _docs():
    noise = ["噪音", "扰民", "音响", "音量", "广场", "跳舞", "晚上"]
    road = ["道路", "硬化", "水泥", "路面", "公路", "修路", "村民"]
    return [noise[i:] + noise[:i] for i in range(7)] * 3 + [road[i:] + road[:i] for i in range(7)] * 3


def test_a_topic_space_puts_words_of_one_matter_together_and_survives_saving(tmp_path):
    space = TopicSpace.build(_docs(), dims=2)
    assert space.similarity(["噪音", "扰民"], ["音响", "音量"]) > 0.9
    assert space.similarity(["噪音", "扰民"], ["水泥", "路面"]) < 0.1
    assert space.similarity(["噪音"], ["没见过的词"]) == 0.0 and space.similarity([], ["噪音"]) == 0.0
    space.save(tmp_path / "topics.npz")
    again = TopicSpace.load(tmp_path / "topics.npz")
    assert len(again) == len(space)
    assert again.similarity(["噪音", "扰民"], ["音响", "音量"]) == pytest.approx(
        space.similarity(["噪音", "扰民"], ["音响", "音量"]), abs=0.02)
    near = again.likeness(again.vector(["噪音"]), ["音量", "水泥", "没见过的词"])
    assert near["音量"] > 0.9 and near["水泥"] < 0.1 and near["没见过的词"] == 0.0


def test_the_shipped_model_is_learned_with_sensible_signs():
    model = shipped_model()
    assert model.topics is not None and len(model.topics) > 10000
    assert set(model.weights) == set(FEATURES)
    assert model.weights["relevance"] > 0 and model.weights["topic"] > 0
    assert model.weights["char_cover"] > 0
    assert model.weights["foreign"] < 0 and model.weights["other_place"] < 0 and model.weights["other_names"] < 0
    assert model.weights["other_city"] < 0
    low = model.topicality({"relevance": 0, "completeness": 0, "foreign": 1, "topic": 0, "other_place": 1,
                            "other_names": 1, "char_cover": 0, "other_city": 1})
    high = model.topicality({"relevance": 1, "completeness": 1, "foreign": 0, "topic": 1, "other_place": 0,
                             "other_names": 0, "char_cover": 1, "other_city": 0})
    assert 0 <= low < 0.05 and 0.95 < high <= 1


def test_a_reply_in_other_words_is_told_from_one_about_another_matter():
    """音响、音量 for a message about 噪音: not the message's words, but its matter; 农村公路 is neither."""
    near = assess_reply(NOISE, IN_OTHER_WORDS, NOISE_TITLE)
    other = assess_reply(NOISE, ANOTHER_MATTER, NOISE_TITLE)
    assert near.topic > other.topic + 0.1
    assert near.foreign < other.foreign
    assert near.topicality > other.topicality and near.score > other.score
    for a in (near, other):
        assert 0 <= a.topic <= 1 and 0 <= a.topicality <= 1 and 0 <= a.foreign <= 1


def test_without_a_learned_model_topicality_is_relevance():
    a = assess_reply(NOISE, IN_OTHER_WORDS, NOISE_TITLE, model=ReplyModel())
    assert a.topic == 0 and a.topicality == a.relevance


def test_learning_from_real_pairs_gives_weights_that_tell_own_replies_from_others():
    from minqing.bench.replies import FILE
    from minqing.text.reply_corpus import read_replies

    if not FILE.exists():
        pytest.skip(f"{FILE} not found")
    rows = read_replies(FILE)[:160]
    model = learn(rows, negatives=1, similar=0)
    assert model.weights["relevance"] > 0 and model.weights["foreign"] < 0
    own = [assess_reply(x, r, t, model=model).topicality for t, x, r in rows[:40]]
    others = [assess_reply(x, rows[(i + 7) % 40][2], t, model=model).topicality for i, (t, x, _r) in enumerate(rows[:40])]
    assert np.mean(own) > np.mean(others) + 0.2


def test_the_benchmarks_interval_brackets_its_figure():
    """bench replies: the 95% bootstrap interval over messages — certain where own replies always win,
    wide around one half where they win at random."""
    from minqing.bench.replies import _auc, _interval

    assert _interval([0.9] * 50, [0.1] * 50) == (1.0, 1.0)
    rng = np.random.default_rng(1)
    pos, neg = rng.random(200).tolist(), rng.random(200).tolist()
    low, high = _interval(pos, neg, rounds=200)
    assert low < _auc(pos, neg) < high and low < 0.5 < high and high - low > 0.05


def test_too_few_pairs_to_learn_from_is_said_plainly():
    rows = [("路灯坏了", "村口路灯坏了", "已修复")] * 5
    with pytest.raises(ValueError, match="至少"):
        learn(rows)


def test_rescoring_after_an_upgrade_moves_the_figures_and_keeps_what_the_handler_saw(make_case, county):
    """`minqing text rescore-replies`: every sent reply scored again; the case follows its latest reply;
    the reply event keeps the assessment the handler was shown."""
    from minqing.ledger.models import CaseEvent, Reply
    from minqing.ledger.reply_quality import assess, rescore
    from tests.test_reply_quality import _ready

    case = _ready(make_case, county)
    perform(county["ha"], case.number, "reply", {"text": "您好！经核实，甲村村口路灯已于6月3日更换修复。"})
    seen = CaseEvent.objects.get(case=case, action="reply").data["reply_quality"]["score"]
    Reply.objects.filter(case=case).update(score=0.01)  # as an older assessment scored it
    case.__class__.objects.filter(id=case.id).update(reply_score=0.01)
    lines = []
    assert rescore(lines.append) == 1 and lines == ["1 replies scored again"]
    reply = Reply.objects.get(case=case, kind="reply")
    case.refresh_from_db()
    assert reply.score == assess(case, reply.text).score != 0.01
    assert case.reply_score == reply.score
    assert CaseEvent.objects.get(case=case, action="reply").data["reply_quality"]["score"] == seen


def test_the_benchmarks_ceiling_counts_what_no_score_can_win():
    """bench replies: a hollow own reply loses to every negative that answers; a negative with its own
    reply's very input ties it, whatever the score."""
    from minqing.bench.replies import _ceiling

    assert _ceiling([False] * 4, [True] * 4, [False] * 4) == 1.0
    assert _ceiling([True, False, False, False], [False, True, True, True], [False] * 4) == pytest.approx(1 - 0.25 * 0.25)
    # one of four negatives is the own reply's text: it beats half of the three own replies that say something
    assert _ceiling([True, False, False, False], [True, False, True, True], [False, True, False, False]) == pytest.approx(
        1 - 0.25 * 0.25 - 0.25 * 0.5 * 0.75)
