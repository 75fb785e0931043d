"""How sure a "bought together" pair is: its significance, its false-discovery rate and its score.

For a product *a* (the anchor) and a partner *b* over *N* baskets (orders with at least one line),
with *n_a*, *n_b* baskets holding each, *n_ab* holding both and *s_ab* distinct shoppers who
bought both in one basket:

* **p value** (:func:`p_values`): the one-sided hypergeometric (Fisher exact) test of
  over-representation, ``P(X >= n_ab)`` for ``X ~ Hypergeom(N, n_a, n_b)``: how likely so many
  shared baskets are if *b* landed in baskets independently of *a*. Symmetric in *a* and *b*.
* **q value** (:class:`FalseDiscovery`): Benjamini-Hochberg's adjusted p value over every pair
  tested (``m`` pairs); keeping the pairs with ``q <= fdr`` keeps a set of which at most a share
  ``fdr`` is expected to be chance. The family is every pair of *eligible* products: products in
  at least ``min_count`` baskets bought by at least ``min_shoppers`` shoppers (a pair of other
  products can never meet the support floors, so it is not a test; Tarone 1990, Gilbert 2005).
  A pair below a support floor (:class:`PairRules`) counts in ``m`` with p value 1 (a test that
  does not reject), which keeps the correction valid and conservative. BH only needs the p values
  ``<= fdr`` and ``m`` to give every such pair its exact q value, so the build streams blocks of
  pairs and keeps only those.
* **score** (:func:`pair_score`), what partners are ranked by: the lower end of the 95% Wilson
  interval of the confidence ``n_ab / n_a`` minus the partner's base rate ``n_b / N``: "at
  least how many more of *a*'s baskets hold *b* than baskets in general", -1..1. It is high
  only when the pair is both strong (a high confidence well above what *b*'s popularity alone
  gives) and well supported (the interval is narrow). Raw lift ``n_ab N / (n_a n_b)`` is not
  used for ranking: for rare partners it sits at its ceiling ``N / n_a`` on a handful of
  baskets; subtracting the base rate (rather than dividing by it) keeps rare partners from
  winning on a few baskets and keeps best sellers (bananas) from winning on popularity. Shoppers
  who repeat the pair are counted once: the interval uses ``n_a * s_ab / n_ab`` effective baskets
  (the design effect of a shopper's repeats being one decision), so a pair seen in 5 invoices of
  2 wholesale customers is weaker evidence than one seen in 5 baskets of 5 shoppers.

Wholesale customers reorder the same pair invoice after invoice, and the hypergeometric test
treats baskets as independent, so its p values are optimistic for such pairs: the shopper floor
(``min_shoppers``, default 3) and the shopper-aware score are the guard.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import hypergeom

#: Two-sided level of the Wilson interval whose lower end the score uses (95%: z = 1.96).
SCORE_ALPHA = 0.05


@dataclass(frozen=True)
class PairRules:
    """What a pair needs to be kept.

    Attributes:
        min_count: shared baskets, >= 1.
        min_shoppers: distinct shoppers who bought both in one basket, >= 1.
        fdr: the false-discovery rate a kept pair's q value must not exceed, 0 < fdr <= 1
            (1 turns the significance filter off: every pair meeting the floors is kept).
    """

    min_count: int
    min_shoppers: int
    fdr: float

    def __post_init__(self) -> None:
        if self.min_count < 1 or self.min_shoppers < 1 or not 0 < self.fdr <= 1:
            raise ValueError(f"bad pair rules {self}")

    def eligible(self, baskets: np.ndarray, shoppers: np.ndarray) -> np.ndarray:
        """Boolean mask of the products that can be in a kept pair at all."""
        return (np.asarray(baskets) >= self.min_count) & (np.asarray(shoppers) >= self.min_shoppers)

    def n_tests(self, baskets: np.ndarray, shoppers: np.ndarray) -> int:
        """``m``: the pairs of eligible products (each unordered pair once)."""
        k = int(self.eligible(baskets, shoppers).sum())
        return k * (k - 1) // 2

    def supported(self, together: np.ndarray, shoppers: np.ndarray) -> np.ndarray:
        """Boolean mask of the pairs meeting both support floors."""
        return (np.asarray(together) >= self.min_count) & (
            np.asarray(shoppers) >= self.min_shoppers)


def p_values(together: np.ndarray, n_a: np.ndarray, n_b: np.ndarray,
             n_baskets: int) -> np.ndarray:
    """One-sided hypergeometric p values ``P(X >= together)``, 0..1, float64 (vectorised).

    Args:
        together: baskets holding both products (>= 1).
        n_a, n_b: baskets holding each product.
        n_baskets: all baskets.
    """
    x = np.asarray(together, dtype=np.int64)
    if len(x) == 0:
        return np.empty(0, dtype=np.float64)
    p = hypergeom.sf(x - 1, int(n_baskets), np.asarray(n_a, dtype=np.int64),
                     np.asarray(n_b, dtype=np.int64))
    return np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0)


def wilson_lower(successes: np.ndarray, trials: np.ndarray,
                 alpha: float = SCORE_ALPHA) -> np.ndarray:
    """The lower end of the two-sided ``1 - alpha`` Wilson score interval of a proportion, 0..1.

    ``trials`` may be fractional (effective sample sizes); 0 trials give 0.
    """
    from statsmodels.stats.proportion import proportion_confint

    k = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    out = np.zeros(np.broadcast(k, n).shape, dtype=np.float64)
    ok = np.broadcast_to(n > 0, out.shape)
    if ok.any():
        kk, nn = np.broadcast_to(k, out.shape)[ok], np.broadcast_to(n, out.shape)[ok]
        low, _ = proportion_confint(np.minimum(kk, nn), nn, alpha=alpha, method="wilson")
        out[ok] = np.clip(low, 0.0, 1.0)
    return out


def pair_score(together: np.ndarray, shoppers: np.ndarray, n_a: np.ndarray, n_b: np.ndarray,
               n_baskets: int) -> np.ndarray:
    """The ranking score of partners *b* of anchors *a*, -1..1 (see the module docstring).

    ``wilson_lower(n_ab / n_a on n_a * s_ab / n_ab effective baskets) - n_b / N``. The one
    function every ranking of partners uses (the build, the on-demand partners, the top pairs).
    """
    together = np.asarray(together, dtype=np.float64)
    n_a = np.asarray(n_a, dtype=np.float64)
    confidence = np.divide(together, n_a, out=np.zeros_like(together), where=n_a > 0)
    repeats = np.divide(np.asarray(shoppers, dtype=np.float64), together,
                        out=np.ones_like(together), where=together > 0)
    effective = n_a * np.minimum(repeats, 1.0)
    low = wilson_lower(confidence * effective, effective)
    return low - np.asarray(n_b, dtype=np.float64) / max(int(n_baskets), 1)


@dataclass(frozen=True)
class FalseDiscovery:
    """Benjamini-Hochberg over ``n_tests`` pairs, from the p values of the pairs that can pass.

    Attributes:
        n_tests: ``m``, every pair tested (see the module docstring).
        fdr: the level kept pairs meet (``q <= fdr``).
        p_sorted: ascending p values of every tested pair with ``p <= fdr`` (the others
            cannot have ``q <= fdr``).
        q_sorted: their q values (same order), non-decreasing.
    """

    n_tests: int
    fdr: float
    p_sorted: np.ndarray
    q_sorted: np.ndarray

    @classmethod
    def from_p(cls, p: np.ndarray, n_tests: int, fdr: float) -> FalseDiscovery:
        """BH from the p values ``p`` of some of the ``n_tests`` pairs (each pair once; the
        pairs not given have p values above ``fdr``, or 1). Values above ``fdr`` are dropped."""
        p = np.sort(np.asarray(p, dtype=np.float64)[np.asarray(p) <= fdr])
        if len(p) > n_tests:
            raise ValueError(f"{len(p)} p values for {n_tests} tests")
        rank = np.arange(1, len(p) + 1, dtype=np.float64)
        q = np.minimum.accumulate((p * n_tests / rank)[::-1])[::-1] if len(p) else p
        return cls(int(n_tests), float(fdr), p, np.minimum(q, 1.0))

    @property
    def n_discoveries(self) -> int:
        """Pairs with ``q <= fdr``."""
        return int(np.searchsorted(self.q_sorted, self.fdr, side="right"))

    @property
    def p_cut(self) -> float:
        """The largest p value a kept pair may have (0 when none is kept)."""
        n = self.n_discoveries
        return float(self.p_sorted[n - 1]) if n else 0.0

    def q_values(self, p: np.ndarray) -> np.ndarray:
        """The q value of each of ``p`` (which must be p values of tested pairs), 0..1; 1 where
        ``p > fdr`` (the q value is then above ``fdr``; its exact value is not kept)."""
        p = np.asarray(p, dtype=np.float64)
        out = np.ones(p.shape, dtype=np.float64)
        inside = p <= self.fdr
        if inside.any() and len(self.p_sorted):
            i = np.searchsorted(self.p_sorted, p[inside], side="left")
            out[inside] = self.q_sorted[np.minimum(i, len(self.q_sorted) - 1)]
        return out
