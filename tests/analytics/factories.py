"""Hand-made canonical data sets for the analytics tests: every number can be counted by hand."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from cartwise.data.derive import build_users, fields_from_timestamps, mark_reordered
from cartwise.data.schema import CanonicalData, LoadReport, conform


def canonical(
    baskets: Sequence[Sequence[int]],
    users: Sequence[int] | None = None,
    times: Sequence[str] | None = None,
    gaps: Sequence[float | None] | None = None,
    prices: Mapping[int, float] | None = None,
    quantities: Sequence[Sequence[int]] | None = None,
    extra_products: Sequence[int] = (),
    dow: Sequence[int] | None = None,
    hour: Sequence[int] | None = None,
) -> CanonicalData:
    """Canonical tables with one order per basket (order ids 1..n in the order given).

    Args:
        baskets: product ids of each order.
        users: user id of each order (default: all orders by user 1).
        times: ``ordered_at`` of each order ("2024-01-05 10:00"); without it the data has no
            calendar (Instacart-like) and ``gaps`` gives ``days_since_prior_order``.
        gaps: days since the user's previous order, per order (None on a user's first order).
        prices: unit price per product id (also the products' list price); default: none.
        quantities: units of each line (default 1).
        extra_products: catalogue products nobody bought.
        dow, hour: day of week (0 = Sunday) and hour per order when there are no ``times``.
    """
    n = len(baskets)
    users = list(users) if users is not None else [1] * n
    order_ids = np.arange(1, n + 1)
    orders = pd.DataFrame({"order_id": order_ids, "user_id": users, "eval_set": "prior"})
    if times is not None:
        orders["ordered_at"] = pd.to_datetime(list(times)).astype("datetime64[s]")
        orders = fields_from_timestamps(orders).sort_values("order_id").reset_index(drop=True)
    else:
        orders["order_number"] = orders.groupby("user_id").cumcount() + 1
        orders["order_dow"] = list(dow) if dow is not None else 0
        orders["order_hour_of_day"] = list(hour) if hour is not None else 10
        orders["days_since_prior_order"] = [np.nan if g is None else g
                                            for g in (gaps or [None] * n)]
        orders["ordered_at"] = pd.Series(pd.NaT, index=orders.index, dtype="datetime64[s]")
    rows = [(o, p, i + 1) for o, b in zip(order_ids, baskets, strict=True)
            for i, p in enumerate(b)]
    lines = pd.DataFrame(rows, columns=["order_id", "product_id", "add_to_cart_order"])
    qty = [q for qs in quantities for q in qs] if quantities is not None else [1] * len(lines)
    lines["quantity"] = qty
    if prices is not None:
        lines["unit_price"] = lines["product_id"].map(dict(prices)).astype("float64")
    lines["reordered"] = mark_reordered(lines, orders)
    ids = sorted({p for b in baskets for p in b} | set(extra_products))
    products = pd.DataFrame({
        "product_id": ids,
        "product_name": [f"P{i}" for i in ids],
        "aisle_id": [i % 3 + 1 for i in ids],
        "aisle": [f"aisle {i % 3 + 1}" for i in ids],
        "department_id": [i % 2 + 1 for i in ids],
        "department": [f"dept {i % 2 + 1}" for i in ids],
        "price": [prices.get(i, np.nan) if prices else np.nan for i in ids],
    })
    return CanonicalData(
        products=conform(products, "products"),
        orders=conform(orders, "orders"),
        order_lines=conform(lines, "order_lines"),
        users=conform(build_users(orders), "users"),
        report=LoadReport(layout="test"),
    )


#: The 5-basket example of the affinity tests (products 1..4 = A, B, C, D).
#: Counts: A 4, B 4, C 3, D 1; pairs AB 3, AC 2, BC 2, AD 1, BD 1, CD 0; N = 5.
FIVE_BASKETS: list[list[int]] = [[1, 2], [1, 2, 3], [1, 3], [2, 3], [1, 2, 4]]


def planted_pair(n_baskets: int = 2000, n_products: int = 200, seed: int = 7,
                 pair: tuple[int, int] = (9001, 9002), together: int = 40,
                 alone: int = 10) -> CanonicalData:
    """Random baskets with a planted pair: ``pair`` is bought together ``together`` times and
    each of its products ``alone`` more times on its own, so it has by far the highest lift."""
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, n_products + 1)
    popularity /= popularity.sum()
    baskets = []
    for _ in range(n_baskets):
        size = int(rng.integers(2, 12))
        baskets.append(list(rng.choice(np.arange(1, n_products + 1), size=size, replace=False,
                                       p=popularity)))
    slots = rng.choice(n_baskets, size=together + 2 * alone, replace=False)
    for i in slots[:together]:
        baskets[i] += list(pair)
    for i in slots[together:together + alone]:
        baskets[i].append(pair[0])
    for i in slots[together + alone:]:
        baskets[i].append(pair[1])
    users = [1 + i % 300 for i in range(n_baskets)]
    return canonical(baskets, users=users, gaps=[None] * n_baskets)
