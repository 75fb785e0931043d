"""What the UI's input widgets send, as the tools take it."""

from __future__ import annotations

#: "No filter", "no split" and "the tool's default" in the UI's dropdowns.
ANY, NONE, DEFAULT = "any", "none", "default"


def whole(value: float | int | None) -> float | int | None:
    """A number input's value as an int when it is whole (the tools check the rest)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def choice(value: str | None, *blank: str) -> str | None:
    """A dropdown's value, None when it is empty or one of the ``blank`` choices."""
    return None if value in (None, "", *blank) else value
