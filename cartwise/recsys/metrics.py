"""Ranking metrics as pure functions. Binary relevance: an item is relevant if it is in the
target basket. Every metric is in 0..1, 1 best; a user with an empty target is not scored.
"""

from __future__ import annotations

from collections.abc import Sequence, Set

import numpy as np


def hits(recommended: Sequence[int], target: Set[int], k: int) -> np.ndarray:
    """0/1 per position of the first ``k`` recommendations: 1 if that item is in ``target``."""
    return np.array([1.0 if r in target else 0.0 for r in list(recommended)[:k]])


def precision_at_k(recommended: Sequence[int], target: Set[int], k: int) -> float:
    """Relevant items among the first k, over k (positions beyond the list count as misses)."""
    return float(hits(recommended, target, k).sum() / k)


def recall_at_k(recommended: Sequence[int], target: Set[int], k: int) -> float:
    """Relevant items among the first k, over the size of the target."""
    return float(hits(recommended, target, k).sum() / len(target))


def hit_rate_at_k(recommended: Sequence[int], target: Set[int], k: int) -> float:
    """1 if any of the first k is relevant, else 0."""
    return float(hits(recommended, target, k).any())


def ndcg_at_k(recommended: Sequence[int], target: Set[int], k: int) -> float:
    """DCG of the first k (gain 1 per relevant item, discount 1/log2(position + 1)) over the best
    DCG possible with ``min(k, len(target))`` relevant items."""
    h = hits(recommended, target, k)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = float((h * discounts[: len(h)]).sum())
    ideal = float(discounts[: min(k, len(target))].sum())
    return dcg / ideal


METRICS = {
    "recall": recall_at_k,
    "ndcg": ndcg_at_k,
    "hit_rate": hit_rate_at_k,
    "precision": precision_at_k,
}


def catalogue_coverage(lists: Sequence[Sequence[int]], n_items: int, k: int) -> float:
    """Distinct items among everyone's first k recommendations, over the catalogue size."""
    seen = {i for lst in lists for i in list(lst)[:k]}
    return len(seen) / n_items if n_items else 0.0
