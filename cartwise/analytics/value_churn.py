"""Each shopper's lifetime value and churn risk: the repeat-buying model where it can be fitted,
the usual-gap heuristic where it cannot, and which of the two produced the figures.

**The model** (:data:`MODEL`, needs order timestamps): a shopper's orders on one calendar day are
one visit (:mod:`cartwise.analytics.visits`); BG/NBD describes how often shoppers visit and drop
out, Gamma-Gamma what a visit is worth (:mod:`cartwise.analytics.clv`, fitted on every shopper
with a visit). Per shopper:

* ``p_active``: BG/NBD's P(alive), the chance they are still a customer now;
* ``expected_orders``: expected *visits* in the next ``ltv_horizon_days``; ``basket_value``: the
  expected value of one future visit (Gamma-Gamma, over all their visits: the first visit's
  value says something about a shopper with one visit, so they are not all given the
  population mean); ``orders_per_month``: visits per 30 days while active (the posterior mean
  rate);
* ``projected`` = expected visits x value per visit; ``ltv`` = historical + projected;
* ``churn_score``: the chance of **no visit in the next** ``churn_horizon_days``, ``1 - P(alive
  and visiting within the horizon)``. Not ``1 - P(alive)`` alone: BG/NBD lets a shopper drop
  out only after a repeat visit, so every one-visit shopper has P(alive) = 1 and would be the
  *least* at risk, the opposite of what the data shows (on Online Retail II 2009-10 -> 2010-11,
  ``1 - P(alive)`` separates the shoppers who did not come back with AUC 0.36; the no-visit
  chance with 0.74; ``benchmarks/bench_clv.py``).

**The fallback** (:data:`FALLBACK`): the usual-gap heuristic of :mod:`cartwise.analytics.churn`
and :mod:`cartwise.analytics.ltv` over orders, used when the data has no calendar (Instacart's
layout: only days between orders, so there are no days to merge into visits), when fewer than
``clv_min_shoppers`` shoppers have a visit or fewer than :data:`MIN_REPEAT_SHOPPERS` came back,
or when a fit fails (:class:`~cartwise.errors.ModelFitError`); the result says which and why.

The usual-gap columns ``expected_gap`` and ``away_ratio`` (days since the last order / expected
days between orders) are computed either way: the at-risk lists use them to leave out the lost.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cartwise.analytics import churn as churn_mod
from cartwise.analytics import clv
from cartwise.analytics import ltv as ltv_mod
from cartwise.analytics.clock import Timeline
from cartwise.analytics.index import TableIndex
from cartwise.analytics.params import AnalyticsParams
from cartwise.analytics.visits import Visits, user_visits
from cartwise.errors import ModelFitError
from cartwise.formatting import days_ago, fmt_num, fmt_pct, plural

log = logging.getLogger(__name__)

MODEL = "bg_nbd+gamma_gamma"
FALLBACK = "usual_gap"
#: The model needs at least this many shoppers with a repeat visit (the drop-out and the
#: spread of visit rates are estimated from them).
MIN_REPEAT_SHOPPERS = 20

#: Columns of :attr:`ValueChurn.table`, one row per user row.
COLUMNS = ("expected_gap", "away_ratio", "churn_score", "churn_level", "visits",
           "basket_value", "orders_per_month", "p_active", "expected_orders", "projected", "ltv")


@dataclass(frozen=True)
class ValueChurn:
    """Lifetime value and churn of every shopper, and how they were produced.

    Attributes:
        table: :data:`COLUMNS` by user row (see the module docstring; ``visits`` is the number
            of days with an order, 0 without a calendar).
        method: :data:`MODEL` or :data:`FALLBACK`.
        reason: why the fallback was used (None for the model).
        facts: JSON-able population facts: ``method``, ``reason``, ``note`` (one sentence for
            results), ``purchase`` ("visit" or "order": what ``expected_orders`` counts),
            ``bg_nbd`` / ``gamma_gamma`` (fitted parameters, None for the fallback),
            ``churn_horizon_days``, ``horizon_days``, ``pop_gap``, ``tau_days`` and
            ``repeat_share`` (the heuristic's; None for the model), ``fit_seconds``.
    """

    table: pd.DataFrame
    method: str
    reason: str | None
    facts: dict[str, Any] = field(default_factory=dict)


def usual_gap_columns(stats: pd.DataFrame, params: AnalyticsParams) -> tuple[pd.DataFrame, float]:
    """The heuristic's churn columns (``expected_gap``, ``away_ratio``, ``churn_score``,
    ``churn_level``) and the population gap (days)."""
    pop_gap = churn_mod.population_gap(stats["gap_median"].to_numpy())
    ch = churn_mod.churn_table(stats, pop_gap, params.churn_prior_gaps, params.churn_mid_ratio,
                               params.churn_medium, params.churn_high)
    return ch, pop_gap


def usual_gap(stats: pd.DataFrame, params: AnalyticsParams, reason: str,
              visits: np.ndarray | None = None) -> ValueChurn:
    """The usual-gap heuristic over orders (:mod:`~cartwise.analytics.churn`,
    :mod:`~cartwise.analytics.ltv`), stated as the fallback for ``reason``.

    Args:
        stats: :func:`~cartwise.analytics.stats.user_stats`.
        visits: days with an order per user row, where known (0 otherwise).
    """
    ch, pop_gap = usual_gap_columns(stats, params)
    tau = ltv_mod.expected_lifetime(stats["span_days"].to_numpy(), ch["expected_gap"].to_numpy(),
                                    ch["churn_level"].to_numpy() == 2)
    n_orders = stats["n_orders"].to_numpy()
    repeat_share = float((n_orders >= 2).mean()) if len(n_orders) else 1.0
    lt = ltv_mod.ltv_table(stats["monetary"].to_numpy(), stats["n_baskets"].to_numpy(),
                           ch["expected_gap"].to_numpy(), ch["churn_score"].to_numpy(), tau,
                           params.ltv_horizon_days, one_order=n_orders < 2,
                           repeat_share=repeat_share)
    n = len(stats)
    table = pd.concat([ch, lt.drop(columns=["historical"])], axis=1)
    table.insert(4, "visits", np.zeros(n, np.int64) if visits is None else visits)
    note = (f"usual-gap estimate ({reason}): churn risk grows with the days since the last "
            "order against the shopper's usual gap between orders; value = value per order x "
            f"orders expected from that gap over the next {params.ltv_horizon_days} days")
    facts = {"method": FALLBACK, "reason": reason, "note": note, "purchase": "order",
             "bg_nbd": None, "gamma_gamma": None, "pop_gap": pop_gap, "tau_days": tau,
             "repeat_share": repeat_share, "horizon_days": params.ltv_horizon_days,
             "churn_horizon_days": None}
    return ValueChurn(table[list(COLUMNS)], FALLBACK, reason, facts)


def repeat_buying(stats: pd.DataFrame, visits: Visits, params: AnalyticsParams) -> ValueChurn:
    """The BG/NBD + Gamma-Gamma figures (see the module docstring).

    Raises:
        ModelFitError: too few shoppers for the model, or a fit that failed.
    """
    has = visits.has_visit
    n_shoppers, n_repeat = int(has.sum()), int((visits.x > 0).sum())
    if n_shoppers < params.clv_min_shoppers:
        raise ModelFitError(f"only {plural(n_shoppers, 'shopper')} with a visit; the "
                            f"repeat-buying model needs at least {params.clv_min_shoppers}")
    if n_repeat < MIN_REPEAT_SHOPPERS:
        raise ModelFitError(f"only {plural(n_repeat, 'shopper')} came back on another day; the "
                            f"repeat-buying model needs at least {MIN_REPEAT_SHOPPERS}")
    t0 = time.perf_counter()
    x, t_x, T = visits.x[has], visits.t_x[has], visits.T[has]
    bg = clv.fit_bgnbd(x, t_x, T)
    spend = visits.mean_value[has]
    paid = spend > 0
    if int(paid.sum()) < MIN_REPEAT_SHOPPERS:
        raise ModelFitError("too few shoppers with a positive value per visit for Gamma-Gamma")
    gg = clv.fit_gamma_gamma(visits.n_visits[has][paid], spend[paid])
    fit_s = time.perf_counter() - t0

    n = len(stats)
    nan = np.full(n, np.nan)
    alive, expected, rate, quiet, per_visit = (nan.copy() for _ in range(5))
    alive[has] = clv.p_alive(bg, x, t_x, T)
    expected[has] = clv.expected_purchases(bg, float(params.ltv_horizon_days), x, t_x, T)
    rate[has] = clv.purchase_rate(bg, x, T) * 30.0
    quiet[has] = clv.p_no_visit(bg, float(params.churn_horizon_days), x, t_x, T)
    n_avg = np.where(paid, visits.n_visits[has], 0)
    per_visit[has] = clv.expected_spend(gg, n_avg, np.where(paid, spend, np.nan))
    projected = expected * per_visit
    hist = stats["monetary"].to_numpy(dtype=np.float64)
    ch, pop_gap = usual_gap_columns(stats, params)
    table = pd.DataFrame({
        "expected_gap": ch["expected_gap"].to_numpy(),
        "away_ratio": ch["away_ratio"].to_numpy(),
        "churn_score": quiet,
        "churn_level": churn_mod.churn_level(quiet, params.churn_medium, params.churn_high),
        "visits": visits.n_visits,
        "basket_value": per_visit,
        "orders_per_month": rate,
        "p_active": alive,
        "expected_orders": expected,
        "projected": projected,
        "ltv": hist + np.nan_to_num(projected, nan=0.0),
    })
    note = (f"BG/NBD + Gamma-Gamma fitted on {plural(n_shoppers, 'shopper')}' visits (orders "
            f"on one day count once): churn risk = the chance of no visit in the next "
            f"{params.churn_horizon_days} days; value = expected visits x expected value per "
            f"visit over the next {params.ltv_horizon_days} days")
    facts = {"method": MODEL, "reason": None, "note": note, "purchase": "visit",
             "bg_nbd": bg.to_dict(), "gamma_gamma": {**gg.to_dict(), "mean_spend": gg.mean_spend},
             "pop_gap": pop_gap, "tau_days": None, "repeat_share": None,
             "horizon_days": params.ltv_horizon_days,
             "churn_horizon_days": params.churn_horizon_days,
             "fit_seconds": round(fit_s, 3)}
    log.info("BG/NBD %s and Gamma-Gamma %s fitted on %d shoppers in %.2f s", bg, gg,
             n_shoppers, fit_s)
    return ValueChurn(table, MODEL, None, facts)


def value_and_churn(index: TableIndex, timeline: Timeline, ordered_at: pd.Series,
                    stats: pd.DataFrame, params: AnalyticsParams) -> ValueChurn:
    """The model's figures where it can be fitted, else the usual-gap fallback with its reason.

    Args:
        index, timeline: the tables' row index and timeline.
        ordered_at: ``orders.ordered_at``.
        stats: :func:`~cartwise.analytics.stats.user_stats` of the same index.
    """
    if not timeline.has_calendar:
        return usual_gap(stats, params, "no calendar dates in this data, and the repeat-buying "
                         "model needs the day of every visit")
    visits = user_visits(index, timeline, ordered_at)
    try:
        return repeat_buying(stats, visits, params)
    except ModelFitError as exc:
        log.warning("repeat-buying model not used: %s", exc)
        return usual_gap(stats, params, str(exc), visits.n_visits)


def churn_reason(row: dict[str, Any], facts: dict[str, Any], snapshot: bool) -> str:
    """One sentence explaining a shopper's churn score, true for the method that produced it.

    Args:
        row: the shopper's row of the shopper table.
        facts: :attr:`ValueChurn.facts` (the ``clv`` entry of the population facts).
        snapshot: the data has no calendar (the snapshot assumption).
    """
    if facts.get("method") != MODEL:
        pop = facts.get("pop_gap")
        return churn_mod.churn_reason(float(row["recency_days"]), float(row["expected_gap"]),
                                      float(row["gap_median"]), int(row["n_gaps"]),
                                      float("nan") if pop is None else float(pop), snapshot)
    visits = int(row["visits"])
    if visits == 0 or np.isnan(float(row["churn_score"])):
        return "no order with items yet, so there is no visit to judge from"
    orders = int(row["n_orders"])
    span = float(row["span_days"])
    seen = (f"one visit, {days_ago(float(row['recency_days']))}" if visits == 1 else
            f"{plural(visits, 'visit')}"
            + (f" ({plural(orders, 'order')})" if orders != visits else "")
            + f" over {plural(int(round(span)), 'day')}, last visit "
            f"{days_ago(float(row['recency_days']))}")
    horizon = facts.get("churn_horizon_days")
    return (f"{seen}; BG/NBD gives {chance(float(row['churn_score']))} chance of no visit in "
            f"the next {horizon} days (P(alive) {fmt_num(float(row['p_active']), 2)})")


def chance(p: float) -> str:
    """A probability in words: "a 73%", "a less than 1%", "a more than 99%"."""
    if p < 0.01:
        return "a less than 1%"
    if p > 0.99:
        return "a more than 99%"
    return f"a {fmt_pct(p, 0)}"
