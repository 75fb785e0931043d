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

from cartwise.analytics import affinity, insights, ltv, segments, trends, value_churn
from cartwise.analytics import funnel as funnel_mod
from cartwise.analytics.calculator import Calculator
from cartwise.analytics.churn import LEVELS
from cartwise.analytics.clock import NO_ORDER_TIMES
from cartwise.analytics.params import AnalyticsParams
from cartwise.analytics.precomputed import churn_reason_for
from cartwise.analytics.profile import favourites, product_details, user_profile
from cartwise.analytics.results import CURRENCY, chart, jsonable, r, value_fields
from cartwise.analytics.sales_service import Sales
from cartwise.analytics.source import AnalyticsSource, PartnerRows, catalog_mismatch
from cartwise.analytics.stats import SPENDING_SEGMENTS
from cartwise.catalog import Catalog, check_k
from cartwise.data.schema import CanonicalData
from cartwise.errors import InvalidArgument, StoreError, UnknownProduct, UnknownUser
from cartwise.formatting import fmt_num, fmt_pct, fmt_value, plural

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

    def _value(self, value: float | None, unit: str) -> str:
        """An amount in the data's unit for people: money in the catalogue's currency, or
        items without prices (:func:`~cartwise.formatting.fmt_value`)."""
        return fmt_value(value, unit, self.catalog.currency)

    def _in_currency(self, result: dict[str, Any]) -> dict[str, Any]:
        """``result`` with the ISO code of its money (the catalogue's currency) when its values
        are counted in money (``value_unit`` is :data:`CURRENCY`)."""
        if result.get("value_unit") == CURRENCY:
            result["currency"] = self.catalog.currency
        return result

    # ------------------------------------------------------------------------ products

    def frequently_bought_together(self, product_id: object, k: int = 5) -> dict[str, Any]:
        """The products bought together with ``product_id`` with real evidence, strongest and
        best supported first (a ``BoughtTogether``; see :mod:`cartwise.analytics.pair_evidence`).

        The anchor product is under ``product`` with its ``baskets`` and ``shoppers`` (counts)
        and ``support`` (share of all baskets, 0..1). Each partner under ``items`` has
        ``baskets_together`` and ``shoppers_together`` (distinct shoppers who bought both in
        one basket), ``support`` (0..1), ``confidence`` (share of the anchor's baskets that hold
        the partner, 0..1), ``base_rate`` (share of all baskets holding the partner, 0..1),
        ``lift`` (> 0; 1 = as often as chance), ``p_value`` (one-sided hypergeometric test,
        0..1), ``q_value`` (Benjamini-Hochberg over ``pairs_tested`` pairs, 0..1) and ``score``
        (the Wilson lower bound of the confidence minus the base rate, -1..1: what they are
        ranked by). Only pairs with ``min_pair_count`` shared baskets, ``min_pair_shoppers``
        shoppers and ``q_value <= fdr`` are listed, at most ``top_partners``
        (``partners_limit``) of them; ``partners_found`` says how many pass in all.
        """
        k = check_k(k)
        row = self._product_row(product_id)
        limit = self.params.top_partners
        p = self.source.partners(row, min(k, limit))  # the build keeps no more
        product = self.catalog.product(row)
        n_a, n_baskets = p.anchor_baskets, p.n_baskets
        m = affinity.pair_metrics(p.together, np.full(len(p.rows), n_a), p.baskets,
                                  max(n_baskets, 1))
        base = p.baskets / max(n_baskets, 1)
        items = [{**self.catalog.product(int(prow)).model_dump(),
                  "baskets_together": int(p.together[j]),
                  "shoppers_together": int(p.shoppers[j]),
                  "support": r(m["support"][j], 6), "confidence": r(m["confidence"][j], 4),
                  "base_rate": r(base[j], 6), "lift": r(m["lift"][j], 3),
                  "p_value": float(f"{p.p_value[j]:.3g}"),
                  "q_value": float(f"{p.q_value[j]:.3g}"), "score": r(p.score[j], 4)}
                 for j, prow in enumerate(p.rows)]
        summary = self._together_summary(product.name, p, items, k, limit)
        return jsonable({
            "product": product.model_dump(),
            "baskets": n_a,
            "shoppers": p.anchor_shoppers,
            "support": r(n_a / max(n_baskets, 1), 6),
            "items": items,
            "n_baskets": n_baskets,
            "min_pair_count": p.min_count,
            "min_pair_shoppers": p.min_shoppers,
            "min_support": self.params.min_support,
            "fdr": p.fdr,
            "pairs_tested": p.n_tests,
            "partners_found": p.significant,
            "partners_limit": limit,
            "charts": [chart("bar", f"Bought with {product.name} (share of its baskets)",
                             [x["name"] for x in items], [x["confidence"] for x in items],
                             "product", "share of its baskets")],
            "summary": summary,
        })

    @staticmethod
    def _together_summary(name: str, p: PartnerRows, items: list[dict[str, Any]], k: int,
                          limit: int) -> str:
        """The bought-together sentence: the strongest, best supported partners with their
        evidence, or why there are none."""
        n_a = p.anchor_baskets
        floors = (f"a pair needs {plural(p.min_count, 'shared basket')} from "
                  f"{plural(p.min_shoppers, 'shopper')}")
        test = (f"significant at a {fmt_pct(p.fdr, 0)} false-discovery rate over "
                f"{plural(p.n_tests, 'pair')} tested" if p.fdr < 1 else "")
        if not n_a:
            return f"{name} is in no basket yet, so nothing is bought with it."
        if not items:
            if n_a < p.min_count or p.anchor_shoppers < p.min_shoppers:
                why = (f"it is in {plural(n_a, 'basket')} of "
                       f"{plural(p.anchor_shoppers, 'shopper')}, too few to tell: {floors}")
            elif not p.with_baskets:
                why = (f"no product shares {plural(p.min_count, 'basket')} with it (it is in "
                       f"{plural(n_a, 'basket')})")
            elif not p.with_shoppers:
                why = (f"{plural(p.with_baskets, 'product')} share{'s' * (p.with_baskets == 1)}"
                       f" {plural(p.min_count, 'basket')} with it, but each from fewer than "
                       f"{plural(p.min_shoppers, 'shopper')} (the same shoppers reordering)")
            else:
                why = (f"{plural(p.with_shoppers, 'product')} share{'s' * (p.with_shoppers == 1)}"
                       f" enough baskets and shoppers with it, but none is in its baskets more "
                       f"often than chance explains (none {test})")
            return f"Nothing is reliably bought with {name}: {why}."
        top = "; ".join(
            f"{x['name']} (in {fmt_pct(x['confidence'])} of its baskets against "
            f"{fmt_pct(x['base_rate'])} of all baskets; {plural(x['baskets_together'], 'basket')}"
            f" from {plural(x['shoppers_together'], 'shopper')})" for x in items[:3])
        found = p.significant
        more = (f"{plural(found, 'partner')} pass{'es' * (found == 1)}: {floors}"
                f"{' and to be ' + test if test else ''}.")
        if len(items) < found:
            more += f" Showing the {fmt_num(len(items))} strongest"
            more += f"; at most {limit} are kept per product." if k > limit else "."
        return f"Bought with {name}, strongest first: {top}. {more[0].upper()}{more[1:]}"

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
        return self._in_currency(jsonable(user_profile(row, depts, aisles, ctx,
                                                       self.catalog.currency)))

    def spending_segment(self, user_id: object) -> str | None:
        """The shopper's spending segment (small / low-average / average / high by quartile of
        total spend, or of items bought without prices: the one definition every tool uses,
        :func:`~cartwise.analytics.stats.spending_segment`); None for a shopper without orders.

        Raises:
            UnknownUser: the id is not one of the shop's shoppers.
        """
        u = self._user_row(user_id)
        cols = self.source.shopper_columns()
        if not int(cols["n_baskets"][u]):
            return None
        return SPENDING_SEGMENTS[int(cols["spending"][u])]

    def churn_risk(self, user_id: object | None = None, k: int = 10) -> dict[str, Any]:
        """One shopper's churn risk (score 0..1, level, reason; a ``ShopperChurn``), or the
        ``k`` most at risk among the shoppers worth saving (value at or above the
        ``churn_value_quantile``, not yet lost: not in the RFM segment "Lost" and away at most
        ``churn_lost_ratio`` expected gaps; an ``AtRiskShoppers``).

        ``method`` says what produced the score: the repeat-buying model (the chance of no
        visit in the next ``churn_horizon_days``) or the usual-gap fallback, with
        ``method_note`` saying why (see :mod:`cartwise.analytics.value_churn`)."""
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
        head = ", ".join(f"user {x['user_id']} ({fmt_num(x['score'], 2)})" for x in users[:3])
        summary = (f"{fmt_pct(levels.get('high', 0) / total)} of {plural(total, 'shopper')} are at "
                   f"high churn risk; most at risk among the {fmt_num(ctx['risk_candidates'])} "
                   f"valuable ones not yet lost: {head or 'none'}. Risk is "
                   f"{self._risk_measure()}.")
        return jsonable({
            "k": k,
            "users": users,
            "candidates": ctx["risk_candidates"],
            "criteria": (f"value >= {self._value(ctx['risk_value_floor'], unit)} (the top "
                         f"{fmt_pct(1 - self.params.churn_value_quantile, 0)} of shoppers), not "
                         f"in the RFM segment \"Lost\", away at most "
                         f"{self.params.churn_lost_ratio:g}x their expected gap between orders"),
            "levels": levels,
            **self._method_fields(),
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
            "p_active": r(row["p_active"], 3),
            "visits": int(row["visits"]),
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
            **self._method_fields(),
            "time_note": ctx["time_note"],
            "summary": (f"User {out['user_id']}: churn risk {out['level']}"
                        + (f" ({fmt_num(score, 2)})" if score is not None else "")
                        + f": {reason}."),
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
                **self._method_fields(),
                "time_note": ctx["time_note"],
                "summary": (f"User {one['user_id']}: lifetime value "
                            f"{self._value(one['ltv'], unit)} = "
                            f"{self._value(one['historical'], unit)} so far + "
                            f"{self._value(one['projected'], unit)} expected over the "
                            f"next {horizon} days ({self._projection_basis(one, unit)}); rank "
                            f"{fmt_num(one['rank'])} of {fmt_num(ctx['n_users'])} "
                            f"({one['tier']})."),
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
        head = ", ".join(f"user {x['user_id']} ({self._value(x['ltv'], unit)})"
                         for x in top[:3])
        return jsonable({
            "k": k,
            "users": top,
            "tiers": tiers,
            "horizon_days": horizon,
            "expected_lifetime_days": r(ctx["tau_days"], 0),
            **self._value_fields(),
            **self._method_fields(),
            "time_note": ctx["time_note"],
            "charts": [
                chart("bar", "Share of lifetime value by tier", names,
                      [t["value_share"] for t in tiers], "tier", "share of value"),
                chart("bar", f"Top {k} shoppers by lifetime value",
                      [str(x["user_id"]) for x in top], [x["ltv"] for x in top], "user",
                      "lifetime value"),
            ],
            "summary": (f"The top 10% of {plural(ctx['n_users'], 'shopper')} hold "
                        f"{fmt_pct(tiers[0]['value_share'])} of lifetime value (history + "
                        f"{horizon}-day projection, {self._projection_method()}); most "
                        f"valuable: {head or 'none'}."),
        })

    def _clv(self) -> Mapping[str, Any]:
        """How lifetime value and churn were produced (the ``clv`` population facts)."""
        return self._context().get("clv") or {}

    def _method_fields(self) -> dict[str, Any]:
        """``method``, ``method_note`` and, for the model, its fitted ``model`` parameters."""
        clv = self._clv()
        out: dict[str, Any] = {"method": clv.get("method", value_churn.FALLBACK),
                               "method_note": clv.get("note")}
        if clv.get("method") == value_churn.MODEL:
            out["model"] = {"bg_nbd": clv["bg_nbd"], "gamma_gamma": clv["gamma_gamma"]}
        return out

    def _risk_measure(self) -> str:
        clv = self._clv()
        if clv.get("method") == value_churn.MODEL:
            return (f"the chance of no visit in the next {clv['churn_horizon_days']} days "
                    "(BG/NBD repeat-buying model)")
        return ("days away against the usual gap between orders (usual-gap fallback: "
                f"{clv.get('reason') or 'the model is not fitted'})")

    def _projection_method(self) -> str:
        clv = self._clv()
        if clv.get("method") == value_churn.MODEL:
            return "BG/NBD + Gamma-Gamma over visits"
        return f"usual-gap fallback: {clv.get('reason') or 'the model is not fitted'}"

    def _projection_basis(self, one: Mapping[str, Any], unit: str) -> str:
        """What one shopper's projection is made of, in words."""
        if one["expected_orders"] is None or one["basket_value"] is None:
            return self._projection_method()
        what = "visits" if self._clv().get("method") == value_churn.MODEL else "orders"
        return (f"{fmt_num(one['expected_orders'], 1)} {what} x "
                f"{self._value(one['basket_value'], unit)} per {what[:-1]}; "
                f"{self._projection_method()}")

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
            "visits": int(row["visits"]),
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
        if not self.source.has_order_times():
            raise InvalidArgument("by", by or "dow", "a data set with order times",
                                  NO_ORDER_TIMES)
        calendar = self.source.has_calendar()
        by = trends.check_by(by if by is not None else ("week" if calendar else "dow"), calendar)
        return self._in_currency(dict(self.source.order_trends(by)))
