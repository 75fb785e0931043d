"""The model store: atomic publishing, manifests, the build lock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cartwise.errors import StoreError
from cartwise.store import Store, hash_files


def _publish(store: Store, text: str, version: int = 1) -> None:
    with store.lock(), store.write_stage("data", {"format_version": version}) as tmp:
        (tmp / "table.txt").write_text(text)


def test_publish_and_open(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    _publish(store, "v1")
    folder, manifest = store.open_stage("data", 1)
    assert (folder / "table.txt").read_text() == "v1"
    assert manifest["stage"] == "data"
    assert manifest["format_version"] == 1
    assert "pandas" in manifest["libraries"]
    assert (tmp_path / "store" / "data").is_symlink()


def test_republish_replaces_and_cleans_the_old_version(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    _publish(store, "v1")
    first = store.stage_dir("data").resolve()
    _publish(store, "v2")
    assert (store.stage_dir("data") / "table.txt").read_text() == "v2"
    assert not first.exists()
    assert sorted(p.name for p in store.root.iterdir() if not p.name.startswith(".")) == [
        "data", store.stage_dir("data").resolve().name]


def test_failed_write_keeps_the_previous_version(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    _publish(store, "v1")
    with pytest.raises(RuntimeError), store.lock(), store.write_stage("data", {}) as tmp:
        (tmp / "table.txt").write_text("half")
        raise RuntimeError("boom")
    assert (store.stage_dir("data") / "table.txt").read_text() == "v1"
    assert not [p for p in store.root.iterdir() if p.name.startswith(".tmp-")]


def test_format_mismatch_is_a_clear_error(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    _publish(store, "v1", version=1)
    with pytest.raises(StoreError, match="format version 1.*reads version 2.*--force"):
        store.open_stage("data", 2)


def test_missing_stage_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cartwise build"):
        Store(tmp_path / "nowhere").open_stage("data", 1)


def test_second_build_is_refused_while_one_runs(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    with store.lock(), pytest.raises(StoreError, match="another build"), Store(store.root).lock():
        pass


def test_leftovers_of_a_killed_build_are_removed(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    _publish(store, "v1")
    (store.root / ".tmp-data-deadbeef").mkdir()
    (store.root / "data@20000101T000000-abcdef").mkdir()
    _publish(store, "v2")
    names = {p.name for p in store.root.iterdir()}
    assert ".tmp-data-deadbeef" not in names
    assert "data@20000101T000000-abcdef" not in names


def test_killed_writer_leaves_the_store_loadable(tmp_path: Path) -> None:
    """A process killed with SIGKILL in the middle of writing a stage."""
    store = Store(tmp_path / "store")
    _publish(store, "v1")
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from cartwise.store import Store\n"
        "s = Store(Path(sys.argv[1]))\n"
        "with s.lock(), s.write_stage('data', {'format_version': 1}) as tmp:\n"
        "    (tmp / 'table.txt').write_text('half')\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, str(store.root)], check=False)
    assert proc.returncode == -9
    folder, _ = store.open_stage("data", 1)
    assert (folder / "table.txt").read_text() == "v1"
    _publish(store, "v2")  # and the next build cleans up and succeeds
    assert (store.stage_dir("data") / "table.txt").read_text() == "v2"
    assert not [p for p in store.root.iterdir() if p.name.startswith(".tmp-")]


def test_hash_depends_on_content_not_order_or_time(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("x\n1\n")
    b.write_text("y\n2\n")
    h = hash_files([a, b])
    assert hash_files([b, a]) == h
    os.utime(a, (0, 0))
    assert hash_files([a, b]) == h
    a.write_text("x\n3\n")
    assert hash_files([a, b]) != h
    assert hash_files([a, b], extra={"layout": "x"}) != hash_files([a, b])


def test_manifest_is_json(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    _publish(store, "v1")
    json.loads((store.stage_dir("data") / "manifest.json").read_text())
