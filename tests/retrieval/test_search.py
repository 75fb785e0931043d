"""ProductSearch with the real MiniLM model over the small catalogue, on both backends, built
through the real build stage: ranking, filters, ids, misspellings, resolution, not-found."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from cartwise.catalog import load_catalog
from cartwise.errors import InvalidArgument, UnknownProduct
from cartwise.retrieval.embedder import SentenceTransformerEmbedder
from cartwise.retrieval.search import ProductSearch
from cartwise.retrieval.stage import build_retrieval_stage, load_retrieval
from cartwise.store import Store
from tests.retrieval.conftest import build_data, write_catalog


@pytest.fixture(scope="module", params=["embedded", "qdrant_server"])
def search(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           minilm: SentenceTransformerEmbedder) -> Iterator[ProductSearch]:
    from qdrant_client import QdrantClient

    from cartwise.config import get_settings

    root = tmp_path_factory.mktemp(f"search-{request.param}")
    folder = write_catalog(root / "catalog")
    settings = get_settings(home=root / "home", data_dir=folder, vector_store=request.param,
                            qdrant_url="http://qdrant.invalid:6333", qdrant_api_key=None)
    client = QdrantClient(location=":memory:") if request.param == "qdrant_server" else None
    store = Store(settings.store_path)
    build_data(store, folder)
    with store.lock():
        build_retrieval_stage(store, settings, embedder=minilm, client=client)
    ps = load_retrieval(store, settings, load_catalog(store), embedder=minilm, client=client)
    yield ps
    ps.close()


def test_exact_names_rank_first_whatever_the_case_plural_or_fillers(search: ProductSearch) -> None:
    hits = search.search("greek yogurt", k=3)
    assert (hits[0].product.product_id, hits[0].matched_by, hits[0].score) == (20, "exact", 1.0)
    assert search.search("the Bananas")[0].product.name == "Banana"
    assert search.search("organic strawberry", k=1)[0].product.product_id == 11


def test_an_id_query_returns_that_product_then_similar_ones(search: ProductSearch) -> None:
    hits = search.search("13176", k=4)
    assert (hits[0].product.product_id, hits[0].matched_by) == (13176, "id")
    assert len(hits) == 4 and {h.matched_by for h in hits[1:]} == {"similar"}


@pytest.mark.parametrize(("query", "expected"), [
    ("banan", 10), ("choclate chip cookies", 64), ("spagetti", 30), ("tortila chips", 63),
    ("greek yoghurt", 20),
])
def test_misspellings_find_the_product(search: ProductSearch, query: str, expected: int) -> None:
    assert expected in [h.product.product_id for h in search.search(query, k=2)]


def test_semantic_queries_reach_the_right_aisle(search: ProductSearch) -> None:
    assert {h.product.aisle for h in search.search("fizzy water", k=2)} == {
        "water seltzer sparkling water"}
    assert search.search("something to drink for breakfast", k=5)


def test_scores_are_ordered_in_0_1_and_results_are_json(search: ProductSearch) -> None:
    hits = search.search("chocolate", k=6)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True) and all(0 < s <= 1 for s in scores)
    data = json.loads(json.dumps([h.to_dict() for h in hits]))
    assert set(data[0]) == {"product", "score", "matched_by", "popularity", "close", "match"}
    assert set(data[0]["product"]) == {"product_id", "name", "aisle", "department", "price",
                                       "currency", "code"}


def test_department_filter_takes_partial_case_insensitive_names(search: ProductSearch) -> None:
    dairy = search.catalog.product_filter(department="Dairy")
    hits = search.search("chocolate", k=5, where=dairy)
    assert hits and {h.product.department for h in hits} == {"dairy eggs"}
    assert hits[0].product.product_id == 55  # Chocolate Milk
    assert search.catalog.product_filter(department="PASTA").departments == ("dry goods pasta",)
    with pytest.raises(InvalidArgument, match="department"):
        search.catalog.product_filter(department="hardware")


def test_price_filter_is_inclusive_and_checked(search: ProductSearch) -> None:
    catalog = search.catalog
    hits = search.search("yogurt", k=10, where=catalog.product_filter(max_price=1.09))
    assert hits and all(h.product.price is not None and h.product.price <= 1.09 for h in hits)
    assert {53, 54} <= {h.product.product_id for h in hits}
    assert all(h.product.price >= 3.5
               for h in search.search("juice", where=catalog.product_filter(min_price=3.5)))
    with pytest.raises(InvalidArgument, match="min_price"):
        catalog.product_filter(min_price=5, max_price=1)
    with pytest.raises(InvalidArgument, match="k"):
        search.search("milk", k=0)
    assert search.search("   ") == []


def test_popularity_counts_order_lines(search: ProductSearch) -> None:
    assert search.popularity(10) == 3  # the factories' orders: Banana is in 3 baskets
    assert search.popularity(40) == 0
    assert search.search("10", k=1)[0].popularity == 3


def test_resolve_names_ids_and_misspellings(search: ProductSearch) -> None:
    r = search.resolve("bananas")
    assert (r.product.product_id, r.confidence, r.by) == (10, 1.0, "exact")
    assert search.resolve("the organic avocado").product.product_id == 40
    by_id = search.resolve("#13176")
    assert (by_id.product.product_id, by_id.by) == (13176, "id")
    fuzzy = search.resolve("choclate milk")
    assert fuzzy.product.product_id == 55 and search.threshold <= fuzzy.confidence < 1
    assert fuzzy.by == "name" and len(fuzzy.alternatives) == len(fuzzy.alternative_confidences)
    assert all(c <= fuzzy.confidence for c in fuzzy.alternative_confidences)
    assert json.loads(json.dumps(fuzzy.to_dict()))["product"]["name"] == "Chocolate Milk"


def test_unknown_products_say_not_found_with_the_closest_names(search: ProductSearch) -> None:
    with pytest.raises(UnknownProduct) as err:
        search.resolve("cordless drill")
    assert err.value.closest and "not found" in str(err.value)
    with pytest.raises(UnknownProduct) as err:  # an id that is not in the catalogue: no names
        search.resolve("999999")
    assert err.value.closest == []
    with pytest.raises(UnknownProduct):
        search.popularity(999_999)
    with pytest.raises(UnknownProduct):
        search.similar([999_999])


def test_similar_products_like_x_but_not_y(search: ProductSearch) -> None:
    like = search.similar([20], k=4)
    assert 20 not in {h.product.product_id for h in like} and len(like) == 4
    assert {h.product.aisle for h in like[:2]} == {"yogurt"}
    assert all(-1 <= h.score <= 1 and h.matched_by == "similar" for h in like)
    not_strawberry = search.similar([20], [54], k=4)
    assert 54 not in {h.product.product_id for h in not_strawberry}
    snacks = search.catalog.product_filter(department="snacks")
    in_snacks = search.similar([60], k=3, where=snacks)
    assert {h.product.department for h in in_snacks} == {"snacks"}
