"""Sentence encoders for intent recognition: the :class:`SentenceEncoder` protocol, the adapter
that lets the planner share the product search's sentence model (the project's one loader of
it, :class:`~cartwise.retrieval.embedder.SentenceTransformerEmbedder`) and a deterministic fake
for tests.

Every encoder returns float32 rows of unit L2 norm, so cosine similarity is a dot product.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

log = logging.getLogger(__name__)


@runtime_checkable
class SentenceEncoder(Protocol):
    """Turns texts into unit vectors.

    ``encode(texts)`` returns a float32 array of shape ``(len(texts), dim)`` whose rows have unit
    L2 norm, in input order. The retrieval layer's embedders serve as one through
    :class:`QueryEmbedderEncoder`, so one loaded model serves search and planning.
    """

    def encode(self, texts: list[str]) -> np.ndarray: ...


def _unit_rows(x: Any) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr[None, :]
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    return arr / np.maximum(norms, 1e-12)


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
