"""Row indexes and the per-shopper statistics helpers."""

from __future__ import annotations

import numpy as np
import pytest

from cartwise.analytics import stats
from cartwise.analytics.index import build_index, positions
from cartwise.analytics.precomputed import favourites_for
from tests.analytics.factories import canonical


@pytest.mark.parametrize("keys", [np.array([5, 3, 9, 4]), np.array([10**12, 7, -3, 10**9])])
def test_positions_dense_and_sparse_keys(keys: np.ndarray) -> None:
    query = np.array([keys[2], 12345, keys[0], keys[2], -99])
    assert positions(keys, query).tolist() == [2, -1, 0, 2, -1]
    assert positions(keys, keys[::-1]).tolist() == [3, 2, 1, 0]
    assert positions(np.array([], dtype=np.int64), query).tolist() == [-1] * 5


def test_top_categories_dense_equals_sparse(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(1)
    user = rng.integers(0, 50, 3000)
    cat = rng.integers(0, 7, 3000)
    cat[user == 3] = 2  # one user buys a single category
    dense = stats.top_categories(user, cat, 60, 3)
    monkeypatch.setattr(stats, "DENSE_CELLS", 0)
    sparse = stats.top_categories(user, cat, 60, 3)
    assert np.array_equal(dense[0], sparse[0]) and np.array_equal(dense[1], sparse[1])
    assert dense[0][3].tolist() == [2, -1, -1]
    assert dense[0][59].tolist() == [-1, -1, -1]  # a user with no lines
    counts = np.bincount(cat[user == 0], minlength=7)
    assert dense[1][0][0] == counts.max() and dense[0][0][0] == int(np.argmax(counts))


def test_favourites_fold_aisles_into_departments(monkeypatch: pytest.MonkeyPatch) -> None:
    # product i: aisle i % 3 + 1, department i % 2 + 1 (see the factory)
    data = canonical([[1, 2, 3], [3, 5], [4]], users=[1, 1, 2])
    idx = build_index(data)
    fav = favourites_for(idx, data.products)
    # user 1 lines: products 1, 2, 3, 3, 5 -> departments 2, 1, 2, 2, 2; aisles 2, 3, 1, 1, 3
    assert fav["dept"][0].tolist() == [2, 1, -1] and fav["dept_n"][0].tolist() == [4, 1, 0]
    assert fav["aisle"][0].tolist() == [1, 3, 2] and fav["aisle_n"][0].tolist() == [2, 2, 1]
    monkeypatch.setattr(stats, "DENSE_CELLS", 0)
    again = favourites_for(idx, data.products)
    assert all(np.array_equal(fav[k], again[k]) for k in fav)


def test_spending_segments_by_quartile() -> None:
    values = np.array([1.0, 2, 3, 4, 5, 6, 7, 8])
    bounds = stats.spending_bounds(values, np.ones(8, dtype=bool))
    assert bounds == pytest.approx([2.75, 4.5, 6.25])
    seg = stats.spending_segment(values, bounds)
    assert [stats.SPENDING_SEGMENTS[s] for s in seg] == [
        "small", "small", "low-average", "low-average", "average", "average", "high", "high"]


@pytest.mark.parametrize("sort", [True, False])
def test_run_sums_equal_bincount(sort: bool) -> None:
    from cartwise.analytics.index import Runs

    rng = np.random.default_rng(2)
    group = rng.integers(0, 40, 500)
    group = np.sort(group) if sort else group
    values = rng.integers(1, 5, 500).astype(np.int32)
    runs = Runs(group, 45)
    assert np.array_equal(runs.sum(values), np.bincount(group, weights=values, minlength=45))
    assert np.array_equal(runs.count(), np.bincount(group, minlength=45).astype(float))
    assert Runs(np.empty(0, np.int64), 3).sum(np.empty(0)).tolist() == [0.0, 0.0, 0.0]
