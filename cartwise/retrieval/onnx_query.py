"""A low-latency query encoder: the sentence-transformers pipeline exported to ONNX, run by ONNX
Runtime on one thread.

Why: on the 2-core reference machine PyTorch needs about 10-13 ms to embed one short query with
all-MiniLM-L6-v2 (per-operator overhead dominates for ~10 tokens); ONNX Runtime with its fused
graph needs 4-6 ms for the same float32 vector (cosine to PyTorch's > 0.99999), which is what
lets a search, query embedding included, stay within 10 ms. Batches of documents stay on PyTorch
(bfloat16 autocast), which is faster there.

The export (``torch.onnx.export``, about 10 s) runs once per model and library versions; the
file is cached (``query-<hash>.onnx``) and written atomically, so concurrent processes are safe.
Once its output has been checked against PyTorch's, a note beside it (``query-<hash>.json``:
the model's maximum sequence length and dimension) lets later processes load it with the
model folder's ``tokenizer.json`` alone (:func:`load_cached`): queries are then embedded without
importing PyTorch or sentence-transformers at all (about 0.5 s to load instead of 5-10 s).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
import uuid
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

#: Exported models whose output differs more than this (1 - cosine) from PyTorch's are rejected.
MAX_DRIFT = 1e-4
_PROBES = ("organic bananas", "a longer query about low fat greek yogurt with honey and oats")


def onnx_available() -> bool:
    """Whether ONNX Runtime and the exporter's packages are importable."""
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
        import onnxscript  # noqa: F401
    except ImportError:
        return False
    return True


def cache_file(folder: Path, model_id: str) -> Path:
    """The cached ONNX file of ``model_id`` for the installed torch / sentence-transformers."""
    key = "|".join([model_id, *(_version(p) for p in ("torch", "sentence-transformers",
                                                      "transformers", "onnxscript"))])
    return Path(folder) / f"query-{hashlib.blake2b(key.encode(), digest_size=8).hexdigest()}.onnx"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


def _input_names(model: Any) -> list[str]:
    import torch

    features = model.preprocess(list(_PROBES))
    return [k for k, v in features.items() if isinstance(v, torch.Tensor)]


def export(model: Any, path: Path) -> None:
    """Export the whole sentence-transformers ``model`` (transformer, pooling, normalisation) to
    ``path``: inputs are the tokenizer's tensors, the output is the sentence embedding."""
    import torch

    names = _input_names(model)

    class _Pipeline(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.st = model

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            features: dict[str, Any] = dict(zip(names, tensors, strict=True))
            features["modality"] = "text"
            return self.st(features)["sentence_embedding"]

    example = model.preprocess(list(_PROBES))
    dims = {0: torch.export.Dim("batch", max=4096), 1: torch.export.Dim("seq", max=4096)}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{uuid.uuid4().hex[:8]}.onnx")
    t0 = time.perf_counter()
    quiet = [logging.getLogger(n) for n in ("torch", "torch.onnx", "torch.export", "onnxscript",
                                               "onnx_ir")]
    levels = [lg.level for lg in quiet]
    try:
        for lg in quiet:
            lg.setLevel(logging.ERROR)
        with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
            warnings.simplefilter("ignore")
            program = torch.onnx.export(
                _Pipeline().eval(), tuple(example[n] for n in names), input_names=names,
                output_names=["query_embedding"], dynamic_shapes=(tuple(dims for _ in names),),
                dynamo=True, verbose=False)
            program.save(str(tmp))
        os.replace(tmp, path)
    finally:
        for lg, level in zip(quiet, levels, strict=True):
            lg.setLevel(level)
        tmp.unlink(missing_ok=True)
    log.info("exported the query encoder to %s in %.1f s", path.name, time.perf_counter() - t0)


def note_file(path: Path) -> Path:
    """The note beside the exported ``path`` saying it was checked against PyTorch."""
    return path.with_suffix(".json")


class FastTokenizer:
    """The model's ``tokenizer.json`` through the ``tokenizers`` library, called the way a
    Hugging Face tokenizer is (``tok(texts, padding=True, truncation=True, max_length=n,
    return_tensors="np")``): the same ids, without importing transformers or PyTorch."""

    def __init__(self, path: Path) -> None:
        from tokenizers import Tokenizer

        self._tok = Tokenizer.from_file(str(path))
        pad = "[PAD]"
        special = path.with_name("special_tokens_map.json")
        if special.is_file():
            value = json.loads(special.read_text(encoding="utf-8")).get("pad_token", pad)
            pad = value.get("content", pad) if isinstance(value, dict) else str(value)
        pad_id = self._tok.token_to_id(pad)
        self._pad = (pad, 0 if pad_id is None else pad_id)
        self._max_length: int | None = None

    def __call__(self, texts: list[str], *, padding: bool = True, truncation: bool = True,
                 max_length: int, return_tensors: str = "np") -> dict[str, np.ndarray]:
        if self._max_length != max_length:
            self._tok.no_padding()
            self._tok.enable_truncation(max_length)
            self._tok.enable_padding(pad_id=self._pad[1], pad_token=self._pad[0])
            self._max_length = max_length
        enc = self._tok.encode_batch(list(texts))
        return {"input_ids": np.array([e.ids for e in enc], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64)}


class OnnxQueryEncoder:
    """ONNX Runtime session over an exported query encoder (one intra-op thread).

    Args:
        path: the ``.onnx`` file written by :func:`export`.
        tokenizer: the model's Hugging Face tokenizer (or a :class:`FastTokenizer`).
        max_length: the model's maximum sequence length (longer queries are truncated).
        lock: held while tokenising (a Rust tokenizer must not be called from two threads at
            once; share the lock of whatever else uses the same tokenizer). The session itself
            runs concurrently.
        dim: the embedding dimension (None: read from the session's output, if fixed).
    """

    def __init__(self, path: Path, tokenizer: Any, max_length: int,
                 lock: threading.Lock | None = None, dim: int | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = ort.InferenceSession(str(path), options,
                                             providers=["CPUExecutionProvider"])
        self._inputs = [i.name for i in self._session.get_inputs()]
        self._tokenizer = tokenizer
        self._max_length = max_length
        self._lock = lock or threading.Lock()
        shape = self._session.get_outputs()[0].shape
        self.dim = dim if dim is not None else (shape[-1] if isinstance(shape[-1], int) else None)
        self.max_length = max_length

    def encode(self, texts: list[str]) -> np.ndarray:
        """Float32 ``(len(texts), dim)`` embeddings (unit norm if the model normalises)."""
        with self._lock:
            enc = self._tokenizer(texts, padding=True, truncation=True,
                                  max_length=self._max_length, return_tensors="np")
        feed = {name: np.asarray(enc[name], dtype=np.int64) for name in self._inputs}
        return np.asarray(self._session.run(None, feed)[0], dtype=np.float32)


def load_or_export(model: Any, folder: Path | None, model_id: str, reference: Any,
                   lock: threading.Lock | None = None) -> OnnxQueryEncoder | None:
    """An :class:`OnnxQueryEncoder` for ``model``, exporting it into ``folder`` if needed (or to
    a temporary file when ``folder`` is None); None, with a warning, if the export fails or its
    output drifts from ``reference`` (a function texts -> PyTorch embeddings)."""
    import tempfile

    tmpdir = None
    if folder is None:
        tmpdir = tempfile.TemporaryDirectory(prefix="cartwise-onnx-")
        folder = Path(tmpdir.name)
    path = cache_file(folder, model_id)
    try:
        if not path.is_file():
            log.info("exporting the query encoder to ONNX (once per model, about 10 s)")
            export(model, path)
        encoder = OnnxQueryEncoder(path, model.tokenizer, int(model.max_seq_length), lock)
        got, want = encoder.encode(list(_PROBES)), reference(list(_PROBES))
        drift = float(1 - np.min(np.sum(_unit(got) * _unit(want), axis=1)))
        if drift > MAX_DRIFT:
            log.warning("the ONNX query encoder drifts from PyTorch (1 - cos = %.2g): "
                        "queries use PyTorch", drift)
            path.unlink(missing_ok=True)
            note_file(path).unlink(missing_ok=True)
            return None
        if tmpdir is None:
            _write_note(path, {"model_id": model_id, "max_length": int(model.max_seq_length),
                               "dim": int(got.shape[1]), "drift": drift})
        return encoder
    except Exception as exc:  # the exporter raises many kinds; any failure means "use torch"
        log.warning("cannot run the query encoder on ONNX Runtime (%s: %s): queries use PyTorch",
                    type(exc).__name__, exc)
        return None
    finally:
        if tmpdir is not None:
            tmpdir.cleanup()


def _write_note(path: Path, note: dict[str, Any]) -> None:
    tmp = path.with_name(f".tmp-{uuid.uuid4().hex[:8]}.json")
    try:
        tmp.write_text(json.dumps(note), encoding="utf-8")
        os.replace(tmp, note_file(path))
    finally:
        tmp.unlink(missing_ok=True)


def load_cached(folder: Path | None, model_id: str, model_path: str | None,
                lock: threading.Lock | None = None) -> OnnxQueryEncoder | None:
    """The exported query encoder of ``model_id`` in ``folder``, loaded without PyTorch: only
    when it was checked against PyTorch (its note is there), the model folder ``model_path``
    has a ``tokenizer.json`` and ONNX Runtime is installed; None otherwise (the caller loads
    the model and :func:`load_or_export`)."""
    if folder is None or model_path is None:
        return None
    path = cache_file(folder, model_id)
    tokenizer_file = Path(model_path) / "tokenizer.json"
    if not (path.is_file() and note_file(path).is_file() and tokenizer_file.is_file()):
        return None
    try:
        note = json.loads(note_file(path).read_text(encoding="utf-8"))
        if note.get("model_id") != model_id:
            return None
        return OnnxQueryEncoder(path, FastTokenizer(tokenizer_file), int(note["max_length"]),
                                lock, dim=int(note["dim"]))
    except Exception as exc:  # ONNX Runtime and tokenizers raise many kinds: load the model
        log.warning("cannot load the cached query encoder %s (%s: %s): loading the model",
                    path.name, type(exc).__name__, exc)
        return None


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
