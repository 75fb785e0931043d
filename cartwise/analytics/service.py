"""The analytics service: one method per analytics tool, served from precomputed results.

``Analytics.from_store(store)`` loads the analytics stage (and only the catalogue and funnel
tables of the data stage), so every call is a lookup or a small computation.
``Analytics(data)`` computes on demand from the canonical tables instead, caching what it
computed; the build stage uses exactly that path (:meth:`Analytics.precompute`) to produce
what ``from_store`` loads, so both paths give the same answers.

Every method returns a JSON-able dict with a one-line ``summary`` and chart-ready series;
unknown ids raise :class:`~cartwise.errors.UnknownUser` / :class:`~cartwise.errors.UnknownProduct`,
bad arguments :class:`~cartwise.errors.InvalidArgument`. Ids are the canonical tables' external
ids. Values are in the data's own currency, or in items bought when the data has no prices (the
results say which in ``value_unit``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from cartwise.analytics import affinity, journey, ltv, segments, trends
from cartwise.analytics import funnel as funnel_mod
from cartwise.analytics.churn import LEVELS
from cartwise.analytics.clock import SNAPSHOT, Timeline, build_timeline, describe
from cartwise.analytics.index import TableIndex, build_index, positions
from cartwise.analytics.params import AnalyticsParams
from cartwise.analytics.precomputed import (
    TOP_CATEGORIES,
    Precomputed,
    churn_reason_for,
    clusters_for,
    favourites_for,
    shopper_table,
)
from cartwise.analytics.profile import favourites, product_details, user_profile
from cartwise.analytics.results import (
    CURRENCY,
    ITEMS,
    NO_PRICES,
    chart,
    fmt_num,
    fmt_pct,
    fmt_value,
    jsonable,
    r,
)
from cartwise.analytics.stats import product_stats, product_stats_one
from cartwise.data.schema import CanonicalData
from cartwise.errors import InvalidArgument, StoreError, UnknownProduct, UnknownUser
from cartwise.store import Store

log = logging.getLogger(__name__)

#: Largest ``k`` a list call accepts.
MAX_K = 100


def _as_id(value: object, name: str) -> int:
    """An external id as int ("42" and 42.0 are accepted), else :class:`InvalidArgument`."""
    if isinstance(value, bool):
        raise InvalidArgument(name, value, "an integer id")
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise InvalidArgument(name, value, "an integer id")


def _check_k(k: object, name: str = "k") -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= int(k) <= MAX_K:
        raise InvalidArgument(name, k, f"an integer from 1 to {MAX_K}")
    return int(k)


def _key(name: str, **kwargs: object) -> str:
    args = ",".join(f"{k}={v}" for k, v in sorted(kwargs.items()))
    return f"{name}({args})"


class Analytics:
    """The analytics tools over one data set.

    Args:
        data: the canonical tables. With ``precomputed`` only ``products`` (and the funnel
            tables) are needed.
        precomputed: results of :meth:`precompute` (usually loaded by :meth:`from_store`);
            None = compute on demand from ``data``.
        params: analytics parameters (default: those of ``precomputed``, else the defaults).
        tables_loaded: False when ``data`` holds only the catalogue and funnel tables (as
            :meth:`from_store` loads it): anything not precomputed is then a
            :class:`~cartwise.errors.StoreError` rather than a wrong answer from empty tables.

    Constructing an on-demand instance (no ``precomputed``) imports scikit-learn for the
    K-means clusters, about a second once per process. Thread-safe: lazily computed pieces are
    built once under a lock.
    """

    def __init__(self, data: CanonicalData, precomputed: Precomputed | None = None,
                 params: AnalyticsParams | None = None, *, tables_loaded: bool = True) -> None:
        self.data = data
        self.params = params or (precomputed.params if precomputed else AnalyticsParams())
        self._tables_loaded = tables_loaded
        self._lock = threading.RLock()
        self._index: TableIndex | None = None
        self._timeline: Timeline | None = None
        self._users: pd.DataFrame | None = None
        self._cols: dict[str, np.ndarray] = {}
        self._context: dict[str, Any] | None = None
        self._products: pd.DataFrame | None = None
        self._favourites: dict[str, np.ndarray] | None = None
        self._partners: affinity.Partners | None = None
        self._basket_counts: tuple[np.ndarray, int] | None = None
        self._clusters: segments.Clusters | None = None
        self._funnel: pd.DataFrame | None = None
        self._names: dict[str, dict[int, str]] = {}
        self._results: dict[str, Any] = {}
        self._pre_results: dict[str, Any] = {}
        self.timings: dict[str, float] = {}
        self._product_ids = data.products["product_id"].to_numpy(dtype=np.int64)
        if precomputed is None and tables_loaded:
            segments.load_clustering()  # a start-up cost, not the first segments call's
        if precomputed is not None:
            self._set_users(precomputed.users, dict(precomputed.context))
            self._products = precomputed.products
            self._favourites = precomputed.favourites
            self._partners = precomputed.partners
            self._results = dict(precomputed.results)
            self._pre_results = dict(precomputed.results)
            if "cluster" in precomputed.users:
                km = precomputed.context.get("kmeans") or {}
                self._clusters = segments.Clusters(
                    precomputed.users["cluster"].to_numpy(), int(km.get("k", 0)),
                    {int(k): float(v) for k, v in (km.get("silhouettes") or {}).items()},
                    km.get("reason"))
            if len(self._products) != len(self._product_ids) or not np.array_equal(
                    self._products["product_id"].to_numpy(), self._product_ids):
                raise StoreError("the analytics stage does not match the data's catalogue: "
                                 "rebuild it with `cartwise build`")

    @classmethod
    def from_store(cls, store: Store) -> Analytics:
        """The analytics of a built store (its ``analytics`` stage and the catalogue).

        Raises:
            StoreError: the stage is missing, from another format version, or older than the
                store's data stage.
        """
        from cartwise.analytics.stage import open_analytics

        return open_analytics(store)

    # ------------------------------------------------------------------ lazily computed pieces

    def _need_tables(self, what: str) -> None:
        if not self._tables_loaded:
            raise StoreError(f"{what} is not in the analytics stage and the order tables are not "
                             "loaded: rebuild the store with `cartwise build --force`")

    def _timed(self, name: str, fn: Callable[[], Any]) -> Any:
        t0 = time.perf_counter()
        out = fn()
        self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - t0
        return out

    @property
    def index(self) -> TableIndex:
        """Row indexes over the tables (built once, on first use; needs the order tables)."""
        with self._lock:
            if self._index is None:
                self._need_tables("the table index")
                self._index = self._timed("index", lambda: build_index(self.data))
            return self._index

    @property
    def timeline(self) -> Timeline:
        """Every order's time and what "now" is (see :mod:`cartwise.analytics.clock`)."""
        with self._lock:
            if self._timeline is None:
                self._need_tables("the order timeline")
                idx = self.index
                self._timeline = self._timed("timeline",
                                             lambda: build_timeline(self.data.orders, idx))
            return self._timeline

    def _set_users(self, users: pd.DataFrame, context: dict[str, Any]) -> None:
        self._users = users
        self._cols = {c: users[c].to_numpy() for c in users.columns}
        self._context = context

    @property
    def users(self) -> pd.DataFrame:
        """The shopper table (see :func:`~cartwise.analytics.precomputed.shopper_table`)."""
        with self._lock:
            if self._users is None:
                self._need_tables("the shopper table")
                idx, tl = self.index, self.timeline
                users, ctx = self._timed("shoppers", lambda: shopper_table(
                    idx, tl, self.data.orders["ordered_at"], self.params))
                self._set_users(users, ctx)
            assert self._users is not None
            return self._users

    @property
    def context(self) -> dict[str, Any]:
        """Population facts: time assumption, prices, usual gap, quartiles, lifetime, counts."""
        _ = self.users
        assert self._context is not None
        return self._context

    def _clusters_now(self) -> segments.Clusters:
        with self._lock:
            if self._clusters is None:
                users = self.users
                cl = self._timed("kmeans", lambda: clusters_for(users, self.params))
                self._clusters = cl
                users["cluster"] = cl.labels
                self._cols["cluster"] = cl.labels
                assert self._context is not None
                self._context["kmeans"] = {"k": cl.k, "silhouettes": cl.silhouettes,
                                           "reason": cl.reason}
            return self._clusters

    @property
    def product_table(self) -> pd.DataFrame:
        """Per-product statistics in catalogue order (see :mod:`cartwise.analytics.stats`)."""
        with self._lock:
            if self._products is None:
                self._need_tables("the product statistics")
                idx = self.index
                self._products = self._timed("products", lambda: product_stats(idx))
            return self._products

    def _favourites_now(self) -> dict[str, np.ndarray]:
        with self._lock:
            if self._favourites is None:
                self._need_tables("the favourite departments")
                idx = self.index
                self._favourites = self._timed(
                    "favourites", lambda: favourites_for(idx, self.data.products))
            return self._favourites

    def _user_favourites(self, u: int) -> tuple[tuple[list[int], list[int]], ...]:
        """``((dept ids, counts), (aisle ids, counts))`` of user row ``u``, best first."""
        if self._favourites is not None:
            f = self._favourites
            return ((f["dept"][u].tolist(), f["dept_n"][u].tolist()),
                    (f["aisle"][u].tolist(), f["aisle_n"][u].tolist()))
        idx = self.index  # on demand: this shopper's lines only
        theirs = np.zeros(idx.n_orders, dtype=bool)
        theirs[idx.order_user == u] = True
        mine = idx.line_product[theirs[idx.line_order]]
        out = []
        for col in ("department_id", "aisle_id"):
            ids, counts = np.unique(self.data.products[col].to_numpy()[mine], return_counts=True)
            order = np.lexsort((ids, -counts))[:TOP_CATEGORIES]
            out.append((ids[order].tolist(), counts[order].tolist()))
        return out[0], out[1]

    def clear_cache(self) -> None:
        """Forget the cached aggregate results (segments, journey, trends, funnel): the next
        calls compute them again from the shared tables. Precomputed results are kept."""
        with self._lock:
            self._results = dict(self._pre_results)

    def _counts_now(self) -> tuple[np.ndarray, int]:
        """Baskets per product (catalogue order) and baskets in total."""
        with self._lock:
            if self._partners is not None:
                return self._partners.product_baskets, self._partners.n_baskets
            if self._basket_counts is None:
                idx = self.index
                pb = np.bincount(idx.line_product, minlength=idx.n_products).astype(np.int64)
                n = int(np.count_nonzero(np.bincount(idx.line_order, minlength=idx.n_orders)))
                self._basket_counts = (pb, n)
            return self._basket_counts

    def compute_partners(self) -> affinity.Partners:
        """Every product's best partners (the build's affinity precomputation)."""
        with self._lock:
            if self._partners is None:
                idx = self.index
                t0 = time.perf_counter()
                basket = affinity.basket_matrix(idx.line_order, idx.line_product, idx.n_orders,
                                                idx.n_products)
                n = int((np.diff(basket.indptr) > 0).sum())
                self._partners = affinity.top_partners(
                    basket, self.params.min_pair_baskets(n), self.params.top_partners)
                self.timings["affinity"] = time.perf_counter() - t0
            return self._partners

    def _names_of(self, column: str) -> dict[int, str]:
        """Department or aisle id -> name, from the catalogue."""
        if column not in self._names:
            p = self.data.products
            pairs = p[[f"{column}_id", column]].drop_duplicates(f"{column}_id")
            self._names[column] = dict(zip(pairs[f"{column}_id"].astype(int).tolist(),
                                           pairs[column].astype(str).tolist(), strict=True))
        return self._names[column]

    def _cached(self, key: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """The result under ``key``, computed once. Callers get a shallow copy: adding or
        replacing top-level keys is safe; nested lists and dicts are shared, read them only."""
        hit = self._results.get(key)
        if hit is None:
            hit = jsonable(fn())
            with self._lock:
                self._results[key] = hit
        return dict(hit)

    # ------------------------------------------------------------------------ lookups

    def _user_row(self, user_id: object) -> int:
        uid = _as_id(user_id, "user_id")
        _ = self.users  # computed on first use
        ids = self._cols["user_id"]
        i = int(np.searchsorted(ids, uid))
        if i >= len(ids) or ids[i] != uid:
            raise UnknownUser(uid)
        return i

    def _product_row(self, product_id: object) -> int:
        pid = _as_id(product_id, "product_id")
        row = int(positions(self._product_ids, np.array([pid]))[0])
        if row < 0:
            raise UnknownProduct(pid)
        return row

    def _row(self, u: int) -> dict[str, Any]:
        return {c: a[u] for c, a in self._cols.items()}

    def _product_info(self, row: int) -> dict[str, Any]:
        p = self.data.products.iloc[row]
        return {"product_id": int(p["product_id"]), "product_name": str(p["product_name"]),
                "aisle": str(p["aisle"]), "department": str(p["department"]),
                "price": r(p["price"])}

    def _has_prices(self) -> bool:
        """Whether the data has prices (without computing the shopper table)."""
        if self._context is not None:
            return bool(self._context["has_prices"])
        return self.index.has_prices

    def _calendar(self) -> bool:
        """Whether orders have real timestamps (else the snapshot assumption holds)."""
        if self._context is not None:
            return self._context["time_kind"] != SNAPSHOT
        if self._timeline is not None:
            return self._timeline.has_calendar
        return describe(self.data.orders)[0] != SNAPSHOT  # without building the timeline

    def _value_fields(self) -> dict[str, Any]:
        priced = self._has_prices()
        out: dict[str, Any] = {"value_unit": CURRENCY if priced else ITEMS,
                               "prices_available": priced}
        if not priced:
            out["price_note"] = NO_PRICES
        return out

    # ------------------------------------------------------------------------ the tools

    def frequently_bought_together(self, product_id: object, k: int = 5) -> dict[str, Any]:
        """The products most often in the same basket as ``product_id``, by lift.

        Each partner has ``baskets_together`` (count), ``support`` (0..1), ``confidence`` (share
        of this product's baskets that hold the partner, 0..1) and ``lift`` (> 0; 1 = as often
        as chance). Only pairs with enough evidence (``min_pair_count`` baskets and
        ``min_support``) are listed, at most ``top_partners`` (``partners_limit``) of them.
        """
        k = _check_k(k)
        row = self._product_row(product_id)
        pb, n_baskets = self._counts_now()
        k = min(k, self.params.top_partners)  # the build keeps no more, on demand neither
        if self._partners is not None:
            rows, counts = self._partners.of(row)
            rows, counts = rows[:k], counts[:k]
            min_count = self._partners.min_count
        else:
            idx = self.index
            min_count = self.params.min_pair_baskets(n_baskets)
            rows, counts = self._timed("partners_of", lambda: affinity.partners_of(
                row, idx.line_order, idx.line_product, idx.n_orders, pb, n_baskets, min_count,
                k))
        info = self._product_info(row)
        n_a = int(pb[row])
        m = affinity.pair_metrics(counts, np.full(len(rows), n_a), pb[rows], max(n_baskets, 1))
        partners = []
        for j, prow in enumerate(rows):
            p = self._product_info(int(prow))
            p.update({"baskets_together": int(counts[j]), "support": r(m["support"][j], 6),
                      "confidence": r(m["confidence"][j], 4), "lift": r(m["lift"][j], 3)})
            partners.append(p)
        name = info["product_name"]
        if not n_a:
            summary = f"{name} is in no basket yet, so nothing is bought with it."
        elif not partners:
            summary = (f"Nothing is bought with {name} often enough to count: it is in "
                       f"{fmt_num(n_a)} baskets, and pairs need {min_count} shared baskets.")
        else:
            top = ", ".join(f"{p['product_name']} (lift {p['lift']:.1f}; in "
                            f"{fmt_pct(p['confidence'])} of the baskets with {name})"
                            for p in partners[:3])
            summary = f"Bought with {name}: {top}."
        return jsonable({
            "product": {**info, "baskets": n_a, "support": r(n_a / max(n_baskets, 1), 6)},
            "partners": partners,
            "n_baskets": n_baskets,
            "min_pair_count": min_count,
            "min_support": self.params.min_support,
            "partners_limit": self.params.top_partners,
            "charts": [chart("bar", f"Bought with {name} (lift)",
                             [p["product_name"] for p in partners],
                             [p["lift"] for p in partners], "product", "lift")],
            "summary": summary,
        })

    def user_profile(self, user_id: object) -> dict[str, Any]:
        """A shopper's orders, items, spend, spending segment, favourite departments and aisles,
        reorder rate, days between orders, last order, churn risk and RFM segment."""
        u = self._user_row(user_id)
        row = self._row(u)
        total = int(row["lines"])
        (dept, dept_n), (aisle, aisle_n) = self._user_favourites(u)
        depts = favourites(dept, dept_n, self._names_of("department"), total)
        aisles = favourites(aisle, aisle_n, self._names_of("aisle"), total)
        row["churn_reason"] = churn_reason_for(row, self.context)
        row["last_order_at"] = jsonable(row.get("last_order_at"))
        return jsonable(user_profile(row, depts, aisles, self.context))

    def product_details(self, product_id: object) -> dict[str, Any]:
        """A product's price, aisle, department, buyers, purchases, reorder rate and rank."""
        row = self._product_row(product_id)
        if self._products is not None:
            stats = self._products.iloc[row].to_dict()
        else:  # on demand: this product's lines, plus every product's count for the rank
            pb, _ = self._counts_now()
            stats = product_stats_one(self.index, row, pb)
        return jsonable(product_details(self._product_info(row), stats, len(self._product_ids),
                                        self._has_prices()))

    def customer_segments(self) -> dict[str, Any]:
        """RFM segments (named, with size, share and value) and K-means clusters on RFM."""
        return self._cached(_key("customer_segments"), self._segments)

    def _segments(self) -> dict[str, Any]:
        users = self.users
        cl = self._clusters_now()
        rfm = pd.DataFrame({"segment": users["segment"], "monetary": users["monetary"],
                            "recency_days": users["recency_days"],
                            "frequency": users["n_orders"]})
        segs = segments.segment_summary(rfm)
        clusters = segments.cluster_summary(rfm, cl.labels, cl.k)
        unit = self.context["value_unit"]
        names = [s["name"] for s in segs]
        ks = sorted(cl.silhouettes)
        charts = [
            chart("bar", "Shoppers per RFM segment", names, [s["users"] for s in segs],
                  "segment", "shoppers"),
            chart("bar", "Share of value per RFM segment", names,
                  [s["value_share"] for s in segs], "segment", "share of value"),
        ]
        if clusters:
            charts.append(chart("bar", "Shoppers per K-means cluster",
                                [c["name"] for c in clusters], [c["users"] for c in clusters],
                                "cluster", "shoppers"))
            charts.append(chart("line", "Silhouette by number of clusters", ks,
                                [cl.silhouettes[k] for k in ks], "k", "silhouette"))
        top = max(segs, key=lambda s: s["value_share"])
        text = (f"{fmt_num(len(users))} shoppers in {sum(1 for s in segs if s['users'])} RFM "
                f"segments; {top['name']} ({fmt_pct(top['share'])} of shoppers) hold "
                f"{fmt_pct(top['value_share'])} of the value")
        if clusters:
            text += (f"; K-means finds {cl.k} clusters (silhouette "
                     f"{cl.silhouettes[cl.k]:.2f}), the most valuable being "
                     f"{clusters[0]['name'].split(': ', 1)[-1]} ({fmt_num(clusters[0]['users'])} "
                     "shoppers)")
        elif cl.reason:
            text += f"; no K-means clusters ({cl.reason})"
        return {
            "n_users": len(users),
            **self._value_fields(),
            "time_note": self.context["time_note"],
            "rfm": {"scores": "1..5 by quintile (5 = most recent, most orders, most value)",
                    "frequency": "orders", "monetary": ("spend" if unit == CURRENCY
                                                        else "items bought")},
            "segments": segs,
            "kmeans": {"k": cl.k, "silhouette_by_k": {str(k): cl.silhouettes[k] for k in ks},
                       "features": "standardised log(1 + recency days, orders, monetary)",
                       "reason": cl.reason},
            "clusters": clusters,
            "charts": charts,
            "summary": text + ".",
        }

    def churn_risk(self, user_id: object | None = None, k: int = 10) -> dict[str, Any]:
        """One shopper's churn risk (0..1, level, reason), or the ``k`` most at risk among the
        shoppers worth saving (value at or above the ``churn_value_quantile``, not yet lost)."""
        if user_id is not None:
            u = self._user_row(user_id)
            return jsonable(self._churn_one(u))
        k = _check_k(k)
        ctx = self.context
        rank = self._cols["risk_rank"]
        rows = np.flatnonzero((rank >= 0) & (rank < k))
        rows = rows[np.argsort(rank[rows])]
        users = [self._churn_one(int(u), brief=True) for u in rows]
        levels = ctx["churn_levels"]
        total = max(ctx["n_users"], 1)
        unit = ctx["value_unit"]
        head = ", ".join(f"user {x['user_id']} ({x['score']:.2f})" for x in users[:3])
        summary = (f"{fmt_pct(levels.get('high', 0) / total)} of {fmt_num(total)} shoppers are at "
                   f"high churn risk; most at risk among the {fmt_num(ctx['risk_candidates'])} "
                   f"valuable ones not yet lost: {head or 'none'}.")
        return jsonable({
            "k": k,
            "users": users,
            "candidates": ctx["risk_candidates"],
            "criteria": (f"value >= {fmt_value(ctx['risk_value_floor'], unit)} (the top "
                         f"{fmt_pct(1 - self.params.churn_value_quantile, 0)} of shoppers), away "
                         f"at most {self.params.churn_lost_ratio:g}x their expected gap"),
            "levels": levels,
            **self._value_fields(),
            "time_note": ctx["time_note"],
            "charts": [chart("bar", "Shoppers by churn risk", list(levels),
                             list(levels.values()), "risk", "shoppers")],
            "summary": summary,
        })

    def _churn_one(self, u: int, brief: bool = False) -> dict[str, Any]:
        row = self._row(u)
        ctx = self.context
        level = int(row["churn_level"])
        score = r(row["churn_score"], 3)
        reason = churn_reason_for(row, ctx)
        out = {
            "user_id": int(row["user_id"]),
            "score": score,
            "level": LEVELS[level] if level >= 0 else "unknown",
            "reason": reason,
            "days_since_last_order": r(row["recency_days"], 1),
            "expected_gap_days": r(row["expected_gap"], 1),
            "value": r(row["monetary"]),
            "segment": segments.SEGMENT_NAMES[int(row["segment"])],
        }
        if brief:
            return out
        out.update({
            "own_median_gap_days": r(row["gap_median"], 1),
            "gaps": int(row["n_gaps"]),
            "population_gap_days": r(ctx["pop_gap"], 1),
            "away_ratio": r(row["away_ratio"], 2),
            "orders": int(row["n_orders"]),
            **self._value_fields(),
            "time_note": ctx["time_note"],
            "summary": (f"User {out['user_id']}: churn risk {out['level']}"
                        + (f" ({score:.2f})" if score is not None else "") + f": {reason}."),
        })
        return out

    def lifetime_value(self, user_id: object | None = None, k: int = 10) -> dict[str, Any]:
        """One shopper's lifetime value (historical + projected), or the ``k`` most valuable,
        with the value tiers (top 10%, next 20%, ...) and their share of all value."""
        ctx = self.context
        unit = ctx["value_unit"]
        horizon = int(self.params.ltv_horizon_days)
        if user_id is not None:
            u = self._user_row(user_id)
            one = self._ltv_one(u)
            proj = one["projected"]
            one.update({
                **self._value_fields(),
                "horizon_days": horizon,
                "expected_lifetime_days": r(ctx["tau_days"], 0),
                "time_note": ctx["time_note"],
                "summary": (f"User {one['user_id']}: lifetime value "
                            f"{fmt_value(one['ltv'], unit)} = {fmt_value(one['historical'], unit)}"
                            f" so far + {fmt_value(proj, unit)} expected over the next "
                            f"{horizon} days; rank {fmt_num(one['rank'])} of "
                            f"{fmt_num(ctx['n_users'])} ({one['tier']})."),
            })
            return jsonable(one)
        k = _check_k(k)
        vr = self._cols["value_rank"]
        rows = np.flatnonzero(vr < k)
        rows = rows[np.argsort(vr[rows])]
        top = [self._ltv_one(int(u)) for u in rows]
        tiers = ltv.tier_summary(self._cols["ltv"], self._cols["value_tier"])
        names = [t["name"] for t in tiers]
        head = ", ".join(f"user {x['user_id']} ({fmt_value(x['ltv'], unit)})" for x in top[:3])
        return jsonable({
            "k": k,
            "users": top,
            "tiers": tiers,
            "horizon_days": horizon,
            "expected_lifetime_days": r(ctx["tau_days"], 0),
            **self._value_fields(),
            "time_note": ctx["time_note"],
            "charts": [
                chart("bar", "Share of lifetime value by tier", names,
                      [t["value_share"] for t in tiers], "tier", "share of value"),
                chart("bar", f"Top {k} shoppers by lifetime value",
                      [str(x["user_id"]) for x in top], [x["ltv"] for x in top], "user",
                      "lifetime value"),
            ],
            "summary": (f"The top 10% of {fmt_num(ctx['n_users'])} shoppers hold "
                        f"{fmt_pct(tiers[0]['value_share'])} of lifetime value (history + "
                        f"{horizon}-day projection); most valuable: {head or 'none'}."),
        })

    def _ltv_one(self, u: int) -> dict[str, Any]:
        row = self._row(u)
        return {
            "user_id": int(row["user_id"]),
            "ltv": r(row["ltv"]),
            "historical": r(row["monetary"]),
            "projected": r(row["projected"]),
            "basket_value": r(row["basket_value"]),
            "orders": int(row["n_orders"]),
            "orders_per_month": r(row["orders_per_month"], 3),
            "p_active": r(row["p_active"], 3),
            "expected_orders": r(row["expected_orders"], 2),
            "rank": int(row["value_rank"]) + 1,
            "tier": ltv.TIERS[int(row["value_tier"])][0],
            "segment": segments.SEGMENT_NAMES[int(row["segment"])],
        }

    def list_users(self, offset: int = 0, limit: int = 50) -> dict[str, Any]:
        """A page of shoppers in user id order: ``user_id``, ``orders``, ``value``, ``segment``,
        ``churn_level``, plus ``total`` and ``next_offset`` (None on the last page).

        Raises:
            InvalidArgument: a negative ``offset`` or ``limit`` outside 1..1000.
        """
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise InvalidArgument("offset", offset, "a whole number >= 0")
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise InvalidArgument("limit", limit, "a whole number from 1 to 1000")
        _ = self.users
        c = self._cols
        total = len(c["user_id"])
        rows = range(offset, min(offset + limit, total))
        users = [{"user_id": int(c["user_id"][u]), "orders": int(c["n_orders"][u]),
                  "value": r(c["monetary"][u]),
                  "segment": segments.SEGMENT_NAMES[int(c["segment"][u])],
                  "churn_level": (LEVELS[int(c["churn_level"][u])]
                                  if int(c["churn_level"][u]) >= 0 else "unknown")}
                 for u in rows]
        end = offset + len(users)
        return jsonable({"users": users, "offset": offset, "limit": limit, "total": total,
                         "next_offset": end if end < total else None, **self._value_fields(),
                         "summary": f"Shoppers {offset + 1}-{end} of {fmt_num(total)}."
                         if users else f"No shoppers from {offset + 1} on ({fmt_num(total)} "
                         "in all)."})

    def customer_journey(self) -> dict[str, Any]:
        """First-time vs repeat shoppers, basket sizes, reorder rate by order number, days
        between orders."""
        return self._cached(_key("customer_journey"), self._journey)

    def _journey(self) -> dict[str, Any]:
        idx, tl = self.index, self.timeline
        number = self.data.orders["order_number"].to_numpy(dtype=np.int64)
        tot = idx.order_totals
        out = journey.customer_journey(
            np.bincount(idx.order_user, minlength=idx.n_users), number,
            tot.lines.astype(np.int64), tot.reorders, tl.order_gap,
            30 if tl.kind == SNAPSHOT else 60)
        out["time_note"] = tl.note
        return out

    def funnel_analysis(self, device: str | None = None, sex: str | None = None,
                        by: str | None = None) -> dict[str, Any]:
        """The home -> search -> payment -> confirmation funnel, optionally filtered by device
        and/or sex and split by ``device``, ``sex``, ``week`` or ``month``."""
        if self.data.funnel_users is None or self.data.funnel_events is None:
            if by is not None and str(by).lower() not in funnel_mod.FUNNEL_BY:
                raise InvalidArgument("by", by, funnel_mod.FUNNEL_BY)
            return funnel_mod.no_funnel_result()
        key = _key("funnel_analysis", device=device, sex=sex, by=by)
        return self._cached(key, lambda: funnel_mod.funnel_analysis(self._funnel_frame(), device,
                                                                    sex, by))

    def _funnel_frame(self) -> pd.DataFrame:
        with self._lock:
            if self._funnel is None:
                assert self.data.funnel_users is not None and self.data.funnel_events is not None
                self._funnel = funnel_mod.funnel_frame(self.data.funnel_users,
                                                       self.data.funnel_events)
            return self._funnel

    def order_trends(self, by: str | None = None) -> dict[str, Any]:
        """Orders, items and revenue by ``dow`` (0 = Sunday), ``hour``, ``day``, ``week`` or
        ``month``; calendar splits need real timestamps. Default: ``week`` with timestamps, else
        ``dow``."""
        if by is not None:
            trends.check_by(by, True)  # a bad name fails before any computation
        calendar = self._calendar()
        by = trends.check_by(by if by is not None else ("week" if calendar else "dow"), calendar)
        return self._cached(_key("order_trends", by=by), lambda: self._trends(by))

    def _trends(self, by: str) -> dict[str, Any]:
        idx = self.index
        o = self.data.orders
        tot = idx.order_totals
        out = trends.order_trends(by, o["order_dow"].to_numpy(), o["order_hour_of_day"].to_numpy(),
                                  o["ordered_at"], tot.items,
                                  tot.value if idx.has_prices else None)
        out.update(self._value_fields())
        out["time_note"] = describe(self.data.orders)[2]
        return out

    # ------------------------------------------------------------------------ the build

    def precompute(self) -> Precomputed:
        """Compute everything :meth:`from_store` serves: shopper and product tables, favourites,
        K-means clusters, bought-together partners and the aggregate results."""
        t0 = time.perf_counter()
        self.compute_partners()
        users = self.users
        self._clusters_now()
        products = self.product_table
        fav = self._favourites_now()
        tr0 = time.perf_counter()
        self.customer_segments()
        self.customer_journey()
        calendar = self._calendar()
        for by in trends.TREND_BY:
            if by in ("dow", "hour") or calendar:
                self.order_trends(by)
        if self.data.funnel_users is not None:
            self.funnel_analysis()
            for by in funnel_mod.FUNNEL_BY:
                self.funnel_analysis(by=by)
        self.timings["results"] = time.perf_counter() - tr0
        self.timings["total"] = time.perf_counter() - t0
        log.info("analytics precomputed in %.1f s (%s)", self.timings["total"],
                 ", ".join(f"{k} {v:.1f} s" for k, v in self.timings.items() if k != "total"))
        assert self._context is not None and self._partners is not None
        return Precomputed(self.params, self._context, users, products, fav, self._partners,
                           dict(self._results))
