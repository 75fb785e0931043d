"""Repeat purchase: how likely the shopper is to buy again what they bought before.

The "personal top frequency" idea, famously hard to beat on grocery data, sharpened with recency
and repurchase cycles. Each (user, bought item) pair has these features (:data:`FEATURES`):

* ``log(purchases)`` and ``share``, purchases over the user's orders (how much of a staple it is);
* ``log1p(age)`` and its square, where age is the time since the last purchase in the user's usual
  gaps between orders, and ``in_last``, 1 if bought in the user's latest basket (age < 0.5);
* the cycle: ``log(due)``, its absolute value and square, where
  ``due = (age + one usual gap) / the item's usual interval`` -- how far from its usual cycle the
  item will be at the next order (0 with fewer than 2 purchases on different days) -- and a 0/1
  flag ``has_cycle``;
* ``share * log1p(age)``: staples matter even when not bought lately.

The score is a logistic model of "in the next basket" over those features; its coefficients are
fitted on the validation split at build time (:func:`fit_coefficients`). The default
coefficients rank by purchases, then recency: exactly the personal-top-frequency baseline. Items
the user never bought score -inf (this model only repeats).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

import numpy as np

from cartwise.recsys.base import Recommender
from cartwise.recsys.interactions import Interactions

FEATURES = ("log_purchases", "log_age", "share", "cycle_distance", "has_cycle", "log_age_sq",
            "log_due", "log_due_sq", "in_last", "share_x_log_age")
#: Purchases first, recency as the tie-break: the P-TopFreq ranking.
DEFAULT_COEF = (1.0, -1e-3) + (0.0,) * (len(FEATURES) - 2)


@dataclass(frozen=True)
class RepeatParams:
    """Logistic coefficients over :data:`FEATURES` and the intercept."""

    coef: tuple[float, ...] = DEFAULT_COEF
    intercept: float = 0.0


def features(x: Interactions, row: int) -> tuple[np.ndarray, np.ndarray]:
    """Item columns user ``row`` bought and their (n, len(FEATURES)) feature matrix."""
    a, b = x.counts.indptr[row], x.counts.indptr[row + 1]
    cols = x.counts.indices[a:b]
    counts = x.counts.data[a:b].astype(np.float64)
    gap = max(float(x.user_gap[row]), 1e-6)
    age = np.maximum(x.user_last_day[row] - x.last_day.data[a:b], 0.0) / gap
    span = x.last_day.data[a:b] - x.first_day.data[a:b]
    has_cycle = (counts >= 2) & (span > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        interval = np.where(has_cycle, span / np.maximum(counts - 1, 1), np.nan) / gap
        due = (age + 1.0) / interval
        log_due = np.where(has_cycle, np.log(np.clip(due, 1e-3, 1e3)), 0.0)
    share = counts / max(float(x.user_orders[row]), 1.0)
    log_age = np.log1p(age)
    f = np.column_stack([np.log(counts), log_age, share, np.abs(log_due),
                         has_cycle.astype(np.float64), log_age**2, log_due, log_due**2,
                         (age < 0.5).astype(np.float64), share * log_age])
    return cols, f


class RepeatRecommender(Recommender):
    """Scores are probabilities (0..1) of buying a bought item again in the next basket."""

    name = "repeat"

    def __init__(self, params: RepeatParams | None = None) -> None:
        self.params = params or RepeatParams()

    def fit(self, x: Interactions) -> Self:
        return self  # the coefficients come from fit_coefficients on a validation split

    def score(self, x: Interactions, row: int) -> np.ndarray:
        out = np.full(x.n_items, -np.inf, np.float32)
        cols, f = features(x, row)
        logit = f @ np.asarray(self.params.coef) + self.params.intercept
        out[cols] = 1.0 / (1.0 + np.exp(-np.clip(logit, -30, 30)))
        return out

    def arrays(self) -> dict[str, np.ndarray]:
        return {}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], params: dict[str, object]) -> Self:
        coef = tuple(float(c) for c in params.get("coef", DEFAULT_COEF))  # type: ignore[union-attr]
        return cls(RepeatParams(coef, float(params.get("intercept", 0.0))))  # type: ignore[arg-type]


def fit_coefficients(x: Interactions, targets: dict[int, set[int]], seed: int = 0
                     ) -> RepeatParams:
    """Fit the logistic model on the bought items of the users in ``targets``.

    Args:
        x: interactions of the history before each user's target basket.
        targets: external user id -> external product ids of the basket that followed.

    Returns the fitted parameters, or the defaults when there are too few examples of either
    class to learn from.
    """
    from sklearn.linear_model import LogisticRegression

    feats, labels = [], []
    for u, basket in targets.items():
        row = x.user_row(u)
        if row is None:
            continue
        cols, f = features(x, row)
        feats.append(f)
        labels.append(np.isin(x.item_ids[cols], list(basket)))
    if not feats:
        return RepeatParams()
    y = np.concatenate(labels)
    if y.sum() < 20 or (~y).sum() < 20:
        return RepeatParams()
    model = LogisticRegression(C=1.0, max_iter=1000, random_state=seed)
    model.fit(np.vstack(feats), y)
    return RepeatParams(tuple(float(c) for c in model.coef_[0]), float(model.intercept_[0]))
