"""What the ledger benchmark prints from the children's reports: one table row per measurement
(target, verdict, baseline, ratio) and, on stderr as each child ends, the details (the ledger
loaded, its distribution, every variant's median/max, errors, and the queries of a FAIL)."""

from __future__ import annotations

import sys


# ------------------------------------------------------------------------------------- printing
def _fmt(v, spec=".1f", none="—"):
    return none if v is None else format(v, spec)


def table_rows(report: dict) -> list[list[str]]:
    rows = []
    for r in report["results"]:
        where = f"{report['db']} {report['size']:,}" if report["size"] else f"{report['db']} empty"
        if r["kind"] == "import":
            if r.get("skipped"):
                rows.append([where, r["name"], "", "", "", "", "skipped: " + r["skipped"], "", ""])
            else:
                unit = r.get("unit", "rows")
                what = f" — {r['imported']} imported, {r['rejected']} rejected" if unit == "rows" else ""
                target = f"≥{r['target_rows_per_s']:,.0f} rows/s" if r.get("target_rows_per_s") else ""
                verdict = "" if r.get("passed") is None else ("PASS" if r["passed"] else "FAIL")
                if r.get("errors"):
                    verdict = "ERROR"
                base = f"{r['baseline_rows_per_s']:,.0f} rows/s" if r.get("baseline_rows_per_s") else ""
                ratio = f"×{r['ratio']:.1f}" if r.get("ratio") else ""
                cpu = f" ({r['rows_per_cpu_s']:,.0f}/cpu-s)" if r.get("rows_per_cpu_s") else ""
                rows.append([where, r["name"] + what, str(r["rows"]), f"{r['rows_per_s']:,.0f} {unit}/s{cpu}",
                             f"{r['seconds']:.1f} s", target, verdict, base, ratio])
            continue
        verdict = "—" if r["passed"] is None else ("PASS" if r["passed"] else "FAIL")
        if r["errors"]:
            verdict = "ERROR"
        target = f"p95<{r['target_ms']:.0f}" if r["target_ms"] else "baseline"
        ratio = f"×{r['ratio']:.2f}" if r["ratio"] is not None else ""
        rows.append([where, r["name"], str(r["n"]), _fmt(r["median_ms"]), _fmt(r["p95_ms"]), target, verdict,
                     _fmt(r["baseline_ms"]), ratio])
    return rows


HEADER = ["db / cases", "measurement", "n", "median ms", "p95 ms", "target", "result", "baseline ms", "ratio"]


def print_details(report: dict, out=sys.stdout) -> None:
    where = f"{report['db']} {report['size']:,}"
    if report.get("load"):
        load = report["load"]
        how = "reused" if load.get("reused") else "loaded"
        print(f"\n[{where}] ledger {how}: {load['cases']:,} cases in {load['seconds']:.0f}s; "
              + ", ".join(f"{k} {v:.1f}s" for k, v in load.get("phases", {}).items()), file=out)
    if report.get("distribution"):
        d = report["distribution"]
        print(f"[{where}] {d['cases']:,} cases, {d['voices']:,} voices, closed {d['closed_share']:.0%}, "
              f"overdue {d['overdue']:,}", file=out)
    for r in report["results"]:
        if r["kind"] == "import" or not r.get("variants"):
            continue
        print(f"[{where}] {r['name']}: " + "; ".join(
            f"{v['label']} {v['median_ms']:.0f}/{v['max_ms']:.0f}ms" + (f" ({v['count']:,})" if v["count"] is not None
                                                                         else "")
            for v in r["variants"]), file=out)
        for e in r["errors"]:
            print(f"[{where}]   ERROR {e}", file=out)
        if r.get("diagnosis"):
            print(f"[{where}]   slowest: {r['diagnosis']['variant']} — its queries:", file=out)
            for q in r["diagnosis"]["queries"]:
                print(f"      {q['ms']:8.1f} ms  {q['sql'][:400]}  {q['params']}", file=out)
                for line in q["plan"]:
                    print(f"                   {line}", file=out)
