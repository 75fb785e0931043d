"""Cohort retention from the order ledger: shoppers grouped by the month (or week) of their
first order, and what each cohort still does 0, 1, 2, ... periods later.

* ``metric="shoppers"``: the share of the cohort with at least one order in the period
  (period 0 is 100% by definition: every shopper's first order is in it);
* ``metric="revenue"``: the cohort's revenue in the period as a share of its revenue in period
  0 ("revenue kept"; above 1 when the cohort spends more later).

Cells after the data's last period are None (not yet observed); the last period of the data
may be partial (``partial_last``). :func:`cohort_matrix` computes the most recent
:data:`MAX_PERIODS` cohorts; :func:`slice_cohorts` cuts the latest ``periods`` of them with
``periods`` periods each, which is exactly what a smaller call computes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from cartwise.analytics import periods as P
from cartwise.analytics.cache import result_key
from cartwise.analytics.checks import choice, whole
from cartwise.analytics.ledger import Ledger, distinct_users
from cartwise.analytics.results import r
from cartwise.analytics.sales import NO_CALENDAR
from cartwise.errors import InvalidArgument
from cartwise.formatting import fmt_pct, plural

COHORT_BY = ("month", "week")
COHORT_METRICS = ("shoppers", "revenue")
#: The most periods (and cohorts) a call may ask for.
MAX_PERIODS = {"month": 24, "week": 52}


def check(by: str | None, periods: int, metric: str | None, has_calendar: bool,
          has_prices: bool) -> tuple[str, int, str]:
    """``(by, periods, metric)`` normalised, or :class:`InvalidArgument` naming the argument."""
    b = choice("by", by, COHORT_BY, "month")
    m = choice("metric", metric, COHORT_METRICS, "shoppers")
    if not has_calendar:
        raise InvalidArgument("by", b, "a calendar of orders", NO_CALENDAR + "; cohorts by "
                              "first-order date need dates")
    if m == "revenue" and not has_prices:
        raise InvalidArgument("metric", m, ["shoppers"], "this data has no prices")
    return b, whole("periods", periods, 1, MAX_PERIODS[b]), m


def matrix_key(by: str, metric: str) -> str:
    return result_key("cohort_retention", by=by, metric=metric)


def cohort_matrix(led: Ledger, by: str, metric: str) -> dict[str, Any]:
    """The retention of the most recent ``MAX_PERIODS[by]`` cohorts over as many periods
    (arguments checked with :func:`check`)."""
    n = MAX_PERIODS[by]
    code = led.codes(by)
    user = np.asarray(led.user).astype(np.int64)
    first = np.asarray(led.first)
    cohort_of = np.full(len(led.user_ids), np.iinfo(np.int64).min, dtype=np.int64)
    cohort_of[user[first]] = code[first]
    last = int(P.codes(np.array([led.last_day]), by)[0])
    lo = last - n + 1
    cohort = cohort_of[user]
    offset = code - cohort
    keep = (cohort >= lo) & (offset >= 0) & (offset < n)
    c, o, u = cohort[keep] - lo, offset[keep], user[keep]
    sizes = np.bincount(cohort_of[cohort_of >= lo] - lo, minlength=n)[:n]
    if metric == "shoppers":
        counts = distinct_users(u, c * n + o, n * n).reshape(n, n).astype(np.float64)
        base = sizes.astype(np.float64)
    else:
        counts = np.bincount(c * n + o, weights=np.asarray(led.value)[keep],
                             minlength=n * n)[: n * n].reshape(n, n)
        base = counts[:, 0].copy()
    rows = []
    for i in range(n):
        observed = last - (lo + i) + 1  # periods of this cohort the data has seen
        cells = [r(counts[i, j] / base[i], 4) if j < observed and base[i] else None
                 for j in range(n)]
        amounts = [r(counts[i, j]) if j < observed else None for j in range(n)]
        rows.append({"label": P.label(lo + i, by), "size": int(sizes[i]), "values": cells,
                     "amounts": amounts})
    end_day = P.last_day(last, by)
    return {"by": by, "metric": metric, "cohorts": rows, "partial_last": end_day > led.last_day,
            "last_period": P.label(last, by)}


def slice_cohorts(full: dict[str, Any], periods: int) -> dict[str, Any]:
    """The latest ``periods`` cohorts of a :func:`cohort_matrix` with ``periods`` periods
    each, their size-weighted average per period, and a heatmap-ready matrix."""
    rows = [{**x, "values": x["values"][:periods], "amounts": x["amounts"][:periods]}
            for x in full["cohorts"][-periods:]]
    average = []
    for j in range(periods):
        seen = [(x["values"][j], x["size"]) for x in rows if x["values"][j] is not None
                and x["size"]]
        weight = sum(s for _, s in seen)
        average.append(r(sum(v * s for v, s in seen) / weight, 4) if weight else None)
    labels = [x["label"] for x in rows]
    x_axis = list(range(periods))
    unit = full["by"]
    return {
        "by": unit, "metric": full["metric"], "periods": periods, "cohorts": rows,
        "average": average, "partial_last": full["partial_last"],
        "last_period": full["last_period"],
        "matrix": {"x": x_axis, "y": labels, "z": [x["values"] for x in rows],
                   "x_label": f"{unit}s since the first order", "y_label": f"first-order {unit}"},
        "charts": [{"kind": "line", "title": f"Average retention by {unit}s since the first "
                    "order", "x": x_axis, "y": average, "x_label": f"{unit}s since first order",
                    "y_label": "share of the cohort" if full["metric"] == "shoppers"
                    else "revenue kept"}],
    }


def describe(result: dict[str, Any], money: Callable[[float | None], str]) -> str:
    """The one-line summary of a :func:`slice_cohorts` result."""
    rows = [x for x in result["cohorts"] if x["size"]]
    if not rows:
        return "No shopper had a first order in these periods."
    unit = result["by"]
    avg = result["average"]
    what = ("still ordering" if result["metric"] == "shoppers" else "revenue kept")
    parts = [f"{len(rows)} {unit}ly cohorts ({plural(sum(x['size'] for x in rows), 'shopper')})"]
    for j in (1, 3) if len(avg) > 3 else (1,) if len(avg) > 1 else ():
        if avg[j] is not None:
            parts.append(f"{fmt_pct(avg[j])} {what} {j} {unit}{'s' if j > 1 else ''} later")
    later = [x for x in rows if len(x["values"]) > 1 and x["values"][1] is not None]
    if len(later) >= 2:
        best = max(later, key=lambda x: x["values"][1])
        worst = min(later, key=lambda x: x["values"][1])
        parts.append(f"best {best['label']} ({fmt_pct(best['values'][1])}), "
                     f"weakest {worst['label']} ({fmt_pct(worst['values'][1])}) after one "
                     f"{unit}")
    return "Cohort retention: " + "; ".join(parts) + "."
