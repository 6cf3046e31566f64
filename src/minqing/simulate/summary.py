"""What a run leaves, counted from the database (not from the simulator's own tallies), and how it is
printed: voices, closings, escalations, extensions, returns, reopenings, notifications, the county's
rates and the ranking of its townships."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable

from django.db.models import Sum

from ..ledger.models import Case, CaseEvent, Extension
from ..org.models import Level, Unit
from ..text.evaluate import pad
from ..workflow.models import Notification
from ..workflow.rates import rates_by_unit, rates_for


def summarise(first_id: int, last_id: int, notes_after: int, end: dt.datetime) -> dict:
    """Counted from the database (not from the simulator's own tallies), over the simulated cases."""
    cases = Case.objects.filter(id__gte=first_id, id__lte=last_id)
    events = CaseEvent.objects.filter(case__in=cases)
    deadline = [d for d in events.filter(action="escalate").values_list("data", flat=True)
                if "why" not in d.get("escalated_to", {})]  # escalations for repeated returns say why
    levels = Counter(d["escalation_level"]["after"] for d in deadline)
    by_return = sum(1 for d in events.filter(action="return").values_list("data", flat=True) if "escalated_to" in d)
    ext = Counter(Extension.objects.filter(case__in=cases).values_list("state", flat=True))
    notes = Notification.objects.filter(id__gt=notes_after)
    by_status = Counter(cases.values_list("status", flat=True))
    townships = list(Unit.objects.filter(level=Level.TOWNSHIP).order_by("path"))
    by_unit = rates_by_unit(cases, townships, end)
    ranking = [{"code": u.code, "name": u.name, **by_unit[u.id]} for u in townships]
    ranking.sort(key=lambda r: (r["satisfaction_rate"] is None, -(r["satisfaction_rate"] or 0), -r["cases"]))
    return {
        "voices": cases.count(),
        "closed": by_status.get("closed", 0),
        "dismissed": cases.filter(status="closed").exclude(close_reason="resolved").count(),
        "open": sum(n for s, n in by_status.items() if s != "closed"),
        "by_status": dict(sorted(by_status.items())),
        "escalations": {"level1": levels.get(1, 0), "level2": levels.get(2, 0),
                        "total": sum(levels.values()) + by_return, "by_return": by_return},
        "escalated_cases": cases.filter(escalation_level__gt=0).count(),
        "extensions": {"requested": sum(ext.values()), "approved": ext.get("approved", 0),
                       "rejected": ext.get("rejected", 0), "pending": ext.get("pending", 0)},
        "returns": events.filter(action="return").count(),
        "reopenings": cases.aggregate(n=Sum("reopen_count"))["n"] or 0,
        "cohandled": events.filter(action="cohandle").count(),
        "notifications": {"queued": notes.count(), "sent": notes.filter(state="sent").count(),
                          "by_kind": dict(sorted(Counter(notes.values_list("kind", flat=True)).items()))},
        "rates": rates_for(cases, end),
        "ranking": ranking,
    }


RATE_LABELS = [("response_rate", "响应率"), ("resolution_rate", "解决率"), ("satisfaction_rate", "满意率"),
               ("on_time_rate", "按时办结率"), ("return_rate", "退单率"), ("reopen_rate", "重办率")]


def _pct(v) -> str:
    return "—" if v is None else f"{v:.1%}"


def _rjust(text: str, width: int) -> str:
    return " " * max(0, width - len(pad(text, 0))) + text


def print_summary(s: dict, out: Callable[[str], None]) -> None:
    e, x, n = s["escalations"], s["extensions"], s["notifications"]
    out(f"simulated {s['days']} days from {s['start'][:10]} (seed {s['seed']}, {s['per_day']} voices a day) "
        f"in {s['seconds']:.1f}s")
    out(f"  voices {s['voices']}, closed {s['closed']} (dismissed {s['dismissed']}), still open {s['open']}")
    out(f"  escalations {e['total']}: level 1 (first contact late) {e['level1']}, level 2 (resolution late) "
        f"{e['level2']}; raised by repeated returns {e['by_return']}; cases escalated {s['escalated_cases']}")
    out(f"  extensions requested {x['requested']}: approved {x['approved']}, rejected {x['rejected']}, "
        f"pending {x['pending']}")
    out(f"  returns {s['returns']}, reopenings {s['reopenings']}, co-handling requests {s['cohandled']}")
    out(f"  notifications queued {n['queued']}, sent {n['sent']} "
        f"({', '.join(f'{k} {v}' for k, v in n['by_kind'].items())})")
    if s["refused"]:
        out(f"  actions refused by the ledger: {s['refused']} (first: {s['refusals'][0]})")
    r = s["rates"]
    out(f"  county rates over {r['cases']} cases: " + ", ".join(f"{zh} {_pct(r[k])}" for k, zh in RATE_LABELS))
    if s["ranking"]:
        out("  township ranking (by satisfaction):")
        out(f"    {'#':>2} {pad('township', 12)} {'cases':>5} " + " ".join(_rjust(zh, 10) for _k, zh in RATE_LABELS))
        for i, row in enumerate(s["ranking"], 1):
            out(f"    {i:>2} {pad(row['name'], 12)} {row['cases']:>5} "
                + " ".join(_rjust(_pct(row[k]), 10) for k, _zh in RATE_LABELS))
