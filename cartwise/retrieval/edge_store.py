"""The embedded backend: a Qdrant Edge shard (``qdrant-edge-py``) in a folder, in-process.

Qdrant's own engine (HNSW, sparse indexes with IDF, payload indexes, RRF fusion,
recommendations) without a server. The shard is created without a write-ahead log: the index is
written once by the build, flushed, and then only read, so several processes can open the same
folder at once (with a WAL the second opener fails on the WAL lock).
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from cartwise.errors import StoreError
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


_QE: Any = None


def _qe() -> Any:
    """The ``qdrant_edge`` module, imported on first use."""
    global _QE
    if _QE is None:
        try:
            import qdrant_edge
        except ImportError as exc:  # pragma: no cover - a dependency of the package
            raise StoreError(
                "the embedded product index needs the package qdrant-edge-py: pip install "
                "qdrant-edge-py, or use a Qdrant server (CARTWISE_VECTOR_STORE=qdrant_server)"
            ) from exc
        _QE = qdrant_edge
    return _QE


def _sparse(v: SparseVector) -> Any:
    return _qe().SparseVector(v.indices, v.values)


class EdgeVectorStore:
    """A :class:`~cartwise.retrieval.vectorstore.VectorStore` over a Qdrant Edge shard.

    Use :meth:`create` to make a new shard and :meth:`open` to open a built one.
    """

    def __init__(self, shard: Any, spec: IndexSpec, path: Path) -> None:
        self._shard = shard
        self._spec = spec
        self.path = path

    # --- lifecycle ---------------------------------------------------------------------------

    @classmethod
    def create(cls, path: Path, spec: IndexSpec) -> EdgeVectorStore:
        """Create an empty shard in ``path`` (which must not hold one) with payload indexes."""
        qe = _qe()
        config = qe.EdgeConfig(
            vectors={DENSE: qe.EdgeVectorParams(size=spec.dim, distance=qe.Distance.Cosine)},
            sparse_vectors={
                WORDS: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf),
                GRAMS: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf),
            },
            hnsw_config=qe.HnswIndexConfig(
                m=spec.hnsw_m,
                ef_construct=spec.hnsw_ef_construct,
                full_scan_threshold=spec.full_scan_threshold_kb,
                payload_m=0,
            ),
            wal_enabled=False,
        )
        Path(path).mkdir(parents=True, exist_ok=True)
        shard = qe.EdgeShard.create(str(path), config)
        schema = qe.PayloadSchemaType
        for name in KEYWORD_FIELDS:
            shard.update(qe.UpdateOperation.create_field_index(name, schema.Keyword))
        for name in FLOAT_FIELDS:
            shard.update(qe.UpdateOperation.create_field_index(name, schema.Float))
        for name in INTEGER_FIELDS:
            shard.update(qe.UpdateOperation.create_field_index(name, schema.Integer))
        return cls(shard, spec, Path(path))

    @classmethod
    def open(cls, path: Path, spec: IndexSpec) -> EdgeVectorStore:
        """Open the built shard in ``path``.

        Raises:
            StoreError: there is no shard there, or it cannot be opened.
        """
        if not (Path(path) / "edge_config.json").is_file():
            raise StoreError(f"no product index in {path}: run `cartwise build`")
        try:
            shard = _qe().EdgeShard.load(str(path))
        except Exception as exc:  # qdrant_edge raises plain Exception for engine errors
            raise StoreError(f"cannot open the product index in {path}: {exc}") from exc
        return cls(shard, spec, Path(path))

    @classmethod
    def copy(cls, source: Path, target: Path, spec: IndexSpec) -> EdgeVectorStore:
        """Copy the (closed, flushed) shard in ``source`` to ``target`` and open the copy, to
        update it incrementally while ``source`` keeps serving."""
        shutil.copytree(source, target)
        return cls.open(target, spec)

    def close(self) -> None:
        if self._shard is not None:
            self._shard.close()
            self._shard = None

    def __enter__(self) -> EdgeVectorStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def _s(self) -> Any:
        if self._shard is None:
            raise StoreError(f"the product index in {self.path} is closed")
        return self._shard

    # --- writing -----------------------------------------------------------------------------

    @property
    def spec(self) -> IndexSpec:
        return self._spec

    def upsert(self, batch: PointBatch) -> None:
        qe = _qe()
        dense = np.asarray(batch.dense, dtype=np.float32)
        sparse = qe.SparseVector
        points = [
            qe.Point(int(pid), {DENSE: dense[i],
                                WORDS: sparse(batch.words[i].indices, batch.words[i].values),
                                GRAMS: sparse(batch.grams[i].indices, batch.grams[i].values)},
                     batch.payloads[i])
            for i, pid in enumerate(batch.ids)
        ]
        self._s.update(qe.UpdateOperation.upsert_points(points))

    def set_payloads(self, payloads: Mapping[int, dict[str, Any]]) -> None:
        qe = _qe()
        for pid, payload in payloads.items():
            self._s.update(qe.UpdateOperation.overwrite_payload([int(pid)], payload))

    def delete(self, ids: Sequence[int]) -> None:
        if ids:
            self._s.update(_qe().UpdateOperation.delete_points([int(i) for i in ids]))

    def finish(self) -> None:
        self._s.optimize()
        self._s.flush()

    def count(self) -> int:
        return int(self._s.info().points_count)

    # --- reading -----------------------------------------------------------------------------

    def _filter(self, flt: SearchFilter | None, exclude: Sequence[int] = ()) -> Any:
        qe = _qe()
        must: list[Any] = []
        must_not: list[Any] = []
        if flt is not None:
            if flt.departments:
                must.append(qe.FieldCondition("department",
                                              match=qe.MatchAny(list(flt.departments))))
            if flt.min_price is not None or flt.max_price is not None:
                must.append(qe.FieldCondition(
                    "price", range=qe.RangeFloat(gte=flt.min_price, lte=flt.max_price)))
            exclude = [*exclude, *flt.exclude_ids]
        if exclude:
            must_not.append(qe.HasIdCondition({int(i) for i in exclude}))
        if not must and not must_not:
            return None
        return qe.Filter(must=must or None, must_not=must_not or None)

    def hybrid(self, query: HybridQuery, *, limit: int, flt: SearchFilter | None = None,
               with_vectors: bool = False) -> list[Hit]:
        qe = _qe()
        f = self._filter(flt)
        params = qe.SearchParams(hnsw_ef=max(self._spec.hnsw_ef, query.candidates))
        prefetches, weights = [], []
        dense = np.asarray(query.dense, dtype=np.float32).tolist()
        prefetches.append(qe.Prefetch(limit=query.candidates, filter=f, params=params,
                                      query=qe.Query.Nearest(dense, using=DENSE)))
        weights.append(query.weights[0])
        for name, vec, w in ((WORDS, query.words, query.weights[1]),
                             (GRAMS, query.grams, query.weights[2])):
            if len(vec) and w > 0:
                prefetches.append(qe.Prefetch(limit=query.candidates, filter=f,
                                              query=qe.Query.Nearest(_sparse(vec), using=name)))
                weights.append(w)
        request = qe.QueryRequest(limit=limit, prefetches=prefetches,
                                  query=qe.Fusion.Rrf(k=query.rrf_k, weights=weights),
                                  with_payload=False,
                                  with_vector=[DENSE] if with_vectors else False)
        points = self._s.query(request)
        if not with_vectors:
            return [Hit(int(p.id), float(p.score)) for p in points]
        dense = np.array([p.vector[DENSE] for p in points], dtype=np.float32)  # one conversion
        return [Hit(int(p.id), float(p.score), dense[i]) for i, p in enumerate(points)]

    def recommend(self, positive: Sequence[int], negative: Sequence[int] = (), *, limit: int,
                  flt: SearchFilter | None = None) -> list[Hit]:
        qe = _qe()
        ids = [int(i) for i in (*positive, *negative)]
        records = self._s.retrieve(ids, with_payload=False, with_vector=[DENSE])
        vectors = {int(r.id): r.vector[DENSE] for r in records}
        pos = [vectors[int(i)] for i in positive if int(i) in vectors]
        neg = [vectors[int(i)] for i in negative if int(i) in vectors]
        if not pos:
            return []
        request = qe.QueryRequest(
            limit=limit,
            query=qe.Query.RecommendBestScore(qe.RecommendQuery(pos, neg), using=DENSE),
            filter=self._filter(flt, exclude=ids),
            params=qe.SearchParams(hnsw_ef=max(self._spec.hnsw_ef, limit)),
            with_payload=False,
            with_vector=False,
        )
        return [Hit(int(p.id), float(p.score)) for p in self._s.query(request)]

    def payloads(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        records = self._s.retrieve([int(i) for i in ids], with_payload=True, with_vector=False)
        return {int(r.id): dict(r.payload or {}) for r in records}
