"""Text clean-up: normalisation, slang, number words, edit distance, typo correction."""

from __future__ import annotations

import pytest

from cartwise.agent.planner.text import (
    Corrector,
    clean,
    edit_distance,
    expand_slang,
    normalize,
    numberize,
)


def test_normalize_lowercases_and_plains_quotes() -> None:
    assert normalize("  What\u2019s   SIMILAR to Ben & Jerry\u2019s? ") == (
        "what's similar to ben and jerry's?")


def test_slang_and_contractions() -> None:
    assert expand_slang("wat shud usr 42 get") == "what should user 42 get"
    assert expand_slang("they havent tried it") == "they have not tried it"
    assert expand_slang("ltv of cust 5") == "lifetime value of customer 5"


@pytest.mark.parametrize(("text", "expected"), [
    ("give user 15 ten suggestions", "give user 15 10 suggestions"),
    ("twenty five items", "25 items"),
    ("a dozen eggs", "12 eggs"),
    ("a couple of picks", "2 picks"),
    ("the second one", "the second one"),
    ("that one please", "that one please"),
    ("one product", "1 product"),
    ("make it one", "make it 1"),
])
def test_numberize(text: str, expected: str) -> None:
    assert numberize(text) == expected


@pytest.mark.parametrize(("a", "b", "d"), [
    ("churn", "chrun", 1), ("customer", "custmer", 1), ("search", "serch", 1),
    ("recommendations", "reccomendations", 2), ("same", "same", 0), ("kale", "male", 1),
])
def test_edit_distance(a: str, b: str, d: int) -> None:
    assert edit_distance(a, b, limit=2) == d


def test_edit_distance_stops_beyond_limit() -> None:
    assert edit_distance("segments", "yogurt", limit=2) == 3


def test_corrector_fixes_typos_of_known_words_only() -> None:
    c = Corrector(["churn", "customer", "funnel", "similar", "peers"], protected=["pears"])
    assert c.word("chrun") == "churn"
    assert c.word("custmer") == "customer"
    assert c.word("funel") == "funnel"
    assert c.word("simlar") == "similar"
    assert c.word("pears") == "pears"  # a protected catalogue word is never "corrected"
    assert c.word("kale") == "kale"  # too short to guess
    assert c.word("weather") == "weather"  # nothing close: left alone
    assert c.text("is custmer 5 going to chrun?") == "is customer 5 going to churn?"


def test_clean_runs_the_whole_chain() -> None:
    c = Corrector(["recommendations", "customer", "ten", "fifteen"])
    assert clean("Ten reccomendations for CUSTMER #7", c) == "10 recommendations for customer #7"
