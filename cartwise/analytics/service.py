"""The analytics service: one method per analytics tool, over a source and the catalogue.

:class:`Analytics` assembles every result (entries, charts, summaries) from an
:class:`~cartwise.analytics.source.AnalyticsSource` and the one
:class:`~cartwise.catalog.Catalog`: served from the analytics stage
(:func:`~cartwise.analytics.stage.load_analytics`), or computed on demand from the canonical
tables (:meth:`Analytics.on_demand`). Both sources give the same answers.

Every method returns a JSON-able dict that validates against its model in
:mod:`cartwise.tools.results` (``kind`` left to the model's default; ``resolved``, where the
model has it, left to the tool layer), with a one-line ``summary`` and chart-ready series.
Unknown ids raise :class:`~cartwise.errors.UnknownUser` / :class:`~cartwise.errors.UnknownProduct`,
bad arguments :class:`~cartwise.errors.InvalidArgument`. Ids are external ids (the catalogue's
``product_id``, the shop's ``user_id``). Values are in the data's currency, or in items bought
when the data has no prices (the results say which in ``value_unit``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np

from cartwise.analytics import affinity, insights, ltv, segments, trends
from cartwise.analytics import funnel as funnel_mod
from cartwise.analytics.calculator import Calculator
from cartwise.analytics.churn import LEVELS
from cartwise.analytics.params import AnalyticsParams
from cartwise.analytics.precomputed import churn_reason_for
from cartwise.analytics.profile import favourites, product_details, user_profile
from cartwise.analytics.results import (
    CURRENCY,
    chart,
    fmt_num,
    fmt_pct,
    fmt_value,
    jsonable,
    r,
    value_fields,
)
from cartwise.analytics.sales_service import Sales
from cartwise.analytics.source import AnalyticsSource, catalog_mismatch
from cartwise.catalog import Catalog, check_k
from cartwise.data.schema import CanonicalData
from cartwise.errors import InvalidArgument, StoreError, UnknownProduct, UnknownUser

log = logging.getLogger(__name__)

#: Largest page :meth:`Analytics.list_users` returns.
MAX_PAGE = 1000


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


def _level(code: int) -> str:
    return LEVELS[code] if code >= 0 else "unknown"


class Analytics:
    """The analytics tools over one data set.

    Args:
        source: where the numbers come from (a
            :class:`~cartwise.analytics.reader.PrecomputedReader` or a
            :class:`~cartwise.analytics.calculator.Calculator`).
        catalog: the shop's catalogue; its product rows and shopper rows must be the source's.

    Raises:
        StoreError: the source's products or shoppers are not the catalogue's (an analytics
            stage built from other data: rebuild it).

    Thread-safe when the source is (both are).
    """

    def __init__(self, source: AnalyticsSource, catalog: Catalog) -> None:
        mismatch = catalog_mismatch(source, catalog)
        if mismatch is not None:
            raise StoreError(f"the analytics' {mismatch} are not the catalogue's: rebuild the "
                             "store with `cartwise build --force`")
        self.source = source
        self.catalog = catalog
        self._names: dict[str, dict[int, str]] = {}
        #: The sales tools (summaries, purchase histories, cohorts, anomalies).
        self.sales = Sales(source, catalog)

    @classmethod
    def on_demand(cls, data: CanonicalData, params: AnalyticsParams | None = None,
                  catalog: Catalog | None = None) -> Analytics:
        """The analytics of ``data`` computed on demand (cached as they are computed);
        ``catalog`` defaults to ``Catalog.from_data(data)``. Imports scikit-learn (about a
        second, once per process)."""
        return cls(Calculator(data, params), catalog or Catalog.from_data(data))

    @property
    def params(self) -> AnalyticsParams:
        """The analytics parameters of the source."""
        return self.source.params

    def clear_cache(self) -> None:
        """Forget the aggregate results computed so far (segments, journey, trends, funnel):
        the next calls compute them again. Precomputed results are kept."""
        self.source.clear_cache()

    # ------------------------------------------------------------------------ lookups

    def _user_row(self, user_id: object) -> int:
        uid = _as_id(user_id, "user_id")
        row = self.catalog.user_row(uid)
        if row is None:
            raise UnknownUser(uid)
        return row

    def _product_row(self, product_id: object) -> int:
        pid = _as_id(product_id, "product_id")
        row = self.catalog.row(pid)
        if row is None:
            raise UnknownProduct(pid)
        return row

    def _row(self, u: int) -> dict[str, Any]:
        return {c: a[u] for c, a in self.source.shopper_columns().items()}

    def _category_names(self, level: str) -> dict[int, str]:
        names = self._names.get(level)
        if names is None:
            names = self._names[level] = self.catalog.category_names(level)
        return names

    def _context(self) -> Mapping[str, Any]:
        return self.source.population()

    def _value_fields(self) -> dict[str, Any]:
        return self._in_currency(value_fields(self.source.has_prices()))

    def _in_currency(self, result: dict[str, Any]) -> dict[str, Any]:
        """``result`` with the ISO code of its money (the catalogue's currency) when its values
        are counted in money (``value_unit`` is :data:`CURRENCY`)."""
        if result.get("value_unit") == CURRENCY:
            result["currency"] = self.catalog.currency
        return result

    # ------------------------------------------------------------------------ products

    def frequently_bought_together(self, product_id: object, k: int = 5) -> dict[str, Any]:
        """The products most often in the same basket as ``product_id``, by lift (a
        ``BoughtTogether``).

        The anchor product is under ``product`` with its ``baskets`` (count) and ``support``
        (share of all baskets, 0..1); each partner under ``items`` has ``baskets_together``
        (count), ``support`` (0..1), ``confidence`` (share of the anchor's baskets that hold
        the partner, 0..1) and ``lift`` (> 0; 1 = as often as chance). Only pairs with enough
        evidence (``min_pair_count`` baskets and ``min_support``) are listed, at most
        ``top_partners`` (``partners_limit``) of them.
        """
        k = check_k(k)
        row = self._product_row(product_id)
        limit = self.params.top_partners
        p = self.source.partners(row, min(k, limit))  # the build keeps no more
        product = self.catalog.product(row)
        n_a, n_baskets = p.anchor_baskets, p.n_baskets
        m = affinity.pair_metrics(p.together, np.full(len(p.rows), n_a), p.baskets,
                                  max(n_baskets, 1))
        items = [{**self.catalog.product(int(prow)).model_dump(),
                  "baskets_together": int(p.together[j]), "support": r(m["support"][j], 6),
                  "confidence": r(m["confidence"][j], 4), "lift": r(m["lift"][j], 3)}
                 for j, prow in enumerate(p.rows)]
        name = product.name
        if not n_a:
            summary = f"{name} is in no basket yet, so nothing is bought with it."
        elif not items:
            summary = (f"Nothing is bought with {name} often enough to count: it is in "
                       f"{fmt_num(n_a)} baskets, and pairs need {p.min_count} shared baskets.")
        else:
            top = ", ".join(f"{x['name']} (lift {x['lift']:.1f}; in "
                            f"{fmt_pct(x['confidence'])} of the baskets with {name})"
                            for x in items[:3])
            summary = f"Bought with {name}: {top}."
        return jsonable({
            "product": product.model_dump(),
            "baskets": n_a,
            "support": r(n_a / max(n_baskets, 1), 6),
            "items": items,
            "n_baskets": n_baskets,
            "min_pair_count": p.min_count,
            "min_support": self.params.min_support,
            "partners_limit": limit,
            "charts": [chart("bar", f"Bought with {name} (lift)", [x["name"] for x in items],
                             [x["lift"] for x in items], "product", "lift")],
            "summary": summary,
        })

    def product_details(self, product_id: object) -> dict[str, Any]:
        """A product's entry (price, aisle, department) under ``product``, with its buyers,
        purchases, units, reorder rate (0..1), revenue (the data's currency) and best-seller
        rank (a ``ProductDetails``)."""
        row = self._product_row(product_id)
        return jsonable(product_details(self.catalog.product(row).model_dump(),
                                        self.source.product_stats(row), len(self.catalog),
                                        self.source.has_prices()))

    # ------------------------------------------------------------------------ shoppers

    def user_profile(self, user_id: object) -> dict[str, Any]:
        """A shopper's orders, items, spend, spending segment, favourite departments and aisles,
        reorder rate, days between orders, last order, churn risk and RFM segment (a
        ``ShopperProfile``)."""
        u = self._user_row(user_id)
        row = self._row(u)
        ctx = self._context()
        total = int(row["lines"])
        fav = self.source.favourites(u)
        depts = favourites(fav.department_ids, fav.department_counts,
                           self._category_names("department"), total)
        aisles = favourites(fav.aisle_ids, fav.aisle_counts, self._category_names("aisle"),
                            total)
        row["churn_reason"] = churn_reason_for(row, ctx)
        row["last_order_at"] = jsonable(row.get("last_order_at"))
        return self._in_currency(jsonable(user_profile(row, depts, aisles, ctx)))

    def churn_risk(self, user_id: object | None = None, k: int = 10) -> dict[str, Any]:
        """One shopper's churn risk (score 0..1, level, reason; a ``ShopperChurn``), or the
        ``k`` most at risk among the shoppers worth saving (value at or above the
        ``churn_value_quantile``, not yet lost; an ``AtRiskShoppers``)."""
        if user_id is not None:
            return jsonable(self._churn_one(self._user_row(user_id)))
        k = check_k(k)
        ctx = self._context()
        rank = self.source.shopper_columns()["risk_rank"]
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
        ctx = self._context()
        score = r(row["churn_score"], 3)
        reason = churn_reason_for(row, ctx)
        out = {
            "user_id": int(row["user_id"]),
            "score": score,
            "level": _level(int(row["churn_level"])),
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
        """One shopper's lifetime value (historical + projected over ``ltv_horizon_days``; a
        ``ShopperValue``), or the ``k`` most valuable with the value tiers (top 10%, next 20%,
        ...) and their share of all value (a ``ValuableShoppers``)."""
        ctx = self._context()
        unit = ctx["value_unit"]
        horizon = int(self.params.ltv_horizon_days)
        if user_id is not None:
            one = self._ltv_one(self._user_row(user_id))
            one.update({
                **self._value_fields(),
                "horizon_days": horizon,
                "expected_lifetime_days": r(ctx["tau_days"], 0),
                "time_note": ctx["time_note"],
                "summary": (f"User {one['user_id']}: lifetime value "
                            f"{fmt_value(one['ltv'], unit)} = {fmt_value(one['historical'], unit)}"
                            f" so far + {fmt_value(one['projected'], unit)} expected over the "
                            f"next {horizon} days; rank {fmt_num(one['rank'])} of "
                            f"{fmt_num(ctx['n_users'])} ({one['tier']})."),
            })
            return jsonable(one)
        k = check_k(k)
        cols = self.source.shopper_columns()
        vr = cols["value_rank"]
        rows = np.flatnonzero(vr < k)
        rows = rows[np.argsort(vr[rows])]
        top = [self._ltv_one(int(u)) for u in rows]
        tiers = ltv.tier_summary(cols["ltv"], cols["value_tier"])
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
        """A page of shoppers in user id order (a ``ShopperPage``): ``user_id``, ``orders``,
        ``value``, ``segment``, ``churn_level``, plus ``total`` and ``next_offset`` (None on
        the last page).

        Raises:
            InvalidArgument: a negative ``offset`` or ``limit`` outside 1..1000.
        """
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise InvalidArgument("offset", offset, "a whole number >= 0")
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
            raise InvalidArgument("limit", limit, f"a whole number from 1 to {MAX_PAGE}")
        c = self.source.shopper_columns()
        total = len(c["user_id"])
        rows = range(offset, min(offset + limit, total))
        users = [{"user_id": int(c["user_id"][u]), "orders": int(c["n_orders"][u]),
                  "value": r(c["monetary"][u]),
                  "segment": segments.SEGMENT_NAMES[int(c["segment"][u])],
                  "churn_level": _level(int(c["churn_level"][u]))}
                 for u in rows]
        end = offset + len(users)
        return jsonable({"users": users, "offset": offset, "limit": limit, "total": total,
                         "next_offset": end if end < total else None, **self._value_fields(),
                         "summary": f"Shoppers {offset + 1}-{end} of {fmt_num(total)}."
                         if users else f"No shoppers from {offset + 1} on ({fmt_num(total)} "
                         "in all)."})

    # ------------------------------------------------------------------------ the shop

    def customer_segments(self) -> dict[str, Any]:
        """RFM segments (named, with size, share and value) and K-means clusters on RFM (a
        ``CustomerSegments``)."""
        return self._in_currency(dict(self.source.customer_segments()))

    def customer_journey(self) -> dict[str, Any]:
        """First-time vs repeat shoppers, basket sizes, reorder rate by order number, days
        between orders (a ``CustomerJourney``)."""
        return dict(self.source.customer_journey())

    def funnel_analysis(self, device: str | None = None, sex: str | None = None,
                        by: str | None = None) -> dict[str, Any]:
        """The home -> search -> payment -> confirmation funnel, optionally filtered by device
        and/or sex and split by ``device``, ``sex``, ``week`` or ``month`` (a
        ``FunnelAnalysis``; ``available`` False when the data has no funnel tables)."""
        if not self.source.has_funnel():
            if by is not None and str(by).lower() not in funnel_mod.FUNNEL_BY:
                raise InvalidArgument("by", by, funnel_mod.FUNNEL_BY)
            return funnel_mod.no_funnel_result()
        return dict(self.source.funnel_analysis(device, sex, by))

    def business_insights(self, period: str | None = None) -> dict[str, Any]:
        """A digest of what changed in the latest ``week`` or ``month`` and what to look at,
        each point naming the tool result it comes from (a ``BusinessInsights``; see
        :mod:`cartwise.analytics.insights`)."""
        return insights.business_insights(self, period)

    def order_trends(self, by: str | None = None) -> dict[str, Any]:
        """Orders, items and revenue by ``dow`` (0 = Sunday), ``hour``, ``day``, ``week`` or
        ``month`` (an ``OrderTrends``); calendar splits need real timestamps. Default: ``week``
        with timestamps, else ``dow``."""
        if by is not None:
            trends.check_by(by, True)  # a bad name fails before any computation
        calendar = self.source.has_calendar()
        by = trends.check_by(by if by is not None else ("week" if calendar else "dow"), calendar)
        return self._in_currency(dict(self.source.order_trends(by)))
