"""The VectorStore contract, run against both backends on a real Qdrant engine: Qdrant Edge (the
embedded default) and qdrant-client's local mode (the server backend's code)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cartwise.errors import StoreError
from cartwise.retrieval.edge_store import EdgeVectorStore
from cartwise.retrieval.embedder import HashingEmbedder
from cartwise.retrieval.index import prepare_catalog, write_points
from cartwise.retrieval.qdrant_store import (
    QdrantServerStore,
    alias_target,
    drop_old_collections,
    switch_alias,
)
from cartwise.retrieval.text import grams_query, words_query
from cartwise.retrieval.vectorstore import HybridQuery, IndexSpec, SearchFilter, VectorStore
from tests.retrieval.conftest import small_products

EMB = HashingEmbedder(dim=32)


@pytest.fixture(scope="module")
def catalog() -> pd.DataFrame:
    return prepare_catalog(small_products())


@pytest.fixture(scope="module")
def vectors(catalog: pd.DataFrame) -> np.ndarray:
    return EMB.encode(catalog["text"].tolist())


def _local_client() -> object:
    from qdrant_client import QdrantClient

    return QdrantClient(location=":memory:")


@pytest.fixture(params=["edge", "qdrant_local"])
def store(request: pytest.FixtureRequest, tmp_path: Path, catalog: pd.DataFrame,
          vectors: np.ndarray) -> Iterator[VectorStore]:
    spec = IndexSpec(dim=EMB.dim)
    vs: VectorStore
    if request.param == "edge":
        vs = EdgeVectorStore.create(tmp_path / "index", spec)
    else:
        vs = QdrantServerStore.create(_local_client(), "products-v1", spec)
    write_points(vs, catalog, vectors, batch_size=7)
    vs.finish()
    yield vs
    vs.close()


def _query(text: str, **kw: object) -> HybridQuery:
    return HybridQuery(dense=EMB.encode_query(text), words=words_query(text),
                       grams=grams_query(text), **kw)  # type: ignore[arg-type]


def test_every_product_is_indexed_with_its_payload(store: VectorStore,
                                                   catalog: pd.DataFrame) -> None:
    assert store.count() == len(catalog)
    p = store.payloads([10, 999])
    assert list(p) == [10]
    assert p[10] == {"product_id": 10, "name": "Banana", "aisle": "fresh fruits",
                     "department": "produce", "price": 0.25, "popularity": 0}


def test_hybrid_finds_names_and_misspellings(store: VectorStore) -> None:
    assert store.hybrid(_query("greek yogurt"), limit=3)[0].id == 20
    top = [h.id for h in store.hybrid(_query("choclate chip cookies"), limit=3)]
    assert 64 in top
    scores = [h.score for h in store.hybrid(_query("banana"), limit=5)]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)


def test_filters_restrict_department_price_and_ids(store: VectorStore,
                                                   catalog: pd.DataFrame) -> None:
    price = dict(zip(catalog["product_id"], catalog["price"], strict=True))
    dept = dict(zip(catalog["product_id"], catalog["department"], strict=True))
    hits = store.hybrid(_query("chocolate"), limit=20,
                        flt=SearchFilter(departments=("dairy eggs",)))
    assert hits and {dept[h.id] for h in hits} == {"dairy eggs"}
    hits = store.hybrid(_query("chocolate"), limit=20, flt=SearchFilter(min_price=2.0,
                                                                        max_price=3.0))
    assert hits and all(2.0 <= price[h.id] <= 3.0 for h in hits)
    hits = store.hybrid(_query("greek yogurt"), limit=20, flt=SearchFilter(exclude_ids=(20,)))
    assert 20 not in {h.id for h in hits}


def test_recommend_leaves_out_examples_and_follows_negatives(store: VectorStore) -> None:
    like_yogurt = [h.id for h in store.recommend([20], limit=5)]
    assert 20 not in like_yogurt and len(like_yogurt) == 5
    assert {53, 54} & set(like_yogurt)
    without = [h.id for h in store.recommend([20], [54], limit=5)]
    assert 54 not in without
    produce = store.recommend([10], limit=5, flt=SearchFilter(departments=("produce",)))
    assert produce and 10 not in {h.id for h in produce}


def test_delete_and_payload_updates(store: VectorStore, catalog: pd.DataFrame) -> None:
    store.delete([10, 424242])
    assert store.count() == len(catalog) - 1
    assert 10 not in {h.id for h in store.hybrid(_query("banana"), limit=10)}
    store.set_payloads({20: {"product_id": 20, "name": "Greek Yogurt", "aisle": "yogurt",
                             "department": "dairy eggs", "price": 9.5, "popularity": 7}})
    assert store.payloads([20])[20]["price"] == 9.5
    hits = store.hybrid(_query("yogurt"), limit=10, flt=SearchFilter(min_price=9.0))
    assert [h.id for h in hits] == [20]


def test_edge_shard_can_be_opened_by_several_readers(tmp_path: Path, catalog: pd.DataFrame,
                                                     vectors: np.ndarray) -> None:
    spec = IndexSpec(dim=EMB.dim)
    with EdgeVectorStore.create(tmp_path / "i", spec) as w:
        write_points(w, catalog, vectors)
        w.finish()
    with EdgeVectorStore.open(tmp_path / "i", spec) as a, \
            EdgeVectorStore.open(tmp_path / "i", spec) as b:
        assert a.count() == b.count() == len(catalog)
    with pytest.raises(StoreError, match="no product index"):
        EdgeVectorStore.open(tmp_path / "missing", spec)


def test_alias_switch_is_atomic_and_old_collections_go(catalog: pd.DataFrame,
                                                       vectors: np.ndarray) -> None:
    client = _local_client()
    spec = IndexSpec(dim=EMB.dim)
    for name, rows in (("products-a", catalog.iloc[:10]), ("products-b", catalog)):
        vs = QdrantServerStore.create(client, name, spec)
        write_points(vs, rows.reset_index(drop=True), vectors[: len(rows)])
    assert switch_alias(client, "products", "products-a") is None
    reader = QdrantServerStore(client, "products", spec)
    assert reader.count() == 10
    assert switch_alias(client, "products", "products-b") == "products-a"
    assert reader.count() == len(catalog)  # the same reader now sees the new collection
    assert alias_target(client, "products") == "products-b"
    assert drop_old_collections(client, "products", keep=["products-b"]) == ["products-a"]
    with pytest.raises(StoreError, match="already exists"):
        QdrantServerStore.create(client, "products-b", spec)
