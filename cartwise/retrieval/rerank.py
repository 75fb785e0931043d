"""Re-ranking hybrid candidates by what the query asks for: :func:`rerank`, :func:`close_matches`.

Hybrid search (:mod:`cartwise.retrieval.vectorstore`) finds a pool of candidates that each
retriever thinks is close to the query. A descriptive request ("something for a hangover",
"kitchen storage") often has its best lexical or dense matches on an incidental word (a
"Kitchen Bag", a toy kitchen) while the products it means agree with each other: most of the
strong candidates sit in one aisle ("energy sports drinks") or, in a catalogue without aisles,
close together in embedding space (jars, tins, containers). Re-ranking rewards that agreement.

Per candidate (all arrays are over the same pool, in the store's fused order):

* ``fused``: the RRF score normalised to 0..1; ``name``: the query/name similarity, 0..1;
  ``dense``: the cosine of the query and product embeddings (-1..1).
* ``base = (1 - name_weight) * fused + name_weight * name`` (the ranking before this module);
* ``consensus`` (0..1): the share of the pool's weight that sits in the candidate's aisle
  (``groups`` given: the catalogue's aisles), or the weight-averaged cosine of the candidate to
  the pool (no groups), scaled so that the best candidate has 1. The pool's weight is a mix of a
  semantic view (softmax of ``dense``) and a lexical view (softmax of ``base``) at
  ``temperature``; the mix follows how literal the query is: when some candidate's name matches
  the query's words well (best ``name`` >= ``literal_threshold``, a plain or misspelt product
  name) the lexical view gets ``1 - semantic_literal`` of the weight, else the semantic view
  gets ``semantic_descriptive`` of it. Each candidate's weight is then scaled by
  ``1 + pool_popularity * popularity`` (and the pool renormalised): what shoppers buy says
  more about which aisle a query means than a rarely ordered product that happens to match
  ("blueberies": fresh blueberries, not blueberry bagels);
* ``popularity`` (optional): ``log1p(order lines) / log1p(max)``, 0..1;
* ``aisle`` (optional, descriptive queries only, i.e. no candidate's name reaches
  ``literal_threshold``): how close the query is to the candidate's aisle as a whole,
  ``exp((cos(query, aisle centroid) - best) / aisle_temperature)`` over the catalogue's aisles
  (1 for the nearest aisle; :func:`group_centroids`, :func:`group_prior`). It demotes a
  candidate that matches an incidental word but sits in an aisle the request is not about
  ("wine to go with fish": the fish).

The score is ``base + dense_weight * dense + consensus_weight * consensus + popularity_weight *
popularity + aisle_weight * aisle``: higher is better, roughly 0..3 (see
:func:`display_score` for the 0..1 score shown to callers).

On the Instacart tuning queries (aisle precision@5, all / plain / misspelled / descriptive,
one build of the edge index) the pool's popularity and the aisle term took 0.923 / 0.988 /
0.960 / 0.800 to 0.932 / 0.988 / 0.993 / 0.809 (popularity alone: misspellings 0.993; the
aisle term alone: descriptive 0.809; ``pool_popularity`` 3-5 and ``aisle_weight`` 0.3-0.6 are
within 0.002 of each other); Online Retail II (no aisles) is unchanged.

A candidate is a *close match* (:func:`close_matches`) when its dense cosine is at least
``close_dense`` or its name similarity at least ``close_name``. The defaults were set on the
tuning queries of ``benchmarks/queries/`` over the real Instacart catalogue: none of 15
out-of-catalogue requests ("jet engine", "car insurance", "zqxv blorft") has a close hit in its
top 5, while 93% of the relevant top-5 results of the labelled queries are close. The dense
cosine depends on the embedding model: another model needs its own cut-off.

Ideas measured on the same tuning queries and left out because they did not help: boosting the
aisles whose embedded names are nearest to the query (worse on misspellings; the centroids of
the aisles' product embeddings, used above for descriptive queries only, are better), a second
dense retrieval with the query moved towards its best candidates (Rocchio feedback: one query
better), a popularity prior added to each candidate's score (within one query either way;
``popularity_weight`` keeps it available, default 0: popularity helps as a weight in the pool's
agreement instead, ``pool_popularity``), spreading the top 5 over the pool's two leading aisles
(when the leading aisle is wrong the second is right less often than it is wrong when the
leading one is right), adding the most ordered products of the aisles nearest the query to the
pool (no better, worse with more of them), and a larger or smaller pool. What is left of the
descriptive misses is the embedding model's reading of the request: for "something to drink
with pizza" or "food for a hamster" neither the pool nor the aisle centroids point anywhere near
what is meant.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RerankWeights:
    """How candidates are re-ranked (see the module docstring for each term).

    ``name_weight`` 0..1; the other weights >= 0; ``temperature`` > 0 (smaller = the pool's
    weight concentrates on its best candidates); thresholds are similarities (cosine / name
    similarity). ``consensus_weight = dense_weight = popularity_weight = aisle_weight = 0``
    reproduces the ranking before re-ranking (``base`` alone). ``pool_popularity`` >= 0 (0 =
    popularity plays no part in the pool's agreement); ``aisle_temperature`` > 0.
    """

    name_weight: float = 0.5
    dense_weight: float = 0.5
    consensus_weight: float = 0.8
    popularity_weight: float = 0.0
    pool_popularity: float = 3.0
    aisle_weight: float = 0.4
    aisle_temperature: float = 0.05
    temperature: float = 0.1
    literal_threshold: float = 0.6
    semantic_literal: float = 0.3
    semantic_descriptive: float = 0.7
    close_dense: float = 0.5
    close_name: float = 0.5

    @property
    def active(self) -> bool:
        """Whether anything besides ``base`` is scored."""
        return bool(self.dense_weight or self.consensus_weight or self.popularity_weight
                    or self.aisle_weight)


def _softmax(x: np.ndarray, temperature: float) -> np.ndarray:
    e = np.exp((x - x.max()) / temperature)
    return e / e.sum()


def consensus(weights: np.ndarray, vectors: np.ndarray | None,
              groups: np.ndarray | None) -> np.ndarray:
    """Agreement of each candidate with the pool, 0..1 (the best candidate has 1).

    Args:
        weights: the pool's weight per candidate (non-negative, summing to 1).
        vectors: the candidates' dense vectors, shape ``(n, dim)``, unit norm; used when
            ``groups`` is None.
        groups: a group (aisle) code per candidate, non-negative integers; None = agreement in
            embedding space (weight-averaged cosine, negative cosines counted as 0).
    """
    if len(weights) == 0:
        return np.zeros(0)
    if groups is not None:
        mass = np.bincount(groups, weights=weights)
        share = mass[groups]
    elif vectors is not None:
        sims = np.clip(vectors @ vectors.T, 0.0, 1.0)
        share = sims @ weights
    else:
        return np.zeros(len(weights))
    top = share.max()
    return share / top if top > 0 else np.zeros(len(weights))


def group_centroids(vectors: np.ndarray, groups: np.ndarray, n_groups: int,
                    chunk: int = 8192) -> np.ndarray:
    """The unit-norm mean vector of each group (aisle), shape ``(n_groups, dim)``, float32.

    Args:
        vectors: one dense vector per row ``(n, dim)``, any float dtype (a memory map is read
            in chunks of ``chunk`` rows, never converted whole).
        groups: the group code of each row, integers in ``0..n_groups - 1``.
        n_groups: how many groups there are; a group without rows gets a zero vector.
    """
    groups = np.asarray(groups, dtype=np.int64)
    if len(groups) != len(vectors):
        raise ValueError(f"{len(groups)} group codes for {len(vectors)} vectors")
    out = np.zeros((n_groups, vectors.shape[1]), dtype=np.float64)
    order = np.argsort(groups, kind="stable")
    for start in range(0, len(order), chunk):
        rows = np.sort(order[start:start + chunk])  # ascending rows: sequential reads
        g = groups[rows]
        by = np.argsort(g, kind="stable")
        rows, g = rows[by], g[by]
        block = np.asarray(vectors[rows], dtype=np.float64)
        starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
        out[g[starts]] += np.add.reduceat(block, starts, axis=0)
    norm = np.linalg.norm(out, axis=1, keepdims=True)
    return (out / np.where(norm > 0, norm, 1.0)).astype(np.float32)


def group_prior(centroids: np.ndarray, query: np.ndarray, temperature: float) -> np.ndarray:
    """How close ``query`` (a unit vector) is to each group: ``exp((cos - best) /
    temperature)`` of its cosine with the group's centroid, 0..1, 1 for the nearest group."""
    cos = np.asarray(centroids, dtype=np.float32) @ np.asarray(query, dtype=np.float32)
    return np.exp((cos.astype(np.float64) - cos.max()) / temperature)


def rerank(fused: np.ndarray, name: np.ndarray, dense: np.ndarray, w: RerankWeights, *,
           vectors: np.ndarray | None = None, groups: np.ndarray | None = None,
           popularity: np.ndarray | None = None,
           aisle: np.ndarray | None = None) -> np.ndarray:
    """The re-ranking score of each candidate (higher is better; order with a stable sort).

    Args:
        fused: normalised RRF scores, 0..1, shape ``(n,)``.
        name: query/name similarities, 0..1.
        dense: query/product cosines, -1..1.
        vectors: the candidates' dense vectors ``(n, dim)`` (consensus without groups).
        groups: aisle codes per candidate (consensus by aisle), or None.
        popularity: order lines per candidate (>= 0), or None (no popularity terms).
        aisle: the query's closeness to each candidate's aisle, 0..1 (:func:`group_prior` of
            the candidate's group), or None (no aisle term); used for descriptive queries only.
    """
    fused, name, dense = (np.asarray(a, dtype=np.float64) for a in (fused, name, dense))
    base = (1 - w.name_weight) * fused + w.name_weight * name
    if len(base) == 0 or not w.active:
        return base
    literal = name.max() >= w.literal_threshold
    pop = None
    if popularity is not None:
        pop = np.log1p(np.maximum(np.asarray(popularity, dtype=np.float64), 0))
        top = pop.max()
        pop = pop / top if top > 0 else None
    score = base + w.dense_weight * dense
    if w.consensus_weight:
        semantic = w.semantic_literal if literal else w.semantic_descriptive
        pool = (semantic * _softmax(dense, w.temperature)
                + (1 - semantic) * _softmax(base, w.temperature))
        if w.pool_popularity and pop is not None:
            pool = pool * (1.0 + w.pool_popularity * pop)
            pool = pool / pool.sum()
        score = score + w.consensus_weight * consensus(pool, vectors, groups)
    if w.popularity_weight and pop is not None:
        score = score + w.popularity_weight * pop
    if w.aisle_weight and aisle is not None and not literal:
        score = score + w.aisle_weight * np.asarray(aisle, dtype=np.float64)
    return score


def display_score(score: np.ndarray, w: RerankWeights) -> np.ndarray:
    """Re-ranking scores mapped to 0..1 for callers: divided by the largest score the weights
    allow (``1 + dense_weight + consensus_weight + popularity_weight + aisle_weight``), clipped
    at 0."""
    top = 1.0 + w.dense_weight + w.consensus_weight + w.popularity_weight + w.aisle_weight
    return np.clip(np.asarray(score, dtype=np.float64) / top, 0.0, 1.0)


def close_matches(dense: np.ndarray, name: np.ndarray, w: RerankWeights) -> np.ndarray:
    """Which candidates match the query closely (booleans): dense cosine >= ``close_dense`` or
    name similarity >= ``close_name``."""
    return ((np.asarray(dense) >= w.close_dense) | (np.asarray(name) >= w.close_name))
