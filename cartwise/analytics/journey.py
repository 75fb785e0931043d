"""The customer journey: how shoppers come back, how big their baskets are, how reorders grow.

One pure function, :func:`customer_journey`, over per-user order counts, per-order numbers and
basket sizes, per-line reorder flags and the gaps between orders.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cartwise.analytics.results import chart, labelled, share
from cartwise.formatting import fmt_num, fmt_pct, plural

#: Orders-per-user histogram bins: (label, low, high) inclusive.
ORDER_BINS: tuple[tuple[str, int, int], ...] = (
    ("1", 1, 1), ("2", 2, 2), ("3", 3, 3), ("4", 4, 4), ("5", 5, 5), ("6-10", 6, 10),
    ("11-20", 11, 20), ("21-50", 21, 50), ("51+", 51, 1 << 40),
)
#: Basket sizes shown one by one up to this; larger baskets share the last bar.
MAX_BASKET_BIN = 30
#: Reorder rate by order number is shown for the first this many orders.
MAX_ORDER_NUMBER = 50
#: Retention (share of shoppers reaching order n) is shown for n = 1..this.
RETENTION_ORDERS = 10


def customer_journey(
    user_orders: np.ndarray,
    order_number: np.ndarray,
    order_size: np.ndarray,
    order_reorders: np.ndarray,
    gaps: np.ndarray,
    gap_cap: int,
) -> dict[str, Any]:
    """First-time vs repeat shoppers, basket sizes, reorder rate by order number, days between.

    Args:
        user_orders: orders per shopper (>= 1).
        order_number: 1-based number of each order in its shopper's sequence.
        order_size: lines (distinct products) of each order; orders with 0 lines (Instacart's
            test orders) are left out of basket statistics.
        order_reorders: lines of each order that the shopper had bought before.
        gaps: days between consecutive orders of a shopper (NaN ignored).
        gap_cap: gaps are shown per whole day 0..gap_cap-1 and ``gap_cap+`` (30 for Instacart,
            whose gaps stop at 30).

    Returns:
        A JSON-able dict with ``shoppers``, ``orders``, ``orders_per_shopper``, ``retention``,
        ``basket_size``, ``reorder_by_order_number``, ``days_between_orders``, ``charts`` and a
        one-line ``summary``.
    """
    uo = np.asarray(user_orders, dtype=np.int64)
    n_users = int(len(uo))
    repeat = int((uo >= 2).sum())
    size = np.asarray(order_size, dtype=np.int64)
    num = np.asarray(order_number, dtype=np.int64)
    with_lines = size > 0
    first = with_lines & (num == 1)
    later = with_lines & (num > 1)

    per_user = [int(((uo >= lo) & (uo <= hi)).sum()) for _, lo, hi in ORDER_BINS]
    retention_n = list(range(1, RETENTION_ORDERS + 1))
    retention = [share(int((uo >= n).sum()), n_users) for n in retention_n]

    sizes = size[with_lines]
    size_counts = np.bincount(np.minimum(sizes, MAX_BASKET_BIN + 1),
                              minlength=MAX_BASKET_BIN + 2)[1:]
    size_labels = [str(i) for i in range(1, MAX_BASKET_BIN + 1)] + [f"{MAX_BASKET_BIN + 1}+"]

    reord = np.asarray(order_reorders, dtype=np.float64)
    capped = np.minimum(num, MAX_ORDER_NUMBER + 1)
    lines_at = np.bincount(capped, weights=size.astype(np.float64),
                           minlength=MAX_ORDER_NUMBER + 2)[1:MAX_ORDER_NUMBER + 1]
    reord_at = np.bincount(capped, weights=reord,
                           minlength=MAX_ORDER_NUMBER + 2)[1:MAX_ORDER_NUMBER + 1]
    shown = np.flatnonzero(lines_at > 0)
    x_num = [int(i + 1) for i in shown]
    y_rate = [float(reord_at[i] / lines_at[i]) for i in shown]

    g = np.asarray(gaps, dtype=np.float64)
    g = g[~np.isnan(g)]
    gap_bins = np.bincount(np.minimum(np.floor(g).astype(np.int64), gap_cap),
                           minlength=gap_cap + 1) if len(g) else np.zeros(gap_cap + 1, np.int64)
    gap_labels = [str(i) for i in range(gap_cap)] + [f"{gap_cap}+"]
    gap_median = float(np.median(g)) if len(g) else None
    weekly = share(int((g <= 7).sum()), len(g)) if len(g) else None

    basket = {
        "orders": int(len(sizes)),
        "mean": float(sizes.mean()) if len(sizes) else None,
        "median": float(np.median(sizes)) if len(sizes) else None,
        "first_order_mean": float(size[first].mean()) if first.any() else None,
        "repeat_order_mean": float(size[later].mean()) if later.any() else None,
        "histogram": labelled(size_labels, size_counts.tolist()),
    }
    out: dict[str, Any] = {
        "shoppers": {"total": n_users, "one_order": n_users - repeat, "repeat": repeat,
                     "repeat_share": share(repeat, n_users)},
        "orders": {"total": int(len(num)), "first_orders": int((num == 1).sum()),
                   "repeat_orders": int((num > 1).sum())},
        "orders_per_shopper": {
            "mean": float(uo.mean()) if n_users else None,
            "median": float(np.median(uo)) if n_users else None,
            "histogram": labelled([b[0] for b in ORDER_BINS], per_user),
        },
        "retention": labelled([f"order {n}" for n in retention_n], retention),
        "basket_size": basket,
        "reorder_by_order_number": {"x": x_num, "y": y_rate,
                                    "overall": share(float(reord.sum()), float(size.sum()))},
        "days_between_orders": {
            "gaps": int(len(g)),
            "median": gap_median,
            "mean": float(g.mean()) if len(g) else None,
            "within_a_week_share": weekly,
            "histogram": labelled(gap_labels, gap_bins.tolist()),
        },
    }
    out["charts"] = [
        chart("bar", "Shoppers by number of orders", [b[0] for b in ORDER_BINS], per_user,
              "orders", "shoppers"),
        chart("line", "Shoppers reaching their n-th order", retention_n, retention,
              "order number", "share of shoppers"),
        chart("bar", "Basket size", size_labels, size_counts.tolist(), "products in basket",
              "orders"),
        chart("line", "Reorder rate by order number", x_num, y_rate, "order number",
              "share of items reordered"),
        chart("bar", "Days between orders", gap_labels, gap_bins.tolist(), "days", "orders"),
    ]
    out["summary"] = _summary(out, x_num, y_rate)
    return out


def _summary(out: dict[str, Any], x_num: list[int], y_rate: list[float]) -> str:
    s, b, d = out["shoppers"], out["basket_size"], out["days_between_orders"]
    parts = [f"{plural(s['total'], 'shopper')}, {fmt_pct(s['repeat_share'])} came back for a "
             "second order"]
    if b["mean"] is not None:
        parts.append(f"baskets hold {fmt_num(b['mean'], 1)} products on average "
                     f"(median {fmt_num(b['median'])})")
    if len(x_num) >= 2:
        last = min(len(x_num), 10) - 1
        parts.append(f"reorders rise from {fmt_pct(y_rate[0], 0)} of items on the first order "
                     f"to {fmt_pct(y_rate[last], 0)} by order {x_num[last]}")
    if d["median"] is not None:
        parts.append(f"median gap between orders {fmt_num(d['median'], 0)} days")
    return "; ".join(parts) + "."
