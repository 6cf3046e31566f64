"""Reply quality beside the three rates (docs/replies.md), pure over (score, rating) pairs: the share of
replies that pass the county's threshold, the median score, and — where citizens have rated — whether the
score predicts 不满意: the ROC AUC of (1 − score) for an unsatisfied rating, and the unsatisfied share
of replies below and at or above the threshold."""

from statistics import median


def _ratio(num: float, den: int) -> float | None:
    return round(num / den, 4) if den else None


def auc(pairs: list[tuple[float, bool]]) -> float | None:
    """ROC AUC of a low score for the positive flag (Mann–Whitney, ties counted half); None without both kinds."""
    pos = [s for s, flag in pairs if flag]
    neg = [s for s, flag in pairs if not flag]
    if not pos or not neg:
        return None
    ranked = sorted((s, flag) for s, flag in pairs)
    # rank sum of the negatives' scores (a good predictor puts the unsatisfied low, the rest high)
    ranks, i = {}, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        ranks[ranked[i][0]] = (i + j + 1) / 2
        i = j
    rank_sum = sum(ranks[s] for s in neg)
    return round((rank_sum - len(neg) * (len(neg) + 1) / 2) / (len(pos) * len(neg)), 4)


def reply_quality(pairs: list[tuple[float, str]], threshold: float) -> dict:
    """`pairs`: (reply score, the citizen's rating or "") of each replied case."""
    scores = [s for s, _r in pairs]
    rated = [(s, r == "unsatisfied") for s, r in pairs if r]
    below = [u for s, u in rated if s < threshold]
    above = [u for s, u in rated if s >= threshold]
    return {
        "replies_scored": len(scores),
        "reply_pass_rate": _ratio(sum(s >= threshold for s in scores), len(scores)),
        "reply_median_score": round(median(scores), 4) if scores else None,
        "reply_threshold": threshold,
        "reply_rated": len(rated),
        "reply_unsatisfied_auc": auc(rated),
        "unsatisfied_rate_below_threshold": _ratio(sum(below), len(below)),
        "unsatisfied_rate_at_or_above_threshold": _ratio(sum(above), len(above)),
    }
