"""Churn risk by the usual gap: how long a shopper has been away, against how often they order.

This is the *fallback* of :mod:`cartwise.analytics.value_churn` (data without order dates, too
few shoppers for the repeat-buying model, or a fit that failed); its ``expected_gap`` and
``away_ratio`` also serve the at-risk lists' "not yet lost" rule either way.

For each shopper:

* **expected gap** (days) = a blend of their own median gap between orders and the typical
  shopper's (the median, over shoppers with a second order, of their own median gap: each
  shopper counts once, so frequent shoppers do not set the norm for everyone), weighted by how
  much evidence they have: ``w = n_gaps / (n_gaps + prior_gaps)``,
  ``expected = w * own + (1 - w) * population`` (a shopper with one order, so no gap, gets the
  population's); floored at :data:`MIN_GAP_DAYS`.
* **ratio** x = days since the last order / expected gap (1 = right on rhythm);
* **score** = x^p / (x^p + mid^p) with p = :data:`STEEPNESS`: 0 at x = 0, 0.5 at x = ``mid``
  (``churn_mid_ratio``), approaching 1 as the absence grows; strictly increasing in the days
  away. With the defaults (mid 2) the score is 0.11 on rhythm, 0.5 at twice the usual gap,
  0.77 at three times, 0.89 at four;
* **level**: ``high`` from ``churn_high``, ``medium`` from ``churn_medium``, else ``low``.

At-risk lists rank the shoppers who are still worth saving: valued at or above a quantile of
all shoppers' value, away no more than ``churn_lost_ratio`` expected gaps, and not in the RFM
segment "Lost" (beyond that they are lost, not at risk).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cartwise.formatting import days_ago, fmt_num, plural

#: Exponent of the score curve (higher = sharper switch around ``mid``).
STEEPNESS = 3.0
#: Expected gaps are at least a day (several orders on one day do not make a 0-day rhythm).
MIN_GAP_DAYS = 1.0
LEVELS = ("low", "medium", "high")


def population_gap(user_gap_median: np.ndarray) -> float:
    """The typical shopper's gap between orders: the median of the shoppers' own median gaps
    (days; shoppers without a gap, NaN, are ignored); NaN when nobody has a second order."""
    g = np.asarray(user_gap_median, dtype=np.float64)
    g = g[~np.isnan(g)]
    return float(np.median(g)) if len(g) else float("nan")


def expected_gap(gap_median: np.ndarray, n_gaps: np.ndarray, pop_gap: float,
                 prior_gaps: float) -> np.ndarray:
    """Each shopper's expected days between orders (see the module docstring); NaN when neither
    they nor the population have a gap."""
    own = np.asarray(gap_median, dtype=np.float64)
    n = np.asarray(n_gaps, dtype=np.float64)
    w = np.where(n + prior_gaps > 0, n / np.maximum(n + prior_gaps, 1e-12), 0.0)
    w = np.where(np.isnan(own), 0.0, w)
    blended = w * np.nan_to_num(own) + (1 - w) * pop_gap
    blended = np.where(np.isnan(pop_gap) & (w > 0), np.nan_to_num(own), blended)
    return np.where(np.isnan(blended), np.nan, np.maximum(blended, MIN_GAP_DAYS))


def churn_score(recency_days: np.ndarray, expected_gap_days: np.ndarray,
                mid_ratio: float = 2.0) -> np.ndarray:
    """Churn risk 0..1, strictly increasing in ``recency_days`` for a given expected gap.

    NaN where the expected gap is unknown (no shopper in the data has a second order).
    """
    x = np.asarray(recency_days, np.float64) / np.asarray(expected_gap_days, np.float64)
    x = np.clip(x, 0.0, None)
    xp = x ** STEEPNESS
    return xp / (xp + mid_ratio ** STEEPNESS)


def churn_level(score: np.ndarray, medium: float, high: float) -> np.ndarray:
    """Risk level code per score: 0 low, 1 medium, 2 high (:data:`LEVELS`), -1 when unknown."""
    s = np.asarray(score, dtype=np.float64)
    out = np.where(s >= high, 2, np.where(s >= medium, 1, 0)).astype(np.int8)
    out[np.isnan(s)] = -1
    return out


def churn_reason(recency_days: float, expected: float, gap_median: float, n_gaps: int,
                 pop_gap: float, snapshot: bool) -> str:
    """One sentence explaining a score ("away 45 days, 3.2x their usual 14-day gap ...")."""
    away = f"last order {days_ago(recency_days)}"
    if snapshot:
        if n_gaps == 0:
            return ("a single order and no order dates in the data, so nothing shows how long "
                    "they have been away")
        away = f"{plural(int(round(recency_days)), 'day')} between their last two orders"
    if np.isnan(expected):
        return f"{away}; nobody in the data has ordered twice, so there is no usual gap"
    ratio = recency_days / expected
    if n_gaps == 0:
        return (f"{away}, {fmt_num(ratio, 1)}x the typical shopper's {fmt_num(pop_gap, 0)}-day gap "
                "between orders (too few orders for a rhythm of their own)")
    if n_gaps < 3:
        return (f"{away}, {fmt_num(ratio, 1)}x their expected {fmt_num(expected, 0)}-day gap (own "
                f"{fmt_num(gap_median, 0)} days over {n_gaps} gap{'s' if n_gaps > 1 else ''}, "
                f"blended with the typical {fmt_num(pop_gap, 0)} days)")
    return (f"{away}, {fmt_num(ratio, 1)}x their usual {fmt_num(expected, 0)}-day gap between "
            "orders "
            f"(median of {n_gaps} gaps)")


def at_risk_order(
    score: np.ndarray,
    ratio: np.ndarray,
    value: np.ndarray,
    value_quantile: float,
    lost_ratio: float,
    lost: np.ndarray | None = None,
) -> np.ndarray:
    """Rows of the shoppers to show as most at risk, riskiest first: valuable ones not yet lost.

    Candidates: value >= the ``value_quantile`` of all shoppers' values, a known score, away
    at most ``lost_ratio`` expected gaps, and not flagged in ``lost`` (bool per row: the
    shoppers the RFM segmentation calls "Lost"). Order: score descending, value descending, row.
    """
    v = np.asarray(value, dtype=np.float64)
    s = np.asarray(score, dtype=np.float64)
    if len(v) == 0:
        return np.empty(0, dtype=np.int64)
    floor = float(np.quantile(v, value_quantile))
    ok = (v >= floor) & ~np.isnan(s) & (np.asarray(ratio) <= lost_ratio)
    if lost is not None:
        ok &= ~np.asarray(lost, dtype=bool)
    rows = np.flatnonzero(ok)
    order = np.lexsort((rows, -v[rows], -s[rows]))
    return rows[order]


def level_counts(levels: np.ndarray) -> dict[str, int]:
    """Shoppers per risk level (``unknown`` included only when present)."""
    counts = {name: int((levels == i).sum()) for i, name in enumerate(LEVELS)}
    unknown = int((levels < 0).sum())
    if unknown:
        counts["unknown"] = unknown
    return counts


def churn_table(stats: pd.DataFrame, pop_gap: float, prior_gaps: float, mid_ratio: float,
                medium: float, high: float) -> pd.DataFrame:
    """``expected_gap``, ``away_ratio``, ``churn_score`` and ``churn_level`` for every row of the
    per-user ``stats`` (columns of :func:`cartwise.analytics.stats.user_stats`)."""
    exp = expected_gap(stats["gap_median"].to_numpy(), stats["n_gaps"].to_numpy(), pop_gap,
                       prior_gaps)
    rec = stats["recency_days"].to_numpy(dtype=np.float64)
    score = churn_score(rec, exp, mid_ratio)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = rec / exp
    return pd.DataFrame({"expected_gap": exp, "away_ratio": ratio, "churn_score": score,
                         "churn_level": churn_level(score, medium, high)})
