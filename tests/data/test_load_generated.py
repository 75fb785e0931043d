"""The loaders on generated data: the real Instacart catalogue with generated orders, and the
default demo set that `cartwise build` makes when run with no arguments."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cartwise.cli import app
from cartwise.data.generate import generate_demo
from cartwise.data.load import load_source, resolve_source
from cartwise.data.stage import load_data
from cartwise.store import Store


@pytest.fixture(scope="module")
def catalog_orders(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("catalog") / "demo"
    generate_demo(out, users=200, products=49_688, seed=3,
                  catalog_dir=shared_data / "instacart_catalog", progress=False)
    return out


def test_real_catalogue_with_generated_orders(catalog_orders: Path) -> None:
    source = resolve_source(catalog_orders)
    assert source.layout == "instacart"
    assert source.funnel_dir == catalog_orders / "funnel"
    data = load_source(source)
    assert len(data.products) == 49_688
    products = data.products.set_index("product_id")
    assert products.loc[24852, "product_name"] == "Banana"
    assert products.loc[24852, "department"] == "produce"
    assert products.loc[24852, "aisle"] == "fresh fruits"
    assert data.has_prices and data.has_timestamps
    assert data.users["user_id"].tolist() == list(range(1, 201))
    assert set(data.orders["eval_set"]) == {"prior", "train"}
    assert data.order_lines["product_id"].isin(products.index).all()
    assert 0.45 < data.order_lines["reordered"].mean() < 0.7
    assert data.funnel_events is not None and len(data.funnel_users) == 1000


def test_build_with_no_arguments_generates_the_demo(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    monkeypatch.setenv("CARTWISE_DEMO_USERS", "60")
    monkeypatch.setenv("CARTWISE_DEMO_PRODUCTS", "120")
    monkeypatch.setenv("CARTWISE_ALS_ITERATIONS", "3")
    result = CliRunner().invoke(app, ["build"])
    assert result.exit_code == 0, result.output
    home = tmp_path / "home"
    assert (home / "demo" / "orders.csv").is_file()
    data = load_data(Store(home / "store"))
    assert len(data.users) == 60 and len(data.products) == 120
    assert data.funnel_users is not None
    assert "recsys stage built" in result.output
    again = CliRunner().invoke(app, ["build"])
    assert again.exit_code == 0 and again.output.count("up to date") == 4
