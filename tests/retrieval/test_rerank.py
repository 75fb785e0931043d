"""The re-ranking arithmetic on hand-made pools: agreement by aisle and in embedding space,
popularity in that agreement, the aisle term of descriptive queries and the aisles' centroids,
the literal / descriptive switch, the base-only weights and the close-match cut-offs."""

from __future__ import annotations

import numpy as np
import pytest

from cartwise.retrieval.rerank import (
    RerankWeights,
    close_matches,
    consensus,
    display_score,
    group_centroids,
    group_prior,
    rerank,
)

BASE_ONLY = RerankWeights(dense_weight=0.0, consensus_weight=0.0, aisle_weight=0.0)


def test_base_only_weights_reproduce_the_fused_and_name_score() -> None:
    fused, name = np.array([1.0, 0.5, 0.2]), np.array([0.1, 0.9, 0.3])
    score = rerank(fused, name, np.array([0.9, 0.1, 0.5]), BASE_ONLY, groups=np.array([0, 1, 1]))
    assert score == pytest.approx(0.5 * fused + 0.5 * name)
    assert not BASE_ONLY.active


def test_aisle_agreement_lifts_the_pool_majority_over_a_lone_incidental_match() -> None:
    # "something for a hangover": candidate 0 matches an incidental word ("Hang Tag", aisle 0);
    # candidates 1-3 are electrolyte drinks of one aisle, each a little weaker on its own
    fused = np.array([1.0, 0.8, 0.75, 0.7])
    name = np.array([0.3, 0.0, 0.0, 0.0])
    dense = np.array([0.35, 0.45, 0.44, 0.43])
    groups = np.array([0, 1, 1, 1])
    before = np.argsort(-rerank(fused, name, dense, BASE_ONLY, groups=groups), kind="stable")
    after = np.argsort(-rerank(fused, name, dense, RerankWeights(), groups=groups),
                       kind="stable")
    assert before[0] == 0
    assert list(after[:3]) == [1, 2, 3]


def test_without_aisles_agreement_is_measured_in_embedding_space() -> None:
    jar = np.array([1.0, 0.0, 0.0])
    tin = np.array([0.9, np.sqrt(1 - 0.81), 0.0])
    toy = np.array([0.0, 0.0, 1.0])
    vectors = np.vstack([toy, jar, tin]).astype(np.float32)
    share = consensus(np.array([0.4, 0.3, 0.3]), vectors, None)
    assert share.max() == pytest.approx(1.0)
    assert share[0] < share[1] and share[0] < share[2]  # the toy agrees with nobody


def test_a_literal_query_trusts_the_lexical_view_of_the_pool() -> None:
    # "avacado": the best name match (row 0, aisle 0) stays first although three weaker
    # lexical matches share another aisle, because the query names a product (name >= 0.6)
    fused = np.array([1.0, 0.6, 0.55, 0.5])
    name = np.array([0.85, 0.55, 0.5, 0.5])
    dense = np.array([0.3, 0.6, 0.6, 0.6])
    groups = np.array([0, 1, 1, 1])
    score = rerank(fused, name, dense, RerankWeights(), groups=groups)
    assert int(np.argmax(score)) == 0


def test_popularity_is_a_bounded_prior() -> None:
    w = RerankWeights(dense_weight=0.0, consensus_weight=0.0, popularity_weight=0.2)
    score = rerank(np.array([0.5, 0.5]), np.zeros(2), np.zeros(2), w,
                   popularity=np.array([0, 1000]))
    assert score[1] - score[0] == pytest.approx(0.2)
    assert display_score(score, w).max() <= 1.0


def test_close_matches_need_either_cut_off() -> None:
    w = RerankWeights(close_dense=0.5, close_name=0.5)
    close = close_matches(np.array([0.49, 0.5, 0.2, 0.2]), np.array([0.1, 0.0, 0.5, 0.49]), w)
    assert close.tolist() == [False, True, True, False]


def test_an_empty_pool_scores_nothing() -> None:
    assert rerank(np.zeros(0), np.zeros(0), np.zeros(0), RerankWeights()).shape == (0,)


def test_popular_candidates_weigh_more_in_the_pools_agreement() -> None:
    # "blueberies": two rarely ordered blueberry bagels (aisle 0) and two much-ordered packs of
    # fresh blueberries (aisle 1), the bagels a little ahead on every score of their own
    fused = np.array([1.0, 0.97, 0.95, 0.93])
    name = np.array([0.62, 0.62, 0.6, 0.6])
    dense = np.array([0.55, 0.55, 0.54, 0.54])
    groups = np.array([0, 0, 1, 1])
    popularity = np.array([2, 1, 5000, 800])
    without = rerank(fused, name, dense, RerankWeights(pool_popularity=0.0), groups=groups,
                     popularity=popularity)
    with_pop = rerank(fused, name, dense, RerankWeights(pool_popularity=3.0), groups=groups,
                      popularity=popularity)
    assert int(np.argmax(without)) == 0
    assert int(np.argmax(with_pop)) == 2
    # no popularity given: the pool is the same as without the prior
    assert rerank(fused, name, dense, RerankWeights(pool_popularity=3.0),
                  groups=groups) == pytest.approx(without)


def test_the_aisle_term_demotes_an_incidental_match_of_a_descriptive_query_only() -> None:
    # "wine to go with fish": a fish (aisle 0, far from what the query is about) ahead of wines
    fused = np.array([1.0, 0.7, 0.65])
    dense = np.array([0.45, 0.42, 0.41])
    groups = np.array([0, 1, 1])
    aisle = np.array([0.05, 1.0, 1.0])
    w = RerankWeights(aisle_weight=0.4, consensus_weight=0.0)
    descriptive = np.array([0.5, 0.3, 0.3])
    assert int(np.argmax(rerank(fused, descriptive, dense, w, groups=groups))) == 0
    assert int(np.argmax(rerank(fused, descriptive, dense, w, groups=groups,
                                aisle=aisle))) == 1
    literal = np.array([0.9, 0.3, 0.3])  # the query names the product: no aisle term
    assert rerank(fused, literal, dense, w, groups=groups, aisle=aisle) == pytest.approx(
        rerank(fused, literal, dense, w, groups=groups))
    assert display_score(rerank(fused, descriptive, dense, w, groups=groups, aisle=aisle),
                         w).max() <= 1.0
    assert RerankWeights(dense_weight=0.0, consensus_weight=0.0, aisle_weight=0.4).active


def test_group_centroids_are_the_unit_mean_vector_of_each_group() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(50, 4)).astype(np.float16)
    groups = rng.integers(0, 3, size=50)  # group 3 has no rows
    got = group_centroids(vectors, groups, 4, chunk=7)
    for g in range(3):
        mean = vectors[groups == g].astype(np.float64).mean(axis=0)
        assert got[g] == pytest.approx(mean / np.linalg.norm(mean), abs=1e-5)
    assert got.dtype == np.float32 and not got[3].any()
    with pytest.raises(ValueError):
        group_centroids(vectors, groups[:-1], 4)


def test_group_prior_is_one_for_the_nearest_group_and_falls_off_with_the_temperature() -> None:
    centroids = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]], dtype=np.float32)
    query = np.array([1.0, 0.0], dtype=np.float32)
    sharp, soft = group_prior(centroids, query, 0.05), group_prior(centroids, query, 0.5)
    assert sharp[0] == pytest.approx(1.0) and sharp[1] == pytest.approx(np.exp(-0.2 / 0.05))
    assert (sharp <= soft).all() and list(np.argsort(-sharp)) == [0, 1, 2]
