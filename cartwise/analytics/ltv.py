"""Customer lifetime value by the usual gap: what a shopper has brought in, plus what they are
expected to bring, from their gap between orders.

This is the *fallback* of :mod:`cartwise.analytics.value_churn`; where the data allows, lifetime
value comes from the repeat-buying model instead (:mod:`cartwise.analytics.clv`). The value
tiers (:data:`TIERS`, :func:`value_tier`) serve both.

Per shopper (value in the data's currency, or in units bought when the data has no prices):

* **historical** value: their monetary value so far (returns already netted by the loader);
* **basket value** v = historical / baskets;
* **order rate** = 1 / expected gap between orders (days, from :mod:`cartwise.analytics.churn`);
* **expected active days** in the next H days (``ltv_horizon_days``): the shopper is still
  active with probability ``p = 1 - churn score`` (times the population's share of shoppers
  who ever placed a second order, for a shopper with one order: not everyone comes back), and
  an active shopper stays active for an exponentially distributed time with mean tau, so the
  expected active days are
  ``p * tau * (1 - exp(-H / tau))`` (``p * H`` when nobody has churned);
* **projected** value = v x order rate x expected active days; **lifetime value** = historical +
  projected. No discounting (the horizon is short).

tau, the expected active lifetime, is estimated once from the population with the constant-hazard
(exponential) estimate: shoppers whose churn level is high count as churned, each shopper's
active days (first to last order, plus one expected gap) as exposure, and
``tau = exposure / churned``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Value tiers by rank of lifetime value: (name, share of shoppers), most valuable first.
TIERS: tuple[tuple[str, float], ...] = (
    ("Top 10%", 0.10),
    ("High (next 20%)", 0.20),
    ("Medium (next 30%)", 0.30),
    ("Low (bottom 40%)", 0.40),
)


def expected_lifetime(span_days: np.ndarray, expected_gap_days: np.ndarray,
                      churned: np.ndarray) -> float:
    """tau: mean active lifetime in days (exponential estimate), ``inf`` when nobody churned.

    Args:
        span_days: days from each shopper's first to last order (>= 0).
        expected_gap_days: each shopper's expected gap (days; NaN counts as 0).
        churned: bool, shoppers considered churned.
    """
    exposure = float(np.nansum(span_days) + np.nansum(expected_gap_days))
    events = int(np.sum(churned))
    return exposure / events if events else float("inf")


def active_days(p_active: np.ndarray, tau: float, horizon_days: float) -> np.ndarray:
    """Expected active days within the horizon, 0..``horizon_days``."""
    p = np.asarray(p_active, dtype=np.float64)
    if not np.isfinite(tau):
        return p * horizon_days
    return p * tau * (1.0 - np.exp(-horizon_days / tau))


def ltv_table(
    historical: np.ndarray,
    baskets: np.ndarray,
    expected_gap_days: np.ndarray,
    churn_score: np.ndarray,
    tau: float,
    horizon_days: float,
    one_order: np.ndarray | None = None,
    repeat_share: float = 1.0,
) -> pd.DataFrame:
    """Lifetime value per shopper (see the module docstring).

    Args:
        historical: value so far (currency or items), >= 0.
        baskets: orders with lines, >= 0.
        expected_gap_days: expected days between orders (NaN = unknown).
        churn_score: 0..1 (NaN = unknown).
        tau: expected active lifetime, days (``inf`` allowed).
        horizon_days: projection horizon, days.
        one_order: bool per shopper, True for shoppers with a single order.
        repeat_share: share of all shoppers with a second order (0..1), applied to ``one_order``.

    Returns:
        Columns ``historical``, ``basket_value``, ``orders_per_month`` (30-day months),
        ``p_active`` (0..1), ``expected_orders`` (in the horizon), ``projected``, ``ltv``.
        Where the expected gap is unknown the projection is NaN and ``ltv`` the historical value.
    """
    hist = np.asarray(historical, dtype=np.float64)
    b = np.asarray(baskets, dtype=np.float64)
    gap = np.asarray(expected_gap_days, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        basket_value = np.where(b > 0, hist / b, 0.0)
        rate = 1.0 / gap
    p = 1.0 - np.asarray(churn_score, dtype=np.float64)
    if one_order is not None:
        p = np.where(np.asarray(one_order, dtype=bool), p * repeat_share, p)
    days = active_days(p, tau, horizon_days)
    orders = rate * days
    projected = basket_value * orders
    ltv = hist + np.nan_to_num(projected, nan=0.0)
    return pd.DataFrame({
        "historical": hist,
        "basket_value": basket_value,
        "orders_per_month": rate * 30.0,
        "p_active": p,
        "expected_orders": orders,
        "projected": projected,
        "ltv": ltv,
    })


def value_tier(ltv: np.ndarray) -> np.ndarray:
    """Tier code (index into :data:`TIERS`) of each shopper by rank of lifetime value."""
    v = np.asarray(ltv, dtype=np.float64)
    n = len(v)
    if n == 0:
        return np.empty(0, dtype=np.int8)
    order = np.lexsort((np.arange(n), -v))
    pos = np.empty(n, dtype=np.float64)
    pos[order] = np.arange(n)
    bounds = np.round(np.cumsum([s for _, s in TIERS])[:-1] * n, 9)
    return np.searchsorted(bounds, pos, side="right").astype(np.int8)


def tier_summary(ltv: np.ndarray, tier: np.ndarray) -> list[dict[str, object]]:
    """Size, value and share of value of each tier of :data:`TIERS` (empty ones included)."""
    k = len(TIERS)
    t = np.asarray(tier, dtype=np.int64)
    v = np.asarray(ltv, dtype=np.float64)
    users = np.bincount(t, minlength=k)
    value = np.bincount(t, weights=v, minlength=k)
    total = float(value.sum())
    out = []
    for i, (name, _) in enumerate(TIERS):
        n = int(users[i])
        out.append({
            "name": name,
            "users": n,
            "share": n / len(t) if len(t) else 0.0,
            "value": float(value[i]),
            "value_share": float(value[i]) / total if total else 0.0,
            "avg_value": float(value[i]) / n if n else None,
        })
    return out
