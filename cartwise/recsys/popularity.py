"""Popularity: best sellers by purchases, distinct buyers and units, optionally recency-weighted.

The ranking score counts purchases (orders containing the item); with ``half_life_days`` each
purchase is weighted by ``0.5 ** (age / half_life_days)``, where age is how long before the
buyer's latest order it happened. Per-department best sellers are the same scores masked by
department.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

import numpy as np

from cartwise.recsys.base import Recommender
from cartwise.recsys.interactions import Interactions


@dataclass(frozen=True)
class PopularityParams:
    """Popularity settings: the recency half-life in days (None: no recency weighting)."""

    half_life_days: float | None = None


class PopularityRecommender(Recommender):
    """Everyone gets the same scores. After ``fit``: ``purchases``, ``buyers``, ``units`` and
    ``scores``, each (n_items,) float32."""

    name = "popularity"

    def __init__(self, params: PopularityParams | None = None) -> None:
        self.params = params or PopularityParams()
        self.purchases = self.buyers = self.units = self.scores = np.empty(0, np.float32)
        self._rank: np.ndarray | None = None

    def fit(self, x: Interactions) -> Self:
        n = x.n_items
        cols = x.counts.indices
        self.purchases = np.bincount(cols, weights=x.counts.data, minlength=n).astype(np.float32)
        self.buyers = np.bincount(cols, minlength=n).astype(np.float32)
        self.units = np.bincount(cols, weights=x.quantity.data, minlength=n).astype(np.float32)
        if self.params.half_life_days:
            rows = np.repeat(np.arange(x.n_users), np.diff(x.counts.indptr))
            age = x.user_last_day[rows] - x.last_day.data
            w = x.counts.data * 0.5 ** (age / self.params.half_life_days)
            self.scores = np.bincount(cols, weights=w, minlength=n).astype(np.float32)
        else:
            self.scores = self.purchases.copy()
        self._rank = None
        return self

    def score(self, x: Interactions, row: int) -> np.ndarray:
        return self.scores

    def rank(self) -> np.ndarray:
        """1-based sales rank of every item (1 = best seller; ties by column). Computed once."""
        if self._rank is None or len(self._rank) != len(self.scores):
            order = np.argsort(-self.scores, kind="stable")
            self._rank = np.empty(len(order), np.int64)
            self._rank[order] = np.arange(1, len(order) + 1)
        return self._rank

    def arrays(self) -> dict[str, np.ndarray]:
        return {"purchases": self.purchases, "buyers": self.buyers, "units": self.units,
                "scores": self.scores}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], params: dict[str, object]) -> Self:
        model = cls(PopularityParams(**params))  # type: ignore[arg-type]
        model.purchases, model.buyers = arrays["purchases"], arrays["buyers"]
        model.units, model.scores = arrays["units"], arrays["scores"]
        return model
