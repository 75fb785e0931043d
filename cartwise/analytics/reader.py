"""Analytics served from the build's precomputed results: an
:class:`~cartwise.analytics.source.AnalyticsSource` of lookups.

:class:`PrecomputedReader` serves a :class:`~cartwise.analytics.precomputed.Precomputed` (as
:func:`~cartwise.analytics.stage.load_analytics` reads it from the analytics stage) and the
data's funnel tables, which it needs for the filtered funnels the build did not precompute
(computed on first use and cached). It never reads the orders or lines tables: the sales
analyses the build did not precompute read the stage's order ledger (mapped, not loaded).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from cartwise.analytics.cache import ResultCache, result_key
from cartwise.analytics.clock import SNAPSHOT
from cartwise.analytics.funnel import FunnelTables
from cartwise.analytics.ledger import Ledger
from cartwise.analytics.params import AnalyticsParams
from cartwise.analytics.precomputed import Precomputed, favourites_of
from cartwise.analytics.source import Favourites, PartnerRows
from cartwise.errors import StoreError

REBUILD = "rebuild the store with `cartwise build --force`"


class PrecomputedReader:
    """Lookups into precomputed analytics.

    Args:
        precomputed: what :meth:`~cartwise.analytics.calculator.Calculator.precompute` built.
        funnel_users, funnel_events: the data's funnel tables (None when it has none).

    Thread-safe: everything is read-only but the cache of filtered funnels, which is locked.
    """

    def __init__(self, precomputed: Precomputed, funnel_users: pd.DataFrame | None = None,
                 funnel_events: pd.DataFrame | None = None) -> None:
        self._pre = precomputed
        self._context = dict(precomputed.context)
        users = precomputed.users
        self._cols = {c: users[c].to_numpy() for c in users.columns}
        products = precomputed.products
        self._product_cols = {c: products[c].to_numpy() for c in products.columns}
        self._funnel = (FunnelTables(funnel_users, funnel_events)
                        if funnel_users is not None and funnel_events is not None else None)
        self._results = ResultCache(precomputed.results)

    @property
    def params(self) -> AnalyticsParams:
        return self._pre.params

    def product_ids(self) -> np.ndarray:
        return self._product_cols["product_id"].astype(np.int64, copy=False)

    def user_ids(self) -> np.ndarray:
        return self._cols["user_id"].astype(np.int64, copy=False)

    def shopper_columns(self) -> Mapping[str, np.ndarray]:
        return self._cols

    def population(self) -> Mapping[str, Any]:
        return self._context

    def favourites(self, user_row: int) -> Favourites:
        return favourites_of(self._pre.favourites, user_row)

    def product_stats(self, row: int) -> Mapping[str, Any]:
        return {c: a[row] for c, a in self._product_cols.items()}

    def partners(self, row: int, k: int) -> PartnerRows:
        if self._pre.partners is None:
            raise StoreError(f"the analytics stage has no bought-together partners: {REBUILD}")
        return self._pre.partners.top(row, k)

    def _stored(self, key: str) -> dict[str, Any]:
        hit = self._results.lookup(key)
        if hit is None:
            raise StoreError(f"{key} is not in the analytics stage: {REBUILD}")
        return hit

    def customer_segments(self) -> dict[str, Any]:
        return self._stored(result_key("customer_segments"))

    def customer_journey(self) -> dict[str, Any]:
        return self._stored(result_key("customer_journey"))

    def order_trends(self, by: str) -> dict[str, Any]:
        return self._stored(result_key("order_trends", by=by))

    def has_funnel(self) -> bool:
        return self._funnel is not None

    def funnel_analysis(self, device: str | None, sex: str | None,
                        by: str | None) -> dict[str, Any]:
        return self._results.funnel(self._funnel, device, sex, by)

    def ledger(self) -> Ledger:
        if self._pre.ledger is None:
            raise StoreError(f"the analytics stage has no order ledger: {REBUILD}")
        return self._pre.ledger

    def result(self, key: str, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        return self._results.get(key, compute)

    def has_prices(self) -> bool:
        return bool(self._context["has_prices"])

    def has_order_times(self) -> bool:
        return bool(self._context.get("order_times", True))

    def has_calendar(self) -> bool:
        return self._context["time_kind"] != SNAPSHOT

    def clear_cache(self) -> None:
        """Forget the filtered funnels computed since loading; precomputed results stay."""
        self._results.clear()
