"""Visits: a shopper's orders on one calendar day counted once, for the repeat-buying model.

A wholesale customer often splits one shopping trip into several invoices minutes apart
(Online Retail II's customer 14646 has 27 of 71 gaps between orders on the same day). For a
model of *how often a shopper comes back* those are one visit. :func:`user_visits` merges each
shopper's orders (orders with at least one line) by the calendar day of ``ordered_at`` (the
data's own naive local time) into visits, numbers days on one axis, and describes every shopper
in the recency-frequency-monetary form the models of :mod:`cartwise.analytics.clv` take.

Nothing else changes: an *order* is still an order everywhere else (RFM frequency, profiles,
the usual-gap churn fallback). Visits need real timestamps (a common calendar); without one
(the snapshot assumption of :mod:`cartwise.analytics.clock`) there are no days to merge on and
:func:`user_visits` is not defined.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cartwise.analytics.clock import Timeline
from cartwise.analytics.index import TableIndex


@dataclass(frozen=True)
class Visits:
    """Every user's visits, by user row (arrays of length ``n_users``).

    Attributes:
        n_visits: int64 days with at least one order with lines (0 for a user with none).
        x: float64 repeat visits, ``n_visits - 1`` (0 for a user with none).
        t_x: float64 days from the first visit to the last (0 with one visit or none).
        T: float64 days from the first visit to the day of "now" (NaN with no visit).
        recency: float64 ``T - t_x``, whole days since the last visit (NaN with no visit).
        value: float64 value of all visits (the data's currency, or items without prices).
        first_value: float64 value of the first visit (0 with no visit).
        repeat_mean: float64 mean value of the repeat visits (NaN where ``x == 0``).
        mean_value: float64 mean value per visit over all visits (NaN with no visit).
    """

    n_visits: np.ndarray
    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    recency: np.ndarray
    value: np.ndarray
    first_value: np.ndarray
    repeat_mean: np.ndarray
    mean_value: np.ndarray

    @property
    def has_visit(self) -> np.ndarray:
        """bool, users with at least one visit."""
        return self.n_visits > 0


def day_numbers(ordered_at: pd.Series) -> np.ndarray:
    """int64 calendar day of each timestamp (days since 1970-01-01; -1 where NaT)."""
    ts = ordered_at.to_numpy(dtype="datetime64[s]")
    days = ts.astype("datetime64[D]").astype(np.int64)
    return np.where(np.isnat(ts), -1, days)


def user_visits(index: TableIndex, timeline: Timeline, ordered_at: pd.Series) -> Visits:
    """Merge each user's orders (with lines) on one calendar day into a visit.

    Args:
        index: the row index of the tables.
        timeline: their timeline; must have a calendar (``timeline.has_calendar``).
        ordered_at: ``orders.ordered_at`` (orders-table order).

    Returns:
        :class:`Visits`. Day counts (``t_x``, ``T``, ``recency``) are whole days between
        calendar days: "now" is the day of the last order in the data, so a visit on that day
        has recency 0.

    Raises:
        ValueError: the timeline has no calendar.
    """
    if not timeline.has_calendar or timeline.now is None:
        raise ValueError("visits need real order timestamps (a common calendar)")
    n_u = index.n_users
    tot = index.order_totals
    value = tot.value if index.has_prices else tot.items
    keep = tot.lines > 0
    user = index.order_user[keep].astype(np.int64)
    day = day_numbers(ordered_at)[keep]
    val = np.asarray(value, dtype=np.float64)[keep]
    now_day = int(np.datetime64(timeline.now.to_datetime64(), "D").astype(np.int64))

    # one row per (user, day), in (user, day) order
    key = user * (1 << 32) + (day - int(day.min()) if len(day) else day)
    uniq, inverse = np.unique(key, return_inverse=True)
    visit_value = np.bincount(inverse, weights=val, minlength=len(uniq))
    v_user = (uniq >> 32).astype(np.int64)
    v_day = (uniq & ((1 << 32) - 1)) + (int(day.min()) if len(day) else 0)

    n_visits = np.bincount(v_user, minlength=n_u).astype(np.int64)
    has = n_visits > 0
    starts = np.flatnonzero(np.r_[True, v_user[1:] != v_user[:-1]]) if len(v_user) else v_user
    ends = np.r_[starts[1:], len(v_user)] - 1 if len(v_user) else v_user
    first_day = np.zeros(n_u, dtype=np.float64)
    last_day = np.zeros(n_u, dtype=np.float64)
    first_value = np.zeros(n_u, dtype=np.float64)
    first_day[v_user[starts]] = v_day[starts]
    last_day[v_user[ends]] = v_day[ends]
    first_value[v_user[starts]] = visit_value[starts]
    total = np.bincount(v_user, weights=visit_value, minlength=n_u)

    x = np.maximum(n_visits - 1, 0).astype(np.float64)
    t_x = np.where(has, last_day - first_day, 0.0)
    T = np.where(has, now_day - first_day, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        repeat_mean = np.where(x > 0, (total - first_value) / x, np.nan)
        mean_value = np.where(has, total / np.maximum(n_visits, 1), np.nan)
    return Visits(n_visits, x, t_x, T, T - t_x, total, first_value, repeat_mean, mean_value)
