"""Order volume over time: by day of week and hour (every layout), by day, week or month (real
timestamps only).

Per bucket: orders, items (units), revenue (the data's currency; None without prices) and mean
items per order, as chart-ready series over one ``x``. Calendar buckets run from the first to the
last order with empty buckets kept (as zeros), so a chart shows gaps as gaps; days are limited to
the last :data:`MAX_DAYS` days of the data so a result stays small. Weeks start on Monday and are
labelled by that day.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cartwise.analytics.results import chart, r, share
from cartwise.errors import InvalidArgument
from cartwise.formatting import fmt_change, fmt_pct, plural

TREND_BY = ("dow", "hour", "day", "week", "month")
CALENDAR_BY = ("day", "week", "month")
#: ``order_dow`` 0..6 with 0 = Sunday (the canonical convention).
DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_FREQ = {"day": ("D", "%Y-%m-%d"), "week": ("W-SUN", "%Y-%m-%d"), "month": ("M", "%Y-%m")}
#: Daily trends cover at most this many days, the last ones of the data.
MAX_DAYS = 366


def check_by(by: str, has_calendar: bool) -> str:
    """``by`` normalised (lower case), or :class:`InvalidArgument` naming what is accepted."""
    b = str(by).strip().lower()
    if b not in TREND_BY:
        raise InvalidArgument("by", by, TREND_BY)
    if b in CALENDAR_BY and not has_calendar:
        raise InvalidArgument("by", by, ("dow", "hour"),
                              "this data has no calendar dates (Instacart layout): only day of "
                              "week and hour of day are known")
    return b


def order_trends(
    by: str,
    order_dow: np.ndarray,
    order_hour: np.ndarray,
    ordered_at: pd.Series | None,
    order_items: np.ndarray,
    order_value: np.ndarray | None,
) -> dict[str, Any]:
    """Orders, items and revenue per bucket of ``by`` (already checked with :func:`check_by`).

    Args:
        order_dow: day of week of each order, 0 = Sunday.
        order_hour: hour of day of each order, 0..23.
        ordered_at: order timestamps (needed for day, week, month).
        order_items: units per order.
        order_value: value per order in the data's currency (NaN = unknown), or None.
    """
    items = np.asarray(order_items, dtype=np.float64)
    value = None if order_value is None else np.nan_to_num(np.asarray(order_value, np.float64))
    if by in ("dow", "hour"):
        code = np.asarray(order_dow if by == "dow" else order_hour, dtype=np.int64)
        n = 7 if by == "dow" else 24
        labels: list[Any] = list(DAY_NAMES) if by == "dow" else list(range(24))
    else:
        assert ordered_at is not None
        freq, fmt = _FREQ[by]
        periods = ordered_at.dt.to_period(freq)
        if len(periods):
            first = periods.min()
            if by == "day":
                first = max(first, periods.max() - (MAX_DAYS - 1))
            full = pd.period_range(first, periods.max(), freq=freq)
        else:
            full = pd.PeriodIndex([], freq=freq)
        code = (periods.array.asi8 - full[0].ordinal if len(full)
                else np.empty(0, np.int64))
        keep = code >= 0  # days before the window
        code, items = code[keep], items[keep]
        value = value[keep] if value is not None else None
        n = len(full)
        labels = [p.start_time.strftime(fmt) for p in full]
    orders = np.bincount(code, minlength=n)[:n]
    item_sum = np.bincount(code, weights=items, minlength=n)[:n]
    revenue = np.bincount(code, weights=value, minlength=n)[:n] if value is not None else None
    with np.errstate(invalid="ignore", divide="ignore"):
        per_order = np.where(orders > 0, item_sum / orders, np.nan)
    series: dict[str, Any] = {
        "orders": orders.tolist(),
        "items": item_sum.astype(np.int64).tolist(),
        "revenue": np.round(revenue, 2).tolist() if revenue is not None else None,
        "items_per_order": [r(v) for v in per_order],
    }
    total = int(orders.sum())
    peak = int(np.argmax(orders)) if n else None
    x_label = {"dow": "day of week", "hour": "hour of day"}.get(by, by)
    kind = "bar" if by in ("dow", "hour") else "line"
    charts = [chart(kind, f"Orders by {x_label}", labels, orders.tolist(), x_label, "orders")]
    if revenue is not None:
        charts.append(chart(kind, f"Revenue by {x_label}", labels, revenue.tolist(), x_label,
                            "revenue"))
    return {
        "by": by,
        "orders": total,
        "items": int(item_sum.sum()),
        "revenue": r(revenue.sum()) if revenue is not None else None,
        "peak": ({"label": labels[peak], "orders": int(orders[peak]),
                  "share_of_orders": share(int(orders[peak]), total)}
                 if peak is not None else None),
        "window": {"from": labels[0], "to": labels[-1]} if n else None,
        "series": {"x": labels, **series},
        "charts": charts,
        "summary": _summary(by, labels, orders),
    }


def _summary(by: str, labels: list[Any], orders: np.ndarray) -> str:
    total = int(orders.sum())
    if total == 0:
        return "No orders in the data."
    hi, lo = int(np.argmax(orders)), int(np.argmin(orders))
    if by == "dow":
        return (f"{plural(total, 'order')} by day of week: busiest {labels[hi]} "
                f"({fmt_pct(orders[hi] / total)}), quietest {labels[lo]} "
                f"({fmt_pct(orders[lo] / total)}).")
    if by == "hour":
        top3 = np.argsort(-orders, kind="stable")[:3]
        return (f"{plural(total, 'order')} by hour: peak at {hi}:00 ({fmt_pct(orders[hi] / total)})"
                f", busiest hours {', '.join(f'{int(h)}:00' for h in sorted(top3))}; "
                f"quietest {lo}:00.")
    text = (f"{plural(total, 'order')} over {len(labels)} {by}s from {labels[0]} to {labels[-1]}: "
            f"busiest {by} {labels[hi]} ({plural(orders[hi], 'order')})")
    w = {"day": 28, "week": 4, "month": 3}[by]
    # compare the last w complete buckets with the w before (the last bucket may be partial)
    if len(orders) >= 2 * w + 1:
        recent, before = orders[-w - 1:-1].sum(), orders[-2 * w - 1:-w - 1].sum()
        if before:
            text += (f"; the last {w} complete {by}s vs the {w} before: "
                     f"{fmt_change((recent - before) / before)}")
    return text + "."
