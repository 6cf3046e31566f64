"""What the workflow benchmark prints from the children's reports: one table row per figure (the
scan, the rescan, each query plan's verdict, the rates, the worker) with target, verdict and
baseline, and on stderr the details (expected against found, the EXPLAIN output, the county's rates)."""

from __future__ import annotations

import sys

from .scan import TARGET_SIZE, plan_verdict

# ---------------------------------------------------------------------------------- printing
HEADER = ["db / cases", "figure", "measured", "per 100k", "target", "result", "baseline", "ratio"]


def table_rows(report: dict) -> list[list[str]]:
    where = f"{report['db']} {report['size']:,}"
    rows = []
    for r in report["results"]:
        if r["kind"] == "scan":
            pro = "" if r["cases"] == TARGET_SIZE else " pro rata"
            ok = "PASS" if r["passed"] else ("FAIL" if r["correct"] else "WRONG")
            rows.append([where, f"deadline scan + escalation: {r['escalated']:,} escalated, {r['reminders']:,} "
                         f"reminders of {r['open']:,} open", f"{r['seconds']:.1f} s", f"{r['per_100k_s']:.1f} s",
                         f"< {r['target_s']:.1f} s{pro}", ok, "", ""])
            rows.append([where, "same scan again, nothing new", f"{r['rescan_s']:.2f} s",
                         f"{r['rescan_s'] * 100_000 / r['cases']:.2f} s", "", "", "", ""])
            for name, p in r["plans"].items():
                column = p.get("column", "resolve_due")
                v = plan_verdict(p["plan"], p["index"], column)
                fields = ", ".join(p.get("fields") or ["status", "resolve_due"])
                rows.append([where, f"{name} query: index ({fields}) bounded on {column}",
                             "yes" if v["due_range"] else "no", "", "", f"reads {v['reads']}", "", ""])
        elif r["kind"] == "rates":
            ok = "PASS" if r["passed"] else ("WRONG" if r["differ"] else "FAIL")
            rows.append([where, f"rates_by_unit: {r['units']} units, {r['cases']:,} cases (1 year)",
                         f"{r['seconds']:.2f} s", "", f"< {r['target_s']:.0f} s", ok,
                         f"{r['baseline_s']:.2f} s (rates_for per unit)",
                         f"×{r['ratio']:.1f}" if r["ratio"] else ""])
        elif r["kind"] == "worker":
            rows.append([where, f"worker: {r['tasks']} noop tasks, db_worker --batch, CONN_MAX_AGE={r['conn_max_age']}",
                         f"{r['per_s']:.0f} tasks/s", "", "", "ok" if r["correct"] else "WRONG",
                         f"enqueue {r['enqueue_per_s']:.0f}/s", ""])
    return rows


def print_details(report: dict, out=sys.stderr) -> None:
    where = f"[{report['db']} {report['size']:,}]"
    load = report.get("load") or {}
    if load:
        print(f"{where} ledger {'reused' if load.get('reused') else 'loaded'}: {load.get('cases', 0):,} cases"
              + (f" in {load['seconds']:.0f}s" if load.get("seconds") else ""), file=out)
    for r in report["results"]:
        if r["kind"] == "scan":
            print(f"{where} scan: setup {r['setup_s']:.1f}s; expected {r['expected_escalations']:,} escalations, got "
                  f"{r['escalated']:,} ({r['escalate_events']:,} events, {r['notifications']:,} notifications); "
                  f"levels after {r['levels']}; second pass {r['rescan']}", file=out)
            for name, p in r["plans"].items():
                v = plan_verdict(p["plan"], p["index"], p.get("column", "resolve_due"))
                print(f"{where} EXPLAIN {name} query (index {p['index']}: "
                      f"{'used' if v['uses_index'] else 'NOT used'}; reads {v['reads']}):", file=out)
                for line in p["plan"]:
                    print(f"      {line}", file=out)
        elif r["kind"] == "rates":
            print(f"{where} rates: county {r['county']}; units differing from the baseline: {r['differ'] or 'none'}",
                  file=out)
        elif r["kind"] == "worker":
            print(f"{where} worker: {r['by_status']}; enqueue {r['enqueue_s']:.1f}s, run {r['seconds']:.1f}s", file=out)
