"""The user x item purchase matrix and the per-pair statistics the recommenders share.

Id spaces: row ``u`` is user ``user_ids[u]``, column ``i`` is product ``item_ids[i]`` (external ids,
both sorted ascending). Every catalogue product has a column, bought or not, so models agree on
columns, and column ``i`` is catalogue row ``i`` of :class:`~cartwise.catalog.Catalog` (the
products table sorted by id): product look-ups, names, departments and filters go through the
catalogue. All sparse matrices share one sparsity pattern (the pairs a user bought) in CSR form.

Time: ``day`` values are days on one axis per user. With real timestamps it is days since the
Unix epoch; Instacart data has none, so a user's days count from their first order (the running sum
of ``days_since_prior_order``), which is consistent within a user -- all the recommenders need.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from cartwise.data.schema import CanonicalData


@dataclass
class Interactions:
    """Purchase statistics of users x items.

    Attributes:
        user_ids: (n_users,) int64, sorted external user ids (users with at least one line).
        item_ids: (n_items,) int64, sorted external product ids (the whole catalogue).
        counts: (n_users, n_items) CSR float32: orders in which the user bought the item (>= 1).
        quantity: same pattern: units bought in total.
        spend_ratio: same pattern: mean of (unit price / the user's mean unit price) over the
            user's purchases of the item; all ones where the data has no prices.
        first_day / last_day: same pattern: day of the first and last purchase (see module doc).
        user_last_day: (n_users,) day of the user's latest order.
        user_orders: (n_users,) number of the user's orders (with lines).
        user_gap: (n_users,) the user's median days between orders (population median for users
            with one order).
        user_avg_price: (n_users,) mean unit price the user paid, NaN without prices.
        item_price: (n_items,) list price in the data's currency, NaN where unknown (the
            re-ranking's budget and upsell knobs use it).
        item_avg_quantity: (n_items,) mean units per purchase line (1 where never bought).
    """

    user_ids: np.ndarray
    item_ids: np.ndarray
    counts: sp.csr_matrix
    quantity: sp.csr_matrix
    spend_ratio: sp.csr_matrix
    first_day: sp.csr_matrix
    last_day: sp.csr_matrix
    user_last_day: np.ndarray
    user_orders: np.ndarray
    user_gap: np.ndarray
    user_avg_price: np.ndarray
    item_price: np.ndarray
    item_avg_quantity: np.ndarray

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def user_row(self, user_id: int) -> int | None:
        """Row of external ``user_id``, or None if the user has no purchases here."""
        return _lookup(self.user_ids, user_id)

    def user_items(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        """Columns and purchase counts of the items user ``row`` bought."""
        a, b = self.counts.indptr[row], self.counts.indptr[row + 1]
        return self.counts.indices[a:b], self.counts.data[a:b]

    def arrays(self) -> dict[str, np.ndarray]:
        """Everything as plain arrays, for ``np.savez`` (no pickle)."""
        out: dict[str, np.ndarray] = {
            "user_ids": self.user_ids,
            "item_ids": self.item_ids,
            "indptr": self.counts.indptr,
            "indices": self.counts.indices,
            "counts": self.counts.data,
            "quantity": self.quantity.data,
            "spend_ratio": self.spend_ratio.data,
            "first_day": self.first_day.data,
            "last_day": self.last_day.data,
            "user_last_day": self.user_last_day,
            "user_orders": self.user_orders,
            "user_gap": self.user_gap,
            "user_avg_price": self.user_avg_price,
            "item_price": self.item_price,
            "item_avg_quantity": self.item_avg_quantity,
        }
        return out

    @classmethod
    def from_arrays(cls, a: dict[str, np.ndarray]) -> Interactions:
        shape = (len(a["user_ids"]), len(a["item_ids"]))

        def m(name: str) -> sp.csr_matrix:
            return sp.csr_matrix((a[name], a["indices"], a["indptr"]), shape=shape)

        return cls(
            user_ids=a["user_ids"],
            item_ids=a["item_ids"],
            counts=m("counts"),
            quantity=m("quantity"),
            spend_ratio=m("spend_ratio"),
            first_day=m("first_day"),
            last_day=m("last_day"),
            user_last_day=a["user_last_day"],
            user_orders=a["user_orders"],
            user_gap=a["user_gap"],
            user_avg_price=a["user_avg_price"],
            item_price=a["item_price"],
            item_avg_quantity=a["item_avg_quantity"],
        )


def _lookup(sorted_ids: np.ndarray, key: int) -> int | None:
    i = int(np.searchsorted(sorted_ids, key))
    return i if i < len(sorted_ids) and sorted_ids[i] == key else None


def order_days(orders: pd.DataFrame) -> pd.Series:
    """Day of each order (float), indexed like ``orders``; see the module doc for the axis."""
    if orders["ordered_at"].notna().all() and len(orders):
        ts = orders["ordered_at"].astype("datetime64[s]").astype("int64")
        return pd.Series(ts / 86400.0, index=orders.index)
    ordered = orders.sort_values(["user_id", "order_number"])
    gaps = ordered["days_since_prior_order"].fillna(0.0).astype("float64")
    return gaps.groupby(ordered["user_id"], sort=False).cumsum().reindex(orders.index)


def build_interactions(data: CanonicalData, orders: pd.DataFrame | None = None,
                       lines: pd.DataFrame | None = None) -> Interactions:
    """Aggregate order lines into :class:`Interactions`.

    Args:
        data: canonical tables (products and, by default, orders and lines).
        orders, lines: a subset to use instead of ``data.orders`` / ``data.order_lines`` (the
            training part of an evaluation split). Users with no lines get no row.
    """
    orders = data.orders if orders is None else orders
    lines = data.order_lines if lines is None else lines
    products = data.products.sort_values("product_id")
    item_ids = products["product_id"].to_numpy(np.int64)

    meta = orders[["order_id", "user_id"]].copy()
    meta["day"] = order_days(orders).to_numpy()
    meta = meta.set_index("order_id")
    order_user = meta["user_id"].reindex(lines["order_id"]).to_numpy()
    order_day = meta["day"].reindex(lines["order_id"]).to_numpy()
    user_ids, user_idx = np.unique(order_user, return_inverse=True)
    item_idx = np.searchsorted(item_ids, lines["product_id"].to_numpy())

    qty = lines["quantity"].to_numpy(np.float64)
    price = lines["unit_price"].to_numpy(np.float64)
    has_price = np.isfinite(price)
    n_users, n_items = len(user_ids), len(item_ids)
    # the user's mean unit price (over lines with a price)
    price_sum = np.bincount(user_idx, weights=np.where(has_price, price, 0.0), minlength=n_users)
    price_n = np.bincount(user_idx, weights=has_price.astype(float), minlength=n_users)
    with np.errstate(invalid="ignore", divide="ignore"):
        user_avg_price = price_sum / price_n
        ratio = np.where(has_price, price / user_avg_price[user_idx], 1.0)
    ratio = np.nan_to_num(ratio, nan=1.0, posinf=1.0)

    pair = pd.DataFrame({"u": user_idx.astype(np.int32), "i": item_idx.astype(np.int32),
                         "q": qty.astype(np.float32), "r": ratio.astype(np.float32),
                         "d": order_day})
    del ratio, price, has_price
    g = pair.groupby(["u", "i"], sort=True)
    agg = g.agg(n=("q", "size"), q=("q", "sum"), r=("r", "mean"), d0=("d", "min"),
                d1=("d", "max"))
    u = agg.index.get_level_values(0).to_numpy()
    i = agg.index.get_level_values(1).to_numpy()

    def csr(values: np.ndarray) -> sp.csr_matrix:
        return sp.csr_matrix((values.astype(np.float32), (u, i)), shape=(n_users, n_items))

    user_day = pd.Series(order_day).groupby(user_idx)
    user_last_day = user_day.max().to_numpy()
    basket_users = meta["user_id"].reindex(pd.unique(lines["order_id"])).to_numpy()
    user_orders = np.bincount(np.searchsorted(user_ids, basket_users), minlength=n_users)
    user_gap = _median_gaps(meta, user_ids)

    item_qty = np.bincount(item_idx, weights=qty, minlength=n_items)
    item_lines = np.bincount(item_idx, minlength=n_items)
    return Interactions(
        user_ids=user_ids.astype(np.int64),
        item_ids=item_ids,
        counts=csr(agg["n"].to_numpy()),
        quantity=csr(agg["q"].to_numpy()),
        spend_ratio=csr(agg["r"].to_numpy()),
        first_day=csr(agg["d0"].to_numpy()),
        last_day=csr(agg["d1"].to_numpy()),
        user_last_day=user_last_day.astype(np.float64),
        user_orders=user_orders.astype(np.int32),
        user_gap=user_gap,
        user_avg_price=user_avg_price.astype(np.float64),
        item_price=products["price"].to_numpy(np.float64),
        item_avg_quantity=np.where(item_lines > 0, item_qty / np.maximum(item_lines, 1), 1.0),
    )


def _median_gaps(meta: pd.DataFrame, user_ids: np.ndarray) -> np.ndarray:
    """Median days between a user's consecutive orders; population median where undefined."""
    m = meta[meta["user_id"].isin(user_ids)].sort_values(["user_id", "day"])
    gaps = m.groupby("user_id", sort=True)["day"].diff()
    med = gaps.groupby(m["user_id"]).median().reindex(user_ids)
    fallback = float(np.nanmedian(gaps)) if gaps.notna().any() else 7.0
    return med.fillna(fallback).to_numpy(np.float64)
