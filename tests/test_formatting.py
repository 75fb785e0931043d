"""The one set of formatting helpers: money, numbers, percentages, changes, dates, plurals."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from cartwise.formatting import (
    clip,
    days_ago,
    fmt_change,
    fmt_date,
    fmt_figure,
    fmt_num,
    fmt_pct,
    fmt_value,
    money,
    plural,
    times,
)


@pytest.mark.parametrize(("value", "currency", "text"), [
    (3.29, "USD", "$3.29"), (1250, "gbp", "£1,250.00"), (3.5, "CHF", "CHF 3.50"),
    (313645.069, "USD", "$313,645.07"), (3.29, None, "3.29"), (-4.5, "EUR", "-€4.50"),
    (None, "USD", None), (float("nan"), "USD", None)])
def test_money_is_written_in_its_currency(value: float | None, currency: str | None,
                                          text: str | None) -> None:
    assert money(value, currency) == text


def test_numbers_have_thousands_separators() -> None:
    assert fmt_num(313645.069) == "313,645"
    assert fmt_num(12.345, 1) == "12.3"
    assert fmt_num(None) == fmt_num(float("nan")) == "n/a"
    assert fmt_figure(1234) == "1,234" and fmt_figure(2.0) == "2"
    assert fmt_figure(0.3456) == "0.35" and fmt_figure(None) == "n/a"


def test_shares_read_as_percentages() -> None:
    assert fmt_pct(0.4976) == "49.8%"
    assert fmt_pct(1.0) == "100.0%" and fmt_pct(1.0, 0) == "100%"
    assert fmt_pct(0.0) == "0.0%"
    assert fmt_pct(0.0053) == "0.53%" and fmt_pct(0.00001) == "<0.01%"
    assert fmt_pct(None) == "n/a"


def test_changes_are_signed() -> None:
    assert fmt_change(0.123) == "+12.3%"
    assert fmt_change(-0.04) == "-4.0%"
    assert fmt_change(None) == "n/a"


def test_values_are_money_or_items() -> None:
    assert fmt_value(2110.03, "currency", "USD") == "$2,110.03"
    assert fmt_value(2110.03, "currency") == "2,110.03"
    assert fmt_value(1, "items") == "1 item" and fmt_value(1234.0, "items") == "1,234 items"
    assert fmt_value(None, "currency", "USD") == "n/a"


def test_counted_words_are_singular_or_plural() -> None:
    assert plural(1, "order") == "1 order"
    assert plural(2345, "shopper") == "2,345 shoppers"
    assert plural(0, "match", "matches") == "0 matches"
    assert plural(1, "match", "matches") == "1 match"
    assert [times(n) for n in (1, 2, 3, 1024)] == ["once", "twice", "3 times", "1,024 times"]


def test_dates_and_days() -> None:
    assert fmt_date("2025-06-30T14:05:00") == "2025-06-30"
    assert fmt_date(date(2025, 6, 30)) == fmt_date(datetime(2025, 6, 30, 8)) == "2025-06-30"
    assert fmt_date(None) == "n/a"
    assert days_ago(0.2) == "today" and days_ago(1) == "1 day ago"
    assert days_ago(45.4) == "45 days ago" and days_ago(None) == "at an unknown time"


def test_clip_never_cuts_inside_a_word() -> None:
    text = "often bought by shoppers who buy Organic Strawberries"
    assert clip(text, 100) == text
    cut = clip(text, 30)
    assert cut == "often bought by shoppers who…" and len(cut) <= 30
    assert all(word in text.split() for word in cut.rstrip("…").split())
    assert clip("Supercalifragilistic", 8) == "Superca…"
    assert clip("first line\nsecond line", 16) == "first line…"
