"""How well lifetime value and churn predict what shoppers really did next: pure functions.

A *split* is a past log the analytics are computed on and a future log of the same shop; the
future period runs from the past log's "now" (its last order) to the future log's last order,
and that length is the projection horizon (``ltv_horizon_days`` and ``churn_horizon_days`` are
set to it, so the projection and the outcome cover the same days). For every shopper of the
past log the outcome is what they spent in the future log *after* the past log's now (orders
before it are left out: Online Retail II's two yearly files overlap by a few days) and on how
many days they ordered.

:func:`evaluate` scores the repeat-buying model and the usual-gap fallback on one split:

* Spearman rank correlation of the projected future value with the real future spend
  (-1..1), next to the baseline "value so far alone";
* total projected against total real spend (ratio);
* churn AUC (0..1, sklearn's ``roc_auc_score``) of the churn score for "no purchase in the
  future period", over every past shopper;
* calibration by visit group (1 visit, 2-5, 6+): projected vs real spend, expected vs real
  purchases;
* per risk level: shoppers and the share who came back.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cartwise.analytics import value_churn
from cartwise.analytics.calculator import Calculator
from cartwise.analytics.churn import LEVELS
from cartwise.analytics.index import build_index
from cartwise.analytics.params import AnalyticsParams
from cartwise.analytics.stats import user_stats
from cartwise.analytics.visits import day_numbers
from cartwise.data.schema import CanonicalData

#: Visit groups of the calibration table: (label, fewest visits, most visits).
GROUPS: tuple[tuple[str, int, int], ...] = (("1 visit", 1, 1), ("2-5 visits", 2, 5),
                                            ("6+ visits", 6, 10**9))


@dataclass(frozen=True)
class Outcome:
    """What each past shopper did in the future period (arrays by the past's user rows).

    Attributes:
        spend: value of their future orders (the data's currency; 0 when they did not return).
        visits: days with a future order; ``orders``: future orders.
        start, end: the future period (the past's now, the future log's last order).
        horizon_days: its length in days.
    """

    spend: np.ndarray
    visits: np.ndarray
    orders: np.ndarray
    start: pd.Timestamp
    end: pd.Timestamp
    horizon_days: float

    @property
    def came_back(self) -> np.ndarray:
        """bool, shoppers with a future order."""
        return self.orders > 0


def split_transactions(path: Path, cutoff: str) -> tuple[CanonicalData, CanonicalData]:
    """One Online Retail II style log (an ``InvoiceDate`` column) split at ``cutoff`` (an ISO
    date) into a past and a future log, each loaded (and its returns netted) on its own by
    :func:`~cartwise.data.transactions.load_transactions`, as the two yearly files are."""
    from cartwise.data.transactions import load_transactions

    raw = pd.read_csv(path, dtype=str)
    when = pd.to_datetime(raw["InvoiceDate"])
    with tempfile.TemporaryDirectory(prefix="cartwise-split-") as tmp:
        past_path, future_path = Path(tmp) / "past.csv", Path(tmp) / "future.csv"
        raw[when < pd.Timestamp(cutoff)].to_csv(past_path, index=False)
        raw[when >= pd.Timestamp(cutoff)].to_csv(future_path, index=False)
        return load_transactions([past_path]), load_transactions([future_path])


def future_outcome(past_user_ids: np.ndarray, past_now: pd.Timestamp,
                   future: CanonicalData) -> Outcome:
    """Each past shopper's spend, visits and orders in ``future`` after ``past_now``."""
    idx = build_index(future)
    orders = future.orders
    after = (orders["ordered_at"] > past_now).to_numpy() & (idx.order_totals.lines > 0)
    users = orders["user_id"].to_numpy()[after]
    value = (idx.order_totals.value if idx.has_prices else idx.order_totals.items)[after]
    days = day_numbers(orders["ordered_at"])[after]
    spend = pd.Series(value).groupby(users).sum()
    n_orders = pd.Series(1, index=users).groupby(level=0).sum()
    n_visits = pd.DataFrame({"u": users, "d": days}).drop_duplicates().groupby("u").size()
    ids = np.asarray(past_user_ids)
    end = pd.Timestamp(orders["ordered_at"].max())
    return Outcome(spend.reindex(ids).fillna(0.0).to_numpy(np.float64),
                   n_visits.reindex(ids).fillna(0).to_numpy(np.int64),
                   n_orders.reindex(ids).fillna(0).to_numpy(np.int64),
                   past_now, end, (end - past_now).total_seconds() / 86400.0)


def _auc(lost: np.ndarray, score: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score

    ok = ~np.isnan(score)
    if len(np.unique(lost[ok])) < 2:
        return None
    return float(roc_auc_score(lost[ok], score[ok]))


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(a, b).statistic)


def score_figures(projected: np.ndarray, churn_score: np.ndarray, churn_level: np.ndarray,
                  expected: np.ndarray, visits: np.ndarray, outcome: Outcome) -> dict[str, Any]:
    """The evaluation figures of one method (see the module docstring).

    Args:
        projected: projected future value per shopper (NaN counts as 0).
        churn_score: 0..1 per shopper (NaN left out of the AUC).
        churn_level: code into :data:`~cartwise.analytics.churn.LEVELS` (-1 unknown).
        expected: expected purchases in the horizon (visits or orders, NaN counts as 0).
        visits: each shopper's past visits (for the groups).
    """
    proj = np.nan_to_num(np.asarray(projected, np.float64), nan=0.0)
    exp = np.nan_to_num(np.asarray(expected, np.float64), nan=0.0)
    real = outcome.spend
    came = outcome.came_back
    groups = []
    for label, lo, hi in GROUPS:
        g = (visits >= lo) & (visits <= hi)
        groups.append({"group": label, "shoppers": int(g.sum()),
                       "projected": float(proj[g].sum()), "real": float(real[g].sum()),
                       "ratio": float(proj[g].sum() / real[g].sum()) if real[g].sum() else None,
                       "expected_purchases": float(exp[g].sum()),
                       "real_visits": int(outcome.visits[g].sum()),
                       "real_orders": int(outcome.orders[g].sum()),
                       "came_back": float(came[g].mean()) if g.any() else None})
    levels = []
    for code, name in enumerate(LEVELS):
        g = churn_level == code
        levels.append({"level": name, "shoppers": int(g.sum()),
                       "came_back": float(came[g].mean()) if g.any() else None,
                       "mean_score": float(np.nanmean(churn_score[g])) if g.any() else None})
    score = np.asarray(churn_score, np.float64)
    return {
        "spearman": _spearman(proj, real),
        "total_projected": float(proj.sum()),
        "total_real": float(real.sum()),
        "total_ratio": float(proj.sum() / real.sum()) if real.sum() else None,
        "auc": _auc(~came, score),
        "mean_churn_score": float(np.nanmean(score)),
        "groups": groups,
        "levels": levels,
        "high_came_back": levels[2]["came_back"],
    }


def evaluate(past: CanonicalData, future: CanonicalData,
             params: AnalyticsParams | None = None) -> dict[str, Any]:
    """Score the repeat-buying model and the usual-gap fallback on one split.

    Args:
        past: the log the analytics are computed on (needs order timestamps).
        future: a later log of the same shop (may overlap ``past``'s last days).
        params: analytics parameters; their horizons are replaced by the future period's
            length (whole days).

    Returns:
        JSON-able: ``shoppers``, ``horizon_days``, ``start`` / ``end`` of the future period,
        ``came_back`` (share), ``baseline_spearman`` (value so far alone), ``methods`` (by
        method name: :func:`score_figures`, plus ``spearman_ltv`` and, for the model, its
        ``facts``), and ``variants`` (design alternatives scored on the same split: churn as
        ``1 - P(alive)``; Gamma-Gamma over the repeat visits only).
    """
    from dataclasses import replace

    from cartwise.analytics import clv
    from cartwise.analytics.visits import user_visits

    probe = Calculator(past, params)
    now = probe.timeline.now
    if now is None:
        raise ValueError("the past log needs order timestamps")
    outcome = future_outcome(probe.index.user_ids, now, future)
    horizon = max(int(round(outcome.horizon_days)), 1)
    params = replace(params or AnalyticsParams(), ltv_horizon_days=horizon,
                     churn_horizon_days=horizon)
    calc = Calculator(past, params)
    users, ctx = calc.users, calc.context
    facts = ctx["clv"]
    visits = users["visits"].to_numpy()
    hist = users["monetary"].to_numpy()
    out: dict[str, Any] = {
        "shoppers": int(len(users)),
        "horizon_days": horizon,
        "start": outcome.start.isoformat(),
        "end": outcome.end.isoformat(),
        "came_back": float(outcome.came_back.mean()),
        "baseline_spearman": _spearman(hist, outcome.spend),
        "methods": {},
        "variants": {},
    }
    model = score_figures(users["projected"].to_numpy(), users["churn_score"].to_numpy(),
                          users["churn_level"].to_numpy(), users["expected_orders"].to_numpy(),
                          visits, outcome)
    model["spearman_ltv"] = _spearman(users["ltv"].to_numpy(), outcome.spend)
    model["facts"] = facts
    out["methods"][str(facts["method"])] = model

    stats = user_stats(calc.index, calc.timeline)
    fb = value_churn.usual_gap(stats, params, "scored for comparison", visits).table
    fallback = score_figures(fb["projected"].to_numpy(), fb["churn_score"].to_numpy(),
                             fb["churn_level"].to_numpy(), fb["expected_orders"].to_numpy(),
                             visits, outcome)
    fallback["spearman_ltv"] = _spearman(fb["ltv"].to_numpy(), outcome.spend)
    out["methods"][value_churn.FALLBACK] = fallback

    if facts["method"] == value_churn.MODEL:
        v = user_visits(calc.index, calc.timeline, past.orders["ordered_at"])
        has = v.has_visit
        bg = clv.BgNbdParams.from_dict(facts["bg_nbd"])
        alive = np.full(len(users), np.nan)
        alive[has] = clv.p_alive(bg, v.x[has], v.t_x[has], v.T[has])
        out["variants"]["churn_1_minus_p_alive_auc"] = _auc(~outcome.came_back, 1.0 - alive)
        rep = has & (v.x > 0) & (v.repeat_mean > 0)
        gg = clv.fit_gamma_gamma(v.x[rep], v.repeat_mean[rep])
        spend = clv.expected_spend(gg, np.where(rep, v.x, 0), v.repeat_mean)
        proj = np.nan_to_num(users["expected_orders"].to_numpy() * spend, nan=0.0)
        out["variants"]["gamma_gamma_repeat_only_spearman"] = _spearman(proj, outcome.spend)
    return out

