"""Metric functions against hand-computed cases."""

from __future__ import annotations

import math

import pytest

from cartwise.recsys.metrics import (
    catalogue_coverage,
    hit_rate_at_k,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
)

REC = [5, 1, 9, 2, 7]
TARGET = {1, 2, 3}


def test_precision_and_recall() -> None:
    assert precision_at_k(REC, TARGET, 5) == pytest.approx(2 / 5)
    assert recall_at_k(REC, TARGET, 5) == pytest.approx(2 / 3)
    assert precision_at_k(REC, TARGET, 2) == pytest.approx(1 / 2)
    assert recall_at_k(REC, TARGET, 2) == pytest.approx(1 / 3)
    # a short list: missing positions count as misses
    assert precision_at_k([1], TARGET, 4) == pytest.approx(1 / 4)


def test_hit_rate() -> None:
    assert hit_rate_at_k(REC, TARGET, 1) == 0.0
    assert hit_rate_at_k(REC, TARGET, 2) == 1.0


def test_ndcg_by_hand() -> None:
    # hits at positions 2 and 4: DCG = 1/log2(3) + 1/log2(5); ideal with 3 relevant: positions 1..3
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k(REC, TARGET, 5) == pytest.approx(dcg / ideal)
    assert ndcg_at_k([1, 2, 3], TARGET, 3) == pytest.approx(1.0)
    assert ndcg_at_k([9, 8, 7], TARGET, 3) == 0.0
    # ideal DCG is capped at k relevant items
    assert ndcg_at_k([1], {1, 2, 3}, 1) == pytest.approx(1.0)


def test_coverage() -> None:
    assert catalogue_coverage([[1, 2], [2, 3], [3, 4]], n_items=10, k=2) == pytest.approx(0.4)
    assert catalogue_coverage([[1, 2], [2, 3]], n_items=10, k=1) == pytest.approx(0.2)
