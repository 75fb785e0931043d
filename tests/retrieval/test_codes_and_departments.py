"""ProductSearch over a small shop with its own product codes (``sku``, as Online Retail's
StockCode) and departments sharing a word: codes resolve and search like ids, an id comes before
a code, and a department name meaning several departments filters to all of them. Built with the
hashing embedder on an embedded Qdrant Edge index (no model, fast)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from cartwise.catalog import Catalog
from cartwise.errors import UnknownProduct
from cartwise.retrieval.edge_store import EdgeVectorStore
from cartwise.retrieval.embedder import HashingEmbedder
from cartwise.retrieval.index import prepare_catalog, write_points
from cartwise.retrieval.search import ProductSearch
from cartwise.retrieval.vectorstore import IndexSpec

EMB = HashingEmbedder(dim=64)

#: product id, name, aisle, department, price, code. Product 5's code "21" is also product 21's
#: id: the id wins.
ROWS = [
    (1, "Canned Tomato Soup", "soup broth", "canned goods", 1.2, "10002"),
    (2, "Canned Chickpeas", "canned beans", "canned goods", 0.9, "10080"),
    (3, "Tomato Pasta Sauce", "pasta sauce", "dry goods pasta", 2.5, "85099B"),
    (4, "Penne Pasta", "dry pasta", "dry goods pasta", 1.1, "85123A"),
    (5, "Frozen Tomato Pizza", "frozen pizza", "frozen", 4.5, "21"),
    (6, "Fresh Tomatoes", "fresh vegetables", "produce", 2.0, "22423"),
    (7, "Frozen Peas", "frozen vegetables", "frozen", 1.5, "84879"),
    (21, "Tomato Ketchup", "condiments", "pantry", 1.8, None),
]


def products() -> pd.DataFrame:
    return pd.DataFrame({
        "product_id": [r[0] for r in ROWS], "product_name": [r[1] for r in ROWS],
        "aisle": [r[2] for r in ROWS], "department": [r[3] for r in ROWS],
        "price": [r[4] for r in ROWS], "sku": [r[5] for r in ROWS],
    })


@pytest.fixture()
def search(tmp_path: Path) -> Iterator[ProductSearch]:
    frame = prepare_catalog(products())
    vs = EdgeVectorStore.create(tmp_path / "index", IndexSpec(dim=EMB.dim))
    write_points(vs, frame, EMB.encode(frame["text"].tolist()))
    vs.finish()
    ps = ProductSearch(vs, EMB, Catalog(products(), [1, 2], "GBP"),
                       frame["popularity"].to_numpy())
    yield ps
    ps.close()


@pytest.mark.parametrize("text", ["85099B", "85099b", " code 85099B ", "SKU: 85099b",
                                  "#85099B"])
def test_a_shop_code_resolves_to_its_product(search: ProductSearch, text: str) -> None:
    r = search.resolve(text)
    assert (r.product.product_id, r.by, r.confidence) == (3, "code", 1.0)
    assert r.product.code == "85099B" and r.product.currency == "GBP"


def test_an_id_comes_before_a_code_and_a_missing_number_is_not_found(
        search: ProductSearch) -> None:
    assert (search.resolve("21").product.product_id, search.resolve("21").by) == (21, "id")
    assert (search.resolve("code 21").product.product_id, search.resolve("code 21").by) == (
        5, "code")
    assert (search.resolve("22423").product.product_id, search.resolve("22423").by) == (
        6, "code")  # a number that is no product id, but a code
    with pytest.raises(UnknownProduct) as err:
        search.resolve("99999")  # neither an id nor a code: no fuzzy names
    assert err.value.closest == []


def test_searching_a_code_puts_its_product_first_then_similar_ones(
        search: ProductSearch) -> None:
    hits = search.search("85123a", k=3)
    assert (hits[0].product.product_id, hits[0].matched_by, hits[0].score) == (4, "code", 1.0)
    assert len(hits) == 3 and {h.matched_by for h in hits[1:]} == {"similar"}
    assert 4 not in {h.product.product_id for h in hits[1:]}
    frozen = search.catalog.product_filter(department="frozen")
    in_frozen = search.search("85123A", k=3, where=frozen)  # the product fails the filter
    assert in_frozen and {h.product.department for h in in_frozen} == {"frozen"}
    assert {h.matched_by for h in in_frozen} == {"similar"}


def test_a_department_name_meaning_several_departments_searches_all_of_them(
        search: ProductSearch) -> None:
    goods = search.catalog.product_filter(department="goods")
    assert goods.departments == ("canned goods", "dry goods pasta")
    hits = search.search("tomato", k=4, where=goods)
    assert {h.product.department for h in hits} == {"canned goods", "dry goods pasta"}
    assert {1, 3} <= {h.product.product_id for h in hits}  # the tomato products of both
    cheap = search.catalog.product_filter(department="goods", max_price=1.5)
    assert {h.product.product_id for h in search.search("tomato", k=4, where=cheap)} <= {1, 2, 4}
    like = search.similar([5], k=8, where=goods)
    assert like and {h.product.department for h in like} <= set(goods.departments)
