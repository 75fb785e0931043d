"""Bad input: one clear error naming file, column and lines; nothing half-written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cartwise.data.funnel import load_funnel
from cartwise.data.instacart import load_instacart
from cartwise.errors import DataError
from tests.factories import ORDERS, PRIOR, PRODUCTS, write_instacart


def _error(folder: Path) -> DataError:
    with pytest.raises(DataError) as info:
        load_instacart(folder)
    return info.value


def test_missing_file(tmp_path: Path) -> None:
    err = _error(write_instacart(tmp_path / "d", aisles_csv=None))
    assert "aisles.csv" in str(err)


def test_missing_line_files(tmp_path: Path) -> None:
    err = _error(write_instacart(tmp_path / "d", order_products__prior_csv=None,
                                 order_products__train_csv=None))
    assert "order_products__prior.csv" in str(err)


def test_missing_column(tmp_path: Path) -> None:
    bad = PRODUCTS.replace("department_id", "dept")
    err = _error(write_instacart(tmp_path / "d", products_csv=bad))
    assert err.path is not None and err.path.name == "products.csv"
    assert err.column == "department_id"
    assert "'dept'" in str(err)  # the columns that were found are listed


def test_unparsable_value_names_column_and_line(tmp_path: Path) -> None:
    bad = ORDERS.replace("101,1,prior,2,3,10,7.0", "101,1,prior,two,3,10,7.0")
    err = _error(write_instacart(tmp_path / "d", orders_csv=bad))
    assert err.path is not None and err.path.name == "orders.csv"
    assert err.column == "order_number"
    assert err.rows == ["line 3"]
    assert "'two'" in str(err)


def test_fractional_id(tmp_path: Path) -> None:
    bad = PRIOR.replace("101,30,2,0", "101,30.5,2,0")
    err = _error(write_instacart(tmp_path / "d", order_products__prior_csv=bad))
    assert err.column == "product_id" and err.rows == ["line 5"]


def test_duplicate_ids(tmp_path: Path) -> None:
    bad = PRODUCTS + "20,Another Yogurt,2,2,1.50\n"
    err = _error(write_instacart(tmp_path / "d", products_csv=bad))
    assert err.column == "product_id"
    assert err.rows == ["line 6"]
    assert "duplicate" in str(err)


def test_duplicate_order_ids(tmp_path: Path) -> None:
    bad = ORDERS + "100,3,prior,1,0,9,\n"
    err = _error(write_instacart(tmp_path / "d", orders_csv=bad))
    assert err.path is not None and err.path.name == "orders.csv"
    assert err.column == "order_id" and err.rows == ["line 8"]


def test_repeated_line_in_an_order(tmp_path: Path) -> None:
    bad = PRIOR + "100,10,3,0\n"
    err = _error(write_instacart(tmp_path / "d", order_products__prior_csv=bad))
    assert err.rows == ["line 9"]
    assert "(100, 10)" in str(err)


def test_line_points_at_unknown_order(tmp_path: Path) -> None:
    bad = PRIOR + "999,10,1,0\n"
    err = _error(write_instacart(tmp_path / "d", order_products__prior_csv=bad))
    assert err.path is not None and err.path.name == "order_products__prior.csv"
    assert err.column == "order_id"
    assert err.rows == ["line 9"]
    assert "unknown orders" in str(err) and "999" in str(err)


def test_line_points_at_unknown_product(tmp_path: Path) -> None:
    bad = PRIOR.replace("200,11,1,0", "200,77,1,0")
    err = _error(write_instacart(tmp_path / "d", order_products__prior_csv=bad))
    assert err.column == "product_id" and err.rows == ["line 6"]
    assert "unknown products" in str(err)


def test_product_points_at_unknown_aisle(tmp_path: Path) -> None:
    bad = PRODUCTS.replace("30,Spaghetti,3,3", "30,Spaghetti,9,3")
    err = _error(write_instacart(tmp_path / "d", products_csv=bad))
    assert err.column == "aisle_id" and err.rows == ["line 5"]


def test_negative_price(tmp_path: Path) -> None:
    bad = PRODUCTS.replace("1.29", "-1.29")
    err = _error(write_instacart(tmp_path / "d", products_csv=bad))
    assert err.column == "price" and err.rows == ["line 4"]
    assert "-1.29" in str(err)


def test_out_of_range_values(tmp_path: Path) -> None:
    bad = ORDERS.replace("102,1,train,3,5,18,", "102,1,train,3,5,25,")
    err = _error(write_instacart(tmp_path / "d", orders_csv=bad))
    assert err.column == "order_hour_of_day" and err.rows == ["line 4"]


def test_unknown_eval_set(tmp_path: Path) -> None:
    bad = ORDERS.replace("102,1,train", "102,1,validation")
    err = _error(write_instacart(tmp_path / "d", orders_csv=bad))
    assert err.column == "eval_set" and "validation" in str(err)


def test_empty_value_in_required_column(tmp_path: Path) -> None:
    bad = ORDERS.replace("200,2,prior,1,1,12,", "200,,prior,1,1,12,")
    err = _error(write_instacart(tmp_path / "d", orders_csv=bad))
    assert err.column == "user_id" and err.rows == ["line 5"]


@pytest.mark.parametrize("content", ["", "\n\n  \n"])
def test_empty_file(tmp_path: Path, content: str) -> None:
    err = _error(write_instacart(tmp_path / "d", orders_csv=content))
    assert err.path is not None and err.path.name == "orders.csv"
    assert "empty" in str(err)


def test_header_only(tmp_path: Path) -> None:
    err = _error(write_instacart(tmp_path / "d", orders_csv=ORDERS.splitlines()[0] + "\n"))
    assert "no data rows" in str(err)


def test_binary_junk(tmp_path: Path) -> None:
    folder = write_instacart(tmp_path / "d")
    (folder / "products.csv").write_bytes(bytes(range(256)) * 40)
    err = _error(folder)
    assert err.path is not None and err.path.name == "products.csv"
    assert "not a text CSV" in str(err)


def test_windows_1252_text_is_read_and_noted(tmp_path: Path) -> None:
    folder = write_instacart(tmp_path / "d")
    text = PRODUCTS.replace("Greek Yogurt", "Crème Fraîche")
    (folder / "products.csv").write_bytes(text.encode("cp1252"))
    data = load_instacart(folder)
    assert "Crème Fraîche" in set(data.products["product_name"])
    assert any("not valid UTF-8" in n for n in data.report.notes)


def test_mixed_encodings_keep_both(tmp_path: Path) -> None:
    folder = write_instacart(tmp_path / "d")
    utf8 = PRODUCTS.replace("Greek Yogurt", "Crème Fraîche").encode("utf-8")
    mixed = utf8.replace(b"Spaghetti", "Spätzle".encode("cp1252"))
    (folder / "products.csv").write_bytes(mixed)
    names = set(load_instacart(folder).products["product_name"])
    assert {"Crème Fraîche", "Spätzle"} <= names


def test_error_message_is_one_readable_line(tmp_path: Path) -> None:
    bad = PRIOR + "999,10,1,0\n"
    err = _error(write_instacart(tmp_path / "d", order_products__prior_csv=bad))
    text = str(err)
    assert "\n" not in text
    assert re.search(r"order_products__prior\.csv.*'order_id'.*line 9", text)


def test_funnel_step_with_unknown_visitor(tmp_path: Path) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "user_table.csv").write_text(
        "user_id,date,device,sex\n1,2015-01-01,Desktop,Male\n2,2015-01-02,Mobile,Female\n")
    (folder / "home_page_table.csv").write_text("user_id,page\n1,home_page\n2,home_page\n")
    (folder / "search_page_table.csv").write_text("user_id,page\n1,search_page\n3,search_page\n")
    (folder / "payment_page_table.csv").write_text("user_id,page\n1,payment_page\n")
    (folder / "payment_confirmation_table.csv").write_text("user_id,page\n")
    with pytest.raises(DataError) as info:
        load_funnel(folder)
    assert info.value.path is not None and info.value.path.name == "search_page_table.csv"
    assert info.value.rows == ["line 3"]
