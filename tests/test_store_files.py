"""Every stage's files are checked before anything is served (issue 17).

A copy of the demo store (``demo_settings``; never the shared one) has one file of a stage
deleted or truncated; opening the services, the app and ``cartwise serve`` then fail at once,
naming the stage and the file, and a loader that meets the damage anyway names the file too.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cartwise.cli import app
from cartwise.config import Settings, get_settings
from cartwise.errors import StoreError
from cartwise.stages import STAGES
from cartwise.store import FILES_KEY, OPAQUE_DIRS_KEY, Store

#: One file of each stage that its loader reads (optional ones included: partners.npz, the
#: ledger, the load report).
FILES = [
    ("data", "products.parquet"),
    ("data", "load_report.json"),
    ("recsys", "model_als.npz"),
    ("analytics", "partners.npz"),
    ("analytics", "ledger/line_product.npy"),
    ("analytics", "users.parquet"),
    ("retrieval", "catalog.parquet"),
    ("retrieval", "vectors.npy"),
]


@pytest.fixture()
def store_copy(demo_settings: Settings, tmp_path: Path) -> Settings:
    """Settings over a private copy of the demo store (the model cache shared by a link)."""
    source = demo_settings.store_path
    target = tmp_path / "store"
    shutil.copytree(source, target, symlinks=True, ignore=shutil.ignore_patterns(".cache"))
    if (source / ".cache").exists():
        (target / ".cache").symlink_to(source / ".cache")
    return get_settings(home=demo_settings.home, store_dir=target, sessions="memory",
                        chat_provider="offline")


def _delete(settings: Settings, stage: str, rel: str) -> None:
    (Store(settings.store_path).stage_dir(stage) / rel).unlink()


def _truncate(settings: Settings, stage: str, rel: str) -> None:
    path = Store(settings.store_path).stage_dir(stage) / rel
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _forget_file_list(settings: Settings, stage: str) -> None:
    """Make ``stage``'s manifest one written before files were listed (no start-up check)."""
    path = Store(settings.store_path).stage_dir(stage) / "manifest.json"
    manifest = json.loads(path.read_text())
    del manifest[FILES_KEY]
    path.write_text(json.dumps(manifest))


def test_every_written_file_is_listed_with_its_size(demo_settings: Settings) -> None:
    store = Store(demo_settings.store_path)
    for stage in STAGES:
        manifest = store.manifest(stage)
        assert manifest is not None
        files = manifest[FILES_KEY]
        folder = store.stage_dir(stage)
        for rel, size in files.items():
            assert (folder / rel).stat().st_size == size
        assert "manifest.json" not in files
    assert {"partners.npz", "ledger/ledger.json", "users.parquet"} <= set(
        store.manifest("analytics")[FILES_KEY])
    retrieval = store.manifest("retrieval")
    assert retrieval[OPAQUE_DIRS_KEY] == ["index"]  # Qdrant rewrites its own files
    assert not any(rel.startswith("index/") for rel in retrieval[FILES_KEY])


@pytest.mark.parametrize(("stage", "rel"), FILES)
def test_build_services_names_a_missing_file(store_copy: Settings, stage: str, rel: str) -> None:
    from cartwise.services import build_services

    _delete(store_copy, stage, rel)
    with pytest.raises(StoreError) as info:
        build_services(store_copy)
    assert str(info.value) == (f"store {store_copy.store_path}: stage {stage} is missing {rel}; "
                               "run `cartwise build --force`")


@pytest.mark.parametrize(("stage", "rel"), FILES)
def test_build_services_names_a_truncated_file(store_copy: Settings, stage: str, rel: str
                                               ) -> None:
    from cartwise.services import build_services

    _truncate(store_copy, stage, rel)
    with pytest.raises(StoreError, match=f"stage {stage} has a damaged {rel} \\(") as info:
        build_services(store_copy)
    assert "when built" in str(info.value)


def test_an_empty_index_folder_is_named(store_copy: Settings) -> None:
    from cartwise.services import build_services

    index = Store(store_copy.store_path).stage_dir("retrieval") / "index"
    shutil.rmtree(index)
    index.mkdir()
    with pytest.raises(StoreError, match="stage retrieval is missing index/"):
        build_services(store_copy)


def test_the_app_fails_at_start(store_copy: Settings) -> None:
    from cartwise.server.app import create_app

    _delete(store_copy, "retrieval", "catalog.parquet")
    with pytest.raises(StoreError, match="stage retrieval is missing catalog.parquet"):
        create_app(store_copy, ui=False)


@pytest.mark.timeout(120)
def test_cartwise_serve_fails_at_start(store_copy: Settings) -> None:
    _delete(store_copy, "analytics", "partners.npz")
    result = CliRunner().invoke(app, ["serve", "--store", str(store_copy.store_path),
                                      "--no-ui", "--port", "1"],
                                env={"CARTWISE_HOME": str(store_copy.home),
                                     "CARTWISE_CHAT_PROVIDER": "offline"})
    assert result.exit_code == StoreError.exit_code, result.output
    assert "stage analytics is missing partners.npz" in result.output


# ------------------------------------------- loaders that meet the damage (no file list)


def test_data_loader_names_a_damaged_table(store_copy: Settings) -> None:
    from cartwise.data.stage import load_data

    _forget_file_list(store_copy, "data")
    _truncate(store_copy, "data", "products.parquet")
    with pytest.raises(StoreError, match="stage data has a damaged products.parquet"):
        load_data(Store(store_copy.store_path))


def test_recsys_loader_names_a_missing_model(store_copy: Settings) -> None:
    from cartwise.catalog import load_catalog
    from cartwise.recsys.stage import load_recsys

    store = Store(store_copy.store_path)
    catalog = load_catalog(store)
    _forget_file_list(store_copy, "recsys")
    _delete(store_copy, "recsys", "model_item_cf.npz")
    with pytest.raises(StoreError, match="stage recsys is missing model_item_cf.npz; run"):
        load_recsys(store, catalog)


def test_analytics_loader_names_a_missing_partners_file(store_copy: Settings) -> None:
    from cartwise.analytics.stage import load_analytics
    from cartwise.catalog import load_catalog

    store = Store(store_copy.store_path)
    _delete(store_copy, "analytics", "partners.npz")
    with pytest.raises(StoreError, match="stage analytics is missing partners.npz"):
        load_analytics(store, load_catalog(store))


def test_analytics_loader_names_a_damaged_table(store_copy: Settings) -> None:
    from cartwise.analytics.stage import load_analytics
    from cartwise.catalog import load_catalog

    store = Store(store_copy.store_path)
    _forget_file_list(store_copy, "analytics")
    _truncate(store_copy, "analytics", "users.parquet")
    with pytest.raises(StoreError, match="has a damaged users.parquet"):
        load_analytics(store, load_catalog(store))
    _truncate(store_copy, "analytics", "ledger/user.npy")
    _delete(store_copy, "analytics", "users.parquet")
    with pytest.raises(StoreError, match="is missing users.parquet"):
        load_analytics(store, load_catalog(store))


def test_retrieval_loader_names_the_file(store_copy: Settings) -> None:
    from cartwise.catalog import load_catalog
    from cartwise.retrieval.stage import load_retrieval

    store = Store(store_copy.store_path)
    catalog = load_catalog(store)
    _forget_file_list(store_copy, "retrieval")
    _truncate(store_copy, "retrieval", "vectors.npy")
    with pytest.raises(StoreError, match="stage retrieval has a damaged vectors.npy"):
        load_retrieval(store, store_copy, catalog)
    _delete(store_copy, "retrieval", "catalog.parquet")
    with pytest.raises(StoreError, match="stage retrieval is missing catalog.parquet"):
        load_retrieval(store, store_copy, catalog)
