"""The reference "now" and the time of every order, the same way for every analysis.

Two cases:

* **Real timestamps** (transaction logs, the generated demo data: every order has
  ``ordered_at``). *Now* is the last order time in the data (the end of the log, not the wall
  clock, so results do not drift as days pass). An order's age is ``now - ordered_at`` in
  fractional days; a shopper's recency is the age of their last order.

* **No calendar** (Instacart: only order numbers and ``days_since_prior_order``, capped at 30).
  The *snapshot assumption*: every shopper's history ends at the same moment, the snapshot, and
  their last order in the data (Instacart's held-out train/test order) is placed *at* the
  snapshot, i.e. now. Earlier orders are dated backwards by cumulating the gaps, so an order's age
  is the sum of the gaps after it. A shopper's recency is measured at the instant the snapshot
  order is placed, over the orders before it: the gap that order closed (its
  ``days_since_prior_order``, 0..30, where 30 means "30 or more"); a shopper whose only order is
  the snapshot order has recency 0. Their usual gap between orders is learnt from the *earlier*
  gaps only, so the snapshot gap is compared with a history it is not part of. There are no
  dates, so trends by day, week or month are unavailable (day of week and hour are).

Mixed data (some orders with a timestamp, some without) is treated as having no calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from cartwise.analytics.index import TableIndex

TIMESTAMPS = "timestamps"
SNAPSHOT = "snapshot"

TIMESTAMPS_NOTE = ("times are the orders' own timestamps; 'now' is the last order in the data, "
                   "{now}")
SNAPSHOT_NOTE = ("no calendar dates (Instacart layout): every shopper's last order is taken as "
                 "placed at a common snapshot ('now'); earlier orders are dated back by the days "
                 "between orders (capped at 30 in Instacart), and days since the last order is "
                 "the gap that snapshot order closed")

#: The time note of data without any order times (Instacart baskets without ``orders.csv``).
NO_ORDER_TIMES_NOTE = ("no order times (Instacart baskets only): each basket is one order of its "
                       "own shopper, with no date, day of week, hour or days between orders")
#: Why an analysis over time cannot be computed from such data.
NO_ORDER_TIMES = ("this data has only baskets, no order times (no date, day of week or hour): "
                  "this cannot be computed from baskets alone")


@dataclass(frozen=True)
class Timeline:
    """Per-order times on one axis, and what "now" means.

    Attributes:
        kind: ``"timestamps"`` or ``"snapshot"`` (see the module docstring).
        now: the reference time (a naive timestamp) with real timestamps, else None.
        note: one sentence stating the assumption, for results to show.
        order_age: float64 days from each order (orders-table row) to now, >= 0.
        order_gap: float64 days since the same shopper's previous order, NaN on their first.
        history_gap: bool, the gaps that describe a shopper's usual rhythm (all gaps with
            timestamps; all but the snapshot order's without).
        user_last: int64 order row of each user's last order (by order number), -1 if none.
        user_first: int64 order row of each user's first order, -1 if none.
        user_recency: float64 days since each user's last order (see the module docstring).
        user_tenure: float64 days from each user's first order to now, >= recency.
        user_span: float64 days from each user's first order to their last (0 with one order).
    """

    kind: Literal["timestamps", "snapshot"]
    now: pd.Timestamp | None
    note: str
    order_age: np.ndarray
    order_gap: np.ndarray
    history_gap: np.ndarray
    user_last: np.ndarray
    user_first: np.ndarray
    user_recency: np.ndarray
    user_tenure: np.ndarray
    user_span: np.ndarray

    @property
    def has_calendar(self) -> bool:
        return self.kind == TIMESTAMPS


def describe(orders: pd.DataFrame) -> tuple[str, pd.Timestamp | None, str]:
    """``(kind, now, note)`` of the orders' time (cheap: one pass over ``ordered_at``)."""
    ts = orders["ordered_at"]
    if len(ts) > 0 and bool(ts.notna().all()):
        now = pd.Timestamp(ts.max())
        return TIMESTAMPS, now, TIMESTAMPS_NOTE.format(now=now.isoformat(sep=" "))
    return SNAPSHOT, None, SNAPSHOT_NOTE


def build_timeline(orders: pd.DataFrame, index: TableIndex) -> Timeline:
    """Date every order of ``orders`` (the canonical orders table ``index`` was built from).

    Orders are placed in each user's sequence by ``order_number`` (ties by table order).
    """
    n_users = index.n_users
    user = index.order_user.astype(np.int64)
    number = orders["order_number"].to_numpy(dtype=np.int64)
    gap = orders["days_since_prior_order"].to_numpy(dtype=np.float64, na_value=np.nan)
    ts = orders["ordered_at"]
    kind, now, note = describe(orders)

    seq = _user_order(user, number)  # rows in (user, order number) order
    u_sorted = user[seq]
    starts = np.flatnonzero(np.r_[True, u_sorted[1:] != u_sorted[:-1]]) if len(seq) else seq
    ends = np.r_[starts[1:], len(seq)] - 1 if len(seq) else seq
    user_first = np.full(n_users, -1, dtype=np.int64)
    user_last = np.full(n_users, -1, dtype=np.int64)
    user_first[u_sorted[starts]] = seq[starts]
    user_last[u_sorted[ends]] = seq[ends]
    # the first order of a user has no gap, whatever the column says
    gap = gap.copy()
    has_first = user_first >= 0
    gap[user_first[has_first]] = np.nan

    if kind == TIMESTAMPS:
        age = ((now - ts).dt.total_seconds().to_numpy(dtype=np.float64)) / 86400.0
        history = ~np.isnan(gap)
        recency = np.full(n_users, np.nan)
        recency[has_first] = age[user_last[has_first]]
        tenure = np.full(n_users, np.nan)
        tenure[has_first] = age[user_first[has_first]]
        return Timeline(TIMESTAMPS, now, note, age, gap, history, user_last,
                        user_first, recency, tenure, _span(age, user_first, user_last))

    # snapshot: age = sum of the user's gaps after the order
    g = np.nan_to_num(gap[seq], nan=0.0)
    csum = np.cumsum(g)
    before_start = (csum[starts] - g[starts]) if len(seq) else csum
    group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(seq)]))
    within = csum - before_start[group] if len(seq) else csum  # days since the user's first
    total = within[ends] if len(seq) else within
    age = np.empty(len(user), dtype=np.float64)
    age[seq] = total[group] - within
    history = ~np.isnan(gap)
    history[user_last[has_first]] = False
    recency = np.full(n_users, np.nan)
    last_gap = gap[user_last[has_first]]
    recency[has_first] = np.nan_to_num(last_gap, nan=0.0)
    tenure = np.full(n_users, np.nan)
    tenure[has_first] = age[user_first[has_first]]
    return Timeline(SNAPSHOT, None, SNAPSHOT_NOTE, age, gap, history, user_last, user_first,
                    recency, tenure, _span(age, user_first, user_last))


def _user_order(user: np.ndarray, number: np.ndarray) -> np.ndarray:
    """Order rows sorted by (user, order number, row); no sort when already in that order."""
    if len(user) < 2:
        return np.arange(len(user))
    same = user[1:] == user[:-1]
    if bool(np.all((user[1:] > user[:-1]) | (same & (number[1:] >= number[:-1])))):
        return np.arange(len(user))
    return np.lexsort((np.arange(len(user)), number, user))


def _span(age: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    out = np.full(len(first), np.nan)
    has = first >= 0
    out[has] = age[first[has]] - age[last[has]]
    return out
