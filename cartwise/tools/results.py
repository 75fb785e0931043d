"""How tool results look: product entries, structured failures, the model-facing JSON.

Every tool returns a JSON-able dict with a one-line ``summary``. A failure is a result too, never
an exception: ``{"found": false, "error_type": "not_found", ...}`` for an unknown user or
product, ``{"error_type": "invalid_argument", "argument": ..., ...}`` for a bad argument; both
carry a readable ``error`` and ``summary``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from cartwise.errors import InvalidArgument, UnknownProduct, UnknownUser

#: Keys kept out of what a chat model reads (they are for charts in the UI).
UI_ONLY_KEYS = frozenset({"charts"})


def product_entry(product_id: int, name: str, aisle: str, department: str,
                  price: float | None, **extra: Any) -> dict[str, Any]:
    """One product as every tool lists it: ``product_id`` (the catalogue's external id),
    ``name``, ``aisle``, ``department``, ``price`` (the data's currency, None when unknown) and
    tool-specific fields after them."""
    if price is not None and (not isinstance(price, (int, float)) or not math.isfinite(price)):
        price = None
    return {"product_id": int(product_id), "name": str(name), "aisle": str(aisle),
            "department": str(department),
            "price": round(float(price), 2) if price is not None else None, **extra}


def filters_text(department: str | None, lo: float | None, hi: float | None,
                 never_bought: bool = False,
                 money: Callable[[float], str | None] = lambda v: f"{v:g}") -> str:
    """The filters of a product list as a parenthesised phrase (" (in produce, under 3)"), or
    "" without filters; ``money`` formats a price."""
    parts = []
    if department:
        parts.append(f"in {department}")
    if lo is not None and hi is not None:
        parts.append(f"between {money(lo)} and {money(hi)}")
    elif hi is not None:
        parts.append(f"under {money(hi)}")
    elif lo is not None:
        parts.append(f"over {money(lo)}")
    if never_bought:
        parts.append("not bought before")
    return f" ({', '.join(parts)})" if parts else ""


def not_found_user(exc: UnknownUser) -> dict[str, Any]:
    message = f"user {exc.user_id} not found"
    return {"found": False, "error_type": "not_found", "kind": "user", "user_id": exc.user_id,
            "error": message, "summary": f"User {exc.user_id} is not in the shop's data."}


def not_found_product(exc: UnknownProduct) -> dict[str, Any]:
    closest = list(exc.closest)
    hint = f" Closest names: {', '.join(closest)}." if closest else ""
    return {"found": False, "error_type": "not_found", "kind": "product",
            "product": str(exc.product), "closest": closest,
            "error": f"product {str(exc.product)!r} not found",
            "summary": f"No product in the catalogue matches {str(exc.product)!r}.{hint}"}


def invalid_argument(exc: InvalidArgument) -> dict[str, Any]:
    return {"error_type": "invalid_argument", "argument": exc.argument,
            "value": _jsonable(exc.value), "allowed": exc.allowed, "error": str(exc),
            "summary": f"{str(exc)[:1].upper()}{str(exc)[1:]}."}


def invalid_arguments(exc: ValidationError) -> dict[str, Any]:
    """The first problem of a pydantic validation error, named by its argument."""
    first = exc.errors()[0]
    loc = ".".join(str(x) for x in first.get("loc", ())) or "arguments"
    msg = str(first.get("msg", "invalid value"))
    if first.get("type") == "extra_forbidden":
        msg = "not an argument of this tool"
    value = first.get("input") if first.get("type") != "missing" else None
    return {"error_type": "invalid_argument", "argument": loc, "value": _jsonable(value),
            "error": f"{loc}: {msg}", "problems": len(exc.errors()),
            "summary": f"Invalid {loc}: {msg}."}


def is_failure(result: Mapping[str, Any]) -> bool:
    """Whether a tool result is a not-found or invalid-argument result."""
    return "error_type" in result


def _rounded(value: Any) -> Any:
    """``value`` with floats rounded for reading: 4 decimals, 2 from 1,000 on."""
    if isinstance(value, float):
        return round(value, 2 if abs(value) >= 1000 else 4) if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(v) for v in value]
    return value


def for_model(result: Mapping[str, Any]) -> str:
    """The compact JSON a chat model reads: the result without UI-only keys, floats rounded
    (see :func:`_rounded`)."""
    return json.dumps(_rounded({k: v for k, v in result.items() if k not in UI_ONLY_KEYS}),
                      ensure_ascii=False, separators=(",", ":"), default=str)


def _jsonable(value: object) -> object:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return str(value)
    return value
