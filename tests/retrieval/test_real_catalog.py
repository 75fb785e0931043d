"""The real Instacart catalogue (a seeded 600-product sample from ../shared/data) with the real
MiniLM model, on both backends: exact names first, misspelt names resolved, filters honoured."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cartwise.catalog import load_catalog
from cartwise.errors import UnknownProduct
from cartwise.retrieval.embedder import SentenceTransformerEmbedder
from cartwise.retrieval.rerank import RerankWeights, group_prior
from cartwise.retrieval.search import ProductSearch
from cartwise.retrieval.stage import build_retrieval_stage, load_retrieval
from cartwise.store import Store
from tests.factories import ORDERS
from tests.retrieval.conftest import build_data


def _write_sample(folder: Path, sample: pd.DataFrame, catalog_dir: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    sample[["product_id", "product_name", "aisle_id", "department_id", "price"]].to_csv(
        folder / "products.csv", index=False)
    for name in ("aisles.csv", "departments.csv"):
        shutil.copy(catalog_dir / name, folder / name)
    (folder / "orders.csv").write_text(ORDERS, encoding="utf-8")
    first = int(sample["product_id"].iloc[0])
    (folder / "order_products__prior.csv").write_text(
        f"order_id,product_id,add_to_cart_order,reordered\n100,{first},1,0\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module", params=["embedded", "qdrant_server"])
def real_search(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                real_sample: pd.DataFrame, shared_data: Path,
                minilm: SentenceTransformerEmbedder) -> Iterator[ProductSearch]:
    from qdrant_client import QdrantClient

    from cartwise.config import get_settings

    root = tmp_path_factory.mktemp(f"real-{request.param}")
    folder = _write_sample(root / "data", real_sample, shared_data / "instacart_catalog")
    settings = get_settings(home=root / "home", data_dir=folder, vector_store=request.param,
                            qdrant_url="http://qdrant.invalid:6333")
    client = QdrantClient(location=":memory:") if request.param == "qdrant_server" else None
    store = Store(settings.store_path)
    build_data(store, folder)
    if request.param == "qdrant_server":  # reuse the embedded build's vectors: embed once
        cache = tmp_path_factory.getbasetemp() / "real-sample-cache"
        if cache.is_dir():
            shutil.copytree(cache, store.root / ".cache", dirs_exist_ok=True)
    with store.lock():
        build_retrieval_stage(store, settings, embedder=minilm, client=client)
    if request.param == "embedded":
        shutil.copytree(store.root / ".cache", tmp_path_factory.getbasetemp()
                        / "real-sample-cache", dirs_exist_ok=True)
    ps = load_retrieval(store, settings, load_catalog(store), embedder=minilm, client=client)
    yield ps
    ps.close()


def test_exact_product_names_rank_first(real_search: ProductSearch,
                                        real_sample: pd.DataFrame) -> None:
    rng = np.random.default_rng(3)
    for name in rng.choice(real_sample["product_name"].to_numpy(), 15, replace=False):
        top = real_search.search(str(name).lower(), k=3)
        assert top[0].product.name.lower() == str(name).lower(), (
            name, [h.product.name for h in top])


def test_misspelt_names_resolve_to_the_product(real_search: ProductSearch,
                                               real_sample: pd.DataFrame) -> None:
    rng = np.random.default_rng(4)
    rows = real_sample.iloc[rng.choice(len(real_sample), 30, replace=False)]
    hits = 0
    for pid, name in zip(rows["product_id"], rows["product_name"], strict=True):
        words = str(name).split()
        i = max(range(len(words)), key=lambda j: len(words[j]))
        if len(words[i]) >= 5:  # drop one letter from the longest word
            words[i] = words[i][:2] + words[i][3:]
        try:
            r = real_search.resolve(" ".join(words))
        except UnknownProduct:
            continue
        hits += r.product.product_id == pid or pid in {a.product_id for a in r.alternatives}
    assert hits >= 27, hits


def test_filters_hold_on_real_data(real_search: ProductSearch) -> None:
    for dept in ("dairy", "Frozen", "snacks"):
        where = real_search.catalog.product_filter(department=dept)
        hits = real_search.search("organic", k=10, where=where)
        assert where.departments and hits
        assert {h.product.department for h in hits} <= set(where.departments)
    cheap = real_search.search("chocolate", k=10,
                               where=real_search.catalog.product_filter(max_price=3.0))
    assert cheap and all(h.product.price is not None and h.product.price <= 3.0 for h in cheap)


def test_nonsense_is_not_found(real_search: ProductSearch) -> None:
    with pytest.raises(UnknownProduct) as err:
        real_search.resolve("zqxv blorft")
    assert len(err.value.closest) == 3


def _base_only(search: ProductSearch) -> RerankWeights:
    return replace(search.reranking, dense_weight=0.0, consensus_weight=0.0,
                   popularity_weight=0.0, aisle_weight=0.0)


@pytest.mark.parametrize(("query", "aisle"), [
    ("for washing clothes", "laundry"),              # body washes match "washing" by name
    ("something to clean the bathroom", "cleaning products"),  # toothbrushes "clean" too
])
def test_reranking_lifts_what_a_descriptive_query_means(real_search: ProductSearch, query: str,
                                                        aisle: str) -> None:
    def in_aisle(w: RerankWeights) -> int:
        saved, real_search.reranking = real_search.reranking, w
        try:
            return sum(h.product.aisle == aisle for h in real_search.search(query, k=5))
        finally:
            real_search.reranking = saved

    before, after = in_aisle(_base_only(real_search)), in_aisle(real_search.reranking)
    assert after >= 4 and after > before


def test_a_descriptive_query_is_closest_to_the_aisle_it_means(real_search: ProductSearch) -> None:
    # the aisles' centroids, from the stage's vectors; alone on top of the base score, the aisle
    # term lifts what "for washing clothes" means over the body washes its words match
    aisles = pd.Series(real_search.catalog.aisles, dtype=object)
    centroids = real_search.aisle_centroids
    assert centroids is not None and centroids.shape == (aisles.nunique(), 384)
    codes, uniques = pd.factorize(aisles)
    prior = group_prior(centroids, real_search.embedder.encode_query("for washing clothes"),
                        0.05)
    assert uniques[int(np.argmax(prior))] == "laundry"

    def in_laundry(w: RerankWeights) -> int:
        saved, real_search.reranking = real_search.reranking, w
        try:
            return sum(h.product.aisle == "laundry"
                       for h in real_search.search("for washing clothes", k=5))
        finally:
            real_search.reranking = saved

    base = _base_only(real_search)
    assert in_laundry(replace(base, aisle_weight=0.4)) > in_laundry(base)


def test_a_nonsense_search_says_nothing_is_close(real_search: ProductSearch) -> None:
    hits = real_search.search("zqxv blorft", k=5)
    assert len(hits) == 5 and not any(h.close for h in hits)
    assert all(h.close for h in real_search.search("baby food", k=3))


def _typo(name: str) -> str:
    """The name in lower case with the middle letter of its longest word dropped."""
    words = name.lower().split()
    i = max(range(len(words)), key=lambda j: len(words[j]))
    w = words[i]
    words[i] = w[: len(w) // 2] + w[len(w) // 2 + 1:]
    return " ".join(words)


def test_literal_queries_find_their_product_as_before(real_search: ProductSearch,
                                                      real_sample: pd.DataFrame) -> None:
    # misspelt names are never pinned as exact matches: the re-ranked pool decides
    rows = real_sample.sample(40, random_state=3)
    queries = [(_typo(n), int(pid)) for n, pid in zip(rows["product_name"], rows["product_id"],
                                                     strict=True)]

    def found(w: RerankWeights) -> int:
        saved, real_search.reranking = real_search.reranking, w
        try:
            return sum(pid in [h.product.product_id for h in real_search.search(q, k=3)]
                       for q, pid in queries)
        finally:
            real_search.reranking = saved

    before, after = found(_base_only(real_search)), found(real_search.reranking)
    assert after >= before >= 30
