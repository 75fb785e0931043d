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
library versions, a hash of the inputs, the build settings), checked when the stage is opened,
and the list of files the stage's writer wrote with their sizes (``files``), which
:meth:`Store.check_files` compares with the disk before anything is served.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import stat
import time
import uuid
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from cartwise import __version__
from cartwise.errors import StoreError

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
#: Manifest key: every file the stage's writer wrote, path relative to the stage folder (POSIX
#: separators) -> its size in bytes. Recorded by :meth:`Store.write_stage`, so the list is what
#: the writer wrote and cannot drift from it.
FILES_KEY = "files"
#: Manifest key: sub-folders whose files another engine owns and may rewrite when it opens them
#: (the embedded Qdrant index updates its config): checked to exist and hold files, not file by
#: file.
OPAQUE_DIRS_KEY = "opaque_dirs"
#: What a loader meets when a stage file is missing, truncated or not what it should be.
READ_ERRORS: tuple[type[BaseException], ...] = (OSError, ValueError, KeyError, IndexError,
                                                EOFError, zipfile.BadZipFile)
REBUILD_HINT = "run `cartwise build --force`"
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

    def check_files(self, stage: str, folder: Path, manifest: dict[str, Any]) -> None:
        """Check, cheaply (one ``stat`` per file, nothing read), that every file the writer of
        ``stage`` wrote into ``folder`` is there with the size it was written with, and that its
        opaque folders hold files. A manifest written before files were listed is not checked.

        Raises:
            StoreError: naming the store, the stage and the first missing or damaged file.
        """
        files = manifest.get(FILES_KEY)
        if not isinstance(files, dict):
            return
        for rel, size in files.items():
            try:
                st = (folder / rel).stat()
            except FileNotFoundError:
                raise StoreError(self._problem(stage, f"is missing {rel}")) from None
            except OSError as exc:
                raise StoreError(self._problem(stage, f"cannot read {rel} ({exc})")) from exc
            if not stat.S_ISREG(st.st_mode):
                raise StoreError(self._problem(stage, f"has {rel} but it is not a file"))
            if st.st_size != size:
                raise StoreError(self._problem(
                    stage, f"has a damaged {rel} ({st.st_size:,} bytes; {size:,} when built)"))
        for rel in manifest.get(OPAQUE_DIRS_KEY, []):
            d = folder / rel
            if not d.is_dir() or not any(d.iterdir()):
                raise StoreError(self._problem(stage, f"is missing {rel}/ (or it is empty)"))

    def file_error(self, stage: str, rel: str | Path, exc: BaseException) -> StoreError:
        """The error for a loader that met ``exc`` reading the file ``rel`` of ``stage``:
        "store R: stage S is missing F; run `cartwise build --force`" (or "has a damaged F
        (why)")."""
        rel = Path(rel).as_posix()
        if isinstance(exc, FileNotFoundError):
            return StoreError(self._problem(stage, f"is missing {rel}"))
        return StoreError(self._problem(stage, f"has a damaged {rel} ({type(exc).__name__}: "
                                               f"{exc})"))

    def _problem(self, stage: str, what: str) -> str:
        return f"store {self.root}: stage {stage} {what}; {REBUILD_HINT}"

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
    def write_stage(self, stage: str, manifest: dict[str, Any],
                    opaque_dirs: Sequence[str] = ()) -> Iterator[Path]:
        """Yield an empty folder to write ``stage`` into; publish it atomically on success.

        The caller must hold :meth:`lock`. ``manifest`` (JSON-able) is completed with the format
        of the store, the Cartwise and library versions, the build time and every file written
        with its size (:data:`FILES_KEY`; the files under ``opaque_dirs``, sub-folders another
        engine owns, are not listed: the folders are, under :data:`OPAQUE_DIRS_KEY`), and written
        last. On an exception nothing is published and the temporary folder is removed.
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
                FILES_KEY: _file_sizes(tmp, opaque_dirs),
                OPAQUE_DIRS_KEY: list(opaque_dirs),
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


def _file_sizes(folder: Path, opaque_dirs: Sequence[str]) -> dict[str, int]:
    """Every regular file under ``folder`` (outside ``opaque_dirs``) -> its size, sorted."""
    skip = {Path(d).parts[0] for d in opaque_dirs}
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if rel.parts[0] in skip or not p.is_file() or p.is_symlink():
            continue
        out[rel.as_posix()] = p.stat().st_size
    return out


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, sort_keys=False, default=str) + "\n",
                    encoding="utf-8")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
