"""Rebuilding a good store from bad input: each bad variant is one clear ``DataError`` (exit code
3 and ``error: file ...`` from the CLI) naming the file and the column or lines, and the
previous store stays intact: the stages' manifests and versions are unchanged and it still
loads and answers.

The readers' own error messages are covered in ``tests/data/test_validation.py``; here the
whole build runs, over a store that was built before. A good store is built once per module
(small model settings) and copied for each test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cartwise.build import STAGES, build_store
from cartwise.catalog import load_catalog
from cartwise.cli import app
from cartwise.config import Settings, get_settings
from cartwise.data.csvio import MAX_CELL_CHARS
from cartwise.data.stage import load_data
from cartwise.errors import DataError
from cartwise.recsys.stage import load_recsys
from cartwise.services import build_services
from cartwise.store import Store
from tests.factories import ORDERS, PRIOR, PRODUCTS, write_instacart

#: Small models, so the good store builds in seconds (the retrieval stage loads MiniLM once).
SMALL = {"als_factors": 8, "als_iterations": 2, "itemcf_neighbours": 10}


def _settings(home: Path, data: Path, store: Path) -> Settings:
    return get_settings(home=home, data_dir=data, store_dir=store, layout="auto",
                        sessions="memory", chat_provider="offline", **SMALL)


@pytest.fixture(scope="module")
def good_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(data folder, store folder) of a store built from the tiny Instacart set."""
    root = tmp_path_factory.mktemp("good")
    with pytest.MonkeyPatch.context() as mp:  # as tests/conftest.py's _isolated, module-wide
        for key in list(os.environ):
            if key.startswith("CARTWISE_") or key == "OPENAI_API_KEY":
                mp.delenv(key)
        mp.chdir(root)
        data = write_instacart(root / "data")
        build_store(_settings(root / "home", data, root / "store"))
    yield data, root / "store"


@dataclass
class Built:
    """A copy of the good store and its data, and what the store looked like before."""

    settings: Settings
    data: Path
    manifests: dict[str, dict[str, object] | None]
    versions: dict[str, str]

    @property
    def store(self) -> Store:
        return Store(self.settings.store_path)

    def assert_intact(self) -> None:
        """Same manifests and stage versions; no leftovers; the store loads and answers."""
        store = self.store
        assert {s: store.manifest(s) for s in STAGES} == self.manifests
        assert {s: store.stage_dir(s).resolve().name for s in STAGES} == self.versions
        assert not [p.name for p in store.root.iterdir() if p.name.startswith(".tmp-")]
        data = load_data(store)
        assert len(data.order_lines) == 9 and len(data.products) == 4
        recs = load_recsys(store, load_catalog(store))
        assert recs.x.n_users == 2


@pytest.fixture()
def built(good_store: tuple[Path, Path], tmp_path: Path) -> Built:
    data, store = good_store
    shutil.copytree(data, tmp_path / "data")
    # stages are relative links; the model cache (the ONNX export, ~90 MB) is shared
    shutil.copytree(store, tmp_path / "store", symlinks=True,
                    ignore=shutil.ignore_patterns(".cache"))
    if (store / ".cache").exists():
        (tmp_path / "store" / ".cache").symlink_to(store / ".cache")
    settings = _settings(tmp_path / "home", tmp_path / "data", tmp_path / "store")
    st = Store(settings.store_path)
    return Built(settings, tmp_path / "data", {s: st.manifest(s) for s in STAGES},
                 {s: st.stage_dir(s).resolve().name for s in STAGES})


def _rebuild_fails(built: Built) -> DataError:
    with pytest.raises(DataError) as info:
        build_store(built.settings)
    return info.value


def _write_big_cell(path: Path, size: int) -> None:
    """products.csv with one more product whose name is ``size`` bytes, written in 1 MiB
    chunks."""
    chunk = "x" * (1 << 20)
    with path.open("w", encoding="utf-8") as fh:
        fh.write(PRODUCTS + "40,")
        for _ in range(size // len(chunk)):
            fh.write(chunk)
        fh.write("x" * (size % len(chunk)) + ",3,3,2.50\n")


# (file, how to spoil it, the column named or None, the lines named, words in the message)
Spoil = Callable[[Path], None]
CASES: dict[str, tuple[str, Spoil, str | None, list[str], str]] = {
    "missing column": (
        "products.csv", lambda p: p.write_text(PRODUCTS.replace("department_id", "dept")),
        "department_id", [], "missing required column"),
    "text in a numeric column": (
        "orders.csv", lambda p: p.write_text(ORDERS.replace("101,1,prior,2,3,10,7.0",
                                                            "101,1,prior,2,3,ten,7.0")),
        "order_hour_of_day", ["line 3"], "'ten'"),
    "number too large for an id": (
        "order_products__prior.csv",
        lambda p: p.write_text(PRIOR.replace("101,30,2,0", "101,98765432109876543210,2,0")),
        "product_id", ["line 5"], "as int"),
    "infinite price": (
        "products.csv", lambda p: p.write_text(PRODUCTS.replace("1.79", "inf")),
        "price", ["line 5"], "'inf'"),
    "binary junk": (
        "products.csv", lambda p: p.write_bytes(bytes(range(256)) * 64), None, [],
        "not a text CSV"),
    "binary junk after good rows": (
        "order_products__prior.csv",
        lambda p: p.write_bytes(PRIOR.encode() + bytes(range(1, 256)) * 8),
        "order_id", ["line 9"], "cannot parse"),
    "empty file": ("orders.csv", lambda p: p.write_bytes(b""), None, [], "empty"),
    "header only": (
        "orders.csv", lambda p: p.write_text(ORDERS.splitlines()[0] + "\n"), None, [],
        "no data rows"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_one_clear_error_and_the_store_stays(built: Built, case: str) -> None:
    name, spoil, column, rows, words = CASES[case]
    spoil(built.data / name)
    err = _rebuild_fails(built)
    assert err.path is not None and err.path.name == name, str(err)
    assert err.column == column, str(err)
    if rows:
        assert err.rows[:len(rows)] == rows, str(err)
    assert words in str(err) and "\n" not in str(err)
    assert len(str(err)) < 1000  # the message names the problem, it does not quote the file
    built.assert_intact()


def test_a_huge_cell_is_refused_quickly(built: Built) -> None:
    """One 100 MB cell: refused by the data stage in seconds; accepted, it made the retrieval
    stage take minutes and gigabytes."""
    import time

    _write_big_cell(built.data / "products.csv", 100 << 20)
    t0 = time.perf_counter()
    err = _rebuild_fails(built)
    assert time.perf_counter() - t0 < 15
    assert err.path is not None and err.path.name == "products.csv"
    assert err.column == "product_name" and err.rows == ["line 6"]
    assert f"longer than {MAX_CELL_CHARS:,} characters" in str(err) and len(str(err)) < 1000
    built.assert_intact()


def test_a_cell_at_the_limit_is_accepted(built: Built) -> None:
    _write_big_cell(built.data / "products.csv", MAX_CELL_CHARS)
    build_store(built.settings)
    products = load_data(built.store).products
    assert products["product_name"].str.len().max() == MAX_CELL_CHARS


def test_the_cli_exits_3_naming_the_file_and_keeps_the_store(
        built: Built, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in SMALL.items():
        monkeypatch.setenv(f"CARTWISE_{key.upper()}", str(value))
    args = ["build", "--data", str(built.data), "--store", str(built.settings.store_path)]
    (built.data / "orders.csv").write_text(ORDERS.replace("200,2,prior,1,1,12,",
                                                          "200,two,prior,1,1,12,"))
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 3, result.output
    assert "error: file" in result.output and "orders.csv" in result.output
    assert "'user_id'" in result.output and "line 5" in result.output
    assert "Traceback" not in result.output
    built.assert_intact()
    services = build_services(built.settings)  # the whole serving stack still loads
    try:
        assert services.search.resolve("banana").product.product_id == 10
        assert services.recommenders.recommend(1, 2).to_dict()["items"]
    finally:
        services.close()


def test_mixed_encodings_load_with_the_right_names(built: Built) -> None:
    """Some rows UTF-8, some Windows-1252: not an error; every name is read right and the
    fallback is reported."""
    utf8 = PRODUCTS.replace("Greek Yogurt", "Crème Fraîche").encode("utf-8")
    (built.data / "products.csv").write_bytes(
        utf8.replace(b"Spaghetti", "Spätzle".encode("cp1252")))
    outcome = build_store(built.settings)
    data_stage = outcome.stages[0]
    assert data_stage.rebuilt
    assert any("Windows-1252" in line for line in data_stage.details)
    names = set(load_data(built.store).products["product_name"])
    assert names == {"Banana", "Organic Strawberries", "Crème Fraîche", "Spätzle"}
    assert all(m.stage_dir(s).resolve().name != built.versions[s]
               for m in [built.store] for s in ("data", "retrieval"))
    services = build_services(built.settings)
    try:
        assert services.search.resolve("creme fraiche").product.name == "Crème Fraîche"
        assert services.search.resolve("Spätzle").product.product_id == 30
    finally:
        services.close()
