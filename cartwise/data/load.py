"""Choosing the input layout and loading a data set into canonical tables.

:func:`resolve_source` looks at a path (a folder, or a transaction-log file) and decides which
loader reads it and which files it reads; :func:`load_source` runs that loader and attaches the
funnel tables when they are present.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cartwise.data import funnel, instacart, transactions
from cartwise.data.schema import CanonicalData
from cartwise.errors import ConfigError, DataError

log = logging.getLogger(__name__)

LAYOUTS = ("instacart", "transactions")


@dataclass(frozen=True)
class DataSource:
    """What to read: the layout, its input files, the funnel folder (if any) and, for Instacart
    baskets without their catalogue, the catalogue folder."""

    layout: str
    path: Path
    files: tuple[Path, ...]
    funnel_dir: Path | None = None
    column_map: Mapping[str, str] = field(default_factory=dict)
    catalog_dir: Path | None = None

    def all_files(self) -> list[Path]:
        """Every file the load reads (for the content hash)."""
        extra = funnel.input_files(self.funnel_dir) if self.funnel_dir else []
        return [*self.files, *extra]

    def describe(self) -> dict[str, object]:
        return {
            "layout": self.layout,
            "path": str(self.path),
            "files": [str(p) for p in self.files],
            "funnel_dir": str(self.funnel_dir) if self.funnel_dir else None,
            "column_map": dict(self.column_map),
            "catalog_dir": str(self.catalog_dir) if self.catalog_dir else None,
        }


def resolve_source(
    path: Path,
    layout: str = "auto",
    funnel_dir: Path | None = None,
    column_map: Mapping[str, str] | None = None,
    catalog_dir: Path | None = None,
) -> DataSource:
    """Decide how to read ``path``.

    Args:
        path: a data folder, or a transaction-log CSV file.
        layout: ``instacart``, ``transactions`` or ``auto`` (detect from file names and headers).
        funnel_dir: folder of the funnel tables; default: found beside the data, if present.
        column_map: for the transactions layout, canonical field -> the file's column name.
        catalog_dir: for the Instacart layout, the folder of ``products.csv``, ``aisles.csv``
            and ``departments.csv`` when they are not in ``path`` (a baskets-only folder).

    Raises:
        DataError: the path does not exist or its layout cannot be told.
        ConfigError: ``layout`` is not one of the known layouts.
    """
    path = Path(path)
    if layout not in ("auto", *LAYOUTS):
        raise ConfigError(f"unknown layout {layout!r}: use one of auto, {', '.join(LAYOUTS)}")
    if not path.exists():
        raise DataError("data path not found", path=path)
    if layout == "auto":
        layout = _detect(path)
    if layout == "instacart":
        if not path.is_dir():
            raise DataError("the Instacart layout is a folder of CSV files", path=path)
        files = tuple(instacart.input_files(path, catalog_dir))
    else:
        if catalog_dir is not None:
            raise ConfigError("a catalogue folder is only read with the Instacart layout")
        files = tuple(_transaction_files(path, column_map))
    if funnel_dir is None:
        funnel_dir = funnel.find_funnel_dir(path)
    elif not Path(funnel_dir).is_dir():
        raise DataError("funnel folder not found", path=funnel_dir)
    return DataSource(layout, path, files, funnel_dir, dict(column_map or {}),
                      Path(catalog_dir) if catalog_dir is not None else None)


def _detect(path: Path) -> str:
    if path.is_dir() and instacart.looks_like_instacart(path):
        return "instacart"
    if path.is_file() or _transaction_candidates(path):
        return "transactions"
    raise DataError(
        "cannot tell the data layout: expected the Instacart files (orders.csv, products.csv, "
        "aisles.csv, departments.csv, order_products__*.csv; or only order_products*.csv "
        "baskets, with the catalogue beside them or in --catalog DIR) or a transaction log CSV "
        "(invoice, "
        "stock code, quantity, date, price, customer columns); pass --layout to say which"
        + _csv_problems(path),
        path=path,
    )


def _csv_problems(folder: Path, column_map: Mapping[str, str] | None = None) -> str:
    """What each CSV file of ``folder`` lacks to be a transaction log, as a message tail
    ("; the CSV files looked at: a.csv: no Quantity column (...); headers: ...")."""
    csvs = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    if not csvs:
        return "; the folder has no .csv file"
    problems = [transactions.header_problem(p, column_map) or f"{p.name}: a transaction log"
                for p in csvs]
    return "; the CSV files looked at: " + " | ".join(problems)


def _transaction_candidates(folder: Path, column_map: Mapping[str, str] | None = None
                            ) -> list[Path]:
    """The CSV files of ``folder`` whose headers hold every required transaction field."""
    return [p for p in sorted(folder.glob("*.csv"))
            if transactions.header_problem(p, column_map) is None]


def _transaction_files(path: Path, column_map: Mapping[str, str] | None = None) -> list[Path]:
    """The transaction-log files of ``path`` (the file itself, or the folder's matching CSVs).

    Raises:
        DataError: no CSV file of the folder is a transaction log; the message names each file
            looked at and the columns it lacks.
    """
    if path.is_file():
        return [path]
    files = _transaction_candidates(path, column_map)
    if not files:
        raise DataError("no transaction-log CSV file in this folder" + _csv_problems(
            path, column_map), path=path)
    skipped = sorted(set(path.glob("*.csv")) - set(files))
    for p in skipped:
        log.info("not a transaction log, skipped: %s", transactions.header_problem(p, column_map))
    return files


def load_source(source: DataSource) -> CanonicalData:
    """Load ``source`` into validated canonical tables (funnel tables included when present)."""
    log.info("loading %s data from %s", source.layout, source.path)
    if source.layout == "instacart":
        data = instacart.load_instacart(source.path, source.catalog_dir)
    else:
        data = transactions.load_transactions(list(source.files), source.column_map)
    if len(data.products) > 1 and not data.products["product_id"].is_monotonic_increasing:
        # the catalogue's rows are the products sorted by id (see cartwise.data.schema)
        data.products = data.products.sort_values("product_id", kind="stable").reset_index(
            drop=True)
    if source.funnel_dir is not None:
        data.funnel_users, data.funnel_events = funnel.load_funnel(source.funnel_dir)
        data.report.sources.append(str(source.funnel_dir))
        data.report.counts["funnel_visitors"] = len(data.funnel_users)
    return data
