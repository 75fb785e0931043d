"""The Qdrant server backend: a collection on a Qdrant server through ``qdrant-client``.

For production and for several server processes sharing one index. Each build writes a new
collection ``<alias>-<version>`` and then points the alias (``qdrant_collection``) at it in one
atomic alias operation, so readers switch from the old index to the new one at once; the build
keeps the previous collection (queries in flight may still use it) and deletes older ones.

The same code runs against qdrant-client's local mode (``QdrantClient(":memory:")`` or
``QdrantClient(path=...)``), which speaks the same client API; tests use it.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from cartwise.config import Settings
from cartwise.errors import ConfigError, StoreError
from cartwise.retrieval.text import SparseVector
from cartwise.retrieval.vectorstore import (
    DENSE,
    FLOAT_FIELDS,
    GRAMS,
    INTEGER_FIELDS,
    KEYWORD_FIELDS,
    WORDS,
    Hit,
    HybridQuery,
    IndexSpec,
    PointBatch,
    SearchFilter,
)

log = logging.getLogger(__name__)


def make_client(settings: Settings) -> Any:
    """A ``QdrantClient`` for ``settings.qdrant_url`` / ``qdrant_api_key``.

    Raises:
        ConfigError: no URL is set.
    """
    if not settings.qdrant_url:
        raise ConfigError("the qdrant_server vector store needs CARTWISE_QDRANT_URL")
    from qdrant_client import QdrantClient

    key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
    return QdrantClient(url=settings.qdrant_url, api_key=key, timeout=60)


def check_reachable(client: Any, url: str | None) -> None:
    """Raise :class:`StoreError` naming ``url`` if the Qdrant server does not answer."""
    try:
        client.get_collections()
    except Exception as exc:  # connection, HTTP and protocol errors of qdrant-client / httpx
        raise StoreError(f"cannot reach the Qdrant server at {url}: {exc}") from exc


def _sparse(v: SparseVector) -> Any:
    from qdrant_client import models

    return models.SparseVector(indices=list(v.indices), values=list(v.values))


def _dense_of(vector: Any) -> np.ndarray:
    """The dense vector of a returned point (named vectors come back as a dict)."""
    v = vector[DENSE] if isinstance(vector, dict) else vector
    return np.asarray(v, dtype=np.float32)


class QdrantServerStore:
    """A :class:`~cartwise.retrieval.vectorstore.VectorStore` over one Qdrant collection (or an
    alias of one).

    Args:
        client: a ``qdrant_client.QdrantClient`` (server or local mode).
        collection: the collection or alias name to read and write.
        spec: the index parameters (search-time ``hnsw_ef``).
        owns_client: close the client in :meth:`close`.
    """

    def __init__(self, client: Any, collection: str, spec: IndexSpec, *,
                 owns_client: bool = False) -> None:
        self._client = client
        self.collection = collection
        self._spec = spec
        self._owns_client = owns_client

    @classmethod
    def create(cls, client: Any, collection: str, spec: IndexSpec) -> QdrantServerStore:
        """Create the collection ``collection`` (it must not exist) with its payload indexes."""
        from qdrant_client import models

        if client.collection_exists(collection):
            raise StoreError(f"Qdrant collection {collection!r} already exists")
        client.create_collection(
            collection,
            vectors_config={DENSE: models.VectorParams(size=spec.dim,
                                                       distance=models.Distance.COSINE)},
            sparse_vectors_config={
                WORDS: models.SparseVectorParams(modifier=models.Modifier.IDF),
                GRAMS: models.SparseVectorParams(modifier=models.Modifier.IDF),
            },
            hnsw_config=models.HnswConfigDiff(
                m=spec.hnsw_m,
                ef_construct=spec.hnsw_ef_construct,
                full_scan_threshold=spec.full_scan_threshold_kb,
                payload_m=0,
            ),
        )
        schema = models.PayloadSchemaType
        fields = ([(f, schema.KEYWORD) for f in KEYWORD_FIELDS]
                  + [(f, schema.FLOAT) for f in FLOAT_FIELDS]
                  + [(f, schema.INTEGER) for f in INTEGER_FIELDS])
        with warnings.catch_warnings():
            # local mode warns that payload indexes have no effect there; a server uses them
            warnings.filterwarnings("ignore", message="Payload indexes have no effect")
            for name, kind in fields:
                client.create_payload_index(collection, name, field_schema=kind, wait=True)
        return cls(client, collection, spec)

    def close(self) -> None:
        if self._owns_client and self._client is not None:
            self._client.close()
        self._client = None

    @property
    def _c(self) -> Any:
        if self._client is None:
            raise StoreError("the Qdrant product index is closed")
        return self._client

    @property
    def spec(self) -> IndexSpec:
        return self._spec

    # --- writing -----------------------------------------------------------------------------

    def upsert(self, batch: PointBatch) -> None:
        from qdrant_client import models

        dense = np.asarray(batch.dense, dtype=np.float32).tolist()
        points = [
            models.PointStruct(
                id=int(pid),
                vector={DENSE: dense[i], WORDS: _sparse(batch.words[i]),
                        GRAMS: _sparse(batch.grams[i])},
                payload=batch.payloads[i],
            )
            for i, pid in enumerate(batch.ids)
        ]
        self._c.upsert(self.collection, points=points, wait=True)

    def set_payloads(self, payloads: Mapping[int, dict[str, Any]]) -> None:
        for pid, payload in payloads.items():
            self._c.overwrite_payload(self.collection, payload=payload, points=[int(pid)],
                                      wait=True)

    def delete(self, ids: Sequence[int]) -> None:
        from qdrant_client import models

        if ids:
            self._c.delete(self.collection, wait=True,
                           points_selector=models.PointIdsList(points=[int(i) for i in ids]))

    def finish(self) -> None:
        """Nothing to do: writes were acknowledged with ``wait=True``; the server builds its
        HNSW graph in the background and serves exact results meanwhile."""

    def count(self) -> int:
        return int(self._c.count(self.collection, exact=True).count)

    # --- reading -----------------------------------------------------------------------------

    def _filter(self, flt: SearchFilter | None) -> Any:
        from qdrant_client import models

        if flt is None or flt.empty:
            return None
        must: list[Any] = []
        if flt.departments:
            must.append(models.FieldCondition(key="department",
                                              match=models.MatchAny(any=list(flt.departments))))
        if flt.min_price is not None or flt.max_price is not None:
            must.append(models.FieldCondition(
                key="price", range=models.Range(gte=flt.min_price, lte=flt.max_price)))
        must_not = ([models.HasIdCondition(has_id=[int(i) for i in flt.exclude_ids])]
                    if flt.exclude_ids else None)
        return models.Filter(must=must or None, must_not=must_not)

    def hybrid(self, query: HybridQuery, *, limit: int, flt: SearchFilter | None = None,
               with_vectors: bool = False) -> list[Hit]:
        from qdrant_client import models

        f = self._filter(flt)
        params = models.SearchParams(hnsw_ef=max(self._spec.hnsw_ef, query.candidates))
        prefetch = [models.Prefetch(query=np.asarray(query.dense, dtype=np.float32).tolist(),
                                    using=DENSE, limit=query.candidates, filter=f, params=params)]
        weights = [query.weights[0]]
        for name, vec, w in ((WORDS, query.words, query.weights[1]),
                             (GRAMS, query.grams, query.weights[2])):
            if len(vec) and w > 0:
                prefetch.append(models.Prefetch(query=_sparse(vec), using=name,
                                                limit=query.candidates, filter=f))
                weights.append(w)
        response = self._c.query_points(
            self.collection,
            prefetch=prefetch,
            query=models.RrfQuery(rrf=models.Rrf(k=query.rrf_k, weights=weights)),
            limit=limit,
            with_payload=False,
            with_vectors=[DENSE] if with_vectors else False,
        )
        if not with_vectors:
            return [Hit(int(p.id), float(p.score)) for p in response.points]
        return [Hit(int(p.id), float(p.score), _dense_of(p.vector)) for p in response.points]

    def recommend(self, positive: Sequence[int], negative: Sequence[int] = (), *, limit: int,
                  flt: SearchFilter | None = None) -> list[Hit]:
        from qdrant_client import models

        if not positive:
            return []
        with warnings.catch_warnings():
            # local mode searches exactly and says search parameters have no effect there
            warnings.filterwarnings("ignore", message="Local mode performs exact")
            response = self._c.query_points(
                self.collection,
                query=models.RecommendQuery(recommend=models.RecommendInput(
                    positive=[int(i) for i in positive],
                    negative=[int(i) for i in negative] or None,
                    strategy=models.RecommendStrategy.BEST_SCORE,
                )),
                using=DENSE,
                query_filter=self._filter(flt),
                search_params=models.SearchParams(hnsw_ef=max(self._spec.hnsw_ef, limit)),
                limit=limit,
                with_payload=False,
            )
        return [Hit(int(p.id), float(p.score)) for p in response.points]

    def payloads(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        records = self._c.retrieve(self.collection, ids=[int(i) for i in ids], with_payload=True)
        return {int(r.id): dict(r.payload or {}) for r in records}


# --- collections and the alias -------------------------------------------------------------------


def alias_target(client: Any, alias: str) -> str | None:
    """The collection ``alias`` points at, or None."""
    for a in client.get_aliases().aliases:
        if a.alias_name == alias:
            return str(a.collection_name)
    return None


def switch_alias(client: Any, alias: str, collection: str) -> str | None:
    """Point ``alias`` at ``collection`` in one atomic operation; returns the previous target.

    Raises:
        StoreError: a real collection (not an alias) is named ``alias``.
    """
    from qdrant_client import models

    previous = alias_target(client, alias)
    if previous is None and client.collection_exists(alias):
        raise StoreError(f"Qdrant has a collection named {alias!r}: the product index needs that "
                         "name for its alias; rename the collection or set "
                         "CARTWISE_QDRANT_COLLECTION")
    ops: list[Any] = []
    if previous is not None:
        ops.append(models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name=alias)))
    ops.append(models.CreateAliasOperation(
        create_alias=models.CreateAlias(collection_name=collection, alias_name=alias)))
    client.update_collection_aliases(change_aliases_operations=ops)
    log.info("Qdrant alias %s -> %s (was %s)", alias, collection, previous)
    return previous


def drop_old_collections(client: Any, alias: str, keep: Sequence[str]) -> list[str]:
    """Delete the versioned collections ``<alias>-*`` except those in ``keep``."""
    dropped = []
    for c in client.get_collections().collections:
        if c.name.startswith(f"{alias}-") and c.name not in keep:
            client.delete_collection(c.name)
            dropped.append(c.name)
    if dropped:
        log.info("deleted old Qdrant collections %s", ", ".join(dropped))
    return dropped
