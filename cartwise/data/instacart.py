"""Loader for the Instacart layout (the Kaggle "Instacart Market Basket Analysis" files).

Required in the folder: ``orders.csv``, ``products.csv``, ``aisles.csv``, ``departments.csv`` and
at least one of ``order_products__prior.csv`` / ``order_products__train.csv``. Columns beyond
Kaggle's are read when present: ``products.price`` and ``products.description``;
``orders.ordered_at`` (a real timestamp, as the demo generator writes);
``order_products.quantity`` and ``order_products.unit_price``.

Kaggle's test-set orders (``eval_set == "test"``) have no lines; they are kept as orders.
Without any price column, ``price`` / ``unit_price`` stay null: nothing invents prices.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from cartwise.data import validate as v
from cartwise.data.csvio import read_csv
from cartwise.data.derive import build_users
from cartwise.data.schema import CanonicalData, LoadReport, conform
from cartwise.errors import DataError

log = logging.getLogger(__name__)

REQUIRED_FILES = ("orders.csv", "products.csv", "aisles.csv", "departments.csv")
#: What the demo generator writes beside the files (its parameters, and the prices' currency).
GENERATOR_MANIFEST = "generate.json"
LINE_FILES = ("order_products__prior.csv", "order_products__train.csv")
EVAL_SETS = ("prior", "train", "test")


def looks_like_instacart(folder: Path) -> bool:
    """True if ``folder`` holds the Instacart files (by name)."""
    return folder.is_dir() and all((folder / n).is_file() for n in ("orders.csv", "products.csv"))


def input_files(folder: Path) -> list[Path]:
    """The files the loader reads from ``folder``; raises :class:`DataError` if one is missing."""
    missing = [n for n in REQUIRED_FILES if not (folder / n).is_file()]
    if missing:
        raise DataError(f"Instacart layout: missing {', '.join(missing)}", path=folder)
    lines = [folder / n for n in LINE_FILES if (folder / n).is_file()]
    if not lines:
        raise DataError(f"Instacart layout: need {' or '.join(LINE_FILES)}", path=folder)
    return [folder / n for n in REQUIRED_FILES] + lines


def load_instacart(folder: Path) -> CanonicalData:
    """Read and validate the Instacart files in ``folder`` into canonical tables.

    Raises:
        DataError: a file or column is missing, a value does not parse, ids repeat, or a row
            points at an unknown aisle, department, order or product (naming file and lines).
    """
    files = input_files(folder)
    report = LoadReport(layout="instacart", sources=[str(p) for p in files])
    products = _products(folder, report)
    orders = _orders(folder / "orders.csv", report)
    lines = _lines(folder, orders, products, report)

    if products["price"].isna().all() and lines["unit_price"].notna().any():
        med = lines.groupby("product_id")["unit_price"].median()
        products["price"] = products["product_id"].map(med).astype("float64")
        report.notes.append("product prices are the median unit prices paid")
    if lines["unit_price"].isna().all() and products["price"].notna().any():
        price = products.set_index("product_id")["price"]
        lines["unit_price"] = lines["product_id"].map(price).astype("float32")
        report.notes.append("unit prices of order lines are the products' list prices")
    if products["price"].isna().all():
        report.notes.append("the data has no prices: analyses that need money will say so")
    if orders["ordered_at"].isna().all():
        report.notes.append(
            "no calendar dates: order times are order numbers, day of week, hour and days since "
            "the prior order"
        )

    users = build_users(orders)
    report.counts = {
        "products": len(products),
        "orders": len(orders),
        "order_lines": len(lines),
        "users": len(users),
    }
    return CanonicalData(
        products=products,
        orders=orders,
        order_lines=lines,
        users=conform(users, "users"),
        report=report,
        currency=declared_currency(folder),
    )


def declared_currency(folder: Path) -> str | None:
    """The prices' currency a generated data set declares in its ``generate.json`` (the demo
    generator writes one), else None: Kaggle's files say nothing about money."""
    path = folder / GENERATOR_MANIFEST
    if not path.is_file():
        return None
    try:
        currency = json.loads(path.read_text(encoding="utf-8")).get("currency")
    except (OSError, ValueError, AttributeError):
        log.warning("ignoring unreadable %s", path)
        return None
    return currency if isinstance(currency, str) and currency.strip() else None


def _named_table(path: Path, id_col: str, name_col: str) -> pd.DataFrame:
    df = read_csv(path, {id_col: "int", name_col: "str"})
    v.require_not_null(df, [id_col, name_col], path)
    v.require_unique(df, id_col, path)
    return df


def _products(folder: Path, report: LoadReport) -> pd.DataFrame:
    aisles = _named_table(folder / "aisles.csv", "aisle_id", "aisle")
    departments = _named_table(folder / "departments.csv", "department_id", "department")
    path = folder / "products.csv"
    df = read_csv(
        path,
        {"product_id": "int", "product_name": "str", "aisle_id": "int", "department_id": "int"},
        optional={"price": "float", "description": "str"},
        notes=report.notes,
    )
    report.input_lines += len(df)
    v.require_not_null(df, ["product_id", "product_name", "aisle_id", "department_id"], path)
    v.require_unique(df, "product_id", path, "product id")
    v.require_known(df, "aisle_id", aisles["aisle_id"], path, "aisles")
    v.require_known(df, "department_id", departments["department_id"], path, "departments")
    if "price" in df:
        v.require_range(df, "price", path, low=0, what="price")
    df["product_name"] = df["product_name"].str.strip()
    df = df.merge(aisles, on="aisle_id", how="left").merge(departments, on="department_id",
                                                             how="left")
    return conform(df, "products")


def _orders(path: Path, report: LoadReport) -> pd.DataFrame:
    required = ["order_id", "user_id", "eval_set", "order_number", "order_dow",
                "order_hour_of_day"]
    df = read_csv(
        path,
        {"order_id": "int", "user_id": "int", "eval_set": "str", "order_number": "int",
         "order_dow": "int", "order_hour_of_day": "int", "days_since_prior_order": "float"},
        optional={"ordered_at": "datetime"},
        notes=report.notes,
    )
    report.input_lines += len(df)
    v.require_not_null(df, required, path)
    v.require_unique(df, "order_id", path, "order id")
    v.require_values(df, "eval_set", EVAL_SETS, path)
    v.require_range(df, "order_number", path, low=1, what="order number")
    v.require_range(df, "order_dow", path, low=0, high=6, what="day of week")
    v.require_range(df, "order_hour_of_day", path, low=0, high=23, what="hour")
    v.require_range(df, "days_since_prior_order", path, low=0, what="day count")
    return conform(df.sort_values("order_id", kind="stable"), "orders")


def _lines(
    folder: Path, orders: pd.DataFrame, products: pd.DataFrame, report: LoadReport
) -> pd.DataFrame:
    order_ids = np.sort(orders["order_id"].to_numpy())
    product_ids = np.sort(products["product_id"].to_numpy())
    parts = []
    for name in LINE_FILES:
        path = folder / name
        if not path.is_file():
            continue
        df = read_csv(
            path,
            {"order_id": "int", "product_id": "int", "add_to_cart_order": "int",
             "reordered": "int"},
            optional={"quantity": "int", "unit_price": "float"},
            notes=report.notes,
        )
        log.info("read %s: %d lines", path.name, len(df))
        report.input_lines += len(df)
        v.require_not_null(df, ["order_id", "product_id", "add_to_cart_order", "reordered"], path)
        v.require_known(df, "order_id", order_ids, path, "orders")
        v.require_known(df, "product_id", product_ids, path, "products")
        v.require_unique_pairs(df, "order_id", "product_id", path)
        v.require_values(df, "reordered", (0, 1), path)
        v.require_range(df, "add_to_cart_order", path, low=1, what="cart position")
        if "quantity" in df:
            v.require_not_null(df, ["quantity"], path)
            v.require_range(df, "quantity", path, low=1, what="quantity")
        if "unit_price" in df:
            v.require_range(df, "unit_price", path, low=0, what="unit price")
        parts.append(df)
    lines = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(
        drop=True)
    del parts
    if "quantity" not in lines:
        lines["quantity"] = np.ones(len(lines), dtype="int32")
    return conform(lines, "order_lines")
