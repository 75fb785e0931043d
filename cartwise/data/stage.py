"""The "data" build stage: canonical tables written to the model store as Parquet.

The stage is rebuilt only when its inputs change: the manifest records a content hash of every
input file, the layout options and the table format, and :func:`build_data_stage` skips the work
when the stored hash matches.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from cartwise.data.load import DataSource, load_source
from cartwise.data.schema import (
    FORMAT_VERSION,
    REQUIRED_TABLES,
    TABLES,
    CanonicalData,
    LoadReport,
    to_arrow,
)
from cartwise.errors import StoreError
from cartwise.store import READ_ERRORS, StageResult, Store, hash_files

log = logging.getLogger(__name__)

STAGE = "data"
REPORT = "load_report.json"


def input_hash(source: DataSource) -> str:
    """Content hash of everything that decides the data stage's output."""
    return hash_files(
        source.all_files(),
        extra={"format": FORMAT_VERSION, "layout": source.layout,
               "column_map": dict(source.column_map)},
    )


def build_data_stage(store: Store, source: DataSource, force: bool = False) -> StageResult:
    """Load ``source`` and publish it as the store's data stage, unless it is up to date.

    The caller must hold ``store.lock()``. On any error the previous stage stays in place.
    """
    start = time.perf_counter()
    digest = input_hash(source)
    current = store.manifest(STAGE)
    if (
        not force
        and current is not None
        and current.get("input_hash") == digest
        and current.get("format_version") == FORMAT_VERSION
    ):
        log.info("data stage is up to date (input hash %s)", digest)
        return _result(False, current, time.perf_counter() - start)

    data = load_source(source)
    manifest = {
        "format_version": FORMAT_VERSION,
        "input_hash": digest,
        "source": source.describe(),
        "tables": {name: len(df) for name, df in data.tables().items()},
        "has_prices": data.has_prices,
        "has_timestamps": data.has_timestamps,
        "currency": data.currency,
        "has_order_times": data.order_times,
    }
    with store.write_stage(STAGE, manifest) as tmp:
        for name, df in data.tables().items():
            t0 = time.perf_counter()
            pq.write_table(to_arrow(df, name), tmp / f"{name}.parquet", compression="zstd")
            log.info("wrote %s: %d rows in %.1f s", name, len(df), time.perf_counter() - t0)
        (tmp / REPORT).write_text(json.dumps(data.report.to_dict(), indent=2) + "\n",
                                  encoding="utf-8")
    details = [f"removed {n:,} lines: {rule}" for rule, n in data.report.removed.items()]
    details += [f"note: {note}" for note in data.report.notes]
    return _result(True, store.manifest(STAGE) or manifest, time.perf_counter() - start, details)


def _result(rebuilt: bool, manifest: dict[str, Any], seconds: float,
            details: list[str] | None = None) -> StageResult:
    return StageResult(STAGE, rebuilt, manifest, seconds, dict(manifest.get("tables", {})),
                       details or [])


def load_data(store: Store, tables: tuple[str, ...] | None = None) -> CanonicalData:
    """Read the canonical tables of the store's data stage.

    Args:
        tables: names to read (default: all present); the others are empty frames with the
            canonical columns, so callers that need only products need not load 32M lines.

    Raises:
        StoreError: there is no data stage, it has another format version, or a table or the
            load report is missing or damaged (naming the file).
    """
    folder, manifest = store.open_stage(STAGE, FORMAT_VERSION)
    wanted = set(tables) if tables is not None else set(TABLES)
    frames: dict[str, pd.DataFrame | None] = {}
    for name, schema in TABLES.items():
        path = folder / f"{name}.parquet"
        if not path.is_file():
            frames[name] = None
            continue
        try:
            table = pq.read_table(path).cast(schema) if name in wanted else schema.empty_table()
        except READ_ERRORS as exc:
            raise store.file_error(STAGE, path.name, exc) from exc
        frames[name] = table.to_pandas()
    missing = [n for n in REQUIRED_TABLES if frames[n] is None]
    if missing:
        raise StoreError(f"the data stage in {folder} lacks {', '.join(missing)}")
    return CanonicalData(
        products=frames["products"],
        orders=frames["orders"],
        order_lines=frames["order_lines"],
        users=frames["users"],
        report=_read_report(store, folder, manifest),
        funnel_users=frames["funnel_users"],
        funnel_events=frames["funnel_events"],
        currency=manifest.get("currency"),
        order_times=bool(manifest.get("has_order_times", True)),
    )


def read_report(store: Store) -> LoadReport:
    """The load report of the store's data stage (what was read, what each rule removed)."""
    return _read_report(store, *store.open_stage(STAGE, FORMAT_VERSION))


def _read_report(store: Store, folder: Path, manifest: dict[str, Any]) -> LoadReport:
    path = folder / REPORT
    if not path.is_file():
        return LoadReport(layout=str(manifest.get("source", {}).get("layout", "unknown")))
    try:
        return LoadReport(**json.loads(path.read_text(encoding="utf-8")))
    except (*READ_ERRORS, TypeError) as exc:
        raise store.file_error(STAGE, REPORT, exc) from exc
