"""Per-shopper and per-product statistics: the inputs of profiles, RFM, churn and lifetime value.

Everything is a vectorised pass over the line and order arrays of a
:class:`~cartwise.analytics.index.TableIndex` (``np.bincount`` and sparse matrices), so the
build computes them for every shopper and product at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from cartwise.analytics.clock import Timeline
from cartwise.analytics.index import TableIndex

#: Users x categories tables up to this many cells are counted densely (one bincount).
DENSE_CELLS = 40_000_000
#: Spending segments, lowest first: monetary quartiles of the shoppers with a purchase.
SPENDING_SEGMENTS = ("small", "low-average", "average", "high")


def user_stats(index: TableIndex, timeline: Timeline) -> pd.DataFrame:
    """One row per user (users-table order, i.e. by ``user_id``).

    Columns (units in brackets):

    * ``user_id``; ``n_orders`` (all orders, incl. orders without lines such as Instacart's
      test orders); ``n_baskets`` (orders with at least one line);
    * ``lines`` (distinct products per basket, summed); ``items`` (units); ``reorders`` (lines
      the shopper had bought before); ``reorder_rate`` (reorders / lines, 0..1, NaN without lines);
    * ``spend`` (the data's currency; NaN where no line of the user has a price);
      ``priced_items`` (units with a price); ``avg_item_price`` (spend / priced items);
    * ``monetary``: spend when the data has prices, else items (see ``index.has_prices``);
    * ``recency_days``, ``tenure_days`` (days since the first order), ``span_days`` (first to
      last order) (days, see :mod:`cartwise.analytics.clock`);
    * ``n_gaps``, ``gap_median``, ``gap_mean`` (days between the shopper's orders, over the
      history gaps; NaN with no gap);
    * ``last_order_id``, ``last_order_number`` (orders are numbered 1..n, so it is ``n_orders``),
      ``last_basket_size`` (lines of the last order).
    """
    n_u = index.n_users
    ou = index.order_user
    tot = index.order_totals  # sums per order, then per user: a pass over orders, not lines
    lines = np.bincount(ou, weights=tot.lines, minlength=n_u)
    items = np.bincount(ou, weights=tot.items, minlength=n_u)
    reorders = np.bincount(ou, weights=tot.reorders, minlength=n_u)
    spend = np.bincount(ou, weights=tot.value, minlength=n_u)
    priced_items = np.bincount(ou, weights=tot.priced_items, minlength=n_u)
    n_orders = np.bincount(ou, minlength=n_u)
    order_lines = tot.lines.astype(np.int64)
    n_baskets = np.bincount(ou, weights=(order_lines > 0).astype(np.float64), minlength=n_u)

    hist = timeline.history_gap
    gaps = pd.Series(timeline.order_gap[hist]).groupby(index.order_user[hist])
    gap_median = gaps.median().reindex(range(n_u)).to_numpy(dtype=np.float64)
    gap_mean = gaps.mean().reindex(range(n_u)).to_numpy(dtype=np.float64)
    n_gaps = np.bincount(index.order_user[hist], minlength=n_u)

    last = timeline.user_last
    has = last >= 0
    last_id = np.full(n_u, -1, dtype=np.int64)
    last_id[has] = index.order_ids[last[has]]
    last_size = np.zeros(n_u, dtype=np.int64)
    last_size[has] = order_lines[last[has]]
    with np.errstate(invalid="ignore", divide="ignore"):
        spend_col = np.where(priced_items > 0, spend, np.nan)
        avg_price = np.where(priced_items > 0, spend / priced_items, np.nan)
        reorder_rate = np.where(lines > 0, reorders / lines, np.nan)
    monetary = np.nan_to_num(spend_col, nan=0.0) if index.has_prices else items
    return pd.DataFrame(
        {
            "user_id": index.user_ids,
            "n_orders": n_orders.astype(np.int32),
            "n_baskets": n_baskets.astype(np.int32),
            "lines": lines.astype(np.int64),
            "items": items.astype(np.int64),
            "reorders": reorders.astype(np.int64),
            "reorder_rate": reorder_rate,
            "spend": spend_col,
            "priced_items": priced_items.astype(np.int64),
            "avg_item_price": avg_price,
            "monetary": monetary.astype(np.float64),
            "recency_days": timeline.user_recency,
            "tenure_days": timeline.user_tenure,
            "span_days": timeline.user_span,
            "n_gaps": n_gaps.astype(np.int32),
            "gap_median": gap_median,
            "gap_mean": gap_mean,
            "last_order_id": last_id,
            "last_order_number": np.where(has, n_orders, -1).astype(np.int64),
            "last_basket_size": last_size,
        }
    )


def _priced_sums(group: np.ndarray, index: TableIndex, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Value and units of the priced lines per group (``group``: a row per line, 0..n-1)."""
    if not index.has_prices:
        return np.zeros(n), np.zeros(n)
    priced = np.isfinite(index.line_value)
    qty = index.line_qty.astype(np.float64)  # float weights: bincount is slow with integers
    if priced.all():
        return (np.bincount(group, weights=index.line_value, minlength=n),
                np.bincount(group, weights=qty, minlength=n))
    return (np.bincount(group, weights=np.where(priced, index.line_value, 0.0), minlength=n),
            np.bincount(group, weights=np.where(priced, qty, 0.0), minlength=n))


def product_stats(index: TableIndex) -> pd.DataFrame:
    """One row per product (products-table order).

    Columns: ``product_id``; ``purchases`` (baskets holding it, i.e. lines); ``units``;
    ``buyers`` (distinct shoppers: lines not flagged as reorders, i.e. each buyer's first
    purchase, per the canonical ``reordered`` convention); ``reorders``; ``reorder_rate``
    (reorders / purchases, 0..1, NaN when never bought); ``revenue`` (the data's currency, NaN
    without prices); ``rank`` (1 = most purchases; ties share the best rank; NaN when never
    bought).
    """
    n_p = index.n_products
    lp = index.line_product
    purchases = np.bincount(lp, minlength=n_p)
    units = np.bincount(lp, weights=index.line_qty.astype(np.float64), minlength=n_p)
    reorders = np.bincount(lp, weights=index.line_reordered.astype(np.float64), minlength=n_p)
    revenue, priced_units = _priced_sums(lp, index, n_p)
    rank = pd.Series(-purchases).rank(method="min").to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(purchases > 0, reorders / purchases, np.nan)
    return pd.DataFrame(
        {
            "product_id": index.product_ids,
            "purchases": purchases.astype(np.int64),
            "units": units.astype(np.int64),
            "buyers": (purchases - reorders).astype(np.int64),
            "reorders": reorders.astype(np.int64),
            "reorder_rate": rate,
            "revenue": np.where(priced_units > 0, revenue, np.nan),
            "rank": np.where(purchases > 0, rank, np.nan),
        }
    )


def product_stats_one(index: TableIndex, row: int, purchases: np.ndarray) -> dict[str, float]:
    """The :func:`product_stats` row of one product, from its own lines only.

    Args:
        row: the product's row.
        purchases: lines per product row (for the rank).
    """
    mine = index.line_product == row
    n = int(purchases[row])
    qty = index.line_qty[mine]
    reorders = int(index.line_reordered[mine].sum())
    unit = index.line_unit_price[mine].astype(np.float64)
    value = qty * np.where(np.isnan(unit), index.product_price[row], unit)
    priced = np.isfinite(value)
    return {
        "product_id": int(index.product_ids[row]),
        "purchases": n,
        "units": int(qty.sum()),
        "buyers": n - reorders,
        "reorders": reorders,
        "reorder_rate": reorders / n if n else float("nan"),
        "revenue": float(value[priced].sum()) if priced.any() else float("nan"),
        "rank": float(1 + (purchases > n).sum()) if n else float("nan"),
    }


def top_categories(
    line_user: np.ndarray, line_category: np.ndarray, n_users: int, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each user's ``k`` most purchased categories (departments or aisles).

    Args:
        line_user: user row of each line.
        line_category: category code of each line, 0..n_categories-1.
        n_users: number of user rows.
        k: categories kept per user, >= 1.

    Returns:
        ``(codes, counts)``, both ``(n_users, k)`` int32: category codes by descending line
        count (ties by code), -1 / 0 where a user has fewer than ``k`` categories.
    """
    n_cat = int(line_category.max()) + 1 if len(line_category) else 1
    if n_users * n_cat <= DENSE_CELLS:
        return _top_dense(line_user, line_category, n_users, n_cat, k)
    m = sp.csr_matrix(
        (np.ones(len(line_user), dtype=np.int32), (line_user, line_category)),
        shape=(n_users, n_cat),
    )
    m.sum_duplicates()
    coo = m.tocoo()
    order = np.lexsort((coo.col, -coo.data.astype(np.int64), coo.row))
    row, col, cnt = coo.row[order], coo.col[order], coo.data[order]
    starts = np.r_[0, np.flatnonzero(row[1:] != row[:-1]) + 1] if len(row) else row
    first = np.zeros(len(row), dtype=np.int64)
    if len(row):
        first[starts] = starts
        first = np.maximum.accumulate(first)
    pos = np.arange(len(row)) - first
    keep = pos < k
    codes = np.full((n_users, k), -1, dtype=np.int32)
    counts = np.zeros((n_users, k), dtype=np.int32)
    codes[row[keep], pos[keep]] = col[keep]
    counts[row[keep], pos[keep]] = cnt[keep]
    return codes, counts


def _top_dense(line_user: np.ndarray, line_category: np.ndarray, n_users: int, n_cat: int,
               k: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`top_categories` through a dense users x categories count table (one bincount)."""
    return top_k_rows(category_counts(line_user, line_category, n_users, n_cat), k)


def category_counts(line_user: np.ndarray, line_category: np.ndarray, n_users: int,
                    n_cat: int) -> np.ndarray:
    """Dense ``(n_users, n_cat)`` int64 table of lines per user and category code."""
    dtype = np.int32 if n_users * n_cat < 2**31 else np.int64
    key = line_user.astype(dtype) * dtype(n_cat) + line_category.astype(dtype, copy=False)
    return np.bincount(key, minlength=n_users * n_cat).reshape(n_users, n_cat)


def top_k_rows(counts: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``k`` largest columns of a dense count table, as :func:`top_categories`."""
    n_users, n_cat = counts.shape
    # rank by count, ties by the smaller code: one integer key per cell, unique within a row
    score = counts * n_cat + (n_cat - 1 - np.arange(n_cat))
    kk = min(k, n_cat)
    top = np.argpartition(-score, kk - 1, axis=1)[:, :kk] if kk < n_cat else \
        np.broadcast_to(np.arange(n_cat), (n_users, n_cat)).copy()
    order = np.argsort(-np.take_along_axis(score, top, axis=1), axis=1, kind="stable")
    top = np.take_along_axis(top, order, axis=1)
    got = np.take_along_axis(counts, top, axis=1)
    codes = np.full((n_users, k), -1, dtype=np.int32)
    out_counts = np.zeros((n_users, k), dtype=np.int32)
    codes[:, :kk] = np.where(got > 0, top, -1)
    out_counts[:, :kk] = got
    return codes, out_counts


def spending_bounds(monetary: np.ndarray, active: np.ndarray) -> list[float]:
    """The quartile bounds (25th, 50th, 75th percentile) of ``monetary`` over ``active`` users."""
    values = monetary[active]
    if len(values) == 0:
        return [float("nan")] * 3
    return [float(q) for q in np.quantile(values, [0.25, 0.5, 0.75])]


def spending_segment(monetary: np.ndarray, bounds: list[float]) -> np.ndarray:
    """Index into :data:`SPENDING_SEGMENTS` (0 = small .. 3 = high) of each value.

    A value below the 25th percentile is "small", below the median "low-average", below the
    75th percentile "average", and at or above it "high".
    """
    if any(np.isnan(bounds)):
        return np.zeros(len(monetary), dtype=np.int8)
    return np.searchsorted(np.asarray(bounds), monetary, side="right").astype(np.int8)
