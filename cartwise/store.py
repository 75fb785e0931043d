"""The model store: one folder holding every built artifact, one sub-folder per build stage.

Layout::

    STORE/
      data -> data@20261123T170402-1a2b3c   (a symlink, swapped atomically)
      data@20261123T170402-1a2b3c/           (the current version of the "data" stage)
        manifest.json, *.parquet, ...
      .build.lock                             (held while a build runs)
      .cache/<name>/                          (caches that survive rebuilds: embeddings, ...)

A stage is written into a hidden temporary folder and published by renaming it to a versioned
name and atomically replacing the stage's symlink (``os.replace``). A build that fails or is
killed at any point leaves the previous version in place and loadable; leftovers of killed builds
are removed by the next build. Every stage folder carries a ``manifest.json`` (format version,
library versions, a hash of the inputs, the build settings), checked when the stage is opened.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from cartwise import __version__
from cartwise.errors import StoreError

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
_TMP_PREFIX = ".tmp-"
_LIBRARIES = ("numpy", "pandas", "pyarrow", "scipy", "implicit", "qdrant-client",
              "sentence-transformers")


def library_versions(names: Iterable[str] = _LIBRARIES) -> dict[str, str]:
    """Installed versions of ``names`` (missing ones are left out)."""
    out = {}
    for name in names:
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[name] = metadata.version(name)
    return out


def hash_files(paths: Iterable[Path], extra: Any = None) -> str:
    """A content hash of the files (name, size and bytes) and of the JSON-able ``extra``.

    File order does not matter. Reads each file once in 8 MiB chunks (about 1 GB/s).
    """
    h = hashlib.blake2b(digest_size=16)
    for p in sorted(Path(p) for p in paths):
        h.update(p.name.encode() + b"\0" + str(p.stat().st_size).encode() + b"\0")
        with p.open("rb") as fh:
            while chunk := fh.read(1 << 23):
                h.update(chunk)
    h.update(json.dumps(extra, sort_keys=True, default=str).encode())
    return h.hexdigest()


@dataclass
class StageResult:
    """Outcome of building one stage: rebuilt or up to date, its manifest, how long it took,
    a summary of counts (label -> whole number) and lines to show a person."""

    name: str
    rebuilt: bool
    manifest: dict[str, Any]
    seconds: float
    summary: dict[str, int] = field(default_factory=dict)
    details: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


class Store:
    """A model store folder. Cheap to construct; touches the disk only when asked.

    Args:
        root: the store folder; created on the first write.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def stage_dir(self, stage: str) -> Path:
        """The folder of the current version of ``stage`` (it may not exist)."""
        return self.root / stage

    def cache_dir(self, name: str) -> Path:
        """The cache folder ``name`` (``STORE/.cache/<name>``): outside the versioned stages, so
        it survives rebuilds; only ever a cache (deleting it costs time, nothing else)."""
        return self.root / ".cache" / name

    def has_stage(self, stage: str) -> bool:
        return (self.stage_dir(stage) / MANIFEST).is_file()

    def manifest(self, stage: str) -> dict[str, Any] | None:
        """The manifest of the current version of ``stage``, or None if there is none."""
        path = self.stage_dir(stage) / MANIFEST
        if not path.is_file():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise StoreError(f"unreadable manifest {path}: {exc}") from exc

    def open_stage(self, stage: str, format_version: int) -> tuple[Path, dict[str, Any]]:
        """The folder and manifest of ``stage``, checked against ``format_version``.

        Resolves the stage symlink once, so a concurrent rebuild cannot swap files under a reader.

        Raises:
            StoreError: the stage was never built, or was built by an incompatible version.
        """
        manifest = self.manifest(stage)
        if manifest is None:
            raise StoreError(
                f"the store {self.root} has no {stage!r} stage: run `cartwise build` first"
            )
        found = manifest.get("format_version")
        if found != format_version:
            raise StoreError(
                f"the {stage!r} stage in {self.root} has format version {found}, this Cartwise "
                f"reads version {format_version}: rebuild it with `cartwise build --force`"
            )
        return self.stage_dir(stage).resolve(), manifest

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the store's build lock; raise :class:`StoreError` if another build holds it."""
        self.root.mkdir(parents=True, exist_ok=True)
        fh = (self.root / ".build.lock").open("a+")
        try:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise StoreError(f"another build is running on the store {self.root}") from exc
            self._remove_leftovers()
            yield
        finally:
            fh.close()

    @contextlib.contextmanager
    def write_stage(self, stage: str, manifest: dict[str, Any]) -> Iterator[Path]:
        """Yield an empty folder to write ``stage`` into; publish it atomically on success.

        The caller must hold :meth:`lock`. ``manifest`` (JSON-able) is completed with the format
        of the store, the Cartwise and library versions and the build time, and written last.
        On an exception nothing is published and the temporary folder is removed.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f"{_TMP_PREFIX}{stage}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            yield tmp
            full = {
                "stage": stage,
                **manifest,
                "cartwise_version": __version__,
                "libraries": library_versions(),
                "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            _write_json(tmp / MANIFEST, full)
            self._publish(stage, tmp)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def _publish(self, stage: str, tmp: Path) -> None:
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        version = f"{stage}@{stamp}-{uuid.uuid4().hex[:6]}"
        os.rename(tmp, self.root / version)
        link = self.root / stage
        previous = link.resolve() if link.is_symlink() else None
        if link.exists() and not link.is_symlink():
            raise StoreError(f"{link} is a real folder, not a stage link: move it away")
        tmp_link = self.root / f"{_TMP_PREFIX}link-{uuid.uuid4().hex[:8]}"
        os.symlink(version, tmp_link)
        os.replace(tmp_link, link)  # the atomic step
        _fsync_dir(self.root)
        log.info("published stage %s as %s", stage, version)
        if previous is not None and previous.name != version:
            shutil.rmtree(previous, ignore_errors=True)

    def _remove_leftovers(self) -> None:
        """Remove temporary folders and unreferenced versions left by killed builds."""
        live = {p.resolve().name for p in self.root.iterdir() if p.is_symlink()}
        for p in self.root.iterdir():
            if p.name.startswith(_TMP_PREFIX) or ("@" in p.name and p.name not in live):
                if p.is_symlink() or p.is_file():
                    p.unlink(missing_ok=True)
                else:
                    shutil.rmtree(p, ignore_errors=True)


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, sort_keys=False, default=str) + "\n",
                    encoding="utf-8")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
