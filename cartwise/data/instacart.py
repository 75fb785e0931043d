"""Loader for the Instacart layout (the Kaggle "Instacart Market Basket Analysis" files).

Required in the folder: ``orders.csv``, ``products.csv``, ``aisles.csv``, ``departments.csv`` and
at least one of ``order_products__prior.csv`` / ``order_products__train.csv``. Columns beyond
Kaggle's are read when present: ``products.price`` and ``products.description``;
``orders.ordered_at`` (a real timestamp, as the demo generator writes);
``order_products.quantity`` and ``order_products.unit_price``.

Kaggle's test-set orders (``eval_set == "test"``) have no lines; they are kept as orders.
Without any price column, ``price`` / ``unit_price`` stay null: nothing invents prices.

**Baskets only**: a folder with ``order_products*.csv`` files and no ``orders.csv`` (for example
a sample of Kaggle's baskets without their order history). The catalogue files
(``products.csv``, ``aisles.csv``, ``departments.csv``) are in the same folder or in another one
given as ``catalog_dir``. Each basket (``order_id``) becomes one order of its own anonymous
shopper (user id = order id, order number 1, ``eval_set`` from the file name, ``reordered`` 0
since the flags refer to orders that are not in the data), with no order times: the data's
``order_times`` is False, ``order_dow`` / ``order_hour_of_day`` are 0 as placeholders that
nothing may read as times, and ``days_since_prior_order`` / ``ordered_at`` are null. The load
report says so.
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
CATALOG_FILES = ("products.csv", "aisles.csv", "departments.csv")
#: The line files of a baskets-only folder (any name of this form).
BASKET_GLOB = "order_products*.csv"
#: What the demo generator writes beside the files (its parameters, and the prices' currency).
GENERATOR_MANIFEST = "generate.json"
LINE_FILES = ("order_products__prior.csv", "order_products__train.csv")
EVAL_SETS = ("prior", "train", "test")


def looks_like_instacart(folder: Path) -> bool:
    """True if ``folder`` holds the Instacart files (by name), or only Instacart baskets."""
    return folder.is_dir() and (
        all((folder / n).is_file() for n in ("orders.csv", "products.csv"))
        or is_baskets_only(folder))


def is_baskets_only(folder: Path) -> bool:
    """True if ``folder`` holds Instacart baskets (``order_products*.csv``) but no orders."""
    return (folder.is_dir() and not (folder / "orders.csv").is_file()
            and bool(basket_files(folder)))


def basket_files(folder: Path) -> list[Path]:
    """The ``order_products*.csv`` files of a folder, sorted by name."""
    return sorted(p for p in folder.glob(BASKET_GLOB) if p.is_file())


def _catalog_folder(folder: Path, catalog_dir: Path | None) -> Path:
    return Path(catalog_dir) if catalog_dir is not None else folder


def input_files(folder: Path, catalog_dir: Path | None = None) -> list[Path]:
    """The files the loader reads from ``folder`` (and the catalogue from ``catalog_dir``,
    default ``folder``); raises :class:`DataError` if one is missing."""
    catalog = _catalog_folder(folder, catalog_dir)
    if catalog_dir is not None and not catalog.is_dir():
        raise DataError("catalogue folder not found", path=catalog)
    if is_baskets_only(folder):
        missing = [n for n in CATALOG_FILES if not (catalog / n).is_file()]
        if missing:
            raise DataError(
                f"Instacart baskets without orders.csv: the catalogue ({', '.join(missing)}) is "
                "not in " + ("the catalogue folder" if catalog_dir is not None else
                             "this folder: give its folder with --catalog DIR"), path=catalog)
        return [catalog / n for n in CATALOG_FILES] + basket_files(folder)
    missing = [n for n in REQUIRED_FILES
               if not ((catalog if n in CATALOG_FILES else folder) / n).is_file()]
    if missing:
        raise DataError(f"Instacart layout: missing {', '.join(missing)}", path=folder)
    lines = [folder / n for n in LINE_FILES if (folder / n).is_file()]
    if not lines:
        raise DataError(f"Instacart layout: need {' or '.join(LINE_FILES)}", path=folder)
    return [folder / "orders.csv", *(catalog / n for n in CATALOG_FILES), *lines]


def load_instacart(folder: Path, catalog_dir: Path | None = None) -> CanonicalData:
    """Read and validate the Instacart files in ``folder`` into canonical tables.

    Args:
        folder: the Instacart files, or only baskets (see the module docstring).
        catalog_dir: folder of ``products.csv``, ``aisles.csv`` and ``departments.csv``
            (default: ``folder``).

    Raises:
        DataError: a file or column is missing, a value does not parse, ids repeat, or a row
            points at an unknown aisle, department, order or product (naming file and lines).
    """
    files = input_files(folder, catalog_dir)
    baskets_only = is_baskets_only(folder)
    report = LoadReport(layout="instacart (baskets only)" if baskets_only else "instacart",
                        sources=[str(p) for p in files])
    products = _products(_catalog_folder(folder, catalog_dir), report)
    if baskets_only:
        lines, sets = _basket_lines(basket_files(folder), products, report)
        orders = _basket_orders(lines, sets)
        if lines["reordered"].any():
            share = float(lines["reordered"].mean())
            lines["reordered"] = np.zeros(len(lines), dtype=lines["reordered"].dtype)
            report.notes.append(
                f"the files' reordered flags ({share:.0%} of lines) refer to earlier orders that "
                "are not in the data: set to 0, as each shopper here has one order")
        report.notes.append(
            f"baskets only (no orders.csv): each of the {len(orders):,} baskets is one order of "
            "its own anonymous shopper (user id = order id), without order times (no day of "
            "week, hour or days between orders): per-shopper histories, churn, lifetime value "
            "and trends over time cannot be computed from baskets alone")
    else:
        orders = _orders(folder / "orders.csv", report)
        lines = _lines([folder / n for n in LINE_FILES if (folder / n).is_file()], orders,
                       products, report)

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
    if orders["ordered_at"].isna().all() and not baskets_only:
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
        order_times=not baskets_only,
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


def _basket_lines(paths: list[Path], products: pd.DataFrame, report: LoadReport
                  ) -> tuple[pd.DataFrame, dict[int, str]]:
    """The lines of baskets-only files, and the eval set of each basket (from its file name:
    ``train`` when the name says so, else ``prior``)."""
    parts: list[pd.DataFrame] = []
    sets: dict[int, str] = {}
    for path in paths:
        df = _lines([path], None, products, report)
        ids = np.unique(df["order_id"].to_numpy(dtype=np.int64))
        again = [int(i) for i in ids if int(i) in sets]
        if again:
            raise DataError(f"basket {again[0]} is also in another order_products file",
                            path=path)
        eval_set = "train" if "train" in path.stem else "prior"
        sets.update(dict.fromkeys(ids.tolist(), eval_set))
        parts.append(df)
    lines = parts[0] if len(parts) == 1 else conform(pd.concat(parts, ignore_index=True),
                                                     "order_lines")
    return lines, sets


def _basket_orders(lines: pd.DataFrame, sets: dict[int, str]) -> pd.DataFrame:
    """One order per basket, of its own shopper (user id = order id), without times."""
    ids = np.unique(lines["order_id"].to_numpy(dtype=np.int64))
    n = len(ids)
    return conform(pd.DataFrame({
        "order_id": ids, "user_id": ids, "order_number": np.ones(n, dtype=np.int32),
        "eval_set": [sets[int(i)] for i in ids],
        "order_dow": np.zeros(n, dtype=np.int8),  # placeholders: order_times is False
        "order_hour_of_day": np.zeros(n, dtype=np.int8),
        "days_since_prior_order": np.full(n, np.nan, dtype=np.float32),
    }), "orders")


def _lines(
    paths: list[Path], orders: pd.DataFrame | None, products: pd.DataFrame, report: LoadReport
) -> pd.DataFrame:
    """The order lines of ``paths``, checked against ``orders`` (None: baskets only, the lines
    define the orders) and ``products``."""
    order_ids = np.sort(orders["order_id"].to_numpy()) if orders is not None else None
    product_ids = np.sort(products["product_id"].to_numpy())
    parts = []
    for path in paths:
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
        if order_ids is not None:
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
