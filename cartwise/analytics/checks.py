"""Argument checks shared by the analyses: one of a few words, a whole number in a range.

Each raises :class:`~cartwise.errors.InvalidArgument` naming the argument and what it accepts.
"""

from __future__ import annotations

from collections.abc import Sequence

from cartwise.errors import InvalidArgument


def choice(name: str, value: object, allowed: Sequence[str], default: str) -> str:
    """``value`` lower-cased and stripped (``default`` for None), if it is one of ``allowed``."""
    if value is None:
        return default
    v = str(value).strip().lower()
    if v not in allowed:
        raise InvalidArgument(name, value, allowed)
    return v


def whole(name: str, value: object, lo: int, hi: int) -> int:
    """``value`` if it is a whole number (not a bool) from ``lo`` to ``hi``."""
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise InvalidArgument(name, value, f"a whole number from {lo} to {hi}")
    return value
