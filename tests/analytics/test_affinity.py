"""Frequently bought together: counts, significance, ranking, by hand and against brute force."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import false_discovery_control, fisher_exact

from cartwise.analytics import Analytics, AnalyticsParams, Calculator, PrecomputedReader
from cartwise.analytics.affinity import (
    Partners,
    basket_matrix,
    pair_stats,
    partners_of,
    top_pairs,
    top_partners,
)
from cartwise.analytics.index import build_index
from cartwise.analytics.pair_evidence import FalseDiscovery, PairRules, p_values, wilson_lower
from cartwise.analytics.source import PartnerRows
from cartwise.catalog import Catalog
from cartwise.data.schema import CanonicalData, conform
from cartwise.errors import StoreError
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


def _wilson_low(k: float, n: float, z: float = 1.959963984540054) -> float:
    """The Wilson score interval's lower end, by its closed form (independent of the code)."""
    p = k / n
    return (p + z * z / (2 * n) - z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / (
        1 + z * z / n)


def test_service_partners_by_hand() -> None:
    data = canonical(FIVE_BASKETS, extra_products=[99])  # every basket is user 1's
    loose = AnalyticsParams(min_pair_count=1, min_support=0.0, min_pair_shoppers=1, pair_fdr=1.0)
    a = Analytics.on_demand(data, params=loose)
    out = a.frequently_bought_together(A, k=5)
    # score = Wilson lower bound of the confidence n_ab / 4 minus n_b / 5; one shopper's n_ab
    # repeats count once: the bound is on 4 * s_ab / n_ab = 4 / n_ab effective baskets
    expected = {p: _wilson_low(1, 4 / n) - nb / 5 for p, n, nb in ((B, 3, 4), (C, 2, 3), (D, 1, 1))}
    assert [p["product_id"] for p in out["items"]] == [D, C, B]
    assert [p["score"] for p in out["items"]] == pytest.approx(
        [expected[D], expected[C], expected[B]], abs=1e-4)
    d = out["items"][0]
    assert d["baskets_together"] == 1 and d["shoppers_together"] == 1
    assert d["support"] == pytest.approx(0.2)
    assert d["confidence"] == pytest.approx(0.25)  # of A's 4 baskets, 1 holds D
    assert d["base_rate"] == pytest.approx(0.2)
    assert d["lift"] == pytest.approx(1.25)
    assert d["p_value"] == pytest.approx(0.8)  # P(D, in 1 of 5 baskets, is in one of A's 4)
    assert d["q_value"] == pytest.approx(1.0)
    assert out["baskets"] == 4 and out["n_baskets"] == 5 and out["shoppers"] == 1
    assert out["product"]["product_id"] == A and out["support"] == pytest.approx(0.8)
    assert out["pairs_tested"] == 6 and out["partners_found"] == 3 and out["fdr"] == 1.0
    assert out["charts"][0]["x"] == ["P4", "P3", "P2"]
    assert "in 0%" not in out["summary"] and "20.0% of all baskets" in out["summary"]
    assert a.frequently_bought_together(A, k=1)["items"][0]["product_id"] == D
    capped = Analytics.on_demand(data, params=AnalyticsParams(
        min_pair_count=1, min_pair_shoppers=1, pair_fdr=1.0, top_partners=2))
    out = capped.frequently_bought_together(A, k=100)  # k may be up to 100; 2 are kept
    assert len(out["items"]) == 2 and out["partners_limit"] == 2 and out["partners_found"] == 3
    assert "at most 2 are kept per product" in out["summary"]
    # a product nobody bought, and a product bought but never with enough others
    nobody = a.frequently_bought_together(99)
    assert nobody["items"] == [] and "no basket" in nobody["summary"]
    strict = Analytics.on_demand(data, params=AnalyticsParams(
        min_pair_count=2, min_pair_shoppers=1, pair_fdr=1.0))
    assert [p["product_id"] for p in strict.frequently_bought_together(A)["items"]] == [C, B]
    assert strict.frequently_bought_together(D)["items"] == []
    assert "too few to tell" in strict.frequently_bought_together(D)["summary"]  # 1 basket
    # one shopper bought everything: no pair has 3 shoppers
    one = Analytics.on_demand(data, params=AnalyticsParams(min_pair_count=1, pair_fdr=1.0))
    out = one.frequently_bought_together(A)
    assert out["items"] == [] and "1 shopper" in out["summary"]
    # five baskets are far too few for any pair to be significant
    tiny = Analytics.on_demand(data, params=AnalyticsParams(min_pair_count=1, min_pair_shoppers=1))
    out = tiny.frequently_bought_together(A)
    assert out["items"] == [] and "more often than chance" in out["summary"]


def _partners(data: CanonicalData, rules: PairRules, top_k: int, **kw: int) -> Partners:
    idx = build_index(data)
    basket = basket_matrix(idx.line_order, idx.line_product, idx.n_orders, idx.n_products)
    return top_partners(basket, idx.order_user, rules, top_k, **kw)


_FIELDS = ("indptr", "partner", "count", "shoppers", "p_value", "q_value", "product_baskets",
           "product_shoppers", "with_baskets", "with_shoppers", "significant")


def test_precomputed_partners_equal_on_demand() -> None:
    data = planted_pair(n_baskets=600, n_products=60, together=12, alone=3)
    rules = PairRules(3, 2, 0.5)
    whole = _partners(data, rules, 8)
    blocked = _partners(data, rules, 8, block_work=50)  # many small blocks
    for f in _FIELDS:
        assert np.array_equal(getattr(whole, f), getattr(blocked, f)), f
    assert whole.discovery is not None and whole.discovery.n_discoveries > 1
    idx = build_index(data)
    for row in range(idx.n_products):
        got = partners_of(row, idx.line_order, idx.line_product, idx.order_user, idx.n_orders,
                          whole.product_baskets, whole.product_shoppers, whole.n_baskets,
                          whole.discovery, rules, 8)
        assert _same_rows(got, whole.top(row, 8)), row
    params = AnalyticsParams(min_pair_count=3, min_pair_shoppers=2, pair_fdr=0.5, top_partners=8)
    on_demand = Analytics.on_demand(data, params=params)
    served = Analytics(PrecomputedReader(Calculator(data, params).precompute()),
                       Catalog.from_data(data))
    for pid in (1, 2, 9001, 30):
        assert on_demand.frequently_bought_together(pid, 8) == \
            served.frequently_bought_together(pid, 8)


def _same_rows(a: PartnerRows, b: PartnerRows) -> bool:
    """Field-by-field equality of two PartnerRows (arrays compared by value)."""
    for f in fields(PartnerRows):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            if not np.array_equal(x, y):
                return False
        elif x != y:
            return False
    return True


def test_partners_match_brute_force() -> None:
    data = planted_pair(n_baskets=400, n_products=40, together=10, alone=2)
    lines = data.order_lines[["order_id", "product_id"]].merge(data.orders[["order_id", "user_id"]])
    pairs = lines.merge(lines, on=["order_id", "user_id"])
    pairs = pairs[pairs.product_id_x != pairs.product_id_y]
    counts = pairs.groupby(["product_id_x", "product_id_y"]).agg(
        n=("order_id", "nunique"), s=("user_id", "nunique"))
    n = lines.order_id.nunique()
    per = lines.groupby("product_id").size()
    params = AnalyticsParams(min_pair_count=4, min_pair_shoppers=3, pair_fdr=1.0, top_partners=5)
    a = Analytics.on_demand(data, params=params)
    for pid in (1, 5, 9001):
        c = counts.loc[pid]
        c = c[(c.n >= 4) & (c.s >= 3)]
        p = [fisher_exact([[k, per[pid] - k], [per[b] - k, n - per[pid] - per[b] + k]],
                          alternative="greater")[1] for b, k in zip(c.index, c.n, strict=True)]
        eff = per[pid] * c.s / c.n  # one shopper's repeats count once
        score = [_wilson_low(k * e / per[pid], e) - per[b] / n
                 for b, k, e in zip(c.index, c.n, eff, strict=True)]
        expected = (pd.DataFrame({"score": score, "count": c.n, "id": c.index, "p": p})
                    .sort_values(["score", "count", "id"], ascending=[False, False, True]))
        got = a.frequently_bought_together(pid, 5)["items"]
        assert [x["product_id"] for x in got] == expected["id"].head(5).tolist()
        assert [x["shoppers_together"] for x in got] == \
            c.s.loc[expected["id"].head(5)].tolist()
        assert [x["p_value"] for x in got] == pytest.approx(expected["p"].head(5).tolist(),
                                                            rel=1e-2)
        assert [x["score"] for x in got] == pytest.approx(expected["score"].head(5).tolist(),
                                                          abs=1e-4)


def test_p_values_are_fishers_exact_test() -> None:
    cases = [(5, 79, 5, 700), (34, 79, 100, 700), (1, 4, 1, 5), (12, 50, 40, 2000), (3, 3, 3, 9)]
    for k, na, nb, n in cases:
        got = p_values(np.array([k, k]), np.array([na, nb]), np.array([nb, na]), n)
        want = fisher_exact([[k, na - k], [nb - k, n - na - nb + k]], alternative="greater")[1]
        assert got == pytest.approx([want, want], rel=1e-9)  # symmetric in the two products


def test_false_discovery_is_benjamini_hochberg() -> None:
    rng = np.random.default_rng(3)
    p = np.r_[rng.uniform(0, 1e-3, 30), rng.uniform(0, 1, 300)]
    untested = 170  # pairs below a support floor: p value 1, counted in m
    want = false_discovery_control(np.r_[p, np.ones(untested)], method="bh")[:len(p)]
    fd = FalseDiscovery.from_p(p, len(p) + untested, 0.05)
    inside = p <= 0.05
    assert fd.q_values(p[inside]) == pytest.approx(want[inside], rel=1e-12)
    assert fd.n_discoveries == int((want <= 0.05).sum()) >= 20
    assert (fd.q_values(p[~inside]) == 1).all()  # above the level: not kept, q not stored
    assert fd.p_cut == pytest.approx(p[want <= 0.05].max())
    with pytest.raises(ValueError):
        FalseDiscovery.from_p(p, 10, 0.05)


def test_wilson_lower_bound() -> None:
    k, n = np.array([0.0, 1, 5, 34, 40]), np.array([10.0, 4, 31.6, 44, 40])
    assert wilson_lower(k, n) == pytest.approx([_wilson_low(a, b) for a, b in zip(k, n,
                                                                               strict=True)])
    assert wilson_lower(np.array([0.0]), np.array([0.0]))[0] == 0.0


def _random_baskets(n_baskets: int, n_products: int, seed: int) -> list[list[int]]:
    """Baskets of independently drawn products (popularity ~ 1 / rank): no real pairs."""
    rng = np.random.default_rng(seed)
    pop = 1.0 / np.arange(1, n_products + 1)
    pop /= pop.sum()
    return [list(rng.choice(np.arange(1, n_products + 1), size=int(rng.integers(2, 10)),
                            replace=False, p=pop)) for _ in range(n_baskets)]


def test_significance_finds_planted_pairs_and_not_random_ones() -> None:
    baskets = _random_baskets(3000, 150, seed=5)
    rng = np.random.default_rng(6)
    planted = [(9001, 9002, 30), (9003, 9004, 12), (9005, 9006, 8)]  # pair, baskets together
    for a, b, together in planted:
        for i in rng.choice(len(baskets), size=together + 20, replace=False)[:together + 20]:
            baskets[i].append(a if i % 3 == 0 else b)  # some baskets with one of the two
        for i in rng.choice(len(baskets), size=together, replace=False):
            baskets[i] = [p for p in baskets[i] if p not in (a, b)] + [a, b]
    data = canonical(baskets, users=list(range(1, len(baskets) + 1)),
                     gaps=[None] * len(baskets))
    ids = data.products["product_id"].to_numpy()
    kept = _partners(data, PairRules(3, 3, 0.05), 50)
    found = {(int(ids[a]), int(ids[b])) for a, b, _, _ in zip(*top_pairs(kept, 1000),
                                                               strict=True)}
    assert {(a, b) for a, b, _ in planted} <= found
    assert len(found - {(a, b) for a, b, _ in planted}) <= 1  # FDR 5%: about no false pair
    # without the test the same floors keep hundreds of chance pairs
    loose = _partners(data, PairRules(3, 3, 1.0), 50)
    assert len(top_pairs(loose, 10_000)[0]) > 100


def test_shopper_floor_drops_pairs_of_few_shoppers() -> None:
    # 60 baskets of filler; the pair (8, 9) in 6 baskets of 2 shoppers, (10, 11) in 6 of 6
    baskets = [[1, 2], [2, 3], [3, 4], [1, 4], [5, 6], [6, 7]] * 10
    users = list(range(100, 160))
    baskets += [[8, 9]] * 6 + [[10, 11]] * 6
    users += [1, 1, 1, 2, 2, 2] + [11, 12, 13, 14, 15, 16]
    data = canonical(baskets, users=users, gaps=[None] * len(baskets))
    for floor, pairs in ((3, {10: 11}), (2, {8: 9, 10: 11})):
        a = Analytics.on_demand(data, params=AnalyticsParams(min_pair_count=5,
                                                             min_pair_shoppers=floor))
        for p in (8, 10):
            got = [x["product_id"] for x in a.frequently_bought_together(p)["items"]]
            assert got == ([pairs[p]] if p in pairs else [])
    out = Analytics.on_demand(data).frequently_bought_together(8)
    assert out["items"] == [] and "2 shoppers" in out["summary"]
    assert out["shoppers"] == 2


def test_strong_well_supported_pair_beats_a_ceiling_lift_pair() -> None:
    """The Online Retail case: a hook in 5 baskets (all with the bag) of 2 shoppers has lift at
    its ceiling; a bag in 34 of the anchor's baskets from 19 shoppers must rank above it."""
    rng = np.random.default_rng(8)
    baskets: list[list[int]] = [list(rng.choice(np.arange(100, 140), size=4, replace=False))
                                for _ in range(700)]
    users = [int(u) for u in rng.integers(1000, 1200, size=700)]
    anchor, hook, bag = 1, 2, 3
    mine = rng.choice(700, size=79, replace=False)
    for i in mine:
        baskets[i].append(anchor)
    for j, i in enumerate(mine[:34]):
        baskets[i].append(bag)
        users[i] = 500 + j % 19  # 19 shoppers
    for i in rng.choice(np.setdiff1d(np.arange(700), mine), size=66, replace=False):
        baskets[i].append(bag)  # the bag sells elsewhere too: 100 baskets
    for i in mine[34:39]:
        baskets[i].append(hook)
        users[i] = 600 + int(i) % 2  # 2 shoppers
    data = canonical(baskets, users=users, gaps=[None] * len(baskets))
    loose = AnalyticsParams(min_pair_shoppers=1, pair_fdr=1.0)
    items = Analytics.on_demand(data, params=loose).frequently_bought_together(anchor, 10)["items"]
    rank = {x["product_id"]: i for i, x in enumerate(items)}
    by_id = {x["product_id"]: x for x in items}
    assert by_id[hook]["lift"] > by_id[bag]["lift"]  # raw lift would put the hook first
    assert (by_id[hook]["baskets_together"], by_id[hook]["shoppers_together"]) == (5, 2)
    assert (by_id[bag]["baskets_together"], by_id[bag]["shoppers_together"]) == (34, 19)
    assert rank[bag] == 0 and rank[hook] > rank[bag]
    served = Analytics.on_demand(data).frequently_bought_together(anchor, 10)["items"]
    assert served[0]["product_id"] == bag and hook not in {x["product_id"] for x in served}


def test_partners_save_and_load(tmp_path: Path) -> None:
    data = planted_pair(n_baskets=500, n_products=50, together=15, alone=3)
    kept = _partners(data, PairRules(3, 3, 0.05), 10)
    path = tmp_path / "partners.npz"
    kept.save(path)
    back = Partners.load(path)
    for f in _FIELDS:
        assert np.array_equal(getattr(back, f), getattr(kept, f)), f
    assert (back.rules, back.n_tests, back.n_baskets) == (kept.rules, kept.n_tests,
                                                           kept.n_baskets)
    assert _same_rows(back.top(3, 5), kept.top(3, 5))
    bad = tmp_path / "bad.npz"
    for broken in (b"not a zip", path.read_bytes()[:200]):
        bad.write_bytes(broken)
        with pytest.raises(StoreError):
            Partners.load(bad)
    old = tmp_path / "old.npz"  # the layout before shoppers and q values
    np.savez(old, indptr=kept.indptr, partner=kept.partner, count=kept.count,
             product_baskets=kept.product_baskets, meta=np.array([kept.n_baskets, 3]))
    with pytest.raises(StoreError):
        Partners.load(old)
    with np.load(path) as z:
        arrays = dict(z)
    np.savez(bad, **{**arrays, "q_value": arrays["q_value"][:-1]})
    with pytest.raises(StoreError, match="inconsistent"):
        Partners.load(bad)


def test_planted_pair_on_generated_baskets(demo_data: CanonicalData) -> None:
    """Plant a pair in the generated demo baskets: it must come out on top."""
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
    ra, rb, cnt, score = top_pairs(pre.partners, 5)
    ids = data.products["product_id"].to_numpy()
    assert (ids[ra[0]], ids[rb[0]], cnt[0]) == (90001, 90002, 25)
    assert (np.diff(score) <= 0).all() and (ra < rb).all()
    assert len(set(zip(ra.tolist(), rb.tolist(), strict=True))) == len(ra)  # each pair once
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
