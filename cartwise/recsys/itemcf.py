"""Item-item collaborative filtering on co-purchases, with ``implicit``'s nearest neighbours.

Each item keeps its ``neighbours`` most similar items (cosine over the users who bought them,
weighted by ``log1p(purchases) * spend_ratio ** spend_weight`` so that what shoppers spend more on
counts more where prices exist). A user's score for item j is the sum over their items i of
``weight(u, i) * similarity(i, j)``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Self

import numpy as np
import scipy.sparse as sp
from implicit.nearest_neighbours import CosineRecommender

from cartwise.recsys.base import Recommender
from cartwise.recsys.interactions import Interactions


@dataclass(frozen=True)
class ItemCFParams:
    """Item-CF settings: neighbours kept per item and the spending weight."""

    neighbours: int = 100
    spend_weight: float = 0.5


def user_weights(x: Interactions, spend_weight: float) -> sp.csr_matrix:
    """(n_users, n_items) CSR float32 of ``log1p(purchases) * spend_ratio ** spend_weight``."""
    spend = np.clip(x.spend_ratio.data, 0.1, 10.0)
    values = np.log1p(x.counts.data) * spend**spend_weight
    return sp.csr_matrix((values.astype(np.float32), x.counts.indices, x.counts.indptr),
                         shape=x.counts.shape)


class ItemCFRecommender(Recommender):
    """Item-based CF. After ``fit``: ``similarity``, an (n_items, n_items) CSR float32 matrix,
    row i holding item i's nearest neighbours (diagonal removed)."""

    name = "item_cf"
    has_item_similarity = True

    def __init__(self, params: ItemCFParams | None = None) -> None:
        self.params = params or ItemCFParams()
        self.similarity = sp.csr_matrix((0, 0), dtype=np.float32)
        self._weights: sp.csr_matrix | None = None

    def fit(self, x: Interactions) -> Self:
        model = CosineRecommender(K=self.params.neighbours + 1)
        with warnings.catch_warnings():  # implicit converts its own COO matrix internally
            warnings.filterwarnings("ignore", message="Method expects CSR input")
            model.fit(user_weights(x, self.params.spend_weight), show_progress=False)
        sim = sp.csr_matrix(model.similarity, dtype=np.float32)
        sim.setdiag(0)
        sim.eliminate_zeros()
        self.similarity = sim
        self._weights = None
        return self

    def _user_vector(self, x: Interactions, row: int) -> sp.csr_matrix:
        if self._weights is None or self._weights.shape != x.counts.shape:
            self._weights = user_weights(x, self.params.spend_weight)
        return self._weights[row]

    def score(self, x: Interactions, row: int) -> np.ndarray:
        return np.asarray((self._user_vector(x, row) @ self.similarity).todense(),
                          dtype=np.float32).ravel()

    def contributors(self, x: Interactions, row: int, items: np.ndarray) -> np.ndarray:
        """For each of ``items``, the user's bought item that contributes most to its score
        (-1 where none does)."""
        vec = self._user_vector(x, row)
        if vec.nnz == 0 or len(items) == 0:
            return np.full(len(items), -1, np.int64)
        block = self.similarity[vec.indices][:, items].toarray() * vec.data[:, None]
        best = block.argmax(axis=0)
        return np.where(block.max(axis=0) > 0, vec.indices[best], -1).astype(np.int64)

    def similar_items(self, item: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        a, b = self.similarity.indptr[item], self.similarity.indptr[item + 1]
        cols, vals = self.similarity.indices[a:b], self.similarity.data[a:b]
        order = np.lexsort((cols, -vals))[:n]
        return cols[order].astype(np.int64), vals[order]

    def arrays(self) -> dict[str, np.ndarray]:
        s = self.similarity
        return {"sim_data": s.data, "sim_indices": s.indices, "sim_indptr": s.indptr,
                "sim_shape": np.asarray(s.shape, np.int64)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], params: dict[str, object]) -> Self:
        model = cls(ItemCFParams(**params))  # type: ignore[arg-type]
        model.similarity = sp.csr_matrix(
            (arrays["sim_data"], arrays["sim_indices"], arrays["sim_indptr"]),
            shape=tuple(arrays["sim_shape"]),
        )
        return model
