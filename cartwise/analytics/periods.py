"""Calendar periods of orders: day, week (Monday to Sunday) and month, as integer codes.

A *day number* is the count of days since 1970-01-01 of an order's (naive, local) date. Period
codes are consecutive integers, so "the period before" is ``code - 1``:

* day: the day number;
* week: ``(day + 3) // 7`` (weeks start on Monday; 1970-01-05 was a Monday), labelled by
  their Monday;
* month: months since 1970-01, labelled ``"YYYY-MM"``.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from cartwise.errors import InvalidArgument

CALENDAR = ("day", "week", "month")
#: The same period a year earlier: 52 weeks for days (the same weekday), 52 weeks, 12 months.
YEAR_BACK = {"day": 364, "week": 52, "month": 12}
_EPOCH = date(1970, 1, 1)


def codes(days: np.ndarray, by: str) -> np.ndarray:
    """int64 period code of each day number."""
    d = np.asarray(days, dtype=np.int64)
    if by == "day":
        return d
    if by == "week":
        return (d + 3) // 7
    if by == "month":
        return d.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    raise ValueError(f"not a calendar period: {by}")


def first_day(code: int, by: str) -> int:
    """Day number of the first day of period ``code``."""
    if by == "day":
        return int(code)
    if by == "week":
        return int(code) * 7 - 3
    return int(np.datetime64(int(code), "M").astype("datetime64[D]").astype(np.int64))


def last_day(code: int, by: str) -> int:
    """Day number of the last day of period ``code``."""
    return first_day(int(code) + 1, by) - 1


def complete(code: int, by: str, last_data_day: int) -> int:
    """``code``, or the period before it when the data stops before ``code``'s last day
    (the latest complete period of data ending on day ``last_data_day``)."""
    return code - 1 if last_day(code, by) > last_data_day else code


def label(code: int, by: str) -> str:
    """``"2011-11-14"`` (a day, or a week by its Monday) or ``"2011-11"`` (a month)."""
    if by == "month":
        return str(np.datetime64(int(code), "M"))
    return str(np.datetime64(first_day(code, by), "D"))


def labels(codes_: np.ndarray, by: str) -> list[str]:
    """:func:`label` of each code."""
    return [label(int(c), by) for c in codes_]


def day_of(text: str | None, argument: str) -> int | None:
    """The day number of an ISO date (``"2011-11-30"``; a month ``"2011-11"`` means its
    first day), None for None.

    Raises:
        InvalidArgument: not an ISO date (names ``argument``).
    """
    if text is None:
        return None
    s = str(text).strip()
    try:
        d = date.fromisoformat(s if len(s) != 7 else f"{s}-01")
    except ValueError as exc:
        raise InvalidArgument(argument, text, "an ISO date such as 2011-11-30",
                              "not an ISO date (YYYY-MM-DD)") from exc
    return (d - _EPOCH).days


def day_text(day: int) -> str:
    """The ISO date of a day number."""
    return str(np.datetime64(int(day), "D"))
