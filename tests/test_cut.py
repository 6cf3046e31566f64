"""text/cut.py cuts exactly as jieba.lcut does: crafted text of every kind of block, a word taught and
forgotten, and real messages and replies of the shared files."""

import random

import jieba
import pytest

from minqing.text.cut import lcut, lcut_for_search
from tests.conftest import shared_file

CRAFTED = [
    "",
    " ",
    "我们小区门口的路灯坏了三个月，晚上一片漆黑，请尽快修理！",
    "A7县星沙街道金碧文华小区3栋2单元的电梯ABC-123经常停运\r\n物业不管。",
    "Mixed 中文 and English words, 1,234.5 元, 75% 的人, e-mail: a@b.cn",
    "溁湾镇地铁2号线溁湾镇站是有渡线的吗？",
    "\t\n\u3000全角空格　和 emoji 🙂 与 ※★ 符号",
    "的的的的的的的的的的",
    "研究生命起源，结婚的和尚未结婚的，南京市长江大桥",
    "种菜、降尘、书屋、卖书、广场舞、斑马线、人行通道、新农合、轨道交通",
    "乙乙乙丙丙丙丁丁丁戊戊戊己己己庚庚庚",  # runs the dictionary barely knows: the hidden Markov model
]


@pytest.mark.parametrize("text", CRAFTED)
def test_crafted_text_is_cut_as_jieba_cuts_it(text):
    assert lcut(text) == jieba.lcut(text)
    assert lcut_for_search(text) == jieba.lcut_for_search(text)


def test_a_word_taught_counts_at_once_and_not_after_it_is_forgotten():
    text = "巘嶂峪湾新村的道路坑洼不平"
    jieba.dt.check_initialized()
    total = jieba.dt.total  # del_word does not give back what add_word added to it: restored for the tests after
    jieba.add_word("巘嶂峪湾", freq=20000)
    try:
        assert "巘嶂峪湾" in lcut(text)
        assert lcut(text) == jieba.lcut(text)
        jieba.del_word("巘嶂峪湾")
        assert "巘嶂峪湾" not in lcut(text)
        assert lcut(text) == jieba.lcut(text)
    finally:
        jieba.dt.FREQ.pop("巘嶂峪湾", None)
        jieba.dt.total = total


def test_real_messages_and_replies_are_cut_as_jieba_cuts_them():
    from minqing.text.reply_corpus import read_replies

    rows = read_replies(shared_file("messages_with_replies.xlsx"))
    texts = [t for row in random.Random(3).sample(rows, 150) for t in row]
    differ = [t[:40] for t in texts if lcut(t) != jieba.lcut(t) or lcut_for_search(t) != jieba.lcut_for_search(t)]
    assert not differ


def test_words_taught_and_forgotten_leave_the_dictionary_as_it_was():
    """A process that taught the lexicon words and forgot them cuts as one that never did: the total the
    probabilities are read against is given back (jieba's del_word does not), a dictionary word its frequency."""
    from minqing.text import segment

    jieba.dt.check_initialized()
    total, dictionary_word = jieba.dt.total, jieba.dt.FREQ["工作人员"]
    try:
        segment.set_lexicon(["巘嶂峪湾", "工作人员"])
        assert jieba.dt.total != total and "巘嶂峪湾" in lcut("巘嶂峪湾的路")
    finally:
        segment.set_lexicon(())
    assert jieba.dt.total == total and jieba.dt.FREQ["工作人员"] == dictionary_word
    assert not segment.known_word("巘嶂峪湾")


def test_a_unit_name_stays_when_the_lexicon_drops_it():
    from minqing.text import segment

    jieba.dt.check_initialized()
    total = jieba.dt.total
    try:
        segment.add_words(["巘嶂新村"])
        segment.set_lexicon(["巘嶂新村"])
        segment.set_lexicon(())
        assert segment.known_word("巘嶂新村") and not segment.general_word("巘嶂新村")
    finally:  # the unit forgotten again, so that the tests after cut against the dictionary as it was
        segment.set_lexicon(())
        segment._units.discard("巘嶂新村")
        segment._before.pop("巘嶂新村", None)
        jieba.dt.FREQ.pop("巘嶂新村", None)
        jieba.dt.total = total


def test_the_segmentation_benchmark_prints_both_cuts_and_finds_them_alike(capsys):
    from minqing.bench import segment

    shared_file("messages_with_replies.xlsx")
    segment.main(["--passes", "1", "--sample", "120"])
    out = capsys.readouterr().out
    assert "alike    120 of 120 texts" in out and "jieba.lcut" in out and "k characters/s" in out
