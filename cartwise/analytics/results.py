"""Shapes shared by every analytics result: JSON-safe values, chart series, number formatting.

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

#: What money is measured in when the data has prices: the data's own currency (unknown symbol).
CURRENCY = "currency"
#: What "value" is measured in when the data has no prices: units bought.
ITEMS = "items"
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


def fmt_num(value: float | None, digits: int = 0) -> str:
    """Thousands-separated number for summaries ("1,234", "12.5"); "n/a" when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:,.{digits}f}"


def fmt_pct(share: float | None, digits: int = 1) -> str:
    """A share 0..1 as a percentage ("12.5%"); "n/a" when missing.

    Shares below 1% keep two significant digits ("0.53%", "0.047%"), and a share too small to
    show is "<0.01%", so a small share is never written as "0.0%" (nor two different small
    shares as the same number).
    """
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "n/a"
    pct = 100 * float(share)
    if 0 < abs(pct) < 1:
        return "<0.01%" if abs(pct) < 0.01 else f"{pct:.2g}%"
    return f"{pct:.{digits}f}%"


def fmt_change(change: float | None) -> str:
    """A relative change 0..1 as a signed percentage ("+12.3%"); "n/a" when unknown."""
    return "n/a" if change is None else f"{change:+.1%}"


def fmt_value(value: float | None, unit: str) -> str:
    """A value in the data's currency ("1,234.50") or in items ("1,234 items")."""
    if unit == ITEMS:
        return f"{fmt_num(value)} items"
    return fmt_num(value, 2)


def plural(n: int, word: str, words: str | None = None) -> str:
    """``"1 shopper"``, ``"2,345 shoppers"``."""
    return f"{fmt_num(n)} {word if n == 1 else (words or word + 's')}"


def days_ago(days: float | None) -> str:
    """``"today"``, ``"1 day ago"``, ``"45 days ago"`` (rounded to whole days)."""
    if days is None or (isinstance(days, float) and math.isnan(days)):
        return "at an unknown time"
    n = int(round(float(days)))
    return "today" if n == 0 else f"{plural(n, 'day')} ago"


def share(part: float, whole: float) -> float | None:
    """``part / whole`` (0..1), None when ``whole`` is 0."""
    return float(part) / float(whole) if whole else None
