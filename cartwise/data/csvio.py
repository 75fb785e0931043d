"""Reading input CSV files into typed frames, with errors a person can act on.

One function, :func:`read_csv`, serves every loader. It reads with Arrow's multithreaded parser
(the fast path, for clean files of any size) and, only when that fails, re-reads the file as text
to find and name the offending column and lines. Files that are not UTF-8 are read as UTF-8 with
Windows-1252 for the bytes that do not decode, and the loader is told so.

Line numbers in errors count the header as line 1, so the first data row is line 2.
"""

from __future__ import annotations

import codecs
import io
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from cartwise.errors import DataError

log = logging.getLogger(__name__)

Kind = Literal["int", "float", "str", "datetime"]

_ARROW_TYPES: dict[str, pa.DataType] = {
    "int": pa.int64(),
    "float": pa.float64(),
    "str": pa.string(),
    "datetime": pa.timestamp("s"),
}
_NULLS = ["", "NA", "N/A", "NaN", "nan", "null", "NULL", "None"]
_BLOCK_SIZE = 1 << 24  # 16 MiB: rows up to this size parse on the fast path
_SNIFF_BYTES = 1 << 16
#: Longest text cell accepted, in characters: no name, code or description comes near it, and
#: one huge cell (a broken export) would make the later stages crawl through it.
MAX_CELL_CHARS = 1 << 16


def _cp1252_fallback(err: UnicodeError) -> tuple[str, int]:
    assert isinstance(err, UnicodeDecodeError)
    bad = err.object[err.start : err.end]
    return bad.decode("cp1252", errors="replace"), err.end


codecs.register_error("cartwise-cp1252", _cp1252_fallback)


def check_text_file(path: Path) -> None:
    """Raise :class:`DataError` unless ``path`` is an existing, non-empty text file."""
    if not path.exists():
        raise DataError("file not found", path=path)
    if not path.is_file():
        raise DataError("expected a file, found a folder", path=path)
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if not head.strip():
        raise DataError("file is empty", path=path)
    if b"\x00" in head:
        raise DataError("not a text CSV file (it contains NUL bytes: binary data?)", path=path)


def read_header(path: Path) -> list[str]:
    """The column names of CSV file ``path`` (after :func:`check_text_file`), stripped."""
    check_text_file(path)
    with path.open("rb") as fh:
        first = fh.readline(_SNIFF_BYTES)
    text = first.decode("utf-8-sig", errors="cartwise-cp1252")
    return [c.strip() for c in pd.read_csv(io.StringIO(text), nrows=0, dtype=str).columns]


def read_csv(
    path: Path,
    columns: Mapping[str, Kind],
    optional: Mapping[str, Kind] | None = None,
    notes: list[str] | None = None,
    allow_empty: bool = False,
) -> pd.DataFrame:
    """Read the named columns of CSV file ``path`` into a frame with typed columns.

    Args:
        path: the CSV file (with a header row).
        columns: required columns and their kinds; a missing one is a :class:`DataError`.
        optional: columns read when present; absent ones are simply not in the result.
        notes: if given, remarks about the read (such as an encoding fallback) are appended.
        allow_empty: accept a file with a header and no rows (otherwise a :class:`DataError`).

    Returns:
        A frame with the required and present optional columns, in that order: ``int`` columns as
        ``int64`` (nullable ``Int64`` when a cell is empty), ``float`` as float64 (NaN for
        empty cells), ``str`` as pandas ``str``,
        ``datetime`` as ``datetime64[s]``. Empty cells are nulls; callers decide whether a null is
        allowed.

    Raises:
        DataError: the file is missing, empty, binary, lacks a required column, or a cell cannot
            be parsed as its column's kind (a non-finite or out-of-range number included) or
            a text cell is longer than :data:`MAX_CELL_CHARS` (naming the column and the first
            offending lines).
    """
    header = read_header(path)
    optional = optional or {}
    missing = [c for c in columns if c not in header]
    if missing:
        raise DataError(
            f"missing required column(s) {', '.join(map(repr, missing))}; "
            f"found {', '.join(map(repr, header))}",
            path=path,
            column=missing[0],
        )
    wanted = {**columns, **{c: k for c, k in optional.items() if c in header and c not in columns}}
    try:
        df = _read_fast(path, header, wanted)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        log.debug("fast CSV read of %s failed (%s); re-reading as text", path, exc)
        df = _read_slow(path, wanted, notes)
    else:
        if not all(np.isfinite(df[c].dropna()).all() for c, k in wanted.items() if k == "float"):
            # Arrow reads "inf" and "1e400" as floats: the slow path names them
            df = _read_slow(path, wanted, notes)
    _check_cell_sizes(df, wanted, path)
    if df.empty and not allow_empty:
        raise DataError("file has a header but no data rows", path=path)
    return df


def _check_cell_sizes(df: pd.DataFrame, wanted: Mapping[str, Kind], path: Path) -> None:
    for name, kind in wanted.items():
        if kind != "str":
            continue
        lengths = df[name].str.len()
        too_long = (lengths > MAX_CELL_CHARS).fillna(False).astype(bool)
        if too_long.any():
            idx = too_long[too_long].index
            raise DataError(
                f"{len(idx)} value(s) longer than {MAX_CELL_CHARS:,} characters (the longest: "
                f"{int(lengths.max()):,})",
                path=path,
                column=name,
                rows=[f"line {i + 2}" for i in idx[:20]],
            )


def _read_fast(path: Path, header: list[str], wanted: Mapping[str, Kind]) -> pd.DataFrame:
    # Integer and datetime columns are read as text-free typed Arrow arrays; a bad cell raises
    # ArrowInvalid and sends us to the slow path, which names it.
    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=_BLOCK_SIZE, encoding="utf8"),
        parse_options=pacsv.ParseOptions(newlines_in_values=False),
        convert_options=pacsv.ConvertOptions(
            include_columns=list(wanted),
            column_types={c: _ARROW_TYPES[k] for c, k in wanted.items()},
            null_values=_NULLS,
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            timestamp_parsers=[pacsv.ISO8601],
        ),
    )
    out = {}
    for name, kind in wanted.items():
        col = table.column(name)
        out[name] = _to_pandas(col.to_pandas(), kind, has_nulls=col.null_count > 0)
        del col
    del table
    return pd.DataFrame(out, copy=False)


def _to_pandas(s: pd.Series, kind: Kind, has_nulls: bool) -> pd.Series:
    if kind == "int":
        return s.astype("Int64") if has_nulls else s.astype("int64")
    if kind == "float":
        return s.astype("float64")
    if kind == "str":
        return s.astype("str")
    return pd.to_datetime(s).astype("datetime64[s]")


def _read_slow(path: Path, wanted: Mapping[str, Kind], notes: list[str] | None) -> pd.DataFrame:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", errors="cartwise-cp1252").lstrip("\ufeff")
        msg = f"{path.name} is not valid UTF-8; undecodable bytes were read as Windows-1252"
        log.warning(msg)
        if notes is not None:
            notes.append(msg)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            skipinitialspace=True,
            engine="c",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"cannot parse as CSV: {exc}", path=path) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    out = {}
    for name, kind in wanted.items():
        text_col = frame[name].str.strip()
        is_null = text_col.isin(_NULLS)
        out[name] = _parse_text(text_col.mask(is_null), is_null, kind, path, name)
    return pd.DataFrame(out)


def _parse_text(
    col: pd.Series, is_null: pd.Series, kind: Kind, path: Path, name: str
) -> pd.Series:
    if kind == "str":
        return col.astype("str")
    if kind == "datetime":
        parsed = pd.to_datetime(col, errors="coerce", format="mixed")
    else:
        parsed = pd.to_numeric(col, errors="coerce")
    bad = parsed.isna() & ~is_null
    if kind != "datetime":
        # "inf", "1e400" and whole numbers beyond int64 (about 9.2e18) parse, but are no value
        limit = 2.0**63 if kind == "int" else np.inf
        bad |= parsed.notna() & ~(parsed.astype("float64").abs() < limit)
    if bad.any():
        idx = bad[bad].index
        sample = ", ".join(repr(str(v))[:40] for v in col[idx[:3]])
        raise DataError(
            f"cannot parse {len(idx)} value(s) as {kind} (e.g. {sample})",
            path=path,
            column=name,
            rows=[f"line {i + 2}" for i in idx[:20]],
        )
    if kind == "int":
        frac = parsed.notna() & (parsed != parsed.round())
        if frac.any():
            idx = frac[frac].index
            raise DataError(
                f"expected whole numbers, found {len(idx)} fractional value(s)",
                path=path,
                column=name,
                rows=[f"line {i + 2}" for i in idx[:20]],
            )
        return parsed.astype("Int64")
    if kind == "datetime":
        return parsed.astype("datetime64[s]")
    return parsed.astype("float64")
