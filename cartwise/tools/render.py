"""How results are written for readers: the compact JSON a chat model reads, and the filters of
a product list as a phrase."""

from __future__ import annotations

import json
import math
from typing import Any

from cartwise.formatting import money
from cartwise.tools.results import ToolResult

#: Fields kept out of what a chat model reads (they are for charts in a UI).
UI_ONLY_FIELDS = frozenset({"charts"})


def _rounded(value: Any) -> Any:
    """``value`` with floats rounded for reading (4 decimals, 2 from 1,000 on) and nulls left
    out of objects."""
    if isinstance(value, float):
        return round(value, 2 if abs(value) >= 1000 else 4) if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value


def for_model(result: ToolResult) -> str:
    """The compact JSON a chat model reads: the result without UI-only fields and nulls,
    floats rounded (see :func:`_rounded`). It parses back into the same model
    (:func:`~cartwise.tools.results.parse_result`)."""
    data = result.model_dump(mode="json", exclude=set(UI_ONLY_FIELDS))
    return json.dumps(_rounded(data), ensure_ascii=False, separators=(",", ":"))


def filters_text(departments: list[str] | tuple[str, ...] | None, lo: float | None,
                 hi: float | None, never_bought: bool = False,
                 currency: str | None = None) -> str:
    """The filters of a product list as a parenthesised phrase (" (in produce, under $3.00)"),
    or "" without filters; prices are written in ``currency`` (see
    :func:`~cartwise.formatting.money`)."""
    parts = []
    if departments:
        parts.append(f"in {' or '.join(departments)}")
    if lo is not None and hi is not None:
        parts.append(f"between {money(lo, currency)} and {money(hi, currency)}")
    elif hi is not None:
        parts.append(f"under {money(hi, currency)}")
    elif lo is not None:
        parts.append(f"over {money(lo, currency)}")
    if never_bought:
        parts.append("not bought before")
    return f" ({', '.join(parts)})" if parts else ""
