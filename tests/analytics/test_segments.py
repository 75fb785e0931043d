"""RFM scores, named segments and K-means clusters."""

from __future__ import annotations

import numpy as np
import pytest

from cartwise.analytics import Analytics
from cartwise.analytics.segments import (
    GRID,
    SEGMENT_NAMES,
    kmeans_clusters,
    quantile_scores,
    rfm_table,
    segment_summary,
)
from tests.analytics.factories import canonical


def test_quantile_scores_by_hand() -> None:
    assert quantile_scores(np.array([10, 50, 30, 20, 40])).tolist() == [1, 5, 3, 2, 4]
    assert quantile_scores(np.arange(10)).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    # lower is better for recency: the most recent shopper scores 5
    assert quantile_scores(np.array([1.0, 9.0, 5.0]), higher_is_better=False).tolist() == [5, 1, 3]
    # ties share a score; NaN is the worst
    assert quantile_scores(np.array([3, 3, 3, 3, 3])).tolist() == [3] * 5
    assert quantile_scores(np.array([np.nan, 1.0, 2.0]))[0] == 1
    assert quantile_scores(np.array([])).tolist() == []


def test_rfm_quintiles_and_segments_by_hand() -> None:
    # five shoppers, from the best (recent, frequent, valuable) to the worst
    out = rfm_table(np.array([1, 2, 3, 4, 5]), np.array([1.0, 10, 30, 90, 300]),
                    np.array([20, 9, 4, 2, 1]), np.array([900.0, 400, 150, 50, 10]))
    assert out["r"].tolist() == [5, 4, 3, 2, 1]
    assert out["f"].tolist() == [5, 4, 3, 2, 1]
    assert out["m"].tolist() == [5, 4, 3, 2, 1]
    assert [SEGMENT_NAMES[s] for s in out["segment"]] == [
        "Champions", "Loyal", "Need Attention", "Hibernating", "Lost"]
    assert out["rfm"].tolist() == ["555", "444", "333", "222", "111"]
    # a shopper who bought a lot, often, but long ago
    lapsed = rfm_table(np.array([1, 2, 3, 4, 5]), np.array([300.0, 1, 10, 30, 90]),
                       np.array([20, 1, 2, 3, 4]), np.array([900.0, 10, 50, 150, 400]))
    assert SEGMENT_NAMES[lapsed["segment"][0]] == "Can't Lose Them"
    assert SEGMENT_NAMES[lapsed["segment"][1]] == "New Customers"


def test_grid_names_every_cell() -> None:
    assert GRID.shape == (5, 5)
    assert set(GRID.ravel().tolist()) == set(range(len(SEGMENT_NAMES)))


def test_segment_summary_keeps_empty_segments() -> None:
    rfm = rfm_table(np.array([1, 2]), np.array([1.0, 100.0]), np.array([5, 1]),
                    np.array([100.0, 10.0]))
    out = segment_summary(rfm)
    assert [s["name"] for s in out] == list(SEGMENT_NAMES)
    assert sum(s["users"] for s in out) == 2
    assert sum(s["share"] for s in out) == pytest.approx(1.0)
    assert sum(s["value_share"] for s in out) == pytest.approx(1.0)
    empty = [s for s in out if s["users"] == 0]
    assert len(empty) == len(SEGMENT_NAMES) - 2
    assert all(s["value"] == 0 and s["avg_monetary"] is None for s in empty)


def test_kmeans_finds_planted_clusters_numbered_by_value() -> None:
    rng = np.random.default_rng(0)
    groups = [(5, 30, 3000), (60, 5, 300), (300, 1, 20)]  # recency, orders, spend
    rec = np.concatenate([rng.normal(g[0], g[0] * 0.1, 200).clip(0.5) for g in groups])
    freq = np.concatenate([rng.normal(g[1], g[1] * 0.1, 200).clip(1).round() for g in groups])
    mon = np.concatenate([rng.normal(g[2], g[2] * 0.1, 200).clip(1) for g in groups])
    cl = kmeans_clusters(rec, freq, mon, 2, 6, sample=400, seed=1)
    assert cl.k == 3
    assert set(cl.silhouettes) == {2, 3, 4, 5, 6}
    assert max(cl.silhouettes, key=cl.silhouettes.get) == 3
    # cluster 1 is the most valuable group, 3 the least; every shopper is assigned
    assert (cl.labels[:200] == 1).all() and (cl.labels[400:] == 3).all()
    again = kmeans_clusters(rec, freq, mon, 2, 6, sample=400, seed=1)
    assert np.array_equal(cl.labels, again.labels)


def test_kmeans_with_too_few_shoppers() -> None:
    cl = kmeans_clusters(np.array([1.0, 1.0]), np.array([2, 2]), np.array([5.0, 5.0]))
    assert cl.k == 0 and (cl.labels == 0).all() and "too few" in (cl.reason or "")


def test_customer_segments_result() -> None:
    baskets = [[1, 2]] * 12
    users = [1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 6]
    times = [f"2024-0{1 + i % 6}-{10 + i}" for i in range(12)]
    data = canonical(baskets, users=users, times=times, prices={1: 2.0, 2: 3.0})
    out = Analytics.on_demand(data).customer_segments()
    assert out["n_users"] == 6
    assert sum(s["users"] for s in out["segments"]) == 6
    assert out["value_unit"] == "currency"
    assert sum(s["value"] for s in out["segments"]) == pytest.approx(12 * 5.0)
    assert out["charts"][0]["x"] == list(SEGMENT_NAMES)
    assert "\n" not in out["summary"] and out["summary"].endswith(".")
