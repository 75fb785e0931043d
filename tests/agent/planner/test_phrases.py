"""Search text and product phrases."""

from __future__ import annotations

import pytest

from cartwise.agent.planner.phrases import product_phrase, search_query, tidy
from cartwise.agent.planner.planner import PRODUCT_CUE_WORDS
from cartwise.agent.planner.slots import extract
from cartwise.agent.planner.text import clean


def rest(text: str) -> str:
    return extract(clean(text)).rest


@pytest.mark.parametrize(("text", "query"), [
    ("find me some organic almond milk", "organic almond milk"),
    ("Do you have gluten free pasta?", "gluten free pasta"),
    ("search for dark chocolate below 4 dollars", "dark chocolate"),
    ("I'm looking for something spicy to put on tacos", "spicy to put on tacos"),
    ("show 8 breakfast cereals", "breakfast cereals"),
    ("got any oat milk?", "oat milk"),
    ("frozen pizza please", "frozen pizza"),
])
def test_search_query(text: str, query: str) -> None:
    assert search_query(rest(text)) == query


@pytest.mark.parametrize(("text", "product"), [
    ("What's similar to bananas?", "bananas"),
    ("items like greek yogurt", "greek yogurt"),
    ("What is frequently bought together with pasta sauce?", "pasta sauce"),
    ("what do people usually buy with eggs", "eggs"),
    ("things like greek yogurt but cheaper", "greek yogurt"),
    ("alternatives to almond butter", "almond butter"),
    ("what aisle is the greek yogurt in?", "greek yogurt"),
    ("how popular is greek yogurt", "greek yogurt"),
    ("people who buy hummus also buy what?", "hummus"),
    ("I'm out of cilantro, what could I use instead", "cilantro"),
    ("what goes well with it", ""),  # a pronoun names no product: a reference
])
def test_product_phrase(text: str, product: str) -> None:
    assert product_phrase(rest(text), PRODUCT_CUE_WORDS) == product


def test_tidy_strips_filler_at_the_ends_only() -> None:
    assert tidy("some of the best peanut butter please") == "peanut butter"
    assert tidy("salt and pepper chips") == "salt and pepper chips"
    assert tidy("the") == ""
