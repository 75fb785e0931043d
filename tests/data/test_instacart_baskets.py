"""Instacart baskets without orders.csv: loading (catalogue beside them or apart) and a build."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cartwise.analytics import build_analytics_stage, load_analytics
from cartwise.catalog import load_catalog
from cartwise.config import get_settings
from cartwise.data.instacart import is_baskets_only, load_instacart
from cartwise.data.load import load_source, resolve_source
from cartwise.data.schema import TABLES
from cartwise.data.stage import build_data_stage, load_data
from cartwise.errors import DataError, InvalidArgument
from cartwise.recsys.stage import build_recsys_stage, recsys_config
from cartwise.store import Store

N_PRODUCTS = 40
PAIR = (1, 2)  # bought together in many baskets


def _write_catalog(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"aisle_id": [1, 2], "aisle": ["fresh fruits", "pasta"]}).to_csv(
        folder / "aisles.csv", index=False)
    pd.DataFrame({"department_id": [1, 2], "department": ["produce", "dry goods pasta"]}).to_csv(
        folder / "departments.csv", index=False)
    ids = np.arange(1, N_PRODUCTS + 1)
    pd.DataFrame({"product_id": ids, "product_name": [f"Product {i}" for i in ids],
                  "aisle_id": ids % 2 + 1, "department_id": ids % 2 + 1}).to_csv(
        folder / "products.csv", index=False)
    return folder


def _write_baskets(folder: Path, n: int = 400, seed: int = 1) -> Path:
    """``n`` baskets in two files (a train and a prior one), the pair in a quarter of them."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rows = []
    for order in range(1, n + 1):
        items = list(rng.choice(np.arange(3, N_PRODUCTS + 1), size=int(rng.integers(2, 6)),
                                replace=False))
        if order % 4 == 0:
            items += list(PAIR)
        rows += [(order * 10, int(p), i + 1, int(rng.integers(0, 2)))
                 for i, p in enumerate(items)]
    lines = pd.DataFrame(rows, columns=["order_id", "product_id", "add_to_cart_order",
                                        "reordered"])
    half = lines["order_id"] <= n * 5
    lines[half].to_csv(folder / "order_products__train_head.csv", index=False)
    lines[~half].to_csv(folder / "order_products__prior_part.csv", index=False)
    return folder


def test_baskets_load_as_one_order_per_anonymous_shopper(tmp_path: Path) -> None:
    folder = _write_baskets(tmp_path / "baskets")
    catalog = _write_catalog(tmp_path / "catalog")
    assert is_baskets_only(folder)
    data = load_instacart(folder, catalog)
    for name, df in data.tables().items():
        assert list(df.columns) == TABLES[name].names, name
    o = data.orders
    assert len(o) == 400 and o["order_id"].is_unique
    assert (o["user_id"] == o["order_id"]).all() and (o["order_number"] == 1).all()
    assert set(o.loc[o["order_id"] <= 2000, "eval_set"]) == {"train"}
    assert set(o.loc[o["order_id"] > 2000, "eval_set"]) == {"prior"}
    assert o["ordered_at"].isna().all() and o["days_since_prior_order"].isna().all()
    assert not data.order_times and not data.has_timestamps
    assert (data.order_lines["reordered"] == 0).all()  # flags of histories not in the data
    assert len(data.users) == 400 and (data.users["n_orders"] == 1).all()
    notes = " ".join(data.report.notes)
    assert "baskets only" in notes and "anonymous shopper" in notes
    assert "without order times" in notes and "reordered flags" in notes
    assert data.report.layout == "instacart (baskets only)"


def test_catalogue_beside_the_baskets_or_missing(tmp_path: Path) -> None:
    folder = _write_baskets(tmp_path / "both")
    _write_catalog(folder)
    source = resolve_source(folder)  # auto-detected, the catalogue in the same folder
    assert source.layout == "instacart"
    assert {p.name for p in source.files} >= {"products.csv", "order_products__train_head.csv"}
    assert not load_source(source).order_times
    alone = _write_baskets(tmp_path / "alone")
    with pytest.raises(DataError, match="--catalog"):
        resolve_source(alone)
    with pytest.raises(DataError, match="catalogue folder not found"):
        resolve_source(alone, catalog_dir=tmp_path / "nowhere")
    bad = _write_catalog(tmp_path / "bad")
    (bad / "aisles.csv").unlink()
    with pytest.raises(DataError, match="aisles.csv"):
        resolve_source(alone, catalog_dir=bad)


def test_a_basket_in_two_files_is_refused(tmp_path: Path) -> None:
    folder = _write_baskets(tmp_path / "b")
    train = pd.read_csv(folder / "order_products__train_head.csv")
    train.head(2).to_csv(folder / "order_products__prior_part.csv", mode="a", header=False,
                         index=False)
    with pytest.raises(DataError, match="another order_products file"):
        load_instacart(folder, _write_catalog(tmp_path / "c"))


def test_a_small_build_on_baskets_only(tmp_path: Path) -> None:
    source = resolve_source(_write_baskets(tmp_path / "baskets"),
                            catalog_dir=_write_catalog(tmp_path / "catalog"))
    store = Store(tmp_path / "store")
    settings = get_settings()
    with store.lock():
        data_stage = build_data_stage(store, source)
        recsys = build_recsys_stage(store, recsys_config(settings))
        analytics = build_analytics_stage(store, settings)
    assert any("baskets only" in line for line in data_stage.details)
    assert any("not tuned" in line for line in recsys.details)  # nothing to hold back
    assert not load_data(store, tables=("products",)).order_times  # kept by the data stage
    assert any("no order times" in line for line in analytics.details)
    a = load_analytics(store, load_catalog(store))
    together = a.frequently_bought_together(PAIR[0], 3)
    assert together["items"][0]["product_id"] == PAIR[1]
    assert together["items"][0]["shoppers_together"] == together["items"][0]["baskets_together"]
    for call in (lambda: a.order_trends(), lambda: a.order_trends("hour"),
                 lambda: a.sales.sales_summary("dow")):
        with pytest.raises(InvalidArgument, match="only baskets"):
            call()
    assert a.sales.sales_summary()["totals"]["orders"] == 400  # by department still works
    assert "basket size alone" in a.customer_segments()["summary"]
    assert "Baskets only" in a.customer_journey()["summary"]
    assert a.user_profile(40)["orders"] == 1
