"""Analytics computed on demand from the canonical tables: an
:class:`~cartwise.analytics.source.AnalyticsSource`, and what the build runs.

:class:`Calculator` builds the pieces it needs on first use (the row index, the order timeline,
the shopper table, ...) and keeps them; aggregate results are cached by call key. One product's
statistics are computed from its own lines when the whole tables have not been built; its
bought-together partners come from the pass over every pair (their q values need all the p
values). :meth:`Calculator.precompute` builds everything the analytics stage stores.

Rows: product rows are the positions in ``data.products`` (sorted by ``product_id``, as the data
stage stores it, so they are the catalogue's rows); user rows the positions among the sorted
``users.user_id``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from cartwise.analytics import affinity, commerce, journey, segments, trends
from cartwise.analytics.cache import ResultCache, result_key
from cartwise.analytics.clock import (
    NO_ORDER_TIMES_NOTE,
    SNAPSHOT,
    Timeline,
    build_timeline,
    describe,
)
from cartwise.analytics.funnel import FUNNEL_BY, FunnelTables
from cartwise.analytics.index import TableIndex, build_index
from cartwise.analytics.ledger import Ledger, build_ledger
from cartwise.analytics.params import AnalyticsParams
from cartwise.analytics.precomputed import (
    Precomputed,
    clusters_for,
    favourites_for,
    favourites_of,
    shopper_table,
    user_favourites,
)
from cartwise.analytics.results import value_fields
from cartwise.analytics.source import Favourites, PartnerRows
from cartwise.analytics.stats import product_stats, product_stats_one
from cartwise.data.schema import CanonicalData

log = logging.getLogger(__name__)

T = TypeVar("T")


class Calculator:
    """The analytics of ``data``, computed on demand and cached.

    Args:
        data: the canonical tables (products sorted by ``product_id``).
        params: analytics parameters (default: the defaults).

    Constructing one imports scikit-learn for the K-means clusters (about a second, once per
    process): a start-up cost rather than the first segments call's. Thread-safe: every piece
    is built once, under a lock. ``timings`` holds the seconds spent on each piece.
    """

    def __init__(self, data: CanonicalData, params: AnalyticsParams | None = None) -> None:
        self.data = data
        self._params = params or AnalyticsParams()
        self._lock = threading.RLock()
        self._index: TableIndex | None = None
        self._timeline: Timeline | None = None
        self._users: pd.DataFrame | None = None
        self._cols: dict[str, np.ndarray] = {}
        self._context: dict[str, Any] | None = None
        self._clusters: segments.Clusters | None = None
        self._products: pd.DataFrame | None = None
        self._product_cols: dict[str, np.ndarray] | None = None
        self._favourites: dict[str, np.ndarray] | None = None
        self._partners: affinity.Partners | None = None
        self._basket_counts: tuple[np.ndarray, int] | None = None
        self._user_ids: np.ndarray | None = None
        self._ledger: Ledger | None = None
        self._funnel = (FunnelTables(data.funnel_users, data.funnel_events)
                        if data.funnel_users is not None and data.funnel_events is not None
                        else None)
        self._results = ResultCache()
        self.timings: dict[str, float] = {}
        segments.load_clustering()

    @property
    def params(self) -> AnalyticsParams:
        return self._params

    def _timed(self, name: str, fn: Callable[[], T]) -> T:
        t0 = time.perf_counter()
        out = fn()
        self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - t0
        return out

    # ------------------------------------------------------------------ the pieces, built once

    @property
    def index(self) -> TableIndex:
        """Row indexes over the tables (see :mod:`cartwise.analytics.index`)."""
        with self._lock:
            if self._index is None:
                self._index = self._timed("index", lambda: build_index(self.data))
            return self._index

    @property
    def timeline(self) -> Timeline:
        """Every order's time and what "now" is (see :mod:`cartwise.analytics.clock`)."""
        with self._lock:
            if self._timeline is None:
                idx = self.index
                self._timeline = self._timed("timeline",
                                             lambda: build_timeline(self.data.orders, idx))
            return self._timeline

    @property
    def users(self) -> pd.DataFrame:
        """The shopper table, by user row (see
        :func:`~cartwise.analytics.precomputed.shopper_table`; with ``cluster`` once
        :meth:`clusters` ran)."""
        with self._lock:
            if self._users is None:
                idx, tl = self.index, self.timeline
                users, ctx = self._timed("shoppers", lambda: shopper_table(
                    idx, tl, self.data.orders["ordered_at"], self._params))
                ctx["order_times"] = bool(self.data.order_times)
                if not self.data.order_times:
                    ctx["time_note"] = NO_ORDER_TIMES_NOTE
                self._users, self._context = users, ctx
                self._cols = {c: users[c].to_numpy() for c in users.columns}
            return self._users

    @property
    def context(self) -> dict[str, Any]:
        """Population facts (see :func:`~cartwise.analytics.precomputed.shopper_table`)."""
        with self._lock:
            _ = self.users
            assert self._context is not None
            return self._context

    def clusters(self) -> segments.Clusters:
        """The K-means clusters of the shoppers on RFM (also added to the shopper table as
        ``cluster`` and to the context as ``kmeans``)."""
        with self._lock:
            if self._clusters is None:
                users = self.users
                cl = self._timed("kmeans", lambda: clusters_for(users, self._params))
                # new objects, not changes: readers may hold the old ones
                self._users = users.assign(cluster=cl.labels)
                self._cols = {**self._cols, "cluster": cl.labels}
                self._context = {**self.context, "kmeans": {
                    "k": cl.k, "silhouettes": cl.silhouettes, "reason": cl.reason}}
                self._clusters = cl
            return self._clusters

    @property
    def product_table(self) -> pd.DataFrame:
        """Per-product statistics by product row (see :mod:`cartwise.analytics.stats`)."""
        with self._lock:
            if self._products is None:
                idx = self.index
                products = self._timed("products", lambda: product_stats(idx))
                self._product_cols = {c: products[c].to_numpy() for c in products.columns}
                self._products = products
            return self._products

    def favourite_table(self) -> dict[str, np.ndarray]:
        """Every shopper's favourites (see
        :func:`~cartwise.analytics.precomputed.favourites_for`)."""
        with self._lock:
            if self._favourites is None:
                idx = self.index
                self._favourites = self._timed(
                    "favourites", lambda: favourites_for(idx, self.data.products))
            return self._favourites

    def compute_partners(self) -> affinity.Partners:
        """Every product's best partners with their evidence (the build's affinity
        precomputation; also what on-demand partners come from, since a pair's q value needs
        every pair's p value)."""
        with self._lock:
            if self._partners is None:
                idx = self.index
                t0 = time.perf_counter()
                basket = affinity.basket_matrix(idx.line_order, idx.line_product, idx.n_orders,
                                                idx.n_products)
                n = int((np.diff(basket.indptr) > 0).sum())
                self._partners = affinity.top_partners(
                    basket, idx.order_user, self._params.pair_rules(n),
                    self._params.top_partners)
                self.timings["affinity"] = time.perf_counter() - t0
            return self._partners

    def ledger(self) -> Ledger:
        """The order ledger (see :mod:`cartwise.analytics.ledger`)."""
        with self._lock:
            if self._ledger is None:
                idx, tl = self.index, self.timeline
                self._ledger = self._timed("ledger", lambda: build_ledger(
                    idx, tl, self.data.orders, self.data.products))
            return self._ledger

    def result(self, key: str, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        return self._results.get(key, compute)

    def _counts(self) -> tuple[np.ndarray, int]:
        """Baskets per product row and baskets in total."""
        with self._lock:
            if self._partners is not None:
                return self._partners.product_baskets, self._partners.n_baskets
            if self._basket_counts is None:
                idx = self.index
                pb = np.bincount(idx.line_product, minlength=idx.n_products).astype(np.int64)
                n = int(np.count_nonzero(np.bincount(idx.line_order, minlength=idx.n_orders)))
                self._basket_counts = (pb, n)
            return self._basket_counts

    # ------------------------------------------------------------------ the source interface

    def product_ids(self) -> np.ndarray:
        return self.data.products["product_id"].to_numpy(dtype=np.int64)

    def user_ids(self) -> np.ndarray:
        with self._lock:
            if self._user_ids is None:
                self._user_ids = (self._index.user_ids if self._index is not None else
                                  np.unique(self.data.users["user_id"].to_numpy(np.int64)))
            return self._user_ids

    def shopper_columns(self) -> Mapping[str, np.ndarray]:
        with self._lock:
            _ = self.users
            return self._cols

    def population(self) -> Mapping[str, Any]:
        return self.context

    def favourites(self, user_row: int) -> Favourites:
        if self._favourites is not None:
            return favourites_of(self._favourites, user_row)
        return user_favourites(self.index, self.data.products, user_row)

    def product_stats(self, row: int) -> Mapping[str, Any]:
        cols = self._product_cols
        if cols is not None:
            return {c: a[row] for c, a in cols.items()}
        pb, _ = self._counts()  # this product's lines, plus every product's count for the rank
        return product_stats_one(self.index, row, pb)

    def partners(self, row: int, k: int) -> PartnerRows:
        # q values need the p values of every pair: the first call counts them all (the same
        # pass as the build), later calls are lookups
        return self.compute_partners().top(row, k)

    def customer_segments(self) -> dict[str, Any]:
        return self._results.get(result_key("customer_segments"), self._segments)

    def _segments(self) -> dict[str, Any]:
        cl = self.clusters()
        cols, ctx = self.shopper_columns(), self.context
        out = segments.customer_segments(cols["segment"], cols["recency_days"],
                                         cols["n_orders"], cols["monetary"], cl,
                                         ctx["value_unit"])
        out = {**out, **value_fields(self.has_prices()), "time_note": ctx["time_note"]}
        if not self.data.order_times:
            out["summary"] = (f"{out['summary']} With baskets only (one order per shopper, no "
                              "dates), recency and frequency say nothing: the segments reflect "
                              "basket size alone.")
        return out

    def customer_journey(self) -> dict[str, Any]:
        return self._results.get(result_key("customer_journey"), self._journey)

    def _journey(self) -> dict[str, Any]:
        idx, tl = self.index, self.timeline
        number = self.data.orders["order_number"].to_numpy(dtype=np.int64)
        tot = idx.order_totals
        out = journey.customer_journey(
            np.bincount(idx.order_user, minlength=idx.n_users), number,
            tot.lines.astype(np.int64), tot.reorders, tl.order_gap,
            30 if tl.kind == SNAPSHOT else 60)
        out["time_note"] = tl.note if self.data.order_times else NO_ORDER_TIMES_NOTE
        if not self.data.order_times:
            out["summary"] = (f"{out['summary']} (Baskets only: each basket is its own "
                              "shopper's one order, so repeat behaviour cannot be seen.)")
        return out

    def order_trends(self, by: str) -> dict[str, Any]:
        return self._results.get(result_key("order_trends", by=by), lambda: self._trends(by))

    def _trends(self, by: str) -> dict[str, Any]:
        idx = self.index
        o = self.data.orders
        tot = idx.order_totals
        out = trends.order_trends(by, o["order_dow"].to_numpy(), o["order_hour_of_day"].to_numpy(),
                                  o["ordered_at"], tot.items,
                                  tot.value if idx.has_prices else None)
        out.update(value_fields(idx.has_prices))
        out["time_note"] = describe(o)[2]
        return out

    def has_funnel(self) -> bool:
        return self._funnel is not None

    def funnel_analysis(self, device: str | None, sex: str | None,
                        by: str | None) -> dict[str, Any]:
        return self._results.funnel(self._funnel, device, sex, by)

    def has_prices(self) -> bool:
        if self._context is not None:
            return bool(self._context["has_prices"])
        return self.index.has_prices

    def has_order_times(self) -> bool:
        return bool(self.data.order_times)

    def has_calendar(self) -> bool:
        if self._context is not None:
            return self._context["time_kind"] != SNAPSHOT
        if self._timeline is not None:
            return self._timeline.has_calendar
        return describe(self.data.orders)[0] != SNAPSHOT  # without building the timeline

    def clear_cache(self) -> None:
        """Forget the aggregate results (segments, journey, trends, funnel): the next calls
        compute them again from the pieces already built."""
        self._results.clear()

    # ------------------------------------------------------------------------ the build

    def precompute(self) -> Precomputed:
        """Compute everything the analytics stage serves: the shopper and product tables,
        favourites, K-means clusters, bought-together partners, the order ledger and the
        aggregate results (the sales analyses' default calls included)."""
        t0 = time.perf_counter()
        partners = self.compute_partners()
        self.clusters()
        users, context = self.users, self.context
        products = self.product_table
        fav = self.favourite_table()
        tr0 = time.perf_counter()
        self.customer_segments()
        self.customer_journey()
        calendar = self.has_calendar()
        for by in trends.TREND_BY:
            if self.has_order_times() and (by in ("dow", "hour") or calendar):
                self.order_trends(by)
        if self.has_funnel():
            self.funnel_analysis(None, None, None)
            for by in FUNNEL_BY:
                self.funnel_analysis(None, None, by)
        self.timings["results"] = time.perf_counter() - tr0
        ts0 = time.perf_counter()
        commerce.precompute(self)
        self.timings["sales"] = time.perf_counter() - ts0
        self.timings["total"] = time.perf_counter() - t0
        log.info("analytics precomputed in %.1f s (%s)", self.timings["total"],
                 ", ".join(f"{k} {v:.1f} s" for k, v in self.timings.items() if k != "total"))
        return Precomputed(self._params, context, users, products, fav, partners,
                           self._results.results(), self.ledger())
