"""Recsys fixtures: a small seeded demo data set and a store built from it (once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cartwise.config import get_settings
from cartwise.data.generate import generate_demo
from cartwise.data.load import load_source, resolve_source
from cartwise.data.schema import CanonicalData
from cartwise.data.stage import build_data_stage
from cartwise.recsys.interactions import Interactions, build_interactions
from cartwise.recsys.stage import build_recsys_stage, recsys_config
from cartwise.store import Store

SMALL = {"als_factors": 16, "als_iterations": 6, "itemcf_neighbours": 20}


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """150 shoppers x 200 products of generated demo data (Instacart layout)."""
    out = tmp_path_factory.mktemp("recsys") / "demo"
    generate_demo(out, users=150, products=200, seed=7, progress=False)
    return out


@pytest.fixture(scope="session")
def demo_data(demo_dir: Path) -> CanonicalData:
    return load_source(resolve_source(demo_dir))


@pytest.fixture(scope="session")
def demo_x(demo_data: CanonicalData) -> Interactions:
    return build_interactions(demo_data)


@pytest.fixture(scope="session")
def demo_store(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A store with the data and recsys stages built from the demo data."""
    store = Store(tmp_path_factory.mktemp("recsys-store") / "store")
    settings = get_settings(**SMALL)
    with store.lock():
        build_data_stage(store, resolve_source(demo_dir))
        build_recsys_stage(store, recsys_config(settings))
    return store
