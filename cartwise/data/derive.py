"""Columns derived the same way for every layout: order numbering, reorder flags, the users table.

All functions are vectorised over whole tables (no Python loop over orders or lines).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def fields_from_timestamps(orders: pd.DataFrame) -> pd.DataFrame:
    """Fill ``order_number``, ``order_dow``, ``order_hour_of_day`` and ``days_since_prior_order``.

    Args:
        orders: frame with ``order_id``, ``user_id`` and ``ordered_at`` (no nulls).

    Returns:
        A copy with the four columns set from ``ordered_at``: order numbers 1..n per user in time
        order (ties broken by ``order_id``), day of week with 0 = Sunday, hour 0..23, and the real
        gap in (fractional) days since the user's previous order, NaN on the first.
    """
    out = orders.sort_values(["user_id", "ordered_at", "order_id"], kind="stable").copy()
    ts = out["ordered_at"]
    out["order_number"] = out.groupby("user_id", sort=False).cumcount().astype("int32") + 1
    out["order_dow"] = ((ts.dt.day_of_week + 1) % 7).astype("int8")  # pandas: Monday = 0
    out["order_hour_of_day"] = ts.dt.hour.astype("int8")
    gap = ts.groupby(out["user_id"], sort=False).diff()
    out["days_since_prior_order"] = (gap.dt.total_seconds() / 86400.0).astype("float32")
    return out.reset_index(drop=True)


def mark_reordered(lines: pd.DataFrame, orders: pd.DataFrame) -> pd.Series:
    """1 where the line's user bought the same product in an earlier order, else 0.

    Args:
        lines: order lines with ``order_id`` and ``product_id``.
        orders: orders with ``order_id``, ``user_id`` and ``order_number``.

    Returns:
        An int8 series aligned with ``lines.index``.
    """
    meta = orders.set_index("order_id")[["user_id", "order_number"]]
    user = meta["user_id"].reindex(lines["order_id"]).to_numpy()
    number = meta["order_number"].reindex(lines["order_id"]).to_numpy()
    key = pd.DataFrame({"u": user, "p": lines["product_id"].to_numpy(), "n": number})
    first = key.groupby(["u", "p"], sort=False)["n"].transform("min").to_numpy()
    return pd.Series((number > first).astype("int8"), index=lines.index)


def build_users(
    orders: pd.DataFrame,
    user_key: pd.Series | None = None,
    country: pd.Series | None = None,
) -> pd.DataFrame:
    """The users table: one row per user id in ``orders``.

    Args:
        orders: canonical orders (``user_id``, ``ordered_at`` may be all null).
        user_key: optional source customer ids indexed by ``user_id``.
        country: optional country indexed by ``user_id``.
    """
    g = orders.groupby("user_id", sort=True)
    users = pd.DataFrame(
        {
            "n_orders": g.size().astype("int32"),
            "first_order_at": g["ordered_at"].min(),
            "last_order_at": g["ordered_at"].max(),
        }
    )
    users.index.name = "user_id"
    users = users.reset_index()
    ids = users["user_id"]
    users["user_key"] = (
        user_key.reindex(ids).to_numpy() if user_key is not None else pd.NA
    )
    users["country"] = country.reindex(ids).to_numpy() if country is not None else pd.NA
    return users


def dense_ids(values: pd.Series, start: int = 1) -> tuple[np.ndarray, pd.Index]:
    """Map arbitrary keys to integers ``start..`` in sorted key order.

    Returns the integer codes aligned with ``values`` and the sorted unique keys (code ``start + i``
    is ``keys[i]``).
    """
    codes, keys = pd.factorize(values, sort=True)
    return codes.astype("int64") + start, keys
