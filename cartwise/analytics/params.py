"""The analytics parameters: one frozen object, filled from :class:`~cartwise.config.Settings`.

Pure functions take the individual values as arguments; the service and the build stage carry
them together in :class:`AnalyticsParams` (recorded in the stage manifest, so a change rebuilds).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cartwise.analytics.pair_evidence import PairRules
    from cartwise.config import Settings

_PREFIX = "analytics_"


@dataclass(frozen=True)
class AnalyticsParams:
    """Every tunable of the analytics; defaults equal the ``Settings`` defaults.

    Attributes:
        min_support: minimum support of a bought-together pair, 0..1 (share of all baskets).
        min_pair_count: minimum number of baskets a pair shares, >= 1.
        min_pair_shoppers: minimum number of distinct shoppers who bought the pair in one
            basket, >= 1.
        pair_fdr: false-discovery rate of the pairs kept (Benjamini-Hochberg q value of the
            hypergeometric test), 0 < pair_fdr <= 1 (1 = no significance filter).
        top_partners: partners kept per product by the build (the strongest first), >= 1.
        kmeans_min_k, kmeans_max_k: range of k tried by K-means (inclusive), 2..20.
        kmeans_sample: shoppers K-means (and the silhouette) is fitted on; all are assigned.
        seed: seed of K-means and of its samples.
        churn_mid_ratio: days away / expected gap at which the usual-gap churn score (the
            fallback, :mod:`~cartwise.analytics.value_churn`) is 0.5, > 0.
        churn_prior_gaps: weight, counted in gaps, of the population's usual gap, >= 0.
        churn_medium, churn_high: score thresholds of the medium and high risk levels, 0..1.
        churn_lost_ratio: away more than this many expected gaps = lost (not in at-risk lists,
            nor is the RFM segment "Lost").
        churn_value_quantile: at-risk lists keep shoppers valued at or above this quantile.
        ltv_horizon_days: days of future value projected by the lifetime value, >= 1.
        churn_horizon_days: the repeat-buying model's churn score is the chance of no visit in
            this many days, >= 1.
        clv_min_shoppers: the repeat-buying model is fitted only with at least this many
            shoppers with a visit (else the usual-gap fallback), >= 2.
    """

    min_support: float = 1e-5
    min_pair_count: int = 5
    min_pair_shoppers: int = 3
    pair_fdr: float = 0.05
    top_partners: int = 50
    kmeans_min_k: int = 2
    kmeans_max_k: int = 6
    kmeans_sample: int = 10_000
    seed: int = 42
    churn_mid_ratio: float = 2.0
    churn_prior_gaps: float = 2.0
    churn_medium: float = 0.4
    churn_high: float = 0.7
    churn_lost_ratio: float = 6.0
    churn_value_quantile: float = 0.5
    ltv_horizon_days: int = 365
    churn_horizon_days: int = 365
    clv_min_shoppers: int = 50

    @classmethod
    def from_settings(cls, settings: Settings) -> AnalyticsParams:
        """The ``analytics_*`` fields of ``settings``."""
        return cls(**{f.name: getattr(settings, _PREFIX + f.name) for f in fields(cls)})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> AnalyticsParams:
        """Inverse of :meth:`to_dict`; unknown keys (from a newer version) are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})

    def min_pair_baskets(self, n_baskets: int) -> int:
        """The smallest shared-basket count a pair needs: both thresholds at once, >= 1."""
        from math import ceil

        return max(int(self.min_pair_count), int(ceil(self.min_support * n_baskets - 1e-9)), 1)

    def pair_rules(self, n_baskets: int) -> PairRules:
        """What a bought-together pair needs over ``n_baskets`` baskets."""
        from cartwise.analytics.pair_evidence import PairRules

        return PairRules(self.min_pair_baskets(n_baskets), max(int(self.min_pair_shoppers), 1),
                         float(self.pair_fdr))
