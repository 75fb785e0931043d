"""The embedding cache: vectors keyed by a hash of the embedded text, one ``.npz`` file per model.

A rebuild looks every product text up here and embeds only the texts it has not seen, so changing
a few products re-embeds a few products. The cache lives in the store's cache folder
``Store.cache_dir(CACHE_NAME)`` (``STORE/.cache/retrieval``, see :data:`cartwise.retrieval.
CACHE_NAME`), outside the versioned stages, so it survives the atomic stage swap; it is only ever
a cache: deleting it costs one full embedding run, nothing else.

File format (``embeddings-<model hash>.npz``, read with ``allow_pickle=False``): ``keys``, an
``(n, 16)`` uint8 array of the 16-byte BLAKE2b digests of the texts (not a bytes dtype: NumPy's
``S`` strings drop trailing zero bytes); ``vectors``, ``(n, dim)`` float32; ``model_id``, a 0-d
string array naming the model.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from cartwise.retrieval.embedder import Embedder

log = logging.getLogger(__name__)

KEY_BYTES = 16


def text_key(text: str) -> bytes:
    """The cache key of a text: its 16-byte BLAKE2b digest."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=KEY_BYTES).digest()


def _keys_to_array(keys: list[bytes]) -> np.ndarray:
    return np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), KEY_BYTES)


def _keys_from_array(arr: np.ndarray) -> list[bytes]:
    return [bytes(row) for row in np.ascontiguousarray(arr, dtype=np.uint8)]


class EmbeddingCache:
    """Embeddings of one model, keyed by :func:`text_key`, persisted in ``folder``.

    Args:
        folder: where the cache file lives (created on :meth:`save`).
        model_id: the embedder's ``model_id``; each model has its own file.
        dim: the vector dimension; a file with another dimension is ignored.
    """

    def __init__(self, folder: Path, model_id: str, dim: int) -> None:
        self.model_id = model_id
        self.dim = dim
        digest = hashlib.blake2b(model_id.encode("utf-8"), digest_size=6).hexdigest()
        self.path = Path(folder) / f"embeddings-{digest}.npz"
        self._index: dict[bytes, int] = {}
        self._vectors = np.zeros((0, dim), dtype=np.float32)
        self._new_keys: list[bytes] = []
        self._new_vectors: list[np.ndarray] = []
        self._load()

    def __len__(self) -> int:
        return len(self._index) + sum(len(v) for v in self._new_vectors)

    def _load(self) -> None:
        if not self.path.is_file():
            return
        try:
            with np.load(self.path, allow_pickle=False) as npz:
                keys, vectors, model = npz["keys"], npz["vectors"], str(npz["model_id"])
        except (OSError, ValueError, KeyError) as exc:
            log.warning("ignoring unreadable embedding cache %s: %s", self.path, exc)
            return
        if (model != self.model_id or vectors.ndim != 2 or vectors.shape[1] != self.dim
                or keys.shape != (len(vectors), KEY_BYTES)):
            log.warning("ignoring embedding cache %s: made by %s, dim %s", self.path, model,
                        vectors.shape[1:])
            return
        self._vectors = vectors.astype(np.float32, copy=False)
        self._index = {k: i for i, k in enumerate(_keys_from_array(keys))}
        log.info("embedding cache %s: %d vectors", self.path.name, len(self._index))

    def lookup(self, keys: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray]:
        """Vectors for ``keys``: ``(vectors (n, dim) float32, found (n,) bool)``; rows of keys
        not in the cache are zero."""
        self._merge()
        rows = np.array([self._index.get(k, -1) for k in keys], dtype=np.int64)
        found = rows >= 0
        out = np.zeros((len(keys), self.dim), dtype=np.float32)
        if found.any():
            out[found] = self._vectors[rows[found]]
        return out, found

    def add(self, keys: Sequence[bytes], vectors: np.ndarray) -> None:
        """Remember ``vectors`` (``(len(keys), dim)``) under ``keys``."""
        if len(keys) != len(vectors):
            raise ValueError("keys and vectors differ in length")
        self._new_keys.extend(keys)
        self._new_vectors.append(np.asarray(vectors, dtype=np.float32))

    def _merge(self) -> None:
        if not self._new_vectors:
            return
        start = len(self._vectors)
        self._vectors = np.concatenate([self._vectors, *self._new_vectors])
        for i, k in enumerate(self._new_keys):
            self._index[k] = start + i
        self._new_keys, self._new_vectors = [], []

    def save(self, keep: Sequence[bytes] | None = None, max_size: int | None = None) -> None:
        """Write the cache atomically.

        With ``keep``, those keys are kept, and then the most recently added other keys while
        the file holds at most ``max_size`` vectors (default ``2 * len(keep)``): texts of a
        previous catalogue survive a revert, yet the file does not grow without bound.
        """
        self._merge()
        if keep is not None:
            wanted = list(dict.fromkeys(k for k in keep if k in self._index))
            room = (2 * len(wanted) if max_size is None else max_size) - len(wanted)
            if room > 0:
                chosen = set(wanted)
                extra = [k for k in reversed(self._index) if k not in chosen][:room]
                wanted += extra[::-1]
        else:
            wanted = list(self._index)
        rows = np.array([self._index[k] for k in wanted], dtype=np.int64)
        vectors = self._vectors[rows] if len(rows) else self._vectors[:0]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".tmp-{uuid.uuid4().hex[:8]}.npz")
        try:
            np.savez(tmp, keys=_keys_to_array(wanted), vectors=vectors,
                     model_id=np.array(self.model_id))
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)
        self._vectors = np.ascontiguousarray(vectors)
        self._index = {k: i for i, k in enumerate(wanted)}


def embed_cached(
    embedder: Embedder,
    texts: Sequence[str],
    cache: EmbeddingCache | None,
    *,
    batch_size: int = 64,
    what: str = "texts",
) -> tuple[np.ndarray, int]:
    """Embed ``texts`` through ``cache``: only texts not in the cache reach the embedder.

    Returns:
        ``(vectors, n_embedded)``: float32 ``(len(texts), dim)`` in input order, and how many
        texts were actually embedded (the rest came from the cache). Logs progress with counts
        and rates every few seconds.
    """
    keys = [text_key(t) for t in texts]
    if cache is not None:
        vectors, found = cache.lookup(keys)
    else:
        vectors = np.zeros((len(texts), embedder.dim), dtype=np.float32)
        found = np.zeros(len(texts), dtype=bool)
    todo = np.flatnonzero(~found)
    # The same text may appear twice (two products with one name): embed it once.
    unique: dict[bytes, int] = {}
    for i in todo:
        unique.setdefault(keys[i], int(i))
    first = list(unique.values())
    log.info("embedding %d of %d %s (%d from the cache)", len(first), len(texts), what,
             len(texts) - len(todo))
    if first:
        fresh = embedder.encode([texts[i] for i in first], batch_size=batch_size,
                                progress=progress_callback(len(first), f"embedded {what}"))
        row = {keys[i]: r for r, i in enumerate(first)}
        for i in todo:
            vectors[i] = fresh[row[keys[i]]]
        if cache is not None:
            cache.add([keys[i] for i in first], fresh)
    return vectors, len(first)


def progress_callback(total: int, what: str) -> Callable[[int], None]:
    """A progress callback logging ``done/total`` with a rate, at most every 5 seconds."""
    t0 = time.perf_counter()
    last = [t0]

    def report(done: int) -> None:
        now = time.perf_counter()
        if now - last[0] >= 5 or done == total:
            last[0] = now
            log.info("%s: %d/%d (%.0f/s)", what, done, total, done / max(now - t0, 1e-9))

    return report
