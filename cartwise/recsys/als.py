"""ALS matrix factorisation with the ``implicit`` library.

Confidence of a (user, item) pair, before implicit's ``alpha``::

    log1p(purchases * spend_ratio ** spend_weight * quantity_ratio ** quantity_weight)

where ``spend_ratio`` is the item's price over the user's average item price and
``quantity_ratio`` the user's units per purchase over the item's average (both 1 without data).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

import numpy as np
import scipy.sparse as sp
from implicit.cpu.als import AlternatingLeastSquares
from implicit.cpu.topk import topk
from threadpoolctl import threadpool_limits

from cartwise.recsys.base import Recommender, top_n
from cartwise.recsys.interactions import Interactions


@dataclass(frozen=True)
class ALSParams:
    """ALS settings: latent factors, L2 regularisation, confidence scale, sweeps, extra weights."""

    factors: int = 64
    regularization: float = 0.05
    alpha: float = 2.0
    iterations: int = 15
    spend_weight: float = 0.5
    quantity_weight: float = 0.5
    seed: int = 42


def confidence(x: Interactions, spend_weight: float, quantity_weight: float) -> sp.csr_matrix:
    """The (n_users, n_items) confidence matrix fed to ALS (see module doc), float32 CSR."""
    per_line = x.quantity.data / np.maximum(x.counts.data, 1)
    avg = x.item_avg_quantity[x.counts.indices]
    qty_ratio = np.clip(per_line / np.maximum(avg, 1e-9), 0.1, 10.0)
    spend = np.clip(x.spend_ratio.data, 0.1, 10.0)
    values = np.log1p(x.counts.data * spend**spend_weight * qty_ratio**quantity_weight)
    return sp.csr_matrix((values.astype(np.float32), x.counts.indices, x.counts.indptr),
                         shape=x.counts.shape)


class ALSRecommender(Recommender):
    """Implicit-feedback ALS (Hu, Koren and Volinsky 2008) via ``implicit``.

    After ``fit``: ``user_factors`` (n_users, factors) and ``item_factors`` (n_items, factors),
    float32. Scores are dot products; similarities are cosines of the factors.
    """

    name = "als"
    has_user_similarity = True
    has_item_similarity = True

    def __init__(self, params: ALSParams | None = None) -> None:
        self.params = params or ALSParams()
        self.user_factors = np.empty((0, self.params.factors), np.float32)
        self.item_factors = np.empty((0, self.params.factors), np.float32)
        self._item_unit: np.ndarray | None = None
        self._user_unit: np.ndarray | None = None

    def make_model(self) -> AlternatingLeastSquares:
        """The configured ``implicit`` model (also used by the benchmark's direct comparison)."""
        p = self.params
        return AlternatingLeastSquares(
            factors=p.factors, regularization=p.regularization, alpha=p.alpha,
            iterations=p.iterations, random_state=p.seed,
        )

    def fit(self, x: Interactions) -> Self:
        p = self.params
        with threadpool_limits(1, "blas"):  # implicit parallelises itself; BLAS threads fight it
            model = self.make_model()
            model.fit(confidence(x, p.spend_weight, p.quantity_weight), show_progress=False)
        self.user_factors = np.ascontiguousarray(model.user_factors, dtype=np.float32)
        self.item_factors = np.ascontiguousarray(model.item_factors, dtype=np.float32)
        self._item_unit = self._user_unit = None
        return self

    def score(self, x: Interactions, row: int) -> np.ndarray:
        return self.item_factors @ self.user_factors[row]

    def similar_items(self, item: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        if self._item_unit is None:
            self._item_unit = _unit_rows(self.item_factors)
        return top_n(self._item_unit @ self._item_unit[item], n, exclude=item)

    def similar_users(self, row: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``n`` shoppers with the highest cosine of ALS user factors to ``row`` (not
        ``row`` itself), best first, ties by row. The scan and the selection run in
        ``implicit``'s top-k kernel (one thread: a served request does not take every core),
        about 4x faster than scoring and partitioning in NumPy over 200,000 shoppers."""
        if self._user_unit is None:
            self._user_unit = _unit_rows(self.user_factors)
        ids, scores = topk(self._user_unit, self._user_unit[row][None, :], n,
                           filter_items=np.array([row], dtype=np.int32), num_threads=1)
        ids, scores = ids[0].astype(np.int64), scores[0].astype(np.float32)
        keep = (ids >= 0) & np.isfinite(scores)
        ids, scores = ids[keep], scores[keep]
        order = np.lexsort((ids, -scores))
        return ids[order], scores[order]

    def arrays(self) -> dict[str, np.ndarray]:
        return {"user_factors": self.user_factors, "item_factors": self.item_factors}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], params: dict[str, object]) -> Self:
        model = cls(ALSParams(**params))  # type: ignore[arg-type]
        model.user_factors = arrays["user_factors"]
        model.item_factors = arrays["item_factors"]
        return model


def _unit_rows(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return (m / np.maximum(norms, 1e-9)).astype(np.float32)
