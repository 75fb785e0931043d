"""Slots of the merchant's questions: dates and windows, the figure asked about, groupings, and
counts of orders or periods.

:func:`extract_sales` reads cleaned text and returns :class:`SalesSlots`, plus the spans it used
(so the general slot extraction does not read "2025" as a user id or "3 orders" as a count).
Dates become ISO strings; relative words ("last month", "this week") become the period to
compare rather than dates, since "now" is the data's last order, which only the tools know.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_MONTH_WORD = "|".join(sorted(_MONTHS, key=len, reverse=True))

_ISO = r"\d{4}-\d{2}(?:-\d{2})?"
_NAMED = rf"(?:{_MONTH_WORD})\.?(?:\s+\d{{1,2}}(?:st|nd|rd|th)?,?)?\s+\d{{4}}"
_YEAR = r"(?:19|20)\d{2}"
_DATE = rf"(?:{_ISO}|{_NAMED}|{_YEAR})"
_RANGE = re.compile(rf"\b(?:between|from)\s+({_DATE})\s+(?:and|to|until|till|-)\s+({_DATE})\b")
_SINCE = re.compile(rf"\b(?:since|after|from|starting)\s+({_DATE})\b")
_UNTIL = re.compile(rf"\b(?:until|till|before|up to|through)\s+({_DATE})\b")
_IN = re.compile(rf"\b(?:in|for|during|of|on)\s+({_DATE})\b|\b({_ISO})\b")

#: The figure a question is about (first match wins, most specific first).
_METRICS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("aov", re.compile(r"\b(?:aov|average (?:order|basket|cart|ticket) (?:value|size|spend)|"
                       r"average (?:spend|value) per order|order value|basket value)\b")),
    ("revenue", re.compile(r"\b(?:revenue|sales|turnover|takings|income|gmv|money|earn\w*|"
                           r"made|make)\b")),
    ("shoppers", re.compile(r"\b(?:shoppers?|customers?|visitors?|buyers?|users|clients?)"
                            r"\b")),
    ("orders", re.compile(r"\b(?:orders|order volume|order count|number of orders|baskets)\b")),
)
_GROUPS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("department", re.compile(r"\b(?:by|per|across|each|every|for each|split by|broken down by|"
                              r"breakdown by) departments?\b|\bdepartments\b|"
                              r"\b(?:which|what|top|best) departments?\b|"
                              r"\bcategor(?:y|ies)\b")),
    ("aisle", re.compile(r"\b(?:by|per|across|each|every|for each|split by|broken down by|"
                         r"breakdown by) aisles?\b|\baisles\b|"
                         r"\b(?:which|what|top|best) aisles?\b")),
    ("day", re.compile(r"\b(?:yesterday|today)\b")),
)
#: A period to compare or digest ("last month", "this week").
_PERIOD = re.compile(r"\b(?:last|this|past|previous|current|the latest) (week|month)\b|"
                     r"\b(weekly|monthly) (?:digest|summary|report|update|insights?)\b")
_ORDERS = re.compile(r"\b(?:last|latest|recent|past|previous|final)\s+(\d{1,2})\s+"
                     r"(?:\w+\s+)?(?:orders|baskets|purchases)\b|\b(\d{1,2})\s+(?:most\s+)?"
                     r"(?:recent|latest|last|past)\s+(?:orders|baskets|purchases)\b")
_N_ORDERS = re.compile(r"\b(\d{1,2})\s+(?:more\s+|other\s+|previous\s+|earlier\s+|older\s+)?"
                       r"(?:orders|baskets|purchases)\b")
_ONE_ORDER = re.compile(r"\b(?:last|latest|most recent|previous|final) (?:order|basket|"
                        r"purchase)\b|\blast time\b")
_PERIODS = re.compile(r"\b(\d{1,2})\s+(months|weeks)\b")


@dataclass
class SalesSlots:
    """What a merchant's question states. ``start`` / ``end``: ISO dates of a window
    (inclusive). ``metric``: revenue, orders, shoppers or aov. ``group``: department, aisle
    or day (other groupings come from the order-trend slot). ``period``: week or month named as
    the period to compare or digest. ``orders``: how many recent orders (purchase history).
    ``periods`` / ``period_unit``: a count of months or weeks ("6 months")."""

    start: str | None = None
    end: str | None = None
    metric: str | None = None
    group: str | None = None
    period: str | None = None
    orders: int | None = None
    periods: int | None = None
    period_unit: str | None = None


def _iso(text: str, end: bool = False) -> str | None:
    """An ISO date for a date phrase: the first (or with ``end`` the last) day it covers."""
    t = text.strip().lower().rstrip(".")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", t):
        return t
    if re.fullmatch(r"\d{4}-\d{2}", t):
        y, m = int(t[:4]), int(t[5:])
        return _month(y, m, end) if 1 <= m <= 12 else None
    if re.fullmatch(_YEAR, t):
        return f"{t}-12-31" if end else f"{t}-01-01"
    m = re.fullmatch(rf"({_MONTH_WORD})\.?(?:\s+(\d{{1,2}})(?:st|nd|rd|th)?,?)?\s+(\d{{4}})", t)
    if m is None:
        return None
    month, day, year = _MONTHS[m.group(1)], m.group(2), int(m.group(3))
    if day is not None:
        return f"{year:04d}-{month:02d}-{int(day):02d}"
    return _month(year, month, end)


def _month(year: int, month: int, end: bool) -> str:
    day = calendar.monthrange(year, month)[1] if end else 1
    return f"{year:04d}-{month:02d}-{day:02d}"


def extract_sales(text: str) -> tuple[SalesSlots, list[tuple[int, int]]]:
    """The sales slots of cleaned ``text`` and the spans of dates and counts it used."""
    s = SalesSlots()
    used: list[tuple[int, int]] = []
    m = _RANGE.search(text)
    if m:
        s.start, s.end = _iso(m.group(1)), _iso(m.group(2), end=True)
        used.append(m.span())
    else:
        for pat, field_ in ((_SINCE, "start"), (_UNTIL, "end")):
            m = pat.search(text)
            if m:
                setattr(s, field_, _iso(m.group(1), end=field_ == "end"))
                used.append(m.span())
        if s.start is None and s.end is None:
            m = _IN.search(text)
            if m:
                phrase = m.group(1) or m.group(2)
                s.start, s.end = _iso(phrase), _iso(phrase, end=True)
                used.append(m.span())
    for name, pat in _METRICS:
        if pat.search(text):
            s.metric = name
            break
    for name, pat in _GROUPS:
        if pat.search(text):
            s.group = name
            break
    m = _PERIOD.search(text)
    if m:
        s.period = m.group(1) or ("week" if m.group(2) == "weekly" else "month")
    m = _ORDERS.search(text) or _N_ORDERS.search(text)
    if m:
        s.orders = int(next(g for g in m.groups() if g))
        used.append(m.span())
    elif _ONE_ORDER.search(text):
        s.orders = 1
    m = _PERIODS.search(text)
    if m:
        s.periods, s.period_unit = int(m.group(1)), m.group(2).rstrip("s")
        used.append(m.span())
    return s, used


#: The patterns above (their words join the typo corrector's vocabulary).
PATTERNS: tuple[re.Pattern[str], ...] = (
    _RANGE, _SINCE, _UNTIL, _IN, _PERIOD, _ORDERS, _N_ORDERS, _ONE_ORDER, _PERIODS,
    *(p for _, p in _METRICS), *(p for _, p in _GROUPS))
#: Month names and abbreviations (also vocabulary).
MONTH_WORDS: frozenset[str] = frozenset(_MONTHS)
