"""Building the product index: the catalogue frame, point batches, and incremental diffs.

The *catalogue frame* (:func:`prepare_catalog`) has one row per product, sorted by product id,
with the payload fields, the text to embed and two hashes: ``text_key`` (of the embedded text:
when it changes the vectors change) and ``payload_hash`` (of the payload: when only it changes,
the point's payload is overwritten and its vectors are kept). It is saved with the index, so the
next build can tell which products are new, changed or gone (:func:`diff_catalogs`). It is the
index's own record, built from the canonical products table: its rows are the catalogue's rows
(both sorted by id), and the product entries served to callers come from the one
:class:`~cartwise.catalog.Catalog`, not from this frame (only its ``popularity`` is served).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cartwise.errors import DataError
from cartwise.retrieval.cache import progress_callback, text_key
from cartwise.retrieval.text import document_vectors, product_text
from cartwise.retrieval.vectorstore import PointBatch, VectorStore

log = logging.getLogger(__name__)

#: Columns of the catalogue frame, in order.
CATALOG_COLUMNS = ("product_id", "name", "aisle", "department", "price", "popularity",
                   "description", "text", "text_key", "payload_hash")


def prepare_catalog(products: pd.DataFrame, popularity: pd.Series | None = None) -> pd.DataFrame:
    """The catalogue frame of the canonical ``products`` table.

    Args:
        products: the canonical products table (``product_id, product_name, aisle, department,
            price, description, ...``).
        popularity: order lines per product id (missing ids count 0); None = all 0.

    Raises:
        DataError: a product id is negative (Qdrant point ids are unsigned).
    """
    df = products.sort_values("product_id", kind="stable").reset_index(drop=True)
    ids = df["product_id"].to_numpy(dtype=np.int64)
    if len(ids) and ids.min() < 0:
        raise DataError("product ids must be >= 0 for the product index", column="product_id",
                        rows=[int(i) for i in ids[ids < 0][:5]])
    names = df["product_name"].astype(str).str.strip().tolist()
    aisles = df["aisle"].astype(str).tolist()
    depts = df["department"].astype(str).tolist()
    desc_col = df["description"] if "description" in df else pd.Series([None] * len(df))
    descs = [d if isinstance(d, str) and d.strip() else None for d in desc_col.tolist()]
    price = pd.to_numeric(df["price"], errors="coerce") if "price" in df else None
    prices = ([None if pd.isna(p) else round(float(p), 4) for p in price.tolist()]
              if price is not None else [None] * len(df))
    if popularity is not None:
        pop = (pd.Series(ids).map(popularity).fillna(0).astype(np.int64).tolist())
    else:
        pop = [0] * len(df)
    texts = [product_text(n, a, d, s) for n, a, d, s in zip(names, aisles, depts, descs,
                                                              strict=True)]
    out = pd.DataFrame({
        "product_id": ids,
        "name": names,
        "aisle": aisles,
        "department": depts,
        "price": pd.array(prices, dtype="Float64").astype("float64"),
        "popularity": np.asarray(pop, dtype=np.int64),
        "description": descs,
        "text": texts,
    })
    out["text_key"] = [text_key(t).hex() for t in texts]
    out["payload_hash"] = [_payload_hash(p) for p in payloads(out)]
    return out


def payloads(catalog: pd.DataFrame, rows: Sequence[int] | np.ndarray | None = None
             ) -> list[dict[str, Any]]:
    """The Qdrant payloads of catalogue ``rows`` (positions; default all), price None where
    unknown."""
    sub = catalog if rows is None else catalog.iloc[np.asarray(rows, dtype=np.int64)]
    prices = [None if p != p else float(p) for p in sub["price"].tolist()]  # NaN -> None
    return [
        {"product_id": int(i), "name": n, "aisle": a, "department": d, "price": p,
         "popularity": int(pop)}
        for i, n, a, d, p, pop in zip(sub["product_id"].tolist(), sub["name"].tolist(),
                                      sub["aisle"].tolist(), sub["department"].tolist(), prices,
                                      sub["popularity"].tolist(), strict=True)
    ]


def _payload_hash(payload: Mapping[str, Any]) -> str:
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hashlib.blake2b(blob, digest_size=8).hexdigest()


def catalog_hash(catalog: pd.DataFrame) -> str:
    """A hash of everything the index holds: ids, embedded texts and payloads."""
    h = hashlib.blake2b(digest_size=16)
    for col in ("product_id", "text_key", "payload_hash"):
        h.update(col.encode() + b"\0")
        h.update("\n".join(map(str, catalog[col].tolist())).encode("utf-8"))
    return h.hexdigest()


@dataclass
class IndexDiff:
    """What an incremental update does, as row positions in the new catalogue frame and ids.

    ``upsert``: new products and products whose text changed (vectors + payload written);
    ``payload``: products whose payload alone changed; ``delete``: ids no longer in the catalogue.
    """

    upsert: np.ndarray
    payload: np.ndarray
    delete: list[int]

    @property
    def size(self) -> int:
        return len(self.upsert) + len(self.payload) + len(self.delete)


def diff_catalogs(previous: pd.DataFrame, current: pd.DataFrame) -> IndexDiff:
    """The changes from the catalogue frame ``previous`` to ``current``."""
    prev = previous.set_index("product_id")[["text_key", "payload_hash"]]
    cur_ids = current["product_id"]
    known = cur_ids.isin(prev.index).to_numpy()
    old_text = cur_ids.map(prev["text_key"]).to_numpy(dtype=object)
    old_payload = cur_ids.map(prev["payload_hash"]).to_numpy(dtype=object)
    text_changed = ~known | (old_text != current["text_key"].to_numpy(dtype=object))
    payload_changed = known & ~text_changed & (
        old_payload != current["payload_hash"].to_numpy(dtype=object))
    gone = sorted(set(prev.index.tolist()) - set(cur_ids.tolist()))
    return IndexDiff(np.flatnonzero(text_changed), np.flatnonzero(payload_changed),
                     [int(i) for i in gone])


def point_batches(catalog: pd.DataFrame, vectors: np.ndarray, rows: np.ndarray,
                  batch_size: int = 1000) -> Iterator[PointBatch]:
    """Point batches for catalogue ``rows`` (positions), with their dense ``vectors[rows]``
    and freshly computed sparse vectors."""
    names, aisles = catalog["name"].tolist(), catalog["aisle"].tolist()
    depts, descs = catalog["department"].tolist(), catalog["description"].tolist()
    for start in range(0, len(rows), batch_size):
        chunk = rows[start : start + batch_size]
        loads = payloads(catalog, chunk)
        sparse = [document_vectors(names[i], aisles[i], depts[i], descs[i]) for i in chunk]
        yield PointBatch(
            ids=[p["product_id"] for p in loads],
            dense=vectors[chunk],
            words=[w for w, _ in sparse],
            grams=[g for _, g in sparse],
            payloads=loads,
        )


def write_points(store: VectorStore, catalog: pd.DataFrame, vectors: np.ndarray,
                 rows: np.ndarray | None = None, batch_size: int = 1000) -> None:
    """Upsert catalogue ``rows`` (default: all) into ``store``, logging progress.

    The next batch's sparse vectors are computed while the store writes the previous one (one
    writer thread; batches are written in order)."""
    rows = np.arange(len(catalog)) if rows is None else np.asarray(rows)
    report = progress_callback(len(rows), "indexed products")
    done = 0
    t0 = time.perf_counter()
    with ThreadPoolExecutor(1, thread_name_prefix="upsert") as writer:
        pending: Future[None] | None = None
        for batch in point_batches(catalog, vectors, rows, batch_size):
            if pending is not None:
                pending.result()
                report(done)
            pending = writer.submit(store.upsert, batch)
            done += len(batch)
        if pending is not None:
            pending.result()
    report(done)
    log.debug("upserted %d points in %.1f s", done, time.perf_counter() - t0)


def apply_diff(store: VectorStore, catalog: pd.DataFrame, vectors: np.ndarray,
               diff: IndexDiff) -> None:
    """Apply ``diff`` to an index holding the previous catalogue."""
    store.delete(diff.delete)
    write_points(store, catalog, vectors, diff.upsert)
    store.set_payloads({p["product_id"]: p for p in payloads(catalog, diff.payload)})
