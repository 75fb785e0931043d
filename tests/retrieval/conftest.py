"""Fixtures of the retrieval tests: a small hand-made catalogue, a store holding it, the real
MiniLM model (loaded once per session) and a sample of the real Instacart catalogue."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cartwise.config import Settings, get_settings
from cartwise.data.load import resolve_source
from cartwise.data.stage import build_data_stage
from cartwise.retrieval.embedder import SentenceTransformerEmbedder
from cartwise.store import Store
from tests.factories import ORDERS, PRIOR, TRAIN

DEPARTMENTS = {1: "produce", 2: "dairy eggs", 3: "dry goods pasta", 4: "snacks", 5: "beverages"}
AISLES = {  # aisle id: (name, department id)
    1: ("fresh fruits", 1), 2: ("yogurt", 2), 3: ("dry pasta", 3), 4: ("fresh vegetables", 1),
    5: ("milk", 2), 6: ("eggs", 2), 7: ("candy chocolate", 4), 8: ("chips pretzels", 4),
    9: ("cookies cakes", 4), 10: ("water seltzer sparkling water", 5), 11: ("juice nectars", 5),
    12: ("pasta sauce", 3),
}
#: product id, name, aisle id, price. Ids 10, 11, 20, 30 are tests.factories' products (the
#: factories' orders point at them, so they have a popularity); 13176 is a five-digit id as
#: Instacart's are.
PRODUCTS = [
    (10, "Banana", 1, 0.25), (11, "Organic Strawberries", 1, 4.99), (20, "Greek Yogurt", 2, 1.29),
    (30, "Spaghetti", 3, 1.79), (13176, "Bag of Organic Bananas", 1, 1.99),
    (40, "Organic Avocado", 1, 1.49), (41, "Hass Avocados", 4, 3.99),
    (42, "Broccoli Crown", 4, 1.99),
    (43, "Baby Spinach", 4, 2.99), (44, "Red Apples", 1, 3.49), (45, "Lemons", 1, 0.79),
    (50, "Whole Milk", 5, 3.29), (51, "Organic 2% Reduced Fat Milk", 5, 4.49),
    (52, "Large Brown Eggs", 6, 3.99), (53, "Vanilla Yogurt", 2, 1.09),
    (54, "Strawberry Yogurt", 2, 1.09), (55, "Chocolate Milk", 5, 2.49),
    (60, "Milk Chocolate Bar", 7, 1.99), (61, "Dark Chocolate Bar", 7, 2.49),
    (62, "Sea Salt Potato Chips", 8, 2.99), (63, "Tortilla Chips", 8, 3.49),
    (64, "Chocolate Chip Cookies", 9, 3.99), (65, "Oatmeal Raisin Cookies", 9, 3.79),
    (66, "Banana Chips", 8, 2.29), (70, "Sparkling Water Lime", 10, 0.99),
    (71, "Orange Juice", 11, 3.99), (72, "Apple Juice", 11, 2.99), (73, "Spring Water", 10, 0.89),
    (80, "Penne Rigate", 3, 1.59), (81, "Marinara Pasta Sauce", 12, 3.49),
    (82, "Basil Pesto Sauce", 12, 4.99), (83, "Whole Wheat Spaghetti", 3, 1.99),
]


def products_csv(rows: list[tuple[int, str, int, float]]) -> str:
    lines = ["product_id,product_name,aisle_id,department_id,price"]
    lines += [f"{pid},{name},{aisle},{AISLES[aisle][1]},{price}"
              for pid, name, aisle, price in rows]
    return "\n".join(lines) + "\n"


def write_catalog(folder: Path, rows: list[tuple[int, str, int, float]] = PRODUCTS) -> Path:
    """An Instacart-layout folder with ``rows`` as products and the factories' orders."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "aisles.csv").write_text(
        "aisle_id,aisle\n" + "".join(f"{i},{a}\n" for i, (a, _) in AISLES.items()),
        encoding="utf-8")
    (folder / "departments.csv").write_text(
        "department_id,department\n" + "".join(f"{i},{d}\n" for i, d in DEPARTMENTS.items()),
        encoding="utf-8")
    (folder / "products.csv").write_text(products_csv(rows), encoding="utf-8")
    (folder / "orders.csv").write_text(ORDERS, encoding="utf-8")
    (folder / "order_products__prior.csv").write_text(PRIOR, encoding="utf-8")
    (folder / "order_products__train.csv").write_text(TRAIN, encoding="utf-8")
    return folder


def build_data(store: Store, folder: Path) -> None:
    with store.lock():
        build_data_stage(store, resolve_source(folder))


@pytest.fixture()
def catalog_dir(tmp_path: Path) -> Path:
    return write_catalog(tmp_path / "catalog")


@pytest.fixture()
def settings(tmp_path: Path, catalog_dir: Path) -> Settings:
    return get_settings(data_dir=catalog_dir, vector_store="embedded")


@pytest.fixture()
def data_store(settings: Settings, catalog_dir: Path) -> Store:
    """A store whose data stage holds the small catalogue."""
    store = Store(settings.store_path)
    build_data(store, catalog_dir)
    return store


@pytest.fixture(scope="session")
def minilm() -> Iterator[SentenceTransformerEmbedder]:
    """The real all-MiniLM-L6-v2 (queries on PyTorch: the ONNX path has its own test)."""
    yield SentenceTransformerEmbedder(threads=min(2, os.cpu_count() or 1), query_runtime="torch")


@pytest.fixture(scope="session")
def real_sample(shared_data: Path) -> pd.DataFrame:
    """600 products of the real Instacart catalogue (seeded), with seeded synthetic prices."""
    from cartwise.data.instacart import _products
    from cartwise.data.schema import LoadReport

    products = _products(shared_data / "instacart_catalog", LoadReport("instacart"))
    rng = np.random.default_rng(7)
    sample = products.iloc[np.sort(rng.choice(len(products), 600, replace=False))].copy()
    sample["price"] = np.round(rng.lognormal(1.2, 0.7, len(sample)), 2)
    return sample.reset_index(drop=True)


def small_products(rows: list[tuple[int, str, int, float]] = PRODUCTS) -> pd.DataFrame:
    """The small catalogue as a canonical-style products frame (no data stage needed)."""
    return pd.DataFrame({
        "product_id": [r[0] for r in rows],
        "product_name": [r[1] for r in rows],
        "aisle": [AISLES[r[2]][0] for r in rows],
        "department": [DEPARTMENTS[AISLES[r[2]][1]] for r in rows],
        "price": [r[3] for r in rows],
        "description": [None] * len(rows),
    })
