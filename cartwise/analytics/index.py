"""Integer row indexes over the canonical tables, so analyses run on numpy arrays.

External ids (``user_id``, ``product_id``, ``order_id``) are mapped once to *rows*: the user row
is the position in the (sorted) users table, the product row the position in the products table,
the order row the position in the orders table. Every per-line array is aligned with
``order_lines``; nothing here loops over lines or orders in Python.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np

from cartwise.data.schema import CanonicalData
from cartwise.errors import DataError

log = logging.getLogger(__name__)

#: A direct lookup table is used when the key range is at most this many entries (int32 each).
_MAX_TABLE = 64_000_000


def positions(keys: np.ndarray, query: np.ndarray) -> np.ndarray:
    """The position of each ``query`` value in ``keys``, -1 where it is absent.

    Args:
        keys: 1-d integer array of unique keys (any order).
        query: 1-d integer array of values to look up.

    Returns:
        int32 array shaped like ``query``: ``keys[out[i]] == query[i]`` where ``out[i] >= 0``.

    Uses a direct table when the keys are dense enough (ids 1..n: one pass over ``query``), else
    a sort and binary search.
    """
    keys = np.asarray(keys, dtype=np.int64)
    query = np.asarray(query, dtype=np.int64)
    out = np.full(len(query), -1, dtype=np.int32)
    if len(keys) == 0 or len(query) == 0:
        return out
    lo, hi = int(keys.min()), int(keys.max())
    span = hi - lo + 1
    if span <= max(_MAX_TABLE // 4, 4 * len(keys)) and span <= _MAX_TABLE:
        table = np.full(span, -1, dtype=np.int32)
        table[keys - lo] = np.arange(len(keys), dtype=np.int32)
        if lo <= int(query.min()) and int(query.max()) <= hi:  # the usual case: one gather
            return table[query - lo] if lo else table[query]
        q = query - lo
        ok = (q >= 0) & (q < span)
        out[ok] = table[q[ok]]
        return out
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    i = np.searchsorted(sorted_keys, query)
    i = np.minimum(i, len(keys) - 1)
    hit = sorted_keys[i] == query
    out[hit] = order[i[hit]].astype(np.int32)
    return out


@dataclass
class TableIndex:
    """Row-index arrays over one :class:`CanonicalData`.

    Attributes:
        user_ids: int64 ``users.user_id`` (user row ``u`` is ``user_ids[u]``), sorted ascending.
        product_ids: int64 ``products.product_id`` in products-table order.
        order_ids: int64 ``orders.order_id`` in orders-table order.
        order_user: int32 user row of each order.
        line_order: int32 order row of each line of ``order_lines``.
        line_product: int32 product row of each line.
        line_qty: int32 units of each line (>= 1).
        line_unit_price: the lines' own unit prices (float32, NaN where unknown).
        product_price: float64 list price of each product row (NaN where unknown).
        line_reordered: int8 1 where the shopper had bought the product before.
        has_prices: True when at least one line has a value (see :attr:`line_value`).
    """

    user_ids: np.ndarray
    product_ids: np.ndarray
    order_ids: np.ndarray
    order_user: np.ndarray
    line_order: np.ndarray
    line_product: np.ndarray
    line_qty: np.ndarray
    line_unit_price: np.ndarray
    product_price: np.ndarray
    line_reordered: np.ndarray
    has_prices: bool
    _line_user: np.ndarray | None = field(default=None, repr=False)
    _line_value: np.ndarray | None = field(default=None, repr=False)
    _totals: OrderTotals | None = field(default=None, repr=False)

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_products(self) -> int:
        return len(self.product_ids)

    @property
    def n_orders(self) -> int:
        return len(self.order_ids)

    @property
    def n_lines(self) -> int:
        return len(self.line_order)

    @property
    def line_user(self) -> np.ndarray:
        """int32 user row of each line (computed once, on first use)."""
        if self._line_user is None:
            self._line_user = self.order_user[self.line_order]
        return self._line_user

    @property
    def line_value(self) -> np.ndarray:
        """float64 value of each line in the data's currency: quantity x unit price (the
        product's list price where the line has none); NaN where no price is known. Computed
        once, on first use."""
        if self._line_value is None:
            unit = self.line_unit_price
            if np.isnan(unit).any() and np.isfinite(self.product_price).any():
                unit = np.where(np.isnan(unit), self.product_price[self.line_product], unit)
            self._line_value = self.line_qty * unit.astype(np.float64)
        return self._line_value

    @property
    def order_totals(self) -> OrderTotals:
        """Per-order sums of the lines (computed once, on first use)."""
        if self._totals is None:
            self._totals = order_totals(self)
        return self._totals

    def user_row(self, user_id: int) -> int:
        """Row of ``user_id``, -1 when unknown."""
        return int(positions(self.user_ids, np.array([user_id]))[0])

    def product_row(self, product_id: int) -> int:
        """Row of ``product_id``, -1 when unknown."""
        return int(positions(self.product_ids, np.array([product_id]))[0])


class Runs:
    """Sums per group of a line array, fast when equal groups come in runs.

    Lines of one order are usually adjacent: each run of equal ``group`` values is summed with
    ``np.add.reduceat`` and only the run sums are scattered, which is several times faster than
    a bincount over every line (and an integer-weighted bincount is slower still). Correct for
    any order of ``group``.

    Args:
        group: group (e.g. order row) of each line, 0..n-1.
        n: number of groups.
    """

    def __init__(self, group: np.ndarray, n: int) -> None:
        self.group, self.n = group, n
        self.starts = (np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if len(group)
                       else np.empty(0, np.int64))
        self.runs = len(self.starts) <= len(group) // 2
        self.run_group = group[self.starts]

    def count(self) -> np.ndarray:
        """Lines per group (float64, length n)."""
        sizes = np.diff(np.r_[self.starts, len(self.group)]).astype(np.float64)
        return np.bincount(self.run_group, weights=sizes, minlength=self.n)

    def sum(self, values: np.ndarray) -> np.ndarray:
        """``np.bincount(group, weights=values, minlength=n)`` (float64, length n)."""
        if len(self.group) == 0:
            return np.zeros(self.n)
        if not self.runs:
            return np.bincount(self.group, weights=np.asarray(values, np.float64),
                               minlength=self.n)
        sums = np.add.reduceat(values, self.starts, dtype=np.float64)
        return np.bincount(self.run_group, weights=sums, minlength=self.n)


@dataclass(frozen=True)
class OrderTotals:
    """Per-order sums over the lines (arrays by order row, float64).

    Attributes:
        lines: lines (distinct products) per order; 0 for orders without lines.
        items: units per order.
        reorders: lines the shopper had bought before.
        value: value in the data's currency of the priced lines (0 without prices).
        priced_items: units with a known price.
    """

    lines: np.ndarray
    items: np.ndarray
    reorders: np.ndarray
    value: np.ndarray
    priced_items: np.ndarray


def order_totals(index: TableIndex) -> OrderTotals:
    """Sum every line array per order (one pass each over the lines)."""
    t0 = time.perf_counter()
    runs = Runs(index.line_order, index.n_orders)
    lines = runs.count()
    items = runs.sum(index.line_qty)
    reorders = runs.sum(index.line_reordered)
    if not index.has_prices:
        zero = np.zeros(index.n_orders)
        out = OrderTotals(lines, items, reorders, zero, zero)
    elif (priced := np.isfinite(index.line_value)).all():
        out = OrderTotals(lines, items, reorders, runs.sum(index.line_value), items)
    else:
        out = OrderTotals(lines, items, reorders,
                          runs.sum(np.where(priced, index.line_value, 0.0)),
                          runs.sum(np.where(priced, index.line_qty, 0)))
    log.info("order totals over %d lines in %.2f s", index.n_lines, time.perf_counter() - t0)
    return out


def build_index(data: CanonicalData) -> TableIndex:
    """Map the canonical tables' ids to rows.

    Raises:
        DataError: an order names a user missing from ``users``, or a line an unknown order or
            product (the loaders prevent this; hand-made frames may not).
    """
    t0 = time.perf_counter()
    users = data.users["user_id"].to_numpy(dtype=np.int64)
    if len(users) > 1 and not np.all(users[1:] > users[:-1]):
        users = np.unique(users)
    products = data.products["product_id"].to_numpy(dtype=np.int64)
    orders = data.orders
    order_ids = orders["order_id"].to_numpy(dtype=np.int64)
    order_user = positions(users, orders["user_id"].to_numpy())
    if (order_user < 0).any():
        raise DataError("orders name users missing from the users table", column="user_id")
    lines = data.order_lines
    line_order = positions(order_ids, lines["order_id"].to_numpy())
    line_product = positions(products, lines["product_id"].to_numpy())
    if (line_order < 0).any() or (line_product < 0).any():
        raise DataError("order lines name unknown orders or products")
    unit = lines["unit_price"].to_numpy(dtype=np.float32, na_value=np.nan)
    list_price = data.products["price"].to_numpy(dtype=np.float64, na_value=np.nan)
    listed = np.isfinite(list_price)
    has_prices = bool(np.isfinite(unit).any()) or (
        bool(listed.any()) and bool(listed[line_product].any()))
    index = TableIndex(
        user_ids=users,
        product_ids=products,
        order_ids=order_ids,
        order_user=order_user,
        line_order=line_order,
        line_product=line_product,
        line_qty=lines["quantity"].to_numpy(dtype=np.int32),
        line_unit_price=unit,
        product_price=list_price,
        line_reordered=lines["reordered"].to_numpy(dtype=np.int8),
        has_prices=has_prices,
    )
    log.info("indexed %d users, %d products, %d orders, %d lines in %.2f s", index.n_users,
             index.n_products, index.n_orders, index.n_lines, time.perf_counter() - t0)
    return index
