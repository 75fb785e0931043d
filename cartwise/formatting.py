"""The one way Cartwise writes figures for people: money, counts, percentages, changes, dates,
singular and plural, and text shortened at a word.

Every person-facing string (tool summaries, the offline planner's replies, the UI's cards and
tables, chart labels and tooltips, Slack messages) formats its figures through these functions,
so "$1,234.50", "49.8%", "+12.3%", "1 order" and "bought once" read the same everywhere. Pure
Python, no state; nothing here knows about the shop's data beyond the currency it is given.

* :func:`money`: an amount in a currency ("$3.29", "£1,250.00", "CHF 3.50");
* :func:`fmt_num` (fixed decimals) and :func:`fmt_figure` (whole numbers without decimals):
  thousands separators;
* :func:`fmt_pct`: a share 0..1 as a percentage; :func:`fmt_change`: a relative change, signed;
* :func:`fmt_value`: an amount in the data's unit (money, or items without prices);
* :func:`plural`, :func:`times`: counted words ("1 order", "2 orders", "once", "3 times");
* :func:`days_ago`, :func:`fmt_date`: when;
* :func:`clip`: text shortened at a word boundary, never mid-word.
"""

from __future__ import annotations

import math
from datetime import date, datetime

#: Symbols of the currencies written with one; any other ISO code is written before the amount.
CURRENCY_SYMBOLS = {"USD": "$", "GBP": "£", "EUR": "€", "JPY": "¥", "INR": "₹"}
#: The ``value_unit`` of amounts counted in money, and of amounts counted in items.
CURRENCY, ITEMS = "currency", "items"
#: What a missing figure reads as.
NA = "n/a"


def _missing(value: object) -> bool:
    return (value is None or isinstance(value, bool)
            or (isinstance(value, float) and not math.isfinite(value)))


def money(value: float | None, currency: str | None) -> str | None:
    """An amount in ``currency`` (an ISO code) for people: "$3.29", "£1,250.00", "CHF 3.50", or
    "3.29" when the currency is unknown; None for no amount."""
    if _missing(value):
        return None
    amount = f"{float(value):,.2f}"
    if amount.startswith("-"):
        sign, amount = "-", amount[1:]
    else:
        sign = ""
    if not currency:
        return sign + amount
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{currency.upper()} {amount}"


def fmt_num(value: float | None, digits: int = 0) -> str:
    """A number with thousands separators and ``digits`` decimals ("1,234", "12.5"); "n/a"
    when missing."""
    if _missing(value):
        return NA
    return f"{float(value):,.{digits}f}"


def fmt_figure(value: float | None, digits: int = 2) -> str:
    """A figure as people read it: whole numbers without decimals ("1,234"), others with
    ``digits`` decimals ("1,234.57", "0.35"); "n/a" when missing."""
    if _missing(value):
        return NA
    f = float(value)
    return fmt_num(f, 0 if f.is_integer() else digits)


def fmt_pct(share: float | None, digits: int = 1) -> str:
    """A share 0..1 as a percentage ("12.5%", with ``digits`` decimals); "n/a" when missing.

    Shares below 1% keep two significant digits ("0.53%", "0.047%"), and a share too small to
    show is "<0.01%", so a small share is never written as "0.0%" (nor two different small
    shares as the same number).
    """
    if _missing(share):
        return NA
    pct = 100 * float(share)
    if 0 < abs(pct) < 1:
        return "<0.01%" if abs(pct) < 0.01 else f"{pct:.2g}%"
    return f"{pct:,.{digits}f}%"


def fmt_change(change: float | None) -> str:
    """A relative change (0.123 = 12.3% up) as a signed percentage ("+12.3%", "-4.0%"); "n/a"
    when unknown."""
    return NA if _missing(change) else f"{change:+,.1%}"


def fmt_value(value: float | None, unit: str, currency: str | None = None) -> str:
    """An amount in the data's unit: money in ``currency`` ("$1,234.50"; "1,234.50" when the
    currency is unknown) when ``unit`` is :data:`CURRENCY`, items ("1,234 items") when it is
    :data:`ITEMS`; "n/a" when missing."""
    if unit == ITEMS:
        return NA if _missing(value) else plural(round(float(value)), "item")
    return money(value, currency) or NA


def plural(n: int, word: str, words: str | None = None) -> str:
    """``n`` and the word for that many: ``"1 shopper"``, ``"2,345 shoppers"``; ``words`` is
    the plural when it is not ``word + "s"`` (``plural(2, "match", "matches")``)."""
    return f"{fmt_num(n)} {word if n == 1 else (words or word + 's')}"


def times(n: int) -> str:
    """How often, in words: ``"once"``, ``"twice"``, ``"3 times"``, ``"1,024 times"``."""
    return {1: "once", 2: "twice"}.get(int(n), f"{int(n):,} times")


def days_ago(days: float | None) -> str:
    """``"today"``, ``"1 day ago"``, ``"45 days ago"`` (rounded to whole days)."""
    if _missing(days):
        return "at an unknown time"
    n = int(round(float(days)))
    return "today" if n == 0 else f"{plural(n, 'day')} ago"


def fmt_date(value: str | date | datetime | None) -> str:
    """A day as people read it in any locale: ISO ``"2025-06-30"`` (a time of day dropped);
    "n/a" when missing. Accepts a date, a datetime or an ISO string."""
    if value is None:
        return NA
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    text = str(value).strip()
    return text[:10] if len(text) >= 10 and text[4:5] == "-" else text or NA


def clip(text: str, limit: int, mark: str = "…") -> str:
    """``text`` at most ``limit`` characters long: cut at the last white space that fits (line
    breaks kept) and marked with ``mark`` when it is cut, never inside a word unless its first
    word alone is longer than ``limit``."""
    text = str(text).strip()
    if len(text) <= limit:
        return text
    room = max(limit - len(mark), 1)
    cut = max(text.rfind(" ", 0, room + 1), text.rfind("\n", 0, room + 1))
    head = text[:cut] if cut > 0 else text[:room]
    return head.rstrip(" \n,;:-") + mark
