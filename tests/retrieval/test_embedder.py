"""Embedders: the hashing test aid, the real MiniLM model (offline) and its ONNX query path,
and the embedding cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cartwise.retrieval.cache import EmbeddingCache, embed_cached, text_key
from cartwise.retrieval.embedder import Embedder, HashingEmbedder, SentenceTransformerEmbedder
from cartwise.retrieval.onnx_query import cache_file, onnx_available


def test_hashing_embedder_is_deterministic_unit_norm_and_counts_calls() -> None:
    e = HashingEmbedder(dim=32)
    assert isinstance(e, Embedder)
    a = e.encode(["Organic Banana", "Greek Yogurt"])
    assert a.shape == (2, 32) and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(a, HashingEmbedder(dim=32).encode(["Organic Banana",
                                                                     "Greek Yogurt"]))
    assert e.calls == 1 and e.encoded == 2
    # texts sharing words are closer than unrelated texts
    q = e.encode_query("banana")
    assert float(q @ a[0]) > float(q @ a[1])


def test_minilm_loads_offline_and_embeds_unit_vectors(minilm: SentenceTransformerEmbedder) -> None:
    assert minilm.dim == 384
    assert "all-MiniLM-L6-v2" in minilm.model_id
    docs = minilm.encode(["Banana (fresh fruits, produce)",
                          "Dish Soap (dish detergents, household)",
                          "Organic Bananas (fresh fruits, produce)"], batch_size=2)
    assert docs.shape == (3, 384) and docs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, rtol=1e-5)
    q = minilm.encode_query("bananas")
    assert float(q @ docs[0]) > float(q @ docs[1]) + 0.2
    # the batch path (bfloat16 where the CPU has it) matches the float32 query path
    same = minilm.encode_query("Banana (fresh fruits, produce)")
    assert float(same @ docs[0]) > 0.995


@pytest.mark.slow
@pytest.mark.skipif(not onnx_available(), reason="onnxruntime / onnx / onnxscript not installed")
def test_onnx_query_encoder_gives_the_pytorch_vectors(tmp_path: Path,
                                                      minilm: SentenceTransformerEmbedder) -> None:
    fast = SentenceTransformerEmbedder(query_runtime="onnx", onnx_dir=tmp_path)
    fast.warm_up()  # exports once (about 10 s) into tmp_path
    assert fast.query_runtime == "onnx"
    assert cache_file(tmp_path, fast.model_id).is_file()
    for text in ("bananas", "a much longer query about low fat greek yogurt with honey"):
        assert float(fast.encode_query(text) @ minilm.encode_query(text)) > 0.9999


def test_cache_round_trip_keeps_keys_with_trailing_zero_bytes(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, "model-a", 4)
    keys = [b"\x01" * 15 + b"\x00", b"\x00" * 16, text_key("banana")]
    vectors = np.arange(12, dtype=np.float32).reshape(3, 4)
    cache.add(keys, vectors)
    cache.save()
    again = EmbeddingCache(tmp_path, "model-a", 4)
    got, found = again.lookup(keys + [b"\x02" * 16])
    assert found.tolist() == [True, True, True, False]
    np.testing.assert_array_equal(got[:3], vectors)
    # another model or dimension does not read this file
    assert len(EmbeddingCache(tmp_path, "model-b", 4)) == 0
    with np.load(again.path, allow_pickle=False) as npz:
        assert npz["keys"].dtype == np.uint8


def test_cache_save_keeps_the_asked_keys_and_a_bounded_rest(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, "m", 2)
    keys = [text_key(t) for t in "abcd"]
    cache.add(keys, np.arange(8, dtype=np.float32).reshape(4, 2))
    cache.save(keep=[keys[0]])  # room for one more: the most recent other key
    _, found = EmbeddingCache(tmp_path, "m", 2).lookup(keys)
    assert found.tolist() == [True, False, False, True]
    cache.save(keep=[keys[0]], max_size=1)
    assert len(EmbeddingCache(tmp_path, "m", 2)) == 1


def test_embed_cached_embeds_only_new_texts_once(tmp_path: Path) -> None:
    e = HashingEmbedder(dim=16)
    cache = EmbeddingCache(tmp_path, e.model_id, e.dim)
    first, n = embed_cached(e, ["apple", "pear", "apple"], cache)
    assert n == 2 and e.encoded == 2  # the repeated text is embedded once
    np.testing.assert_array_equal(first[0], first[2])
    second, n = embed_cached(e, ["pear", "plum", "apple"], cache)
    assert n == 1 and e.encoded == 3
    np.testing.assert_array_equal(second[0], first[1])
