"""What changed between the latest complete week or month and the one before, from the order
ledger: the products that rose and fell most, the departments that changed most, and the
shoppers whose RFM segment moved (for the digest, :mod:`cartwise.analytics.insights`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cartwise.analytics import periods as P
from cartwise.analytics.ledger import Ledger
from cartwise.analytics.results import r
from cartwise.analytics.sales import group_changes
from cartwise.analytics.segments import SEGMENT_NAMES, rfm_table

#: Days in a period for the segment moves (also without a calendar: days before the snapshot).
PERIOD_DAYS = {"week": 7, "month": 30}
#: Products named among the risers and the fallers.
MOVERS = 3


def period_changes(led: Ledger, period: str) -> dict[str, Any]:
    """The latest complete ``period`` against the one before: ``label`` (None without two
    complete periods), ``rise`` / ``fall`` (product row, current, before; by revenue, units
    without prices), ``unit`` and ``departments`` (the per-department changes, largest first).
    """
    got = product_changes(led, period)
    if got is None:
        return {"label": None, "rise": [], "fall": [], "unit": None, "departments": []}
    latest, rise, fall, unit = got
    return {"label": P.label(latest, period), "rise": rise, "fall": fall, "unit": unit,
            "departments": group_changes(led, "department", period, latest)[:5]}


def product_changes(led: Ledger, period: str
                    ) -> tuple[int, list[list[Any]], list[list[Any]], str] | None:
    """Products whose revenue (units) in the latest complete period rose and fell most
    against the one before: ``(latest period code, risers, fallers, unit)``, each entry
    ``[product row, current, before]``; None without two complete periods."""
    code_all = led.codes(period)
    if not len(code_all):
        return None
    latest = P.complete(int(code_all.max()), period, led.last_day)
    if latest - 1 < int(code_all.min()):
        return None
    n = len(led.product_department)
    sums = []
    for c in (latest, latest - 1):
        lines, _ = led.lines_of(np.sort(led.orders_in(period, [c])))
        amount = (led.line_amount[lines] if led.has_prices
                  else np.asarray(led.line_qty)[lines].astype(np.float64))
        sums.append(np.bincount(np.asarray(led.line_product)[lines], weights=amount,
                                minlength=n))
    diff = sums[0] - sums[1]
    order = np.argsort(-diff, kind="stable")
    rise = [[int(i), r(sums[0][i]), r(sums[1][i])] for i in order[:MOVERS] if diff[i] > 0]
    fall = [[int(i), r(sums[0][i]), r(sums[1][i])] for i in order[::-1][:MOVERS]
            if diff[i] < 0]
    return latest, rise, fall, "revenue" if led.has_prices else "units"


def segment_moves(led: Ledger, current: np.ndarray, days: float) -> list[dict[str, Any]]:
    """The RFM segment changes between ``days`` ago and now, the largest first: ``from``,
    ``to``, ``shoppers`` (shoppers with an order before then; ``current``: segment code by
    user row; the segments as of then are recomputed from the orders before it)."""
    age = np.asarray(led.age)
    before = age > days
    user = np.asarray(led.user)[before].astype(np.int64)
    n = len(led.user_ids)
    orders = np.bincount(user, minlength=n)
    had = orders > 0
    if had.sum() < 10:
        return []
    value = (np.asarray(led.value)[before] if led.has_prices
             else np.asarray(led.items)[before])
    monetary = np.bincount(user, weights=value, minlength=n)
    recency = np.full(n, np.inf)
    np.minimum.at(recency, user, age[before] - days)
    old = rfm_table(led.user_ids[had], recency[had], orders[had], monetary[had])["segment"]
    old_seg = old.to_numpy().astype(np.int64)
    now_seg = np.asarray(current)[had].astype(np.int64)
    k = len(SEGMENT_NAMES)
    moved = old_seg != now_seg
    counts = np.bincount(old_seg[moved] * k + now_seg[moved], minlength=k * k)
    top = np.argsort(-counts, kind="stable")[:3]
    return [{"from": SEGMENT_NAMES[i // k], "to": SEGMENT_NAMES[i % k], "shoppers": int(counts[i])}
            for i in top if counts[i]]
