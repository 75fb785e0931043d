"""Sentence encoders: the fake, the adapter for the retrieval embedder, the real model."""

from __future__ import annotations

import numpy as np

from cartwise.agent.planner import FakeEncoder, Planner, QueryEmbedderEncoder, SentenceEncoder
from cartwise.catalog import Vocabulary


def test_fake_encoder_is_deterministic_unit_and_word_sensitive() -> None:
    enc = FakeEncoder(dim=64)
    a = enc.encode(["churn risk of user 5", "churn risk of user 5", "best sellers in produce"])
    assert a.shape == (3, 64) and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(a[0], a[1])
    b = enc.encode(["churn risk of user 7"])[0]
    assert float(a[0] @ b) > float(a[2] @ b)
    assert isinstance(enc, SentenceEncoder)


class _Embedder:
    """A stand-in for the retrieval embedder (encode_query / encode)."""

    model_id = "stub"

    def __init__(self) -> None:
        self.queries = 0
        self.batches = 0

    def encode_query(self, text: str) -> np.ndarray:
        self.queries += 1
        return np.array([3.0, 4.0], dtype=np.float32)

    def encode(self, texts: list[str]) -> np.ndarray:
        self.batches += 1
        return np.tile(np.array([0.0, 2.0], dtype=np.float32), (len(texts), 1))


def test_query_embedder_adapter_routes_single_texts_to_the_query_path() -> None:
    stub = _Embedder()
    enc = QueryEmbedderEncoder(stub)
    np.testing.assert_allclose(enc.encode(["one"]), [[0.6, 0.8]])
    np.testing.assert_allclose(enc.encode(["a", "b"]), [[0.0, 1.0], [0.0, 1.0]])
    assert (stub.queries, stub.batches) == (1, 1)
    assert enc.model_id == "stub"


def test_default_encoder_shares_the_retrieval_loader_and_loads_lazily(
        vocabulary: Vocabulary) -> None:
    from cartwise.retrieval.embedder import SentenceTransformerEmbedder

    enc = Planner(vocabulary).encoder
    assert isinstance(enc, QueryEmbedderEncoder)
    embedder = enc._embedder
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert embedder._model is None  # nothing loaded until the first encode


def test_real_encoder_gives_unit_vectors(real_planner: Planner) -> None:
    vecs = real_planner.encoder.encode(["what should user 42 buy", "hello"])
    assert vecs.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, rtol=1e-4)
