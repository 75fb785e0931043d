"""The retrieval build stage: skip when up to date, incremental rebuilds that embed only what
changed (counted with a spy embedder), atomic publication, the embedding cache, both backends."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cartwise.catalog import load_catalog
from cartwise.config import Settings, get_settings
from cartwise.errors import StoreError, UnknownProduct
from cartwise.retrieval import CACHE_NAME
from cartwise.retrieval.embedder import HashingEmbedder
from cartwise.retrieval.qdrant_store import alias_target
from cartwise.retrieval.search import ProductSearch
from cartwise.retrieval.stage import (
    CATALOG_FILE,
    INDEX_DIR,
    STAGE,
    VECTORS_FILE,
    build_retrieval_stage,
    load_retrieval,
)
from cartwise.store import Store
from tests.retrieval.conftest import PRODUCTS, build_data, write_catalog


def _build(store: Store, settings: Settings, embedder: HashingEmbedder, **kw: object) -> dict:
    with store.lock():
        result = build_retrieval_stage(store, settings, embedder=embedder, **kw)  # type: ignore[arg-type]
    return {"rebuilt": result.rebuilt, **result.manifest}


def _open(store: Store, settings: Settings, embedder: HashingEmbedder, **kw: object
          ) -> ProductSearch:
    """The product search over the store's retrieval stage and its current catalogue."""
    return load_retrieval(store, settings, load_catalog(store), embedder=embedder,
                          **kw)  # type: ignore[arg-type]


def _changed_catalog() -> list[tuple[int, str, int, float]]:
    """PRODUCTS with 2 renamed products; everything else unchanged."""
    rows = list(PRODUCTS)
    rows[0] = (10, "Organic Banana", 1, 0.25)
    rows[5] = (40, "Large Organic Avocado", 1, 1.49)
    return rows


def test_builds_once_then_skips_until_inputs_change(data_store: Store, settings: Settings) -> None:
    spy = HashingEmbedder()
    first = _build(data_store, settings, spy)
    assert first["rebuilt"] and first["mode"] == "full"
    assert first["counts"] == {"products": 32, "embedded": 32, "from_cache": 0}
    folder = data_store.stage_dir(STAGE)
    assert (folder / CATALOG_FILE).is_file() and (folder / INDEX_DIR / "edge_config.json").is_file()
    assert list(data_store.cache_dir(CACHE_NAME).glob("embeddings-*.npz"))
    assert data_store.cache_dir(CACHE_NAME) == data_store.root / ".cache" / "retrieval"
    again = _build(data_store, settings, spy)
    assert not again["rebuilt"] and spy.encoded == 32 and spy.calls == 1


def test_changing_two_products_embeds_two(data_store: Store, settings: Settings,
                                          catalog_dir: Path) -> None:
    spy = HashingEmbedder()
    _build(data_store, settings, spy)
    write_catalog(catalog_dir, _changed_catalog())
    build_data(data_store, catalog_dir)
    before = spy.encoded
    second = _build(data_store, settings, spy)
    assert second["rebuilt"] and second["mode"] == "incremental"
    assert spy.encoded - before == 2 and second["counts"]["embedded"] == 2
    assert second["diff"] == {"upserted": 2, "payload_updates": 0, "deleted": 0}
    ps = _open(data_store, settings, spy)
    try:
        assert ps.catalog.get(10).name == "Organic Banana"
        assert ps.store.payloads([10])[10]["name"] == "Organic Banana"  # the index has it too
        assert ps.search("large organic avocado", k=1)[0].product.product_id == 40
        assert ps.search("organic banana", k=1)[0].matched_by == "exact"
    finally:
        ps.close()


def test_removed_added_and_repriced_products_update_the_index(data_store: Store,
                                                              settings: Settings,
                                                              catalog_dir: Path) -> None:
    spy = HashingEmbedder()
    _build(data_store, settings, spy)
    rows = [r for r in PRODUCTS if r[0] != 45]  # Lemons leave
    rows = [(r[0], r[1], r[2], 9.99) if r[0] == 20 else r for r in rows]  # Greek Yogurt costs more
    rows.append((90, "Blood Orange Sparkling Water", 10, 1.19))
    write_catalog(catalog_dir, rows)
    build_data(data_store, catalog_dir)
    before = spy.encoded
    m = _build(data_store, settings, spy)
    assert spy.encoded - before == 1
    assert m["diff"] == {"upserted": 1, "payload_updates": 1, "deleted": 1}
    ps = _open(data_store, settings, spy)
    try:
        assert ps.store.count() == 32
        with pytest.raises(UnknownProduct):
            ps.resolve("45")
        assert ps.store.payloads([45]) == {}
        assert 45 not in {h.product.product_id for h in ps.search("lemons", k=10)}
        assert ps.search("blood orange sparkling water", k=1)[0].product.product_id == 90
        pricey = ps.catalog.product_filter(min_price=9.0)
        assert ps.search("greek yogurt", k=1, where=pricey)[0].product.product_id == 20
        assert ps.store.payloads([20])[20]["price"] == 9.99
    finally:
        ps.close()


def test_publication_is_atomic_and_a_failed_build_changes_nothing(
        data_store: Store, settings: Settings, catalog_dir: Path) -> None:
    _build(data_store, settings, HashingEmbedder())
    old = data_store.stage_dir(STAGE).resolve()
    write_catalog(catalog_dir, _changed_catalog())
    build_data(data_store, catalog_dir)

    class Broken(HashingEmbedder):
        def encode(self, texts: Sequence[str], **kw: object) -> np.ndarray:
            raise RuntimeError("model crashed")

    with pytest.raises(RuntimeError, match="model crashed"):
        _build(data_store, settings, Broken())
    assert data_store.stage_dir(STAGE).resolve() == old  # still the last good version
    ps = _open(data_store, settings, HashingEmbedder())
    try:
        assert ps.store.payloads([10])[10]["name"] == "Banana"  # the last good index
    finally:
        ps.close()
    _build(data_store, settings, HashingEmbedder())
    new = data_store.stage_dir(STAGE).resolve()
    assert new != old and not old.exists()  # switched by the symlink, old version removed


def test_force_rebuilds_the_index_but_reuses_the_cache(data_store: Store,
                                                       settings: Settings) -> None:
    spy = HashingEmbedder()
    _build(data_store, settings, spy)
    forced = _build(data_store, settings, spy, force=True)
    assert forced["rebuilt"] and forced["mode"] == "full" and forced["counts"]["embedded"] == 0
    other_model = HashingEmbedder(salt="v2")
    m = _build(data_store, settings, other_model)
    assert m["rebuilt"] and m["mode"] == "full" and other_model.encoded == 32


def test_opening_checks_model_and_backend(data_store: Store, settings: Settings) -> None:
    _build(data_store, settings, HashingEmbedder())
    with pytest.raises(StoreError, match="embedding model"):
        _open(data_store, settings, HashingEmbedder(salt="other"))
    server = get_settings(data_dir=settings.data_path, vector_store="qdrant_server",
                          qdrant_url="http://qdrant.invalid:6333")
    with pytest.raises(StoreError, match="backend"):
        _open(data_store, server, HashingEmbedder())


def test_opening_over_another_catalogue_asks_for_a_rebuild(data_store: Store, settings: Settings,
                                                           catalog_dir: Path) -> None:
    _build(data_store, settings, HashingEmbedder())
    rows = [*PRODUCTS, (90, "Blood Orange Sparkling Water", 10, 1.19)]
    write_catalog(catalog_dir, rows)
    build_data(data_store, catalog_dir)  # the data stage changed, the index did not
    with pytest.raises(StoreError, match="cartwise build --force"):
        _open(data_store, settings, HashingEmbedder())
    _build(data_store, settings, HashingEmbedder())
    ps = _open(data_store, settings, HashingEmbedder())
    try:
        assert len(ps) == 33 and ps.popularity(90) == 0
    finally:
        ps.close()


def test_no_data_stage_is_a_clear_error(settings: Settings) -> None:
    with pytest.raises(StoreError, match="cartwise build"):
        _build(Store(settings.store_path), settings, HashingEmbedder())


def test_server_backend_switches_the_alias_and_keeps_one_previous_collection(
        data_store: Store, catalog_dir: Path) -> None:
    from qdrant_client import QdrantClient

    client = QdrantClient(location=":memory:")
    settings = get_settings(data_dir=catalog_dir, vector_store="qdrant_server",
                            qdrant_url="http://qdrant.invalid:6333", qdrant_collection="shop")
    spy = HashingEmbedder()
    first = _build(data_store, settings, spy, client=client)
    assert alias_target(client, "shop") == first["collection"]
    assert not _build(data_store, settings, spy, client=client)["rebuilt"]

    names = []
    for rows in (_changed_catalog(), PRODUCTS):
        write_catalog(catalog_dir, rows)
        build_data(data_store, catalog_dir)
        m = _build(data_store, settings, spy, client=client)
        names.append(m["collection"])
        assert alias_target(client, "shop") == m["collection"]
    assert spy.encoded == 34  # 32 + the 2 renamed products; going back came from the cache
    left = {c.name for c in client.get_collections().collections}
    assert left == set(names)  # the newest and the one before it; the first was dropped
    ps = _open(data_store, settings, spy, client=client)
    try:
        assert ps.search("banana", k=1)[0].product.name == "Banana"
    finally:
        ps.close()


def test_an_unreachable_server_is_a_clear_error(data_store: Store, catalog_dir: Path) -> None:
    from qdrant_client import QdrantClient

    url = "http://127.0.0.1:9"  # nothing listens on port 9
    settings = get_settings(data_dir=catalog_dir, vector_store="qdrant_server", qdrant_url=url)
    client = QdrantClient(url=url, timeout=2, check_compatibility=False)
    with pytest.raises(StoreError, match="cannot reach the Qdrant server"):
        _build(data_store, settings, HashingEmbedder(), client=client)


def test_a_failed_index_build_keeps_the_embeddings_and_leaves_no_collection(
        data_store: Store, catalog_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from qdrant_client import QdrantClient

    import cartwise.retrieval.stage as stage_mod

    client = QdrantClient(location=":memory:")
    settings = get_settings(data_dir=catalog_dir, vector_store="qdrant_server",
                            qdrant_url="http://qdrant.invalid:6333", qdrant_collection="shop")

    def broken(*args: object, **kw: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(stage_mod, "write_points", broken)
    spy = HashingEmbedder()
    with pytest.raises(RuntimeError, match="disk full"):
        _build(data_store, settings, spy, client=client)
    assert client.get_collections().collections == [] and data_store.manifest(STAGE) is None
    monkeypatch.undo()
    m = _build(data_store, settings, spy, client=client)
    assert m["counts"]["embedded"] == 0 and spy.encoded == 32  # the vectors came from the cache


def test_the_stage_keeps_the_vectors_search_reranks_with(data_store: Store,
                                                         settings: Settings) -> None:
    emb = HashingEmbedder()
    _build(data_store, settings, emb)
    folder = data_store.stage_dir(STAGE)
    vectors = np.load(folder / VECTORS_FILE)
    assert vectors.shape == (len(PRODUCTS), emb.dim) and vectors.dtype == np.float16
    texts = pd.read_parquet(folder / CATALOG_FILE)["text"].tolist()  # by catalogue row
    np.testing.assert_allclose(vectors.astype(np.float32), emb.encode(texts), atol=2e-3)
    _open(data_store, settings, emb).close()
    np.save(folder / VECTORS_FILE, vectors[:-1])  # a stage whose vectors do not fit
    with pytest.raises(StoreError, match="cartwise build --force"):
        _open(data_store, settings, emb)
