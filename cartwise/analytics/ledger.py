"""The order ledger: every order and its lines as flat arrays, shopper by shopper, for the
sales analyses (sales summaries, purchase histories, cohorts, anomalies, digests).

Orders are sorted by (user row, order number), so one shopper's orders are one slice
(``user_start[u]:user_start[u + 1]``); the lines follow the same order, so one order's lines
are one slice (``line_start[i]:line_start[i + 1]``). Nothing in it loops in Python.

Times: ``ordered_s`` is the naive local time in seconds since 1970 (-1 without a calendar, the
Instacart layout), ``age`` the days from the order to "now" (see
:mod:`cartwise.analytics.clock`: real timestamps, or dated back from the snapshot).

The analytics stage stores a ledger as one ``.npy`` file per array (no pickle) plus
``ledger.json``; :func:`load_ledger` maps them read-only (``mmap``), so a served store holds
in memory only the pages a call touches (an Instacart-scale ledger is about 0.5 GB on disk).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cartwise.analytics import periods
from cartwise.analytics.clock import TIMESTAMPS, Timeline
from cartwise.analytics.index import TableIndex
from cartwise.errors import StoreError
from cartwise.store import READ_ERRORS

log = logging.getLogger(__name__)

LEDGER_DIR = "ledger"
META_FILE = "ledger.json"
#: Seconds per day.
DAY_S = 86_400


@dataclass(frozen=True)
class Ledger:
    """Orders and lines as arrays (see the module docstring for their order).

    Attributes:
        order_id: int64 order id of each order.
        user: int32 user row of each order.
        number: int32 the shopper's order number.
        ordered_s: int64 seconds since 1970 (naive local time), -1 without a calendar.
        age: float64 days from the order to now (>= 0).
        dow: int8 day of week, 0 = Sunday. hour: int8 hour of day, 0..23.
        value: float64 order value in the data's currency (0 without prices).
        items: float64 units per order.
        first: bool, the shopper's first order.
        line_start: int64, ``n_orders + 1`` offsets of each order's lines.
        user_start: int64, ``n_users + 1`` offsets of each shopper's orders.
        line_product: int32 product row of each line.
        line_qty: int32 units of each line.
        line_value: float64 quantity x unit price of each line (NaN where unknown).
        product_department, product_aisle: int32 code of each product row's department and
            aisle into ``department_names`` / ``aisle_names``.
        department_names, aisle_names: the names (unicode arrays).
        user_ids: int64 user id of each user row.
        has_prices: whether values are money (else counted in items).
        time_kind: ``"timestamps"`` or ``"snapshot"``.
        now_s: seconds since 1970 of "now" (the last order), -1 without a calendar.
    """

    order_id: np.ndarray
    user: np.ndarray
    number: np.ndarray
    ordered_s: np.ndarray
    age: np.ndarray
    dow: np.ndarray
    hour: np.ndarray
    value: np.ndarray
    items: np.ndarray
    first: np.ndarray
    line_start: np.ndarray
    user_start: np.ndarray
    line_product: np.ndarray
    line_qty: np.ndarray
    line_value: np.ndarray
    product_department: np.ndarray
    product_aisle: np.ndarray
    department_names: np.ndarray
    aisle_names: np.ndarray
    user_ids: np.ndarray
    has_prices: bool
    time_kind: str
    now_s: int
    _codes: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    @property
    def n_orders(self) -> int:
        return len(self.order_id)

    @property
    def has_calendar(self) -> bool:
        return self.time_kind == TIMESTAMPS

    @cached_property
    def order_day(self) -> np.ndarray:
        """int64 day number (days since 1970) of each order; only with a calendar (computed
        once per ledger)."""
        return np.asarray(self.ordered_s) // DAY_S

    def codes(self, by: str) -> np.ndarray:
        """int64 period code (:mod:`cartwise.analytics.periods`) of each order's day, for
        ``day``, ``week`` or ``month`` (computed once per ledger and period)."""
        hit = self._codes.get(by)
        if hit is None:
            hit = self._codes.setdefault(by, periods.codes(self.order_day, by))
        return hit

    @property
    def last_day(self) -> int:
        """The day number of "now" (-1 without a calendar)."""
        return self.now_s // DAY_S if self.now_s >= 0 else -1

    @cached_property
    def daily(self) -> dict[str, Any]:
        """Per day of the data (``first`` = the first day number): ``orders``, ``revenue``,
        ``units`` and ``new`` (first orders) as float64 arrays; sums over any window of days
        come from these, without touching the orders (computed once; with a calendar only)."""
        day = self.order_day
        first = int(day.min()) if len(day) else 0
        idx = day - first
        n = int(idx.max()) + 1 if len(idx) else 0
        return {"first": first,
                "orders": np.bincount(idx, minlength=n).astype(np.float64),
                "revenue": np.bincount(idx, weights=np.asarray(self.value), minlength=n),
                "units": np.bincount(idx, weights=np.asarray(self.items), minlength=n),
                "new": np.bincount(idx[np.asarray(self.first)], minlength=n).astype(np.float64)}

    @cached_property
    def line_owner(self) -> np.ndarray:
        """int32 ledger position of the order of each line (non-decreasing; computed once)."""
        sizes = np.diff(np.asarray(self.line_start))
        return np.repeat(np.arange(self.n_orders, dtype=np.int32), sizes)

    @cached_property
    def line_user(self) -> np.ndarray:
        """int32 user row of each line (computed once)."""
        return np.asarray(self.user)[self.line_owner]

    @cached_property
    def line_amount(self) -> np.ndarray:
        """float64 value of each line, 0 where unknown (computed once)."""
        return np.nan_to_num(np.asarray(self.line_value, dtype=np.float64))

    def orders_in(self, by: str, periods: Sequence[int]) -> np.ndarray:
        """Ledger positions of the orders in the given ``by`` periods (day, week or month
        codes), period by period; an index of the orders by period is built once."""
        order = self._codes.get(f"order_{by}")
        if order is None:
            order = self._codes.setdefault(f"order_{by}", np.argsort(self.codes(by),
                                                                     kind="stable"))
        ranked = self._codes.get(f"ranked_{by}")
        if ranked is None:
            ranked = self._codes.setdefault(f"ranked_{by}", self.codes(by)[order])
        p = np.asarray(list(periods), dtype=np.int64)
        if len(p) == 0:
            return np.empty(0, dtype=np.int64)
        lo, hi = np.searchsorted(ranked, p, "left"), np.searchsorted(ranked, p, "right")
        if len(p) == 1:
            return order[lo[0]:hi[0]]
        return np.concatenate([order[a:b] for a, b in zip(lo, hi, strict=True)])

    def orders_between(self, first: int | None, last: int | None) -> np.ndarray:
        """Ledger positions, ascending, of the orders from day number ``first`` to ``last``
        (inclusive; None = open), through the index of the orders by day."""
        self.orders_in("day", [])  # builds the index
        order, ranked = self._codes["order_day"], self._codes["ranked_day"]
        lo = 0 if first is None else int(np.searchsorted(ranked, first, "left"))
        hi = len(ranked) if last is None else int(np.searchsorted(ranked, last, "right"))
        return np.sort(order[lo:hi])

    def line_codes(self, level: str) -> np.ndarray:
        """int32 department or aisle code of each line (computed once per level)."""
        key = f"line_{level}"
        hit = self._codes.get(key)
        if hit is None:
            of = self.product_department if level == "department" else self.product_aisle
            hit = self._codes.setdefault(key, np.asarray(of)[np.asarray(self.line_product)])
        return hit

    def lines_of(self, orders: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The lines of the orders at ledger positions ``orders``: ``(line positions, the
        index into orders of each line's order)``."""
        orders = np.asarray(orders, dtype=np.int64)
        start = np.asarray(self.line_start)[orders]
        size = np.asarray(self.line_start)[orders + 1] - start
        owner = np.repeat(np.arange(len(orders), dtype=np.int64), size)
        offset = np.arange(int(size.sum()), dtype=np.int64) - np.repeat(np.cumsum(size) - size,
                                                                         size)
        return start[owner] + offset, owner

    def save(self, folder: Path) -> None:
        """Write into ``folder / LEDGER_DIR`` (created)."""
        out = folder / LEDGER_DIR
        out.mkdir(parents=True, exist_ok=True)
        meta: dict[str, Any] = {}
        for f in fields(self):
            if f.name.startswith("_"):
                continue
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                np.save(out / f"{f.name}.npy", np.ascontiguousarray(value), allow_pickle=False)
            else:
                meta[f.name] = value
        (out / META_FILE).write_text(json.dumps(meta), encoding="utf-8")


def distinct_users(user: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    """Per group 0..n-1, the number of distinct users with it, for orders in ledger order
    (``user`` non-decreasing; within a user, ``group`` is a period or another code that never
    decreases with time, so a pair's repeats are adjacent and nothing is sorted). Falls back to
    a sort when the groups do go back within a user (orders numbered out of time order)."""
    out = np.zeros(n, dtype=np.int64)
    if len(user) == 0:
        return out
    u, g = np.asarray(user, dtype=np.int64), np.asarray(group, dtype=np.int64)
    same = u[1:] == u[:-1]
    if bool(np.any(same & (g[1:] < g[:-1]))):
        key = np.unique(g * (int(u.max()) + 1) + u) // (int(u.max()) + 1)
        return np.bincount(key, minlength=n)[:n]
    new = np.r_[True, ~same | (g[1:] != g[:-1])]
    return np.bincount(g[new], minlength=n)[:n]


def load_ledger(folder: Path) -> Ledger:
    """The ledger :meth:`Ledger.save` wrote into ``folder``, its arrays mapped read-only.

    Raises:
        StoreError: a file is missing or unreadable.
    """
    src = folder / LEDGER_DIR
    name = META_FILE
    try:
        meta = json.loads((src / name).read_text(encoding="utf-8"))
        arrays = {}
        for f in fields(Ledger):
            if f.name in meta or f.name.startswith("_"):
                continue
            name = f"{f.name}.npy"
            arrays[f.name] = np.load(src / name, mmap_mode="r", allow_pickle=False)
    except READ_ERRORS as exc:
        what = (f"is missing {name}" if isinstance(exc, FileNotFoundError)
                else f"has a damaged {name} ({type(exc).__name__}: {exc})")
        raise StoreError(f"the order ledger in {src} {what}: rebuild the store with "
                         "`cartwise build --force`") from exc
    return Ledger(**arrays, **meta)


def build_ledger(index: TableIndex, timeline: Timeline, orders: pd.DataFrame,
                 products: pd.DataFrame) -> Ledger:
    """The ledger of the canonical tables ``index`` was built from.

    Args:
        index: the row index (its per-line arrays and order totals).
        timeline: every order's age and what "now" is.
        orders: the canonical orders table (``order_number``, ``order_dow``,
            ``order_hour_of_day``, ``ordered_at``).
        products: the canonical products table (sorted by ``product_id``: product rows).
    """
    t0 = time.perf_counter()
    number = orders["order_number"].to_numpy(dtype=np.int64)
    seq = np.lexsort((np.arange(index.n_orders), number, index.order_user))
    user = index.order_user[seq].astype(np.int32)
    if timeline.has_calendar:
        ts = orders["ordered_at"].to_numpy(dtype="datetime64[s]")
        ordered_s = ts.astype(np.int64)[seq]
        now_s = int(pd.Timestamp(timeline.now).value // 1_000_000_000)
    else:
        ordered_s = np.full(index.n_orders, -1, dtype=np.int64)
        now_s = -1
    first = np.zeros(index.n_orders, dtype=bool)
    has = timeline.user_first >= 0
    pos = np.empty(index.n_orders, dtype=np.int64)
    pos[seq] = np.arange(index.n_orders, dtype=np.int64)  # order row -> ledger position
    first[pos[timeline.user_first[has]]] = True
    user_start = np.searchsorted(user, np.arange(index.n_users + 1)).astype(np.int64)

    # lines in ledger order: a stable sort by their order's ledger position
    line_pos = pos[index.line_order]
    if len(line_pos) > 1 and bool(np.all(line_pos[1:] >= line_pos[:-1])):
        lorder = np.arange(len(line_pos))
    else:
        lorder = np.argsort(line_pos, kind="stable")
    counts = np.bincount(line_pos, minlength=index.n_orders)
    line_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    value = index.line_value if index.has_prices else np.full(index.n_lines, np.nan)
    tot = index.order_totals
    dept_code, dept_names = pd.factorize(products["department"].astype(str), sort=True)
    aisle_code, aisle_names = pd.factorize(products["aisle"].astype(str), sort=True)
    ledger = Ledger(
        order_id=index.order_ids[seq].astype(np.int64),
        user=user,
        number=number[seq].astype(np.int32),
        ordered_s=ordered_s,
        age=np.asarray(timeline.order_age, dtype=np.float64)[seq],
        dow=orders["order_dow"].to_numpy(dtype=np.int8)[seq],
        hour=orders["order_hour_of_day"].to_numpy(dtype=np.int8)[seq],
        value=np.asarray(tot.value, dtype=np.float64)[seq],
        items=np.asarray(tot.items, dtype=np.float64)[seq],
        first=first,
        line_start=line_start,
        user_start=user_start,
        line_product=index.line_product[lorder].astype(np.int32),
        line_qty=index.line_qty[lorder].astype(np.int32),
        line_value=np.asarray(value, dtype=np.float64)[lorder],
        product_department=dept_code.astype(np.int32),
        product_aisle=aisle_code.astype(np.int32),
        department_names=np.asarray(dept_names, dtype=str),
        aisle_names=np.asarray(aisle_names, dtype=str),
        user_ids=index.user_ids.astype(np.int64),
        has_prices=bool(index.has_prices),
        time_kind=timeline.kind,
        now_s=now_s,
    )
    log.info("order ledger of %d orders and %d lines in %.2f s", index.n_orders, index.n_lines,
             time.perf_counter() - t0)
    return ledger
