"""The data stage: Parquet round trip, rebuild only on change, failed builds change nothing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cartwise.data.instacart import load_instacart
from cartwise.data.load import resolve_source
from cartwise.data.stage import build_data_stage, load_data, read_report
from cartwise.errors import DataError, StoreError
from cartwise.store import Store
from tests.factories import PRIOR


def _build(store: Store, folder: Path, force: bool = False) -> bool:
    with store.lock():
        return build_data_stage(store, resolve_source(folder), force=force).rebuilt


def test_round_trip_keeps_tables_and_dtypes(tmp_path: Path, instacart_dir: Path) -> None:
    store = Store(tmp_path / "store")
    assert _build(store, instacart_dir)
    loaded = load_data(store)
    direct = load_instacart(instacart_dir)
    for name, df in direct.tables().items():
        pd.testing.assert_frame_equal(loaded.tables()[name], df, check_dtype=True, obj=name)
    assert read_report(store).counts == direct.report.counts


def test_only_the_asked_tables_are_read(tmp_path: Path, instacart_dir: Path) -> None:
    store = Store(tmp_path / "store")
    _build(store, instacart_dir)
    data = load_data(store, tables=("products",))
    assert len(data.products) == 4
    assert data.order_lines.empty and list(data.order_lines.columns)[0] == "order_id"


def test_rebuilt_only_when_inputs_change(tmp_path: Path, instacart_dir: Path) -> None:
    store = Store(tmp_path / "store")
    assert _build(store, instacart_dir)
    assert not _build(store, instacart_dir)
    assert _build(store, instacart_dir, force=True)
    (instacart_dir / "order_products__prior.csv").write_text(PRIOR + "200,30,2,0\n")
    assert _build(store, instacart_dir)
    assert len(load_data(store).order_lines) == 10


def test_failed_build_keeps_the_last_good_store(tmp_path: Path, instacart_dir: Path) -> None:
    store = Store(tmp_path / "store")
    _build(store, instacart_dir)
    before = store.stage_dir("data").resolve()
    (instacart_dir / "order_products__prior.csv").write_text(PRIOR + "999,10,1,0\n")
    with pytest.raises(DataError):
        _build(store, instacart_dir)
    assert store.stage_dir("data").resolve() == before
    assert len(load_data(store).order_lines) == 9
    assert not [p for p in store.root.iterdir() if p.name.startswith(".tmp-")]


def test_reading_an_empty_store_says_build_first(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cartwise build"):
        load_data(Store(tmp_path / "empty"))


def test_funnel_tables_ride_along(tmp_path: Path, instacart_dir: Path, shared_data: Path) -> None:
    store = Store(tmp_path / "store")
    with store.lock():
        source = resolve_source(instacart_dir, funnel_dir=shared_data / "ecommerce_funnel")
        build_data_stage(store, source)
    data = load_data(store)
    assert data.funnel_users is not None and len(data.funnel_users) == 90_400
    assert data.funnel_events is not None
    assert len(data.funnel_events) == 90_400 + 45_200 + 6_030 + 452
