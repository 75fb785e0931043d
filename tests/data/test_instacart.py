"""The Instacart loader on the tiny hand-made data set."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cartwise.data.instacart import load_instacart
from cartwise.data.schema import TABLES
from tests.factories import PRODUCTS, write_instacart


def test_tables_have_the_canonical_columns(instacart_dir: Path) -> None:
    data = load_instacart(instacart_dir)
    for name, df in data.tables().items():
        assert list(df.columns) == TABLES[name].names, name


def test_counts_and_joins(instacart_dir: Path) -> None:
    data = load_instacart(instacart_dir)
    assert len(data.products) == 4
    assert len(data.orders) == 6  # the test-set order is kept, without lines
    assert len(data.order_lines) == 9  # 7 prior + 2 train
    assert set(data.users["user_id"]) == {1, 2}
    assert data.users.set_index("user_id")["n_orders"].to_dict() == {1: 3, 2: 3}
    banana = data.products.set_index("product_id").loc[10]
    assert (banana["aisle"], banana["department"]) == ("fresh fruits", "produce")
    assert data.order_lines["quantity"].eq(1).all()
    assert data.report.counts == {"products": 4, "orders": 6, "order_lines": 9, "users": 2}


def test_no_calendar_dates_is_said_not_invented(instacart_dir: Path) -> None:
    data = load_instacart(instacart_dir)
    assert data.orders["ordered_at"].isna().all()
    assert not data.has_timestamps
    assert any("no calendar dates" in n for n in data.report.notes)
    first = data.orders[data.orders["order_number"] == 1]
    assert first["days_since_prior_order"].isna().all()


def test_list_prices_fill_line_prices(instacart_dir: Path) -> None:
    data = load_instacart(instacart_dir)
    assert data.has_prices
    lines = data.order_lines.merge(data.products[["product_id", "price"]], on="product_id")
    np.testing.assert_allclose(lines["unit_price"], lines["price"], rtol=1e-6)


def test_without_prices_nothing_is_invented(tmp_path: Path) -> None:
    no_price = "\n".join(",".join(r.split(",")[:4]) for r in PRODUCTS.strip().splitlines())
    folder = write_instacart(tmp_path / "d", products_csv=no_price + "\n")
    data = load_instacart(folder)
    assert not data.has_prices
    assert data.products["price"].isna().all()
    assert data.order_lines["unit_price"].isna().all()
    assert any("no prices" in n for n in data.report.notes)


def test_optional_extra_columns_are_read(tmp_path: Path) -> None:
    orders = (
        "order_id,user_id,eval_set,order_number,order_dow,order_hour_of_day,"
        "days_since_prior_order,ordered_at\n"
        "1,5,prior,1,0,9,,2025-01-05 09:30:00\n"
        "2,5,train,2,3,10,3.0,2025-01-08 10:00:00\n"
    )
    lines = "order_id,product_id,add_to_cart_order,reordered,quantity,unit_price\n1,10,1,0,3,0.2\n"
    train = "order_id,product_id,add_to_cart_order,reordered,quantity,unit_price\n2,10,1,1,1,0.3\n"
    folder = write_instacart(tmp_path / "d", orders_csv=orders,
                             order_products__prior_csv=lines,
                             order_products__train_csv=train)
    data = load_instacart(folder)
    assert data.has_timestamps
    assert data.orders["ordered_at"].iloc[0] == pd.Timestamp("2025-01-05 09:30:00")
    assert data.order_lines["quantity"].tolist() == [3, 1]
    np.testing.assert_allclose(data.order_lines["unit_price"], [0.2, 0.3], rtol=1e-6)
    # the list price in products.csv is kept; the lines keep what was paid
    assert data.products.set_index("product_id").loc[10, "price"] == 0.25
    assert data.users["first_order_at"].iloc[0] == pd.Timestamp("2025-01-05 09:30:00")


def test_only_prior_lines_is_enough(tmp_path: Path) -> None:
    folder = write_instacart(tmp_path / "d", order_products__train_csv=None)
    data = load_instacart(folder)
    assert len(data.order_lines) == 7
