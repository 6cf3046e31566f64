"""New-word discovery (issue 16, text/newwords.py): names planted in generated text are found whole, their
fragments and the ordinary phrases around them are not."""

import random

from minqing.text.newwords import discover, is_place, plausible
from minqing.text.segment import dictionary_cut

PLANTED = {"澜岸枫庭": True, "鸿运捷通": False, "梧桐溪苑": True, "88速贷": False}
LEADS = ["我们", "反映", "投诉", "关于", "请问", "听说", "希望", "邻居", "昨天", "现在", "最近"]
NOUNS = ["噪音", "停车", "垃圾", "路灯", "物业", "漏水", "收费", "电梯", "油烟", "工资", "退款", "道路"]
PREDS = ["很大", "严重", "混乱", "频繁", "不好", "太多", "难受", "突出", "普遍"]
FILLER = ["晚上", "孩子", "老人", "上班", "雨天", "附近", "门口", "楼下", "马路", "学校", "医院", "市场"]


def corpus(seed=1, n=400):
    """Messages made of ordinary words in random order, half of their clauses naming a planted name."""
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(2, 4)):
            name = rng.choice(list(PLANTED)) if rng.random() < 0.5 else rng.choice(FILLER)
            parts.append(f"{rng.choice(LEADS)}{name}{rng.choice(NOUNS)}{rng.choice(PREDS)}")
        texts.append("，".join(parts) + "。")
    return texts


def test_planted_names_are_found_whole_and_their_fragments_are_not():
    found = {f.word: f for f in discover(corpus(), dictionary_cut)}
    for name, place in PLANTED.items():
        assert name in found, name
        assert found[name].place == place, name
        assert found[name].cohesion > 3 and found[name].entropy > 1
    for name in PLANTED:
        for i in range(len(name)):
            for j in range(i + 2, len(name) + 1):
                part = name[i:j]
                if part != name:
                    assert part not in found, f"fragment {part} of {name}"
    assert set(found) == set(PLANTED)  # no phrase of ordinary words glued across a boundary


def test_known_words_and_the_lexicon_are_not_found_again():
    texts = corpus()
    found = {f.word for f in discover(texts, dictionary_cut, known=["澜岸枫庭"])}
    assert "澜岸枫庭" not in found and "鸿运捷通" in found
    assert not {"停车", "物业", "噪音"} & found  # the dictionary's own words


def test_rare_strings_are_not_words():
    assert discover(["澜岸枫庭噪音很大"] * 3, dictionary_cut) == []  # under the minimum count


def test_plausible_and_place():
    assert plausible("58车贷") and not plausible("9月1日") and not plausible("3号楼") and not plausible("的问题")
    assert is_place("丽发新城") and is_place("伊景园滨河苑") and not is_place("市委市政府") and not is_place("58车贷")
