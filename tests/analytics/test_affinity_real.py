"""Bought together on real data: Online Retail II (wholesale invoices) and Instacart baskets."""

from __future__ import annotations

import re

import numpy as np
import pytest

from cartwise.analytics import Analytics, Calculator
from cartwise.data.schema import CanonicalData
from tests.analytics.conftest import _shared

#: What a cook buys with limes (matched by name words, not ids).
LIME_PARTNERS = ("cilantro", "jalapeno", "lemon", "garlic", "avocado")


@pytest.fixture(scope="session")
def instacart_baskets() -> Analytics:
    """The 10,166 real Instacart baskets with the real catalogue, baskets-only layout."""
    from cartwise.data.load import load_source, resolve_source

    data = load_source(resolve_source(_shared("instacart_baskets"),
                                      catalog_dir=_shared("instacart_catalog")))
    return Analytics.on_demand(data)


def test_retail_top_partners_come_from_three_customers(retail_calculator: Calculator) -> None:
    """Every product in >= 30 invoices: no partner in its top 5 from fewer than 3 customers."""
    partners = retail_calculator.compute_partners()
    rows = np.flatnonzero(partners.product_baskets >= 30)
    assert len(rows) > 50
    with_partners = 0
    for row in rows:
        top = partners.top(int(row), 5)
        assert (top.shoppers >= 3).all(), int(row)
        assert (top.q_value <= 0.05).all() and (np.diff(top.score) <= 0).all()
        with_partners += len(top.rows) > 0
    assert with_partners > 0.8 * len(rows)  # the floors do not empty the lists


def test_retail_jumbo_bag_leads_with_well_supported_partners(retail: Analytics,
                                                             retail_data: CanonicalData) -> None:
    names = retail_data.products.set_index("product_name")["product_id"]
    out = retail.frequently_bought_together(int(names["JUMBO BAG RED RETROSPOT"]), 5)
    first = out["items"][0]
    assert "JUMBO BAG" in first["name"]  # another jumbo bag, not a 5-invoice hook
    assert first["shoppers_together"] >= 10 and first["baskets_together"] >= 20
    assert out["summary"].startswith("Bought with JUMBO BAG RED RETROSPOT, strongest first: ")
    assert re.search(r"\d+ baskets from \d+ shoppers", out["summary"])


def _product_id(a: Analytics, name: str) -> int:
    assert isinstance(a.source, Calculator)
    products = a.source.data.products
    return int(products.loc[products["product_name"] == name, "product_id"].iloc[0])


def test_instacart_limes_go_with_what_a_cook_expects(instacart_baskets: Analytics) -> None:
    out = instacart_baskets.frequently_bought_together(_product_id(instacart_baskets, "Limes"), 5)
    items = out["items"]
    assert len(items) == 5
    assert all(x["department"] == "produce" for x in items), [x["name"] for x in items]
    words = {w for x in items for w in re.findall(r"[a-z]+", x["name"].lower())}
    assert len(words & set(LIME_PARTNERS)) >= 2, [x["name"] for x in items]
    assert all(x["q_value"] <= 0.05 and x["shoppers_together"] >= 3 for x in items)


def test_instacart_banana_partners_are_not_in_0_percent(instacart_baskets: Analytics) -> None:
    out = instacart_baskets.frequently_bought_together(_product_id(instacart_baskets, "Banana"), 5)
    assert out["items"] and "in 0.0%" not in out["summary"] and "in 0%" not in out["summary"]
    # each partner is in the banana's baskets more often than in baskets in general
    assert all(x["confidence"] > x["base_rate"] for x in out["items"])
