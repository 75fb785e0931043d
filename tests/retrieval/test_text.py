"""Tokenizer, sparse vectors and name similarity: pure functions, checked by hand."""

from __future__ import annotations

import pytest

from cartwise.retrieval.text import (
    grams_document,
    grams_query,
    name_key,
    product_text,
    tokens,
    words_document,
    words_query,
)
from cartwise.text import (
    name_similarities,
    name_similarity,
    normalize,
    stem,
    token_similarity,
)


def test_normalize_folds_case_accents_and_punctuation() -> None:
    # the one normaliser reads "&" as "and" and "%" as "percent"
    assert normalize("Häagen-Dazs  Ben & Jerry's 2%") == "haagen dazs ben and jerrys 2 percent"


@pytest.mark.parametrize(("plural", "singular"), [
    ("bananas", "banana"), ("berries", "berry"), ("cookies", "cookie"), ("tomatoes", "tomato"),
    ("boxes", "box"), ("eggs", "egg"), ("peaches", "peach"),
])
def test_stem_maps_plural_and_singular_to_one_key(plural: str, singular: str) -> None:
    assert stem(plural) == stem(singular)


def test_stem_keeps_short_words_numbers_and_latin_endings() -> None:
    assert [stem(w) for w in ("gas", "100", "hummus", "swiss", "citrus")] == [
        "gas", "100", "hummus", "swiss", "citrus"]


def test_name_key_ignores_fillers_case_and_plurals() -> None:
    assert name_key("the Organic Avocados") == name_key("organic avocado") == "organic avocado"
    assert tokens("a bag of bananas") == ["bag", "banana"]


def test_product_text_has_name_aisle_department_and_description() -> None:
    assert product_text("Banana", "fresh fruits", "produce") == "Banana (fresh fruits, produce)"
    assert product_text("Tea", "tea", "beverages", "  green, loose  ").endswith(": green, loose")


def test_sparse_vectors_are_deterministic_sorted_and_weighted() -> None:
    doc = words_document("Organic Banana Banana", "fresh fruits", "produce")
    assert list(doc.indices) == sorted(set(doc.indices))
    again = words_document("Organic Banana Banana", "fresh fruits", "produce")
    assert doc == again
    weights = dict(zip(doc.indices, doc.values, strict=True))
    q = dict(zip(*[words_query("banana").indices, words_query("banana").values], strict=True))
    (banana_id,) = q
    organic_id = words_query("organic").indices[0]
    produce_id = words_query("produce").indices[0]
    # a repeated name word weighs more than a single one, a context word less than both
    assert weights[banana_id] > weights[organic_id] > weights[produce_id] > 0
    assert set(q.values()) == {1.0}


def test_trigram_vectors_overlap_for_a_misspelling() -> None:
    doc = set(grams_document("Chocolate Chip Cookies").indices)
    assert len(doc & set(grams_query("choclate").indices)) >= 6
    assert len(grams_document("")) == 0


@pytest.mark.parametrize(("typo", "word", "low"), [
    ("banan", "banana", 0.75), ("choclate", "chocolate", 0.8), ("cerael", "cereal", 0.7),
    ("vodca", "vodka", 0.65),
])
def test_token_similarity_tolerates_typos(typo: str, word: str, low: float) -> None:
    assert token_similarity(stem(typo), stem(word)) >= low


def test_token_similarity_rejects_unrelated_words_and_other_numbers() -> None:
    assert token_similarity("banana", "spaghetti") == 0.0
    assert token_similarity("2", "3") == 0.0
    assert token_similarity("milk", "milk") == 1.0


def test_name_similarity_prefers_names_with_fewer_extra_words() -> None:
    q = tokens("bananas")
    exact = name_similarity(q, tokens("Banana"))
    longer = name_similarity(q, tokens("Bag of Organic Bananas"))
    other = name_similarity(q, tokens("Greek Yogurt"))
    assert exact == 1.0 > longer > other == 0.0
    assert name_similarity([], tokens("Banana")) == 0.0


def test_batched_name_similarities_equal_the_one_by_one_values() -> None:
    query = tokens("choclate chip cookies")
    names = [tokens(n) for n in ("Chocolate Chip Cookies", "Oatmeal Raisin Cookies",
                                 "Milk Chocolate Bar", "", "Cookies Chocolate Chip Chip")]
    assert name_similarities(query, names) == [name_similarity(query, n) for n in names]
    assert name_similarities([], names) == [0.0] * len(names)
