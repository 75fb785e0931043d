"""Slot extraction from cleaned text."""

from __future__ import annotations

import pytest

from cartwise.agent.planner.mentions import CatalogMatcher
from cartwise.agent.planner.slots import Slots, extract, is_product_pronoun
from cartwise.agent.planner.text import clean
from cartwise.catalog import Vocabulary


@pytest.fixture(scope="module")
def catalog(vocabulary: Vocabulary) -> CatalogMatcher:
    return CatalogMatcher(vocabulary)


def slots(text: str, catalog: CatalogMatcher | None = None, list_len: int = 0) -> Slots:
    return extract(clean(text), catalog, list_len=list_len)


@pytest.mark.parametrize(("text", "user"), [
    ("what should user 42 buy", 42), ("customer #7", 7), ("shopper no. 3", 3),
    ("client number 12", 12), ("id 5", 5), ("user42", 42), ("customer 22's habits", 22),
    ("recommend for usr 8", 8), ("find bananas", None), ("product 24852", None),
])
def test_user_id(text: str, user: int | None) -> None:
    assert slots(text).user_id == user


@pytest.mark.parametrize(("text", "k"), [
    ("recommend 3 products for customer 7", 3), ("give user 15 ten suggestions", 10),
    ("top 5 best sellers", 5), ("make it 10", 10), ("show 8 breakfast cereals", 8),
    ("the 3 most popular items", 3), ("list 20 customers at risk", 20),
    ("user 42 under $5", None), ("what should user 42 buy", None), ("ok now 3 only", 3),
])
def test_count(text: str, k: int | None) -> None:
    assert slots(text).k == k


@pytest.mark.parametrize(("text", "lo", "hi"), [
    ("under $5", None, 5), ("below 4 dollars", None, 4), ("cheaper than 3", None, 3),
    ("between 2 and 6", 2, 6), ("between $6 and $2", 2, 6), ("over $10", 10, None),
    ("under five bucks", None, 5), ("more than 10 dollars", 10, None), ("$2-$6", 2, 6),
    ("from 2 to 6 dollars", 2, 6), ("cheaper than 2.50", None, 2.5), ("5 dollars or less", None, 5),
    ("at least $3", 3, None), ("only the cheap ones", None, None),
    ("more than 3 products", None, None), ("up to 5 items", None, None),
    ("within 30 days", None, None), ("user 42 recommendations", None, None),
])
def test_prices(text: str, lo: float | None, hi: float | None) -> None:
    s = slots(text)
    assert (s.min_price, s.max_price) == (lo, hi)


def test_price_words_without_number() -> None:
    s = slots("only the cheap ones")
    assert s.cheap and not s.has_price
    assert slots("any price is fine").price_clear


def test_no_prices_without_price_data() -> None:
    s = extract(clean("under $5"), None, has_prices=False)
    assert s.max_price is None


@pytest.mark.parametrize(("text", "strategy"), [
    ("using the ALS model", "als"), ("matrix factorization", "als"),
    ("item-based collaborative filtering", "item_cf"), ("item cf", "item_cf"),
    ("popularity based", "popularity"), ("what will they buy again", "repeat"),
    ("restock suggestions", "repeat"), ("the hybrid model", "hybrid"), ("recommend", None),
])
def test_strategy(text: str, strategy: str | None) -> None:
    assert slots(text).strategy == strategy


@pytest.mark.parametrize(("text", "flag"), [
    ("that they have never bought", True), ("something new", True),
    ("stuff they haven't tried", True), ("excluding past purchases", True),
    ("what should user 3 buy", False),
])
def test_exclude_purchased(text: str, flag: bool) -> None:
    assert slots(text).exclude_purchased is flag


@pytest.mark.parametrize(("text", "department", "marked"), [
    ("what dairy products would user 3 like", "dairy eggs", False),
    ("top 5 in produce", "produce", True),
    ("the frozen section", "frozen", True),
    ("best selling drinks", "beverages", False),
    ("in the snack department", "snacks", True),
    ("recommend 3 products", None, None),
])
def test_department(catalog: CatalogMatcher, text: str, department: str | None,
                    marked: bool | None) -> None:
    m = slots(text, catalog).department
    assert (m.name if m else None) == department
    if m is not None:
        assert m.marked is marked


def test_aisle(catalog: CatalogMatcher) -> None:
    m = slots("what yogurt would user 2 like", catalog).aisle
    assert m is not None and m.name == "yogurt"
    assert catalog.department_of_aisle("yogurt") == "dairy eggs"


@pytest.mark.parametrize(("text", "list_len", "ordinal"), [
    ("what goes well with the first one", 3, 0), ("similar to the second one", 3, 1),
    ("tell me about the 3rd item", 3, 2), ("the last one", 3, -1), ("number 2", 3, 1),
    ("item 2 please", 3, 1), ("first-time customers", 3, None), ("the last order", 3, None),
    ("the cheapest one", 3, -3), ("top 5 products", 3, None),
])
def test_ordinals(text: str, list_len: int, ordinal: int | None) -> None:
    assert slots(text, list_len=list_len).ordinal == ordinal


def test_product_ids_and_list_positions() -> None:
    assert slots("tell me more about product 24852").product_id == "24852"
    assert slots("info on item 3321", list_len=3).product_id == "3321"
    assert slots("info on item 2", list_len=3).product_id is None


@pytest.mark.parametrize(("text", "ref"), [
    ("what would you recommend for them?", True), ("is she likely to churn", True),
    ("their lifetime value", True), ("which customers are at risk", False),
])
def test_user_references(text: str, ref: bool) -> None:
    assert slots(text).user_ref is ref


@pytest.mark.parametrize(("text", "device", "sex", "by"), [
    ("where do mobile users drop off", "mobile", None, None),
    ("conversion rates for desktop", "desktop", None, None),
    ("funnel split by gender", None, None, "sex"),
    ("where do women abandon checkout", None, "female", None),
    ("mobile vs desktop", None, None, "device"),
    ("how do men convert compared to women", None, None, "sex"),
    ("conversion by month", None, None, "month"),
    ("funnel for male shoppers on desktop", "desktop", "male", None),
])
def test_funnel(text: str, device: str | None, sex: str | None, by: str | None) -> None:
    s = slots(text)
    assert (s.device, s.sex, s.funnel_by) == (device, sex, by)


@pytest.mark.parametrize(("text", "by"), [
    ("on which day of the week do people order most", "dow"),
    ("what time of day are orders placed", "hour"), ("orders per hour", "hour"),
    ("orders per month", "month"), ("weekly orders", "week"), ("daily orders", "day"),
    ("how many days between orders", None),
])
def test_trend_split(text: str, by: str | None) -> None:
    assert slots(text).trend_by == by


def test_follow_markers_and_rest() -> None:
    s = slots("and for user 15?")
    assert s.follow_marker and s.user_id == 15
    s = slots("search for dark chocolate below 4 dollars")
    assert "4" not in s.rest and "dark chocolate" in s.rest
    assert len(s.rest) == len(s.text)


def test_product_pronouns() -> None:
    assert is_product_pronoun("it") and is_product_pronoun("that one")
    assert not is_product_pronoun("bananas")


# ------------------------------------------------------------------------------ sales slots


@pytest.mark.parametrize(("text", "start", "end"), [
    ("revenue in march 2025", "2025-03-01", "2025-03-31"),
    ("sales between 2025-01-01 and 2025-02-15", "2025-01-01", "2025-02-15"),
    ("orders from jan 2024 to april 2024", "2024-01-01", "2024-04-30"),
    ("revenue since 2024", "2024-01-01", None),
    ("sales until 2023-06-30", None, "2023-06-30"),
    ("how much did we sell in 2024", "2024-01-01", "2024-12-31"),
    ("revenue on 2025-02", "2025-02-01", "2025-02-28"),
    ("what was our revenue last month", None, None),
])
def test_dates_become_a_window(text: str, start: str | None, end: str | None) -> None:
    s = extract(text)
    assert (s.sales.start, s.sales.end) == (start, end)
    assert s.user_id is None and s.k is None  # a year is no user id nor a count


@pytest.mark.parametrize(("text", "field", "value"), [
    ("what's our average order value", "metric", "aov"),
    ("unusual days in revenue", "metric", "revenue"),
    ("anomalies in shopper numbers", "metric", "shoppers"),
    ("revenue by department", "group", "department"),
    ("which aisle sells most", "group", "aisle"),
    ("how did sales do yesterday", "group", "day"),
    ("how did last month compare", "period", "month"),
    ("weekly digest", "period", "week"),
    ("show user 4's last 3 orders", "orders", 3),
    ("what did user 4 buy last time", "orders", 1),
    ("cohorts for the last 6 months", "periods", 6),
])
def test_sales_slots(text: str, field: str, value: object) -> None:
    assert getattr(extract(text).sales, field) == value


def test_an_order_count_is_not_k_and_the_user_stays() -> None:
    s = extract("show user 4's last 3 orders")
    assert s.user_id == 4 and s.k is None and s.sales.orders == 3
