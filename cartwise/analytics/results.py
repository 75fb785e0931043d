"""Shapes shared by every analytics result: JSON-safe values, chart series, value units
(figures are written for people by :mod:`cartwise.formatting`).

Every result is a plain ``dict`` of JSON types with a one-line ``summary`` and, where it has
something to plot, ``charts``: a list of :func:`chart` dicts a UI can draw without knowing the
analysis (``{"kind": "bar", "title": ..., "x": [...], "y": [...], "x_label": ...,
"y_label": ...}``).
Missing numbers are ``None`` (never NaN, which is not JSON).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from cartwise.formatting import CURRENCY, ITEMS

NO_PRICES = "no prices in this data: values are counted in items bought, not money"


def value_fields(has_prices: bool) -> dict[str, Any]:
    """What a result's values are counted in: ``value_unit`` (:data:`CURRENCY` or
    :data:`ITEMS`), ``prices_available`` and, without prices, a ``price_note``."""
    out: dict[str, Any] = {"value_unit": CURRENCY if has_prices else ITEMS,
                           "prices_available": has_prices}
    if not has_prices:
        out["price_note"] = NO_PRICES
    return out


def jsonable(obj: Any) -> Any:
    """``obj`` with numpy / pandas scalars turned into JSON types, NaN and NaT into None.

    Dicts, lists and tuples are converted recursively (tuples become lists); timestamps become
    ISO strings ("2010-12-09T14:55:00"), dates "2010-12-09".
    """
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [jsonable(v) for v in obj.tolist()]
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        f = float(obj)
        return None if math.isnan(f) or math.isinf(f) else f
    if obj is pd.NaT:
        return None
    if isinstance(obj, pd.Timestamp | datetime):
        return None if pd.isna(obj) else obj.isoformat()
    if isinstance(obj, np.datetime64):
        return None if np.isnat(obj) else pd.Timestamp(obj).isoformat()
    if isinstance(obj, date):
        return obj.isoformat()
    if obj is pd.NA:
        return None
    raise TypeError(f"not JSON-able: {type(obj).__name__}")


def chart(
    kind: str,
    title: str,
    x: Sequence[Any],
    y: Sequence[Any] | Mapping[str, Sequence[Any]],
    x_label: str,
    y_label: str,
) -> dict[str, Any]:
    """A chart a UI can plot: ``kind`` is ``bar``, ``line``, ``funnel`` or ``scatter``.

    ``y`` is one series, or several by name (``{"orders": [...], "items": [...]}``), each as long
    as ``x``.
    """
    series = dict(y) if isinstance(y, Mapping) else None
    out: dict[str, Any] = {"kind": kind, "title": title, "x": list(x), "x_label": x_label,
                           "y_label": y_label}
    if series is None:
        out["y"] = list(y)  # type: ignore[arg-type]
    else:
        out["series"] = {k: list(v) for k, v in series.items()}
    return out


def labelled(labels: Sequence[Any], values: Sequence[Any]) -> list[dict[str, Any]]:
    """``[{"label": l, "value": v}, ...]``: the list form of a bar chart."""
    return [{"label": lab, "value": val} for lab, val in zip(labels, values, strict=True)]


def r(value: Any, digits: int = 2) -> float | None:
    """``value`` rounded to ``digits`` as a float, None when missing."""
    if value is None:
        return None
    f = float(value)
    return None if math.isnan(f) or math.isinf(f) else round(f, digits)


def share(part: float, whole: float) -> float | None:
    """``part / whole`` (0..1), None when ``whole`` is 0."""
    return float(part) / float(whole) if whole else None
