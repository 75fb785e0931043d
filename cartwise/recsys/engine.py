"""Two-level ranking in matrix space: candidates from the models, blended, then re-ranked.

The hybrid blend: each model's scores over the allowed items are cut to its top ``pool`` and
min-max normalised to 0..1 (others count 0); the blend is the weighted sum, weights summing to 1.
A single strategy is the same with one model at weight 1. Too few results are filled from
popularity (marked as such).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cartwise.recsys.base import Recommender, top_n
from cartwise.recsys.interactions import Interactions
from cartwise.recsys.rerank import TuningConfig, evidence_weight, rerank

STRATEGIES = ("hybrid", "als", "item_cf", "popularity", "repeat")


@dataclass
class Ranked:
    """A ranked list for one user, in matrix space.

    ``items``: item columns, best first; ``relevance``: final scores in 0..1; ``confidence``,
    0..1: how well supported the item is, the share of blend weight whose models put it in
    their candidate pool (for one strategy its relevance) times the evidence behind it
    (:func:`~cartwise.recsys.rerank.evidence_weight`: one purchase is weak evidence);
    ``model``: the strategy contributing most to each item's score.
    """

    items: np.ndarray
    relevance: np.ndarray
    confidence: np.ndarray
    model: list[str]


def normalised_pool(scores: np.ndarray, allowed: np.ndarray | None, pool: int
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The ``pool`` best allowed items of ``scores`` and their scores min-max scaled to 0..1."""
    if allowed is not None:
        scores = np.where(allowed, scores, -np.inf)
    idx, val = top_n(scores, pool)
    if len(idx) == 0:
        return idx, val
    lo, hi = float(val.min()), float(val.max())
    norm = (val - lo) / (hi - lo) if hi > lo else np.ones_like(val)
    return idx, norm.astype(np.float32)


class Engine:
    """Fitted models + blend weights + tuning; ``rank`` gives one user's top k."""

    def __init__(
        self,
        x: Interactions,
        models: dict[str, Recommender],
        weights: dict[str, float],
        tuning: TuningConfig | None = None,
    ) -> None:
        self.x = x
        self.models = models
        total = sum(w for w in weights.values() if w > 0)
        self.weights = {m: w / total for m, w in weights.items() if w > 0 and m in models}
        self.tuning = tuning or TuningConfig()

    def pools(
        self, row: int, strategy: str, allowed: np.ndarray | None
    ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Each contributing model's candidate pool: (item columns, scores normalised 0..1)."""
        names = list(self.weights) if strategy == "hybrid" else [strategy]
        return {name: normalised_pool(self.models[name].score(self.x, row), allowed,
                                      self.tuning.pool) for name in names}

    def rank(
        self,
        row: int,
        k: int,
        strategy: str = "hybrid",
        allowed: np.ndarray | None = None,
        use_rerank: bool = True,
    ) -> Ranked:
        """Top ``k`` items for user ``row`` (a row of ``self.x``).

        Args:
            allowed: (n_items,) bool mask of items that may be recommended (filters), or None.
            use_rerank: apply the soft re-ranking knobs of :class:`TuningConfig`.
        """
        weights = self.weights if strategy == "hybrid" else {strategy: 1.0}
        pools = self.pools(row, strategy, allowed)
        n = self.x.n_items
        blend = np.zeros(n, np.float64)
        coverage = np.zeros(n, np.float64)
        parts = np.zeros((len(pools), n), np.float32) if len(pools) > 1 else None
        for j, (name, (idx, norm)) in enumerate(pools.items()):
            blend[idx] += weights[name] * norm
            coverage[idx] += weights[name]
            if parts is not None:
                parts[j, idx] = weights[name] * norm
        cand = np.flatnonzero(coverage > 0)
        cand_scores = np.maximum(blend[cand], 1e-6)  # pooled items stay candidates at score 0
        if use_rerank:
            cand, cand_scores = rerank(self.x, row, cand, cand_scores, self.tuning)
        else:
            order = np.lexsort((cand, -cand_scores))
            cand, cand_scores = cand[order], cand_scores[order]
        items, rel = cand[:k], cand_scores[:k]
        names = list(pools)
        model = ([names[int(parts[:, i].argmax())] for i in items] if parts is not None
                 else [names[0]] * len(items))
        conf = coverage[items] if strategy == "hybrid" else rel
        if row >= 0:
            conf = conf * evidence_weight(self.x, row, items, self.tuning.confidence_prior)
        if len(items) < k and row >= 0 and strategy == "hybrid":
            items, rel, conf, model = self._fill_personal(row, items, rel, conf, model, k,
                                                          allowed)
        if len(items) < k:
            items, rel, conf, model = self._fill(items, rel, conf, model, k, allowed)
        return Ranked(items.astype(np.int64), np.clip(rel, 0, 1).astype(np.float32),
                      np.clip(conf, 0, 1).astype(np.float32), model)

    def _fill_personal(self, row: int, items: np.ndarray, rel: np.ndarray, conf: np.ndarray,
                       model: list[str], k: int, allowed: np.ndarray | None
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
        """Fill a short hybrid list from the discovery models (ALS, then item-CF) the blend
        gives no weight, before best sellers: with filters such as "never bought" a repeat-heavy
        blend has few candidates, and a personal list beats a best-seller list. The filled
        items get relevance and confidence 0 (they are outside the tuned blend)."""
        chosen = set(items.tolist())
        extra: list[int] = []
        names: list[str] = []
        for name in ("als", "item_cf"):
            if name not in self.models or name in self.weights or len(items) + len(extra) >= k:
                continue
            idx, _ = normalised_pool(self.models[name].score(self.x, row), allowed,
                                     self.tuning.pool)  # best first
            for i in idx.tolist():
                if len(items) + len(extra) >= k:
                    break
                if i not in chosen:
                    chosen.add(i)
                    extra.append(i)
                    names.append(name)
        if not extra:
            return items, rel, conf, model
        zeros = np.zeros(len(extra))
        return (np.concatenate([items, np.asarray(extra, items.dtype)]),
                np.concatenate([rel, zeros]), np.concatenate([conf, zeros]), model + names)

    def _fill(self, items: np.ndarray, rel: np.ndarray, conf: np.ndarray, model: list[str],
              k: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                           list[str]]:
        pop = self.models["popularity"].score(self.x, -1).astype(np.float64).copy()
        if allowed is not None:
            pop[~allowed] = -np.inf
        pop[items] = -np.inf
        extra, _ = top_n(pop, k - len(items))
        return (np.concatenate([items, extra]), np.concatenate([rel, np.zeros(len(extra))]),
                np.concatenate([conf, np.zeros(len(extra))]),
                model + ["popularity"] * len(extra))
