"""Checks shared by the loaders. Each raises one :class:`DataError` naming file, column and lines.

Frames passed here must still have the index ``read_csv`` gave them (row ``i`` is file line
``i + 2``), so that the lines named in errors are the lines of the file.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from cartwise.errors import DataError

_MAX_ROWS = 20


def _lines(mask: pd.Series | np.ndarray, index: pd.Index) -> list[str]:
    positions = np.flatnonzero(np.asarray(mask))[:_MAX_ROWS]
    return [f"line {int(index[i]) + 2}" for i in positions]


def require_not_null(df: pd.DataFrame, columns: Iterable[str], path: Path) -> None:
    """Every value of ``columns`` is present."""
    for c in columns:
        mask = df[c].isna()
        if mask.any():
            raise DataError(f"{int(mask.sum())} empty value(s) in a required column",
                            path=path, column=c, rows=_lines(mask, df.index))


def require_unique(df: pd.DataFrame, column: str, path: Path, what: str = "id") -> None:
    """No value of ``column`` appears twice (all occurrences after the first are named)."""
    mask = df[column].duplicated()
    if mask.any():
        sample = df.loc[mask, column].iloc[:3].tolist()
        raise DataError(f"{int(mask.sum())} duplicate {what}(s), e.g. {sample}",
                        path=path, column=column, rows=_lines(mask, df.index))


def require_unique_pairs(df: pd.DataFrame, a: str, b: str, path: Path) -> None:
    """No (a, b) pair of non-negative integers appears twice."""
    width = int(df[b].max()) + 1 if len(df) else 1
    key = df[a].to_numpy(dtype=np.int64) * width + df[b].to_numpy(dtype=np.int64)
    mask = pd.Series(key).duplicated().to_numpy()
    if mask.any():
        first = np.flatnonzero(mask)[0]
        raise DataError(
            f"{int(mask.sum())} repeated ({a}, {b}) pair(s), e.g. "
            f"({df[a].iloc[first]}, {df[b].iloc[first]})",
            path=path, column=b, rows=_lines(mask, df.index),
        )


def require_known(
    df: pd.DataFrame, column: str, known: pd.Index | np.ndarray, path: Path, what: str
) -> None:
    """Every value of ``column`` is in ``known`` (e.g. lines point at existing orders)."""
    mask = ~df[column].isin(known)
    if mask.any():
        sample = df.loc[mask, column].iloc[:3].tolist()
        raise DataError(f"{int(mask.sum())} row(s) point at unknown {what}, e.g. {sample}",
                        path=path, column=column, rows=_lines(mask, df.index))


def require_range(
    df: pd.DataFrame,
    column: str,
    path: Path,
    low: float | None = None,
    high: float | None = None,
    what: str = "value",
) -> None:
    """Every non-null value of ``column`` is within [low, high]."""
    col = df[column]
    mask = pd.Series(False, index=df.index)
    if low is not None:
        mask |= col < low
    if high is not None:
        mask |= col > high
    mask = mask.fillna(False).astype(bool)
    if mask.any():
        bounds = f"{low if low is not None else '-inf'}..{high if high is not None else 'inf'}"
        sample = col[mask].iloc[:3].tolist()
        raise DataError(f"{int(mask.sum())} {what}(s) outside {bounds}, e.g. {sample}",
                        path=path, column=column, rows=_lines(mask, df.index))


def require_values(
    df: pd.DataFrame, column: str, allowed: Iterable[object], path: Path
) -> None:
    """Every non-null value of ``column`` is one of ``allowed``."""
    allowed = list(allowed)
    mask = df[column].notna() & ~df[column].isin(allowed)
    if mask.any():
        sample = df.loc[mask, column].iloc[:3].tolist()
        raise DataError(f"{int(mask.sum())} value(s) not in {allowed}, e.g. {sample}",
                        path=path, column=column, rows=_lines(mask, df.index))
