"""The "retrieval" build stage: product embeddings and the Qdrant product index.

Reads the products (and the order lines, for popularity) of the store's data stage. The stage is
rebuilt only when its input hash changes: the product ids, embedded texts and payloads, the
embedding model and the index parameters. A rebuild embeds only texts missing from the embedding
cache (``STORE/.cache/retrieval/``, kept across builds), so changing a few products embeds a few;
the build also prepares the embedder's query encoder (its ONNX export is cached there too).
:func:`load_retrieval` opens the stage over the store's one catalogue
(:class:`~cartwise.catalog.Catalog`); the stage's catalogue frame must hold the catalogue's
products, in its order (else the index is stale: rebuild).

Stage folder::

    retrieval@.../
      manifest.json     format, input hash, model, backend, index parameters, counts, timings
      catalog.parquet   the catalogue frame (see cartwise.retrieval.index) the index was built from
      vectors.npy       the products' dense vectors (float16, by catalogue row) search re-ranks with
      index/            the Qdrant Edge shard (embedded backend only)

Backends (``settings.vector_store``):

* ``embedded``: the shard lives in the stage folder, so the store's atomic stage swap switches
  the index. When the previous stage has a compatible index and at most a quarter of the
  products changed (text, payload or presence), its shard is copied and updated (upserts,
  payload updates, deletes) instead of rebuilt.
* ``qdrant_server``: a new collection ``<qdrant_collection>-<time>-<hash>-<random>`` is filled
  (vectors from the cache), then the alias ``qdrant_collection`` is switched to it atomically;
  the previous collection is kept, older ones are deleted.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cartwise.catalog import Catalog
from cartwise.config import Settings
from cartwise.data.schema import FORMAT_VERSION as DATA_FORMAT_VERSION
from cartwise.data.stage import STAGE as DATA_STAGE
from cartwise.data.stage import load_data
from cartwise.errors import ConfigError, StoreError
from cartwise.retrieval import CACHE_NAME
from cartwise.retrieval.cache import EmbeddingCache, embed_cached, text_key
from cartwise.retrieval.edge_store import EdgeVectorStore
from cartwise.retrieval.embedder import Embedder, make_embedder
from cartwise.retrieval.index import (
    apply_diff,
    catalog_hash,
    diff_catalogs,
    prepare_catalog,
    write_points,
)
from cartwise.retrieval.qdrant_store import (
    QdrantServerStore,
    alias_target,
    check_reachable,
    drop_old_collections,
    make_client,
    switch_alias,
)
from cartwise.retrieval.rerank import RerankWeights
from cartwise.retrieval.search import ProductSearch
from cartwise.retrieval.text import TEXT_VERSION
from cartwise.retrieval.vectorstore import IndexSpec, VectorStore
from cartwise.stages import STAGE_FORMATS
from cartwise.store import READ_ERRORS, StageResult, Store, hash_files

log = logging.getLogger(__name__)

STAGE = "retrieval"
#: Bump (in :data:`cartwise.stages.STAGE_FORMATS`) when the stage's files or their meaning change.
FORMAT_VERSION = STAGE_FORMATS[STAGE]
CATALOG_FILE = "catalog.parquet"
#: The products' dense vectors, float16, one row per catalogue row (what search re-ranks with,
#: memory-mapped: no vectors travel from the index per query).
VECTORS_FILE = "vectors.npy"
INDEX_DIR = "index"
#: Above this share of changed products, an embedded index is rebuilt rather than updated
#: (Qdrant moves updated points out of the indexed segment; past about a quarter, rebuilding the
#: HNSW graph from the cached vectors is as fast and leaves a compact index).
INCREMENTAL_MAX_SHARE = 0.25

Backend = Literal["embedded", "qdrant_server"]


def backend_of(settings: Settings) -> Backend:
    """The vector store backend the settings ask for (``auto``: a server if a URL is set)."""
    if settings.vector_store == "auto":
        return "qdrant_server" if settings.qdrant_url else "embedded"
    if settings.vector_store == "qdrant_server" and not settings.qdrant_url:
        raise ConfigError("CARTWISE_VECTOR_STORE=qdrant_server needs CARTWISE_QDRANT_URL")
    return settings.vector_store


def order_line_counts(store: Store) -> pd.Series:
    """Order lines per product id in the store's data stage (int64, indexed by product id);
    empty when the data has no order lines. Reads only the ``product_id`` column."""
    folder, _ = store.open_stage(DATA_STAGE, DATA_FORMAT_VERSION)
    path = folder / "order_lines.parquet"
    if not path.is_file():
        return pd.Series(dtype=np.int64)
    column = pq.read_table(path, columns=["product_id"]).column(0)
    counts = pc.value_counts(column)
    return pd.Series(counts.field("counts").to_numpy().astype(np.int64),
                     index=counts.field("values").to_numpy(), dtype=np.int64)


def _params(settings: Settings, backend: Backend, model_id: str) -> dict[str, Any]:
    spec = IndexSpec(dim=0).to_dict()
    spec.pop("dim")
    params: dict[str, Any] = {"format": FORMAT_VERSION, "text_version": TEXT_VERSION,
                              "model_id": model_id, "backend": backend, "spec": spec}
    if backend == "qdrant_server":
        params["alias"] = settings.qdrant_collection
        params["qdrant_url"] = settings.qdrant_url
    return params


def build_retrieval_stage(
    store: Store,
    settings: Settings,
    force: bool = False,
    *,
    embedder: Embedder | None = None,
    client: Any = None,
) -> StageResult:
    """Embed the products of the data stage and publish the product index, unless up to date.

    The caller must hold ``store.lock()``. On any error the previous stage (and, for a server,
    the previous alias target) stays in place.

    Args:
        embedder: the embedder to use (default: :func:`make_embedder` of ``settings``).
        client: a ``QdrantClient`` for the server backend (default: from the settings; tests pass
            a local-mode client).

    Raises:
        StoreError: there is no data stage, or the Qdrant server does not answer.
        ConfigError: the settings ask for a server without a URL, or the model cannot be loaded.
    """
    start = time.perf_counter()
    backend = backend_of(settings)
    embedder = embedder or make_embedder(settings)
    products = load_data(store, tables=("products",)).products
    catalog = prepare_catalog(products, order_line_counts(store))
    params = _params(settings, backend, embedder.model_id)
    digest = hash_files([], extra={"catalog": catalog_hash(catalog), **params})
    current = store.manifest(STAGE)
    if backend == "qdrant_server":
        client = client if client is not None else make_client(settings)
        check_reachable(client, settings.qdrant_url)
    if (not force and current is not None and current.get("input_hash") == digest
            and current.get("format_version") == FORMAT_VERSION
            and _index_present(store, current, client)):
        log.info("retrieval stage is up to date (input hash %s)", digest)
        return _result(False, current, time.perf_counter() - start)

    t0 = time.perf_counter()
    cache = EmbeddingCache(store.cache_dir(CACHE_NAME), embedder.model_id, embedder.dim)
    vectors, n_embedded = embed_cached(embedder, catalog["text"].tolist(), cache,
                                       batch_size=settings.embedding_batch_size, what="products")
    embed_s = time.perf_counter() - t0
    # saved now, so that the embedding work survives a failure of the index build below
    cache.save(keep=[text_key(t) for t in catalog["text"].tolist()])
    spec = IndexSpec(dim=embedder.dim)
    manifest: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "input_hash": digest,
        "backend": backend,
        "model_id": embedder.model_id,
        "dim": embedder.dim,
        "text_version": TEXT_VERSION,
        "spec": spec.to_dict(),
        "counts": {"products": len(catalog), "embedded": n_embedded,
                   "from_cache": len(catalog) - n_embedded},
    }
    t1 = time.perf_counter()
    new_collection = None
    opaque = (INDEX_DIR,) if backend == "embedded" else ()  # Qdrant rewrites its config
    with store.write_stage(STAGE, manifest, opaque_dirs=opaque) as tmp:
        catalog.to_parquet(tmp / CATALOG_FILE, index=False, compression="zstd")
        np.save(tmp / VECTORS_FILE, np.asarray(vectors, dtype=np.float16))
        if backend == "embedded":
            manifest.update(_write_embedded(store, current, tmp, catalog, vectors, spec,
                                            embedder.model_id, force))
        else:
            alias = settings.qdrant_collection
            new_collection = (f"{alias}-{time.strftime('%Y%m%d%H%M%S')}-{digest[:8]}-"
                              f"{uuid.uuid4().hex[:6]}")
            qs = QdrantServerStore.create(client, new_collection, spec)
            try:
                write_points(qs, catalog, vectors)
                qs.finish()
                previous = switch_alias(client, alias, new_collection)
            except BaseException:
                client.delete_collection(new_collection)  # leave no half-built collection
                raise
            manifest.update({"mode": "full", "alias": alias, "collection": new_collection,
                             "previous_collection": previous,
                             "diff": {"upserted": len(catalog)}})
        manifest["seconds"] = {"embedding": round(embed_s, 2),
                               "index": round(time.perf_counter() - t1, 2)}
    if new_collection is not None:
        keep = [new_collection, manifest.get("previous_collection") or new_collection]
        drop_old_collections(client, settings.qdrant_collection, keep)
    embedder.warm_up()  # e.g. export the query encoder now rather than at the first search
    log.info("retrieval stage: %d products (%d embedded, %s index) in %.1f s", len(catalog),
             n_embedded, manifest.get("mode"), time.perf_counter() - start)
    return _result(True, store.manifest(STAGE) or manifest, time.perf_counter() - start)


def _result(rebuilt: bool, manifest: dict[str, Any], seconds: float) -> StageResult:
    counts = dict(manifest.get("counts", {}))
    diff = dict(manifest.get("diff", {}))
    where = (f"Qdrant collection {manifest.get('collection')} (alias {manifest.get('alias')})"
             if manifest.get("backend") == "qdrant_server" else "embedded Qdrant Edge index")
    details = [f"{where}, {manifest.get('mode', '?')} build: " + ", ".join(
        f"{n:,} {k.replace('_', ' ')}" for k, n in diff.items())] if rebuilt else []
    timings = {k: float(v) for k, v in manifest.get("seconds", {}).items()} if rebuilt else {}
    return StageResult(STAGE, rebuilt, manifest, seconds,
                       {k: int(v) for k, v in counts.items()}, details, timings)


def _index_present(store: Store, manifest: dict[str, Any], client: Any) -> bool:
    if manifest.get("backend") == "embedded":
        return (store.stage_dir(STAGE) / INDEX_DIR / "edge_config.json").is_file()
    return client is not None and alias_target(client, manifest.get("alias", "")) == manifest.get(
        "collection")


def _write_embedded(store: Store, current: dict[str, Any] | None, tmp: Path,
                    catalog: pd.DataFrame, vectors: np.ndarray, spec: IndexSpec, model_id: str,
                    force: bool) -> dict[str, Any]:
    """Write the Edge shard into ``tmp/index``: an updated copy of the previous one when it is
    compatible and few products changed, else a new one. Returns manifest fields."""
    target = tmp / INDEX_DIR
    prev_dir = store.stage_dir(STAGE)
    compatible = (
        not force and current is not None
        and current.get("format_version") == FORMAT_VERSION
        and current.get("backend") == "embedded"
        and current.get("model_id") == model_id
        and current.get("spec") == spec.to_dict()
        and current.get("text_version") == TEXT_VERSION
        and (prev_dir / INDEX_DIR / "edge_config.json").is_file()
        and (prev_dir / CATALOG_FILE).is_file()
    )
    if compatible:
        previous = pd.read_parquet(prev_dir / CATALOG_FILE)
        diff = diff_catalogs(previous, catalog)
        if diff.size <= INCREMENTAL_MAX_SHARE * max(len(catalog), 1):
            log.info("updating the product index: %d upserts, %d payload updates, %d deletes",
                     len(diff.upsert), len(diff.payload), len(diff.delete))
            store_ = EdgeVectorStore.copy(prev_dir.resolve() / INDEX_DIR, target, spec)
            try:
                apply_diff(store_, catalog, vectors, diff)
                store_.finish()
                _check_count(store_, len(catalog))
            finally:
                store_.close()
            return {"mode": "incremental", "diff": {
                "upserted": len(diff.upsert), "payload_updates": len(diff.payload),
                "deleted": len(diff.delete)}}
        log.info("%d of %d products changed: rebuilding the product index", diff.size,
                 len(catalog))
    store_ = EdgeVectorStore.create(target, spec)
    try:
        write_points(store_, catalog, vectors)
        t = time.perf_counter()
        store_.finish()
        log.info("built the HNSW index in %.1f s", time.perf_counter() - t)
        _check_count(store_, len(catalog))
    finally:
        store_.close()
    return {"mode": "full", "diff": {"upserted": len(catalog)}}


def _check_count(store_: VectorStore, expected: int) -> None:
    n = store_.count()
    if n != expected:
        raise StoreError(f"the product index holds {n} products, expected {expected}")


def reranking_of(settings: Settings) -> RerankWeights:
    """The search re-ranking the settings ask for (``search_rerank`` false: base scores only,
    the close-match cut-offs still apply)."""
    w = RerankWeights(close_dense=settings.search_close_dense,
                      close_name=settings.search_close_name,
                      pool_popularity=settings.search_pool_popularity,
                      aisle_weight=settings.search_aisle_weight,
                      aisle_temperature=settings.search_aisle_temperature)
    if not settings.search_rerank:
        w = replace(w, dense_weight=0.0, consensus_weight=0.0, popularity_weight=0.0,
                    aisle_weight=0.0)
    return w


def load_retrieval(
    store: Store,
    settings: Settings,
    catalog: Catalog,
    *,
    embedder: Embedder | None = None,
    client: Any = None,
) -> ProductSearch:
    """The :class:`ProductSearch` over the store's retrieval stage and ``catalog`` (the store's
    one catalogue, :func:`cartwise.catalog.load_catalog`), warmed up (model loaded, query
    encoder ready) so that the first search is as fast as the others.

    Args:
        embedder: the embedder to use (default: :func:`make_embedder` of ``settings``); it must
            be the one the index was built with.
        client: a ``QdrantClient`` for the server backend (default: from the settings).

    Raises:
        StoreError: no retrieval stage, an incompatible one, one built with another embedding
            model or backend than the settings ask for, one built from another catalogue than
            ``catalog`` (rebuild with ``cartwise build``), or a Qdrant server that does not
            answer.
    """
    folder, manifest = store.open_stage(STAGE, FORMAT_VERSION)
    embedder = embedder or make_embedder(settings)
    if manifest.get("model_id") != embedder.model_id:
        raise StoreError(f"the product index was built with the embedding model "
                         f"{manifest.get('model_id')!r}, the settings ask for "
                         f"{embedder.model_id!r}: run `cartwise build`")
    backend = backend_of(settings)
    if manifest.get("backend") != backend:
        raise StoreError(f"the product index was built for the {manifest.get('backend')} "
                         f"backend, the settings ask for {backend}: run `cartwise build`")
    spec = IndexSpec.from_dict(manifest["spec"])
    try:
        frame = pd.read_parquet(folder / CATALOG_FILE, columns=["product_id", "popularity"])
    except READ_ERRORS as exc:
        raise store.file_error(STAGE, CATALOG_FILE, exc) from exc
    if not np.array_equal(frame["product_id"].to_numpy(dtype=np.int64), catalog.ids):
        raise StoreError(f"the product index holds {len(frame):,} products that are not the "
                         f"catalogue's {len(catalog):,}: rebuild the store with "
                         "`cartwise build --force`")
    popularity = frame["popularity"].to_numpy(dtype=np.int64)
    try:
        vectors = np.load(folder / VECTORS_FILE, mmap_mode="r", allow_pickle=False)
    except READ_ERRORS as exc:
        raise store.file_error(STAGE, VECTORS_FILE, exc) from exc
    if vectors.shape != (len(catalog), embedder.dim):
        raise StoreError(f"the product vectors in {folder} have shape {vectors.shape}, not "
                         f"({len(catalog)}, {embedder.dim}): rebuild with `cartwise build --force`")
    vs: VectorStore
    if backend == "embedded":
        vs = EdgeVectorStore.open(folder / INDEX_DIR, spec)
    else:
        owns = client is None
        client = client if client is not None else make_client(settings)
        check_reachable(client, settings.qdrant_url)
        vs = QdrantServerStore(client, manifest["alias"], spec, owns_client=owns)
    search = ProductSearch(vs, embedder, catalog, popularity,
                           threshold=settings.product_match_threshold,
                           candidates=settings.search_candidates,
                           reranking=reranking_of(settings), pool=settings.search_pool,
                           vectors=vectors)
    embedder.warm_up()
    return search
