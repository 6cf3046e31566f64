"""The duplicate-detection benchmark (`python -m minqing.bench dedup`) on a tiny handmade set: the
labelled set is built as described, the figures are consistent with the outcomes. No timings, no
shared data."""

import io
import random

import pytest

from minqing.bench import dedup
from minqing.bench._data import setup_county
from minqing.ledger.similar import forget_term_stats
from minqing.text.normalise import normalise

M = dedup.Message
MESSAGES = [
    M("幸福小区烧烤店油烟扰民", "幸福小区三号楼楼下的烧烤店每天营业到凌晨两点。油烟和噪音让居民无法休息，老人孩子都睡不好。"
      "请有关部门管一管。"),
    M("村里自来水发黄", "村里的自来水发黄有异味，已经一个星期了。老人孩子都不敢喝，只能去镇上买桶装水。希望水厂尽快检修管道。"),
    M("学校门口交通拥堵", "实验小学门口每天放学时车辆乱停乱放，道路完全堵死。学生过马路非常危险，家长们都很担心。"
      "建议安排交警疏导并设置临时停车区。"),
    M("路灯坏了没人修", "河口村到镇上的那段公路，路灯坏了两个多月。晚上骑电动车回家一片漆黑，前几天还有人摔伤。请尽快派人维修。"),
    M("工地夜间施工噪音", "新建的商业广场工地每天晚上十一点以后还在打桩。噪音很大，周边几个小区的居民根本没法睡觉。"
      "请环保部门查一查是否办理了夜间施工许可。"),
    M("拖欠农民工工资", "我们在某建筑公司干了半年活，老板一直拖欠工资不发。总共欠了二十多个工人十几万元。快过年了，"
      "请劳动监察部门帮我们讨回血汗钱。"),
    M("垃圾站臭气熏天", "菜市场旁边的垃圾中转站好几天才清运一次。夏天臭气熏天，苍蝇蚊子特别多。附近商户和居民意见很大，"
      "希望环卫部门增加清运次数。"),
    M("医保报销太慢", "去年住院的医保报销材料交上去已经四个月了，到现在还没有到账。打电话问社保窗口，每次都说在审核。"
      "请问到底什么时候能报销？"),
    M("小区电梯经常故障", "景蓉花园五栋的电梯今年已经坏了七八次。上个月还把一位老人困在里面半小时。物业只是临时修一修，"
      "请特种设备监管部门督促彻底检修。"),
    M("占道经营影响通行", "西街菜场门口的流动摊贩把人行道全部占满，行人只能走机动车道。早高峰特别危险，城管来了就跑，"
      "走了又回来，请加强管理。"),
    M("农田灌溉渠堵塞", "洋湖村三组的灌溉渠被淤泥和垃圾堵塞，眼看就要插秧了，水却放不进田里。村民自己清理不了，"
      "请农业部门组织疏浚。"),
    M("公交线路取消", "原来经过火炬村的十二路公交车突然取消了。村里老人去县城看病只能走两公里去坐车，非常不方便。"
      "希望恢复这条线路或者增加班次。"),
]
N = 6


@pytest.fixture
def setting(db):
    forget_term_stats()
    users = setup_county()
    yield users["dispatcher"], dedup._units(dedup.demo_villages())
    forget_term_stats()


def test_the_labelled_set_is_built_as_described(setting):
    _user, villages = setting
    originals, probes, used = dedup.build_set(MESSAGES, N, villages, seed=7)
    assert len(originals) == N and len(probes) == 7 * N
    kinds = {k: sum(p.kind == k for p in probes) for k in dedup.KINDS}
    assert kinds == {"exact": N, "edited": N, "traditional": N, "paraphrase": N, "other-place": 2 * N, "unrelated": N}
    texts = {o.message.text for o in originals}
    assert len(texts) == N and {o.split for o in originals} == {"tune", "test"}
    for o in originals:
        assert o.unit in villages[o.village]
    for p in probes:
        o = originals[p.original]
        assert p.unit in villages[p.village] and p.split == o.split
        if p.kind == "other-place":
            assert p.village != o.village
        else:
            assert p.village == o.village
        if p.kind == "exact":
            assert (p.title, p.text) == (o.message.title, o.message.text)
        elif p.kind == "traditional":
            assert p.text != o.message.text and normalise(p.text) == normalise(o.message.text)
        elif p.kind in ("edited", "paraphrase"):
            assert p.text != o.message.text and len(p.text) >= 10
        elif p.kind == "unrelated":
            assert p.text not in texts
    assert {o.message.text for o in originals} <= {m.text for m in used}
    # The same seed gives the same set.
    again = dedup.build_set(MESSAGES, N, villages, seed=7)[1]
    assert [(p.kind, p.text, p.unit) for p in again] == [(p.kind, p.text, p.unit) for p in probes]


def test_related_source_messages_are_never_an_original_and_its_negative():
    twin = M("幸福小区烧烤店油烟扰民", "另一位居民：幸福小区楼下烧烤店营业到凌晨，油烟噪音很大。")
    near = M("烧烤", MESSAGES[0].text.replace("请有关部门管一管。", "希望处理。"))
    rel = dedup.related_pairs(MESSAGES[:3] + [twin, near])
    assert 3 in rel[0] and 4 in rel[0]  # same title; most 4-grams shared
    assert not rel[1] and not rel[2]
    chosen, pool, _ = dedup.choose(MESSAGES[:3] + [twin, near], 5, random.Random(1))
    for i in chosen:
        assert not (rel[i] & set(chosen)) and not (rel[i] & set(pool))


def test_real_same_title_pairs_are_probed_at_the_same_village(setting):
    _user, villages = setting
    repost = M(MESSAGES[4].title, "又一次反映：" + MESSAGES[4].text.replace("请环保部门", "希望有关部门"))
    messages = MESSAGES + [repost]
    pairs = dedup.same_title_pairs(messages, dedup.related_pairs(messages))
    assert pairs == [(4, len(MESSAGES))]
    originals, probes, _used = dedup.build_set(messages, N, villages, seed=7)
    real = [p for p in probes if p.kind == "same-title"]
    assert len(real) == 1 and len(originals) == N + 1
    pair_original = originals[real[0].original]
    assert pair_original.message is messages[4] and real[0].text == repost.text
    assert real[0].village == pair_original.village
    # Neither message of the pair is an original of the main set, nor its unrelated negative.
    main = [o.message for o in originals[:N]]
    assert messages[4] not in main and all(p.text != repost.text for p in probes if p.kind == "unrelated")
    m = dedup.metrics([(p, [p.original]) for p in probes])
    assert m["probes"] == 7 * N and m["kinds"]["same-title"]["n"] == 1 and m["kinds"]["same-title"]["recall"] == 1.0


def test_variants_differ_and_keep_the_message():
    rng = random.Random(3)
    text = MESSAGES[2].text
    edited = dedup.edit(text, rng)
    assert edited != text and 0.6 * len(text) < len(edited) < 1.5 * len(text)
    short = dedup.paraphrase(text, random.Random(4))
    assert short != text
    assert dedup.traditional("学校门口") == "學校門口"


def test_metrics_count_pairs_and_probes():
    def probe(kind, original=0):
        return dedup.Probe(kind, original, "", "", "U", "V", "test")

    pairs = [
        (probe("exact"), [0]),  # found
        (probe("edited"), [0, 3]),  # found, plus a wrong pair
        (probe("traditional"), []),  # missed
        (probe("paraphrase", 1), [2]),  # missed, a wrong pair
        (probe("other-place"), [0]),  # false match
        (probe("unrelated"), []),
    ]
    m = dedup.metrics(pairs)
    assert (m["probes"], m["positives"], m["negatives"]) == (6, 4, 2)
    assert (m["returned"], m["correct"], m["found"]) == (5, 2, 2)
    assert m["precision"] == pytest.approx(2 / 5) and m["recall"] == pytest.approx(2 / 4)
    k = m["kinds"]
    assert k["edited"]["precision"] == 0.5 and k["edited"]["recall"] == 1.0 and k["edited"]["clean_rate"] == 0.0
    assert k["traditional"]["precision"] is None and k["traditional"]["recall"] == 0.0
    assert k["other-place"]["recall"] is None and k["other-place"]["clean_rate"] == 0.0
    assert k["unrelated"]["clean_rate"] == 1.0
    rows = [{"threshold": 0.2, "precision": 0.9, "recall": 1.0}, {"threshold": 0.3, "precision": 0.96, "recall": 0.9},
            {"threshold": 0.4, "precision": 0.99, "recall": 0.9}]
    assert dedup.choose_threshold(rows) == 0.4
    assert dedup.choose_threshold(rows, precision=1.0) == 0.2  # none reaches it: the best F1 (0.947)


def _in_unit(v):
    return v is None or 0.0 <= v <= 1.0


def test_the_benchmark_runs_end_to_end_and_its_figures_are_consistent(setting):
    user, _villages = setting
    report = dedup.run(MESSAGES, N, user, seed=11, progress=lambda s: None)
    assert report["originals"] == N and report["probes"] == 7 * N
    outcomes = report["outcomes"]
    assert len(outcomes) == report["probes"]
    for name, m in report["methods"].items():
        assert {"precision", "recall", "kinds", "returned", "correct", "found"} <= set(m), name
        assert _in_unit(m["precision"]) and _in_unit(m["recall"]), name
        assert m["correct"] <= m["returned"] and m["found"] <= m["positives"]
        assert sum(d["n"] for d in m["kinds"].values()) == m["probes"]
        for kind, d in m["kinds"].items():
            assert set(d) >= {"n", "returned", "correct", "found", "precision", "recall", "clean_rate"}, kind
            assert _in_unit(d["precision"]) and _in_unit(d["recall"]) and _in_unit(d["clean_rate"])
            assert d["correct"] <= d["returned"] and d["found"] <= d["n"]
            if kind in dedup.NEGATIVE:
                assert d["correct"] == 0 and d["recall"] is None
    shipped = next(iter(report["methods"].values()))
    assert shipped["probes"] == 7 * N and shipped["positives"] == 4 * N
    # Deterministic parts: an exact copy at the same place is found, the same text elsewhere is not.
    assert shipped["kinds"]["exact"]["recall"] == 1.0
    assert all(o.probe.original not in o.shipped for o in outcomes if o.probe.kind == "other-place")
    exact_baseline = report["methods"]["baseline: exact normalised text, same place"]
    assert exact_baseline["kinds"]["exact"]["recall"] == 1.0 and exact_baseline["kinds"]["edited"]["recall"] == 0.0
    # The shipped decision is the sweep's decision at the shipped threshold.
    for o in outcomes:
        assert o.shipped == dedup.decide(o, report["duplicate_at"])
    # Recall cannot rise with the threshold.
    for half in ("tune", "test"):
        recalls = [r["recall"] for r in report["sweep"][half]]
        assert recalls == sorted(recalls, reverse=True)
        assert all(_in_unit(r["precision"]) for r in report["sweep"][half])
    assert report["tuned_at"] in dedup.THRESHOLDS
    out = io.StringIO()
    dedup.print_report(report, out=out)
    text = out.getvalue()
    assert "precision" in text and "recall" in text and "paraphrase" in text and "other-place" in text
