"""The results of a consultation as people read them: opinion groups with their sizes (the minority
beside the majority), each group's representative statements, the statements every group shares, how
each group voted on every statement, and where one participant stands.

Groups come from `groups.find_groups` over the votes so far and are stored (`GroupingResult`) with the
version of the votes they came from. A page reads the stored result; when the votes have changed since,
a consultation of up to INLINE_VOTES votes is grouped again at once (well under a second), a larger one
by the worker (`consult_groups`, every minute: 100,000 participants take seconds) — meanwhile the page
shows the last result and says when it was computed (`stale`), or that it is being computed."""

import time

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from .groups import find_groups
from .models import Consultation, GroupingResult, StatementStatus, Vote
from .services import version, vote_rows

GROUP_NAMES = "甲乙丙丁戊己庚辛"
INLINE_VOTES = 20_000


def group_label(index: int) -> str:
    return f"{GROUP_NAMES[index]}组" if index < len(GROUP_NAMES) else f"第{index + 1}组"


def _key(c: Consultation) -> tuple[int, str]:
    n, last = version(c)
    return n, f"{n}|{last}"


def results(c: Consultation) -> dict:
    """The stored result, current or (for a large consultation the worker has not caught up with) the
    last one marked `stale`; a consultation never grouped and too large to group here is `pending`."""
    n, key = _key(c)
    stored = GroupingResult.objects.filter(consultation=c).first()
    if stored is not None and stored.version == key:
        return {**stored.data, "stale": False, "computed_at": stored.computed_at.isoformat()}
    if n <= INLINE_VOTES:
        return refresh(c, key)
    if stored is not None:
        return {**stored.data, "stale": True, "computed_at": stored.computed_at.isoformat()}
    return {"consultation": c.id, "participants": c.participants.count(), "votes": n,
            "statements": c.statements.filter(status=StatementStatus.APPROVED).count(), "groups": [], "consensus": [],
            "unassigned": 0, "positions": {}, "table": [], "pending": True, "stale": True, "computed_at": None}


def refresh(c: Consultation, key: str | None = None) -> dict:
    """Group the votes now and store the result (what the worker does for every changed consultation);
    `key`: the votes' version, when the caller has just read it."""
    key = key or _key(c)[1]
    started = time.perf_counter()
    data = _compute(c)
    now = timezone.now()
    with transaction.atomic():
        GroupingResult.objects.update_or_create(consultation=c, defaults={
            "version": key, "data": data, "computed_at": now, "seconds": time.perf_counter() - started})
    return {**data, "stale": False, "computed_at": now.isoformat()}


def refresh_changed() -> int:
    """The worker's job: every consultation whose votes changed since its stored result; how many."""
    done = 0
    voted = Vote.objects.filter(consultation=OuterRef("pk"))
    for c in Consultation.objects.filter(Exists(voted)).order_by("id"):
        stored = GroupingResult.objects.filter(consultation=c).values_list("version", flat=True).first()
        key = _key(c)[1]
        if stored != key:
            refresh(c, key)
            done += 1
    return done


def _compute(c: Consultation) -> dict:
    rows = list(vote_rows(c))
    grouping = find_groups(rows)
    statements = {s.id: s for s in c.statements.filter(status=StatementStatus.APPROVED)}
    member_of = {p: g.id for g in grouping.groups for p in g.members}
    # per statement: [agree, disagree, pass] overall and per group
    tally: dict[int, list[list[int]]] = {sid: [[0, 0, 0] for _ in range(len(grouping.groups) + 1)] for sid in statements}
    slot = {1: 0, -1: 1, 0: 2}
    for code, sid, value in rows:
        if sid not in tally:
            continue
        tally[sid][0][slot[value]] += 1
        g = member_of.get(code)
        if g is not None:
            tally[sid][g + 1][slot[value]] += 1
    participants = len({code for code, _, _ in rows})

    def stmt(sid):
        s = statements.get(sid)
        return {"statement": sid, "seq": s.seq if s else None, "text": s.text if s else ""}

    groups = []
    for g in grouping.groups:
        groups.append({
            "id": g.id, "label": group_label(g.id), "size": len(g.members),
            "share": round(len(g.members) / participants, 3) if participants else 0.0,
            "participants": list(g.members),
            "representative": [{**stmt(r.statement), "direction": r.direction,
                                "group_share": round(r.group_share, 3), "other_share": round(r.other_share, 3)}
                               for r in g.representative if r.statement in statements],
        })
    if groups:
        groups[0]["role"] = "majority" if len(groups) > 1 else "all"
        for g in groups[1:]:
            g["role"] = "minority"
    table = []
    for sid in sorted(statements, key=lambda k: statements[k].seq):
        counts = tally[sid]
        table.append({**stmt(sid), "agree": counts[0][0], "disagree": counts[0][1], "pass": counts[0][2],
                      "groups": [_shares(counts[i + 1]) for i in range(len(groups))]})
    return {
        "consultation": c.id, "participants": participants, "votes": len(rows), "statements": len(statements),
        "groups": groups,
        "consensus": [{**stmt(x.statement), "direction": x.direction, "shares": [round(v, 3) for v in x.shares],
                       "votes": x.votes} for x in grouping.consensus if x.statement in statements],
        "unassigned": len(grouping.unassigned),
        "positions": {str(p): [round(float(xy[0]), 3), round(float(xy[1]), 3), member_of.get(p)]
                      for p, xy in grouping.positions.items()},
        "table": table,
    }


def _shares(counts: list[int]) -> dict:
    total = sum(counts)
    if not total:
        return {"agree": None, "disagree": None, "votes": 0}
    return {"agree": round(counts[0] / total, 3), "disagree": round(counts[1] / total, 3), "votes": total}


def public_view(res: dict) -> dict:
    """The results without any participant's code (for pages anyone can open)."""
    groups = [{k: v for k, v in g.items() if k != "participants"} for g in res["groups"]]
    points = [[x, y, g] for x, y, g in res["positions"].values()]
    return {**res, "groups": groups, "positions": points}


def standing(res: dict, code: str) -> dict | None:
    """Where one participant stands: their group and its size, or None if not placed yet."""
    if not code or code not in res["positions"]:
        return None
    x, y, g = res["positions"][code]
    if g is None:
        return {"group": None, "x": x, "y": y}
    group = res["groups"][g]
    return {"group": g, "label": group["label"], "size": group["size"], "role": group.get("role"), "x": x, "y": y}
