"""The recsys build stage: artifacts, manifest, skipping, damage, settings."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cartwise.catalog import Catalog, load_catalog
from cartwise.config import get_settings
from cartwise.errors import ConfigError, StoreError
from cartwise.recsys.stage import (
    FORMAT_VERSION,
    build_recsys_stage,
    load_recsys,
    parse_weights,
    recsys_config,
)
from cartwise.store import Store
from tests.recsys.conftest import SMALL


def test_manifest_records_choices_and_versions(demo_store: Store) -> None:
    m = demo_store.manifest("recsys")
    assert m is not None
    assert m["format_version"] == FORMAT_VERSION == 3
    assert sum(m["weights"].values()) == pytest.approx(1.0)
    assert set(m["weights"]) == {"als", "item_cf", "popularity", "repeat"}
    assert m["validation"]["users"] > 0 and 0 <= m["validation"]["ndcg@10"] <= 1
    assert m["config"]["params"]["als"]["factors"] == 16
    assert len(m["config"]["params"]["repeat"]["coef"]) == 10
    assert m["config"]["cycle_tolerance"] in (0.25, 0.5, 1.0)  # tuning never turns it off
    assert m["config"]["tuning"]["cycle_rule"] is True
    assert "implicit" in m["libraries"]
    assert m["shape"]["users"] == 150


def test_artifacts_load_without_pickle(demo_store: Store) -> None:
    folder = demo_store.stage_dir("recsys")
    for f in folder.glob("*.npz"):
        with np.load(f, allow_pickle=False) as z:
            for k in z.files:
                assert z[k].dtype != object, (f.name, k)
    recs = load_recsys(demo_store, load_catalog(demo_store))
    assert recs.engine.models["als"].user_factors.shape == (recs.x.n_users, 16)
    assert np.array_equal(recs.x.item_ids, recs.catalog.ids)


def test_loading_over_another_catalogue_asks_for_a_rebuild(demo_store: Store) -> None:
    catalog = load_catalog(demo_store)
    products = pd.DataFrame({"product_id": catalog.ids[:-1], "product_name": catalog.names[:-1],
                             "aisle": catalog.aisles[:-1],
                             "department": catalog.departments[:-1],
                             "price": catalog.prices[:-1]})
    with pytest.raises(StoreError, match="cartwise build --force"):
        load_recsys(demo_store, Catalog(products, catalog.user_ids))


def test_up_to_date_unless_settings_change(demo_store: Store, tmp_path: Path) -> None:
    store = Store(tmp_path / "copy")
    shutil.copytree(demo_store.root, store.root, symlinks=True)
    with store.lock():
        assert not build_recsys_stage(store, recsys_config(get_settings(**SMALL))).rebuilt
        changed = get_settings(**SMALL, hybrid_weights="als=1,repeat=1", rec_cycle_rule=False)
        result = build_recsys_stage(store, recsys_config(changed))
    assert result.rebuilt
    assert result.manifest["weights"] == {"als": 0.5, "repeat": 0.5}


def test_damaged_or_foreign_artifacts_are_clear_errors(demo_store: Store, tmp_path: Path
                                                       ) -> None:
    store = Store(tmp_path / "copy")
    shutil.copytree(demo_store.root, store.root, symlinks=True)
    folder = store.stage_dir("recsys")
    (folder / "model_item_cf.npz").write_bytes(b"not an npz")
    catalog = load_catalog(store)
    with pytest.raises(StoreError, match="stage recsys has a damaged model_item_cf.npz"):
        load_recsys(store, catalog)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["format_version"] = 99
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(StoreError, match="format version 99"):
        load_recsys(store, catalog)


def test_mismatched_arrays_are_caught(demo_store: Store, tmp_path: Path) -> None:
    store = Store(tmp_path / "copy")
    shutil.copytree(demo_store.root, store.root, symlinks=True)
    path = store.stage_dir("recsys") / "model_als.npz"
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["item_factors"] = arrays["item_factors"][:-1]
    np.savez(path, **arrays)
    with pytest.raises(StoreError, match="ALS item factors"):
        load_recsys(store, load_catalog(store))


def test_parse_weights() -> None:
    assert parse_weights("als=0.4, item_cf=0.4,popularity=0.2") == pytest.approx({
        "als": 0.4, "item_cf": 0.4, "popularity": 0.2})
    assert parse_weights("als=2,repeat=2") == {"als": 0.5, "repeat": 0.5}
    assert parse_weights(None) is None
    for bad in ("als", "magic=1", "als=-1", "als=x", "als=0,repeat=0"):
        with pytest.raises(ConfigError):
            parse_weights(bad)


def test_needs_a_data_stage(tmp_path: Path) -> None:
    store = Store(tmp_path / "empty")
    with store.lock(), pytest.raises(StoreError, match="no data stage"):
        build_recsys_stage(store, recsys_config(get_settings()))
