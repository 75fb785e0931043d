"""Contract tests run against every recommender, plus model-specific checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cartwise.data.instacart import load_instacart
from cartwise.data.schema import CanonicalData
from cartwise.recsys.base import Recommender, top_n
from cartwise.recsys.interactions import Interactions, build_interactions
from cartwise.recsys.models import MODELS, make_model
from tests.factories import write_instacart

PARAMS = {"als": {"factors": 8, "iterations": 5, "seed": 3}, "item_cf": {"neighbours": 10}}


@pytest.fixture(scope="module", params=sorted(MODELS))
def fitted(request: pytest.FixtureRequest, demo_x: Interactions) -> Recommender:
    return make_model(request.param, PARAMS.get(request.param)).fit(demo_x)


def test_scores_cover_every_item(fitted: Recommender, demo_x: Interactions) -> None:
    s = fitted.score(demo_x, 0)
    assert s.shape == (demo_x.n_items,)
    assert s.dtype == np.float32


def test_deterministic_with_a_seed(fitted: Recommender, demo_x: Interactions) -> None:
    again = make_model(fitted.name, PARAMS.get(fitted.name)).fit(demo_x)
    for row in (0, 5, demo_x.n_users - 1):
        np.testing.assert_allclose(again.score(demo_x, row), fitted.score(demo_x, row),
                                   rtol=1e-5, atol=1e-6)


def test_arrays_round_trip(fitted: Recommender, demo_x: Interactions) -> None:
    arrays = {k: np.asarray(v) for k, v in fitted.arrays().items()}
    for v in arrays.values():
        assert v.dtype != object  # loadable with allow_pickle=False
    clone = type(fitted).from_arrays(arrays, fitted.params_dict())
    np.testing.assert_array_equal(clone.score(demo_x, 3), fitted.score(demo_x, 3))


def test_similar_items_contract(fitted: Recommender, demo_x: Interactions) -> None:
    if not fitted.has_item_similarity:
        with pytest.raises(NotImplementedError):
            fitted.similar_items(0, 5)
        return
    item = int(np.argmax(np.bincount(demo_x.counts.indices, minlength=demo_x.n_items)))
    idx, scores = fitted.similar_items(item, 5)
    assert 0 < len(idx) <= 5
    assert item not in idx
    assert np.all(np.diff(scores) <= 1e-6)  # best first
    assert idx.max() < demo_x.n_items


def test_similar_users_contract(fitted: Recommender, demo_x: Interactions) -> None:
    if not fitted.has_user_similarity:
        with pytest.raises(NotImplementedError):
            fitted.similar_users(0, 5)
        return
    idx, scores = fitted.similar_users(2, 5)
    assert len(idx) == 5 and 2 not in idx
    assert np.all(np.diff(scores) <= 1e-6)


def test_als_similar_users_are_the_exact_cosine_top_k(demo_x: Interactions) -> None:
    """implicit's top-k kernel gives the same shoppers and cosines as a plain NumPy scan."""
    from cartwise.recsys.als import _unit_rows

    model = make_model("als", PARAMS["als"]).fit(demo_x)
    unit = _unit_rows(model.user_factors)  # type: ignore[attr-defined]
    for row in (0, 7, demo_x.n_users // 2, demo_x.n_users - 1):
        for n in (1, 5, 40):
            idx, scores = model.similar_users(row, n)
            want_idx, want = top_n(unit @ unit[row], n, exclude=row)
            np.testing.assert_allclose(scores, want, rtol=1e-5, atol=1e-6)
            assert row not in idx
            tied = np.isclose(want, want[-1], atol=1e-6)  # the cut-off may hold ties
            assert set(idx[~tied].tolist()) == set(want_idx[~tied].tolist())


def test_repeat_scores_only_what_was_bought(demo_x: Interactions) -> None:
    s = make_model("repeat").score(demo_x, 4)
    bought, counts = demo_x.user_items(4)
    assert set(np.flatnonzero(np.isfinite(s))) == set(bought)
    # no decay: more purchases always rank higher
    order = np.argsort(-s[bought])
    assert np.all(np.diff(counts[order]) <= 0)


def test_repeat_default_is_top_frequency_with_recency(tiny_x: Interactions) -> None:
    row = tiny_x.user_row(1)
    s = make_model("repeat").score(tiny_x, row)
    # user 1 bought banana (10) three times, yogurt (20) once early, spaghetti (30) and
    # strawberries (11) once in the latest basket
    col = {p: _col(tiny_x, p) for p in (10, 11, 20, 30)}
    assert s[col[10]] > s[col[30]] > s[col[20]]
    assert s[col[11]] > s[col[20]]
    assert np.all((s[np.isfinite(s)] > 0) & (s[np.isfinite(s)] < 1))  # probabilities


def test_repeat_coefficients_are_learned(demo_data: CanonicalData) -> None:
    from cartwise.recsys.evaluate import holdout_split
    from cartwise.recsys.repeat import DEFAULT_COEF, FEATURES, fit_coefficients

    split = holdout_split(demo_data)
    x = build_interactions(demo_data, split.orders, split.lines)
    params = fit_coefficients(x, split.targets)
    assert len(params.coef) == len(FEATURES) and params.coef != DEFAULT_COEF
    # the learned model ranks the held-out baskets better than chance and not worse than counts
    learned, plain = make_model("repeat", {"coef": params.coef, "intercept": params.intercept}), \
        make_model("repeat")
    def hits(model) -> int:  # noqa: E306
        total = 0
        for u, basket in split.targets.items():
            row = x.user_row(u)
            top = np.argsort(-model.score(x, row))[:10]
            total += len(set(x.item_ids[top].tolist()) & basket)
        return total
    assert hits(learned) >= hits(plain)
    # too few examples: the defaults
    assert fit_coefficients(x, {}).coef == DEFAULT_COEF


def test_popularity_counts_by_hand(tiny_x: Interactions) -> None:
    pop = make_model("popularity").fit(tiny_x)
    col = {p: _col(tiny_x, p) for p in (10, 11, 20, 30)}
    # banana: user 1 in orders 100, 101, 102 -> 3 purchases by 1 buyer
    assert pop.purchases[col[10]] == 3 and pop.buyers[col[10]] == 1
    # strawberries: user 2 twice, user 1 once
    assert pop.purchases[col[11]] == 3 and pop.buyers[col[11]] == 2
    assert pop.purchases[col[20]] == 2 and pop.buyers[col[20]] == 2
    assert pop.rank()[col[30]] == 4


def test_interactions_match_the_lines(tiny_data: CanonicalData, tiny_x: Interactions) -> None:
    assert list(tiny_x.user_ids) == [1, 2]
    assert list(tiny_x.item_ids) == [10, 11, 20, 30]
    dense = tiny_x.counts.toarray()
    assert dense.tolist() == [[3, 1, 1, 1], [0, 2, 1, 0]]
    # same sparsity pattern for every per-pair statistic
    for m in (tiny_x.quantity, tiny_x.last_day, tiny_x.first_day, tiny_x.spend_ratio):
        np.testing.assert_array_equal(m.indices, tiny_x.counts.indices)
    row = tiny_x.user_row(1)
    # Instacart days: user 1 orders at day 0, 7, 21; banana first 0 last 21
    banana = _col(tiny_x, 10)
    assert tiny_x.first_day[row, banana] == 0 and tiny_x.last_day[row, banana] == 21
    assert tiny_x.user_gap[row] == pytest.approx(10.5)
    assert np.isfinite(tiny_x.user_avg_price).all()


def test_top_n_orders_and_skips() -> None:
    s = np.array([0.5, 2.0, -np.inf, 2.0, 1.0], np.float32)
    idx, val = top_n(s, 3)
    assert idx.tolist() == [1, 3, 4] and val.tolist() == [2.0, 2.0, 1.0]
    idx, _ = top_n(s, 10, exclude=1)
    assert idx.tolist() == [3, 4, 0]


def _col(x: Interactions, product_id: int) -> int:
    """The item column of ``product_id`` (the catalogue's row: products sorted by id)."""
    col = int(np.searchsorted(x.item_ids, product_id))
    assert x.item_ids[col] == product_id
    return col


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> CanonicalData:
    return load_instacart(write_instacart(tmp_path_factory.mktemp("tiny") / "d"))


@pytest.fixture(scope="module")
def tiny_x(tiny_data: CanonicalData) -> Interactions:
    return build_interactions(tiny_data)


def test_training_subset_drops_users_without_lines(tiny_data: CanonicalData) -> None:
    keep = tiny_data.orders[tiny_data.orders["user_id"] == 1]
    lines = tiny_data.order_lines[tiny_data.order_lines["order_id"].isin(keep["order_id"])]
    x = build_interactions(tiny_data, keep, lines)
    assert list(x.user_ids) == [1]
    assert x.n_items == 4  # the whole catalogue keeps its columns
    assert isinstance(lines, pd.DataFrame)
