"""One shopper's purchase history from the order ledger: their most recent orders, newest
first, each with its lines (product row, quantity, unit price, line value), value and units.

Dates are the orders' own (with a calendar) or "days before the snapshot" (Instacart: every
shopper's last order is at the snapshot; see :mod:`cartwise.analytics.clock`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cartwise.analytics.checks import whole
from cartwise.analytics.ledger import Ledger
from cartwise.analytics.results import r

#: The most orders one call lists.
MAX_ORDERS = 50


def check_orders(orders: int) -> int:
    return whole("orders", orders, 1, MAX_ORDERS)


def purchase_history(led: Ledger, user_row: int, orders: int) -> dict[str, Any]:
    """The ``orders`` most recent orders of the shopper at ``user_row``, newest first.

    Each order: ``order_id``, ``order_number``, ``ordered_at`` (ISO, None without a calendar),
    ``days_ago`` (days before now), ``value`` (None without prices), ``units``, and ``lines``:
    ``product_row``, ``quantity``, ``unit_price`` and ``value`` (None where unknown).
    ``total_orders``: all of the shopper's orders.
    """
    lo, hi = int(led.user_start[user_row]), int(led.user_start[user_row + 1])
    chosen = np.arange(hi - 1, max(lo, hi - orders) - 1, -1, dtype=np.int64)
    out = []
    for i in chosen.tolist():
        a, b = int(led.line_start[i]), int(led.line_start[i + 1])
        qty = np.asarray(led.line_qty[a:b])
        val = np.asarray(led.line_value[a:b])
        lines = [{"product_row": int(p), "quantity": int(q),
                  "unit_price": r(v / q) if np.isfinite(v) and q else None,
                  "value": r(v) if np.isfinite(v) else None}
                 for p, q, v in zip(np.asarray(led.line_product[a:b]).tolist(), qty.tolist(),
                                    val.tolist(), strict=True)]
        s = int(led.ordered_s[i])
        out.append({
            "order_id": int(led.order_id[i]),
            "order_number": int(led.number[i]),
            "ordered_at": (str(np.datetime64(s, "s")) if s >= 0 else None),
            "days_ago": r(float(led.age[i]), 1),
            "value": r(float(led.value[i])) if led.has_prices else None,
            "units": int(led.items[i]),
            "lines": lines,
        })
    return {"total_orders": hi - lo, "orders": out}
