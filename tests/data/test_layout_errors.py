"""Layout errors name the files looked at and the columns each lacks (issue 17).

Real CSV files in ``tmp_path``; the command line is run through Typer's runner.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cartwise.cli import app
from cartwise.data.load import resolve_source
from cartwise.data.transactions import header_problem
from cartwise.errors import DataError
from tests.data.test_transactions import HEADER, row, write_log

NO_QUANTITY = tuple(h for h in HEADER if h != "Quantity")


def _without_quantity(folder: Path, name: str = "orders.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = [tuple(v for h, v in zip(HEADER, row("1", "85123A", 2, "2010-12-01 08:26"),
                                    strict=True) if h != "Quantity")]
    return write_log(folder, rows, name=name, header=NO_QUANTITY)


def test_header_problem_names_the_file_the_column_and_the_headers(tmp_path: Path) -> None:
    path = _without_quantity(tmp_path)
    problem = header_problem(path)
    assert problem is not None
    assert problem.startswith("orders.csv: no Quantity column (looked for Quantity, Qty,")
    assert "headers: 'Invoice', 'StockCode'" in problem
    good = write_log(tmp_path, [row("1", "85123A", 2, "2010-12-01 08:26")], name="good.csv")
    assert header_problem(good) is None


def test_header_problem_lists_every_missing_field(tmp_path: Path) -> None:
    path = write_log(tmp_path, [("a", "b")], name="sheet.csv", header=("Invoice", "Note"))
    problem = header_problem(path)
    assert problem is not None
    for column in ("StockCode", "Quantity", "InvoiceDate", "Customer ID"):
        assert f"no {column} column" in problem
    assert "no Invoice column" not in problem


def test_header_problem_of_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    problem = header_problem(path)
    assert problem is not None and problem.startswith("empty.csv: not a readable CSV file")


def test_given_layout_names_each_file_and_what_it_lacks(tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    _without_quantity(folder)
    write_log(folder, [("x", "y")], name="notes.csv", header=("Invoice", "Comment"))
    with pytest.raises(DataError) as info:
        resolve_source(folder, layout="transactions")
    text = str(info.value)
    assert "no transaction-log CSV file in this folder" in text
    assert "notes.csv: no StockCode column" in text
    assert "orders.csv: no Quantity column (looked for Quantity, Qty" in text
    assert "headers: 'Invoice', 'StockCode', 'Description'" in text


def test_column_map_is_used_to_pick_the_files(tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    folder.mkdir()
    header = tuple("Units Sold" if h == "Quantity" else h for h in HEADER)
    path = write_log(folder, [row("1", "85123A", 2, "2010-12-01 08:26")], header=header)
    source = resolve_source(folder, layout="transactions", column_map={"quantity": "Units Sold"})
    assert source.files == (path,)
    with pytest.raises(DataError, match="no 'Pieces' column \\(the column map's 'quantity'\\)"):
        resolve_source(folder, layout="transactions", column_map={"quantity": "Pieces"})


def test_auto_layout_names_the_candidates_when_nothing_matches(tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    _without_quantity(folder)
    with pytest.raises(DataError) as info:
        resolve_source(folder)
    text = str(info.value)
    assert "cannot tell the data layout" in text
    assert "orders.csv: no Quantity column" in text
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match="the folder has no .csv file"):
        resolve_source(empty)


def test_auto_layout_still_detects_a_log(tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    folder.mkdir()
    good = write_log(folder, [row("1", "85123A", 2, "2010-12-01 08:26")], name="log.csv")
    _without_quantity(folder, name="other.csv")
    source = resolve_source(folder)
    assert source.layout == "transactions" and source.files == (good,)


def test_cli_build_names_the_file_and_the_column(tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    _without_quantity(folder)
    result = CliRunner().invoke(app, ["build", "--layout", "transactions", "--data", str(folder),
                                      "--store", str(tmp_path / "store")])
    assert result.exit_code == 3, result.output
    assert "orders.csv: no Quantity column" in result.output
    assert not (tmp_path / "store" / "data").exists()
