"""Frequently bought together: support, confidence and lift, by hand and at scale."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cartwise.analytics import Analytics, AnalyticsParams, Calculator, PrecomputedReader
from cartwise.analytics.affinity import (
    basket_matrix,
    pair_stats,
    partners_of,
    top_pairs,
    top_partners,
)
from cartwise.analytics.index import build_index
from cartwise.catalog import Catalog
from cartwise.data.schema import CanonicalData, conform
from tests.analytics.factories import FIVE_BASKETS, canonical, planted_pair
from tests.conftest import SHARED_DATA

A, B, C, D = 1, 2, 3, 4


def _lines(baskets: list[list[int]]) -> pd.DataFrame:
    return pd.DataFrame([(i, p) for i, b in enumerate(baskets) for p in b],
                        columns=["order_id", "product_id"])


def test_pair_stats_by_hand() -> None:
    # N = 5; A in 4 baskets, B in 4, C in 3, D in 1; AB 3, AC 2, BC 2, AD 1, BD 1
    out = pair_stats(_lines(FIVE_BASKETS)).set_index(["item_a", "item_b"])
    assert len(out) == 5  # CD never together
    ab = out.loc[(A, B)]
    assert ab["count"] == 3
    assert ab["support"] == pytest.approx(3 / 5)
    assert ab["confidence_ab"] == pytest.approx(3 / 4)
    assert ab["lift"] == pytest.approx(5 * 3 / (4 * 4))  # 0.9375: a little less than chance
    ac = out.loc[(A, C)]
    assert ac["confidence_ab"] == pytest.approx(2 / 4)
    assert ac["confidence_ba"] == pytest.approx(2 / 3)
    assert ac["lift"] == pytest.approx(5 * 2 / (4 * 3))
    ad = out.loc[(A, D)]
    assert ad["lift"] == pytest.approx(5 * 1 / (4 * 1))  # 1.25: D only ever comes with A
    assert ad["confidence_ba"] == pytest.approx(1.0)


def test_pair_stats_thresholds() -> None:
    lines = _lines(FIVE_BASKETS)
    assert set(map(tuple, pair_stats(lines, min_count=2)[["item_a", "item_b"]].to_numpy())) == {
        (A, B), (A, C), (B, C)}
    # support >= 0.5 of 5 baskets = at least 3 baskets
    assert pair_stats(lines, min_support=0.5)[["item_a", "item_b"]].to_numpy().tolist() == [[A, B]]


def test_service_partners_by_hand() -> None:
    data = canonical(FIVE_BASKETS, extra_products=[99])
    a = Analytics.on_demand(data, params=AnalyticsParams(min_pair_count=1, min_support=0.0))
    out = a.frequently_bought_together(A, k=5)
    names = [p["product_id"] for p in out["items"]]
    assert names == [D, B, C]  # by lift: 1.25, 0.9375, 0.833
    d = out["items"][0]
    assert d["baskets_together"] == 1
    assert d["support"] == pytest.approx(0.2)
    assert d["confidence"] == pytest.approx(0.25)  # of A's 4 baskets, 1 holds D
    assert d["lift"] == pytest.approx(1.25)
    assert out["baskets"] == 4 and out["n_baskets"] == 5
    assert out["product"]["product_id"] == A and out["support"] == pytest.approx(0.8)
    assert out["charts"][0]["x"] == ["P4", "P2", "P3"]
    assert a.frequently_bought_together(A, k=1)["items"][0]["product_id"] == D
    # a product nobody bought, and a product bought but never with enough others
    nobody = a.frequently_bought_together(99)
    assert nobody["items"] == [] and "no basket" in nobody["summary"]
    strict = Analytics.on_demand(data, params=AnalyticsParams(min_pair_count=2))
    assert [p["product_id"] for p in strict.frequently_bought_together(A)["items"]] == [B, C]
    assert strict.frequently_bought_together(D)["items"] == []
    assert "often enough" in strict.frequently_bought_together(D)["summary"]


def test_precomputed_partners_equal_on_demand() -> None:
    data = planted_pair(n_baskets=600, n_products=60, together=12, alone=3)
    params = AnalyticsParams(min_pair_count=3, top_partners=8)
    idx = build_index(data)
    basket = basket_matrix(idx.line_order, idx.line_product, idx.n_orders, idx.n_products)
    whole = top_partners(basket, 3, 8)
    blocked = top_partners(basket, 3, 8, block_work=50)  # many small blocks
    assert np.array_equal(whole.indptr, blocked.indptr)
    assert np.array_equal(whole.partner, blocked.partner)
    assert np.array_equal(whole.count, blocked.count)
    for row in range(idx.n_products):
        rows, counts = partners_of(row, idx.line_order, idx.line_product, idx.n_orders,
                                   whole.product_baskets, whole.n_baskets, 3, 8)
        exp_rows, exp_counts = whole.of(row)
        assert rows.tolist() == exp_rows.tolist() and counts.tolist() == exp_counts.tolist()
    on_demand = Analytics.on_demand(data, params=params)
    served = Analytics(PrecomputedReader(Calculator(data, params).precompute()),
                       Catalog.from_data(data))
    for pid in (1, 2, 9001, 30):
        assert on_demand.frequently_bought_together(pid, 8) == \
            served.frequently_bought_together(pid, 8)


def test_partners_match_brute_force() -> None:
    data = planted_pair(n_baskets=400, n_products=40, together=10, alone=2)
    lines = data.order_lines[["order_id", "product_id"]]
    pairs = lines.merge(lines, on="order_id")
    pairs = pairs[pairs.product_id_x != pairs.product_id_y]
    counts = pairs.groupby(["product_id_x", "product_id_y"]).size()
    n = lines.order_id.nunique()
    per = lines.groupby("product_id").size()
    a = Analytics.on_demand(data, params=AnalyticsParams(min_pair_count=4, top_partners=5))
    for pid in (1, 5, 9001):
        c = counts.loc[pid]
        c = c[c >= 4]
        lift = n * c / (per.loc[pid] * per.loc[c.index])
        expected = (pd.DataFrame({"lift": lift, "count": c, "id": c.index})
                    .sort_values(["lift", "count", "id"], ascending=[False, False, True]))
        got = a.frequently_bought_together(pid, 5)["items"]
        assert [p["product_id"] for p in got] == expected["id"].head(5).tolist()
        assert [p["lift"] for p in got] == pytest.approx(expected["lift"].head(5).tolist(),
                                                         abs=1e-3)


def test_planted_pair_on_generated_baskets(demo_data: CanonicalData) -> None:
    """Plant a pair in the generated demo baskets: it must come out on top by lift."""
    rng = np.random.default_rng(11)
    orders = demo_data.order_lines["order_id"].unique()
    # 25 baskets with both, 2 more with each alone: lift = N * 25 / 27^2, about 186 on these
    # 5,400 baskets, above the generator's own strongest complements (about 136)
    chosen = rng.choice(orders, size=29, replace=False)
    new = pd.DataFrame({
        "order_id": np.r_[chosen[:25], chosen[:25], chosen[25:27], chosen[27:]],
        "product_id": np.r_[np.full(25, 90001), np.full(25, 90002), np.full(2, 90001),
                            np.full(2, 90002)],
        "add_to_cart_order": 99, "reordered": 0, "quantity": 1, "unit_price": 2.5,
    })
    lines = conform(pd.concat([demo_data.order_lines, new], ignore_index=True), "order_lines")
    extra = demo_data.products.iloc[:2].copy()
    extra["product_id"] = [90001, 90002]
    extra["product_name"] = ["Planted Pasta", "Planted Sauce"]
    products = conform(pd.concat([demo_data.products, extra], ignore_index=True), "products")
    data = CanonicalData(products, demo_data.orders, lines, demo_data.users, demo_data.report)
    calculator = Calculator(data, AnalyticsParams(min_pair_count=5, top_partners=10))
    catalog = Catalog.from_data(data)
    a = Analytics(calculator, catalog)
    top = a.frequently_bought_together(90001, 3)["items"][0]
    assert top["product_id"] == 90002 and top["baskets_together"] == 25
    assert top["name"] == "Planted Sauce"
    # the pair is also the best pair of the whole shop
    pre = calculator.precompute()
    ra, rb, cnt = top_pairs(pre.partners, 5)
    ids = data.products["product_id"].to_numpy()
    assert (ids[ra[0]], ids[rb[0]], cnt[0]) == (90001, 90002, 25)
    # and it tops the list of a product it was planted with, served from the precomputation
    served = Analytics(PrecomputedReader(pre), catalog)
    assert served.frequently_bought_together(90002, 1)["items"][0]["product_id"] == 90001


def test_real_instacart_baskets_agree_with_brute_force() -> None:
    path = SHARED_DATA / "instacart_baskets" / "order_products__train_head.csv"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    lines = pd.read_csv(path, usecols=["order_id", "product_id"])
    out = pair_stats(lines, min_count=15)
    pairs = lines.merge(lines, on="order_id")
    pairs = pairs[pairs.product_id_x < pairs.product_id_y]
    counts = pairs.groupby(["product_id_x", "product_id_y"]).size()
    counts = counts[counts >= 15]
    assert len(out) == len(counts) > 20
    got = out.set_index(["item_a", "item_b"])["count"].sort_index()
    assert got.tolist() == counts.sort_index().tolist()
    n = lines.order_id.nunique()
    per = lines.groupby("product_id").size()
    row = out.iloc[0]
    assert row["lift"] == pytest.approx(n * row["count"] / (per[row.item_a] * per[row.item_b]))
    assert (out["lift"] > 1).mean() > 0.8  # real baskets: frequent pairs are complements
