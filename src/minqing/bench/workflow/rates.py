"""(b) of the workflow benchmark: rates for every unit of the county over the last year of cases,
`rates_by_unit` (one pass), against the baseline of `rates_for` unit by unit (one query per unit);
the two must agree. Target (issue 5): under 5 s."""

from __future__ import annotations

import datetime as dt
import time

RATES_TARGET_S = 5.0


# ----------------------------------------------------------------------------------- (b) rates
def measure_rates(now: dt.datetime | None = None) -> dict:
    """Rates of every unit over the last year: one pass (rates_by_unit) vs one query per unit."""
    from ... import clock
    from ...ledger.models import Case
    from ...org.models import Unit
    from ...workflow.rates import rates_by_unit, rates_for
    from ...workflow.stats import responsible_in

    now = now or clock.now()
    units = list(Unit.objects.order_by("path"))
    year = Case.objects.filter(received_at__gte=now - dt.timedelta(days=365), received_at__lt=now)
    cases = year.count()
    started = time.perf_counter()
    by_unit = rates_by_unit(year, units, now)
    one_pass = time.perf_counter() - started
    started = time.perf_counter()
    baseline = {u.id: rates_for(year.filter(responsible_in(u)), now) for u in units}
    per_unit = time.perf_counter() - started
    differ = [u.code for u in units if by_unit[u.id] != baseline[u.id]]
    top = next(u for u in units if u.parent_id is None)
    return {"name": "rates_by_unit, every unit, one year", "kind": "rates", "units": len(units), "cases": cases,
            "seconds": one_pass, "baseline_s": per_unit, "ratio": per_unit / one_pass if one_pass else None,
            "target_s": RATES_TARGET_S, "passed": one_pass < RATES_TARGET_S and not differ, "differ": differ,
            "county": {k: by_unit[top.id][k] for k in ("cases", "response_rate", "resolution_rate",
                                                        "satisfaction_rate", "on_time_rate")}}
