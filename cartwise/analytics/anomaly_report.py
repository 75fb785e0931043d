"""Unusual days or weeks in the order ledger: a metric's series, the periods far from what the
series leads one to expect (:mod:`cartwise.analytics.anomalies`: weekday seasonality and trend
taken into account, robust to holiday peaks), and what moved in each of them.

Metrics: ``orders``, ``revenue`` (money; needs prices), ``shoppers`` (distinct) and ``aov``
(revenue / orders). What moved: the departments and products whose revenue (units without
prices) in the period differs most from their mean over the neighbouring periods (the same
weekday one to four weeks before and after for a day; the two weeks either side for a week).
A partial last week (the data ends before its Sunday) is left out of a weekly series.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from cartwise.analytics import anomalies
from cartwise.analytics import periods as P
from cartwise.analytics.cache import result_key
from cartwise.analytics.checks import choice, whole
from cartwise.analytics.ledger import Ledger, distinct_users
from cartwise.analytics.results import chart, r
from cartwise.analytics.sales import NO_CALENDAR
from cartwise.errors import InvalidArgument
from cartwise.formatting import fmt_num, plural

ANOMALY_METRICS = ("orders", "revenue", "shoppers", "aov")
ANOMALY_BY = ("day", "week")
#: The most anomalies a call lists.
MAX_ANOMALIES = 50
#: Daily series cover at most this many days (the last ones of the data).
MAX_SERIES_DAYS = 3 * 366
#: Departments and products named per anomaly.
MOVERS = 3
#: How far out the neighbouring periods of a day (the same weekday, in weeks) go.
NEIGHBOURS = 4
#: ... and of a week (in weeks).
WEEK_NEIGHBOURS = 2
#: Anomalies whose movers the build computes (the default ``k``).
PRECOMPUTED_MOVERS = 10


def check(metric: str | None, by: str | None, k: int, has_calendar: bool,
          has_prices: bool) -> tuple[str, str, int]:
    """``(metric, by, k)`` normalised, or :class:`InvalidArgument` naming the argument."""
    m = choice("metric", metric, ANOMALY_METRICS, "orders")
    b = choice("by", by, ANOMALY_BY, "day")
    if not has_calendar:
        raise InvalidArgument("by", b, "a calendar of orders",
                              NO_CALENDAR + "; a series over time needs dates")
    if m in ("revenue", "aov") and not has_prices:
        raise InvalidArgument("metric", m, ["orders", "shoppers"], "this data has no prices")
    return m, b, whole("k", k, 1, MAX_ANOMALIES)


def report_key(metric: str, by: str) -> str:
    return result_key("detect_anomalies", metric=metric, by=by)


def series(led: Ledger, metric: str, by: str) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, values)``: the metric per period over the data's range (empty periods are 0
    orders; their aov is unknown, NaN)."""
    code_all = led.codes(by)
    if not len(code_all):
        return np.empty(0, np.int64), np.empty(0)
    lo, hi = int(code_all.min()), int(code_all.max())
    if hi > lo:
        hi = P.complete(hi, by, led.last_day)  # a partial last week's low value is no anomaly
    if by == "day":
        lo = max(lo, hi - MAX_SERIES_DAYS + 1)
    n = hi - lo + 1
    keep = (code_all >= lo) & (code_all <= hi)
    g = code_all[keep] - lo
    orders = np.bincount(g, minlength=n).astype(np.float64)
    if metric == "orders":
        values = orders
    elif metric == "shoppers":
        values = distinct_users(np.asarray(led.user)[keep], g, n).astype(np.float64)
    else:
        revenue = np.bincount(g, weights=np.asarray(led.value)[keep], minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            values = revenue if metric == "revenue" else np.where(orders > 0,
                                                                  revenue / orders, np.nan)
    return np.arange(lo, hi + 1), values


def movers_key(by: str, label: str) -> str:
    return result_key("anomaly_movers", by=by, label=label)


def movers(led: Ledger, by: str, label: str) -> dict[str, list[dict[str, Any]]]:
    """The departments and products whose revenue (units without prices) in the day or week
    ``label`` differs most from their mean over the neighbouring periods (product rows, not
    entries: the service adds the catalogue's)."""
    code_all = led.codes(by)
    first = P.day_of(label, "label")
    assert first is not None
    period = int(P.codes(np.array([first]), by)[0])
    step, reach = (7, NEIGHBOURS) if by == "day" else (1, WEEK_NEIGHBOURS)
    lo, hi = int(code_all.min()), int(code_all.max())
    neighbours = [period + s * step * j for j in range(1, reach + 1) for s in (-1, 1)
                  if lo <= period + s * step * j <= hi]
    sel = led.orders_in(by, [period, *neighbours])
    lines, owner = led.lines_of(sel)
    in_period = code_all[sel][owner] == period
    amount = (led.line_amount[lines] if led.has_prices
              else np.asarray(led.line_qty)[lines].astype(np.float64))
    product = np.asarray(led.line_product)[lines].astype(np.int64)
    out: dict[str, list[dict[str, Any]]] = {}
    for level, key, n in (
            ("departments", np.asarray(led.product_department)[product],
             len(led.department_names)),
            ("products", product, len(led.product_department))):
        cur = np.bincount(key[in_period], weights=amount[in_period], minlength=n)
        base = (np.bincount(key[~in_period], weights=amount[~in_period], minlength=n)
                / max(len(neighbours), 1))
        diff = cur - base
        top_ = [int(i) for i in np.argsort(-np.abs(diff), kind="stable")[:MOVERS]
                if diff[i] != 0]
        out[level] = [{("name" if level == "departments" else "product_row"):
                       (str(led.department_names[i]) if level == "departments" else i),
                       "value": r(cur[i]), "expected": r(base[i]), "difference": r(diff[i])}
                      for i in top_]
    return out


def anomaly_report(led: Ledger, metric: str, by: str, threshold: float = 3.5
                   ) -> dict[str, Any]:
    """The metric's series with its expected range, and up to :data:`MAX_ANOMALIES`
    anomalies (largest first). What moved in each comes from :func:`movers` (computed only
    for the anomalies a call lists). Without a ``summary`` (:func:`describe` writes it)."""
    codes, values = series(led, metric, by)
    labels = P.labels(codes, by)
    found, base = anomalies.detect(values, labels, by, k=MAX_ANOMALIES, threshold=threshold)
    items = [{
        "label": a.label, "value": r(a.value), "expected": r(a.expected),
        "low": r(a.low), "high": r(a.high), "deviation": r(a.deviation),
        "score": r(a.score), "direction": a.direction,
        "change": r(a.deviation / a.expected, 4) if a.expected else None,
    } for a in found]
    y_label = {"aov": "average order value"}.get(metric, metric)
    return {
        "metric": metric, "by": by, "threshold": threshold, "method": base.method,
        "n_periods": len(codes),
        "window": {"from": labels[0], "to": labels[-1]} if labels else None,
        "anomalies": items,
        "series": {"x": labels, "y": [r(v) for v in values],
                   "expected": [r(v) for v in base.expected],
                   "low": [r(v) for v in base.low], "high": [r(v) for v in base.high]},
        "charts": [{"kind": "line", "title": f"{y_label.capitalize()} by {by}, expected range "
                    "and anomalies", "x": labels, "x_label": by, "y_label": y_label,
                    "series": {y_label: [r(v) for v in values],
                               "expected": [r(v) for v in base.expected],
                               "low": [r(v) for v in base.low],
                               "high": [r(v) for v in base.high]}},
                   chart("scatter", "Anomalies", [x["label"] for x in items],
                         [x["value"] for x in items], by, y_label)],
    }


def top(result: dict[str, Any], k: int) -> dict[str, Any]:
    """The report with its ``k`` largest anomalies."""
    items = result["anomalies"][:k]
    charts = [c if c["kind"] != "scatter" else
              {**c, "x": [x["label"] for x in items], "y": [x["value"] for x in items]}
              for c in result["charts"]]
    return {**result, "anomalies": items, "k": k, "charts": charts}


def describe(result: dict[str, Any], money: Callable[[float | None], str]) -> str:
    """The one-line summary of an anomaly report."""
    items, metric, by = result["anomalies"], result["metric"], result["by"]
    amount = money if metric in ("revenue", "aov") else (lambda v: fmt_num(v))
    if not result["n_periods"]:
        return "No orders to look at."
    if not items:
        return (f"Nothing unusual in {metric} by {by} over {plural(result['n_periods'], by)} "
                f"({result['method']}).")
    parts = []
    for x in items[:3]:
        moved = x["departments"][0]["name"] if x.get("departments") else None
        parts.append(f"{x['label']} {x['direction']}: {amount(x['value'])} vs "
                     f"{amount(x['expected'])} expected"
                     + (f" (most change in {moved})" if moved else ""))
    latest = max(items, key=lambda x: x["label"])
    recent = ("" if latest in items[:3] else
              f"; the most recent: {latest['label']} {latest['direction']} "
              f"({amount(latest['value'])} vs {amount(latest['expected'])} expected)")
    return (f"{plural(len(items), f'unusual {by}')} in {metric} over "
            f"{plural(result['n_periods'], by)}, largest "
            "first: " + "; ".join(parts) + recent + ".")
