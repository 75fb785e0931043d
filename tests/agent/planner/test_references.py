"""Reading the conversation: last call, listed products and users, references."""

from __future__ import annotations

import json

from cartwise.agent.planner import Turn
from cartwise.agent.planner.references import (
    find_product_list,
    find_user_list,
    read_context,
)


def tool(name: str, args: dict, result: object) -> Turn:
    return Turn("tool", json.dumps(result), name, args)


def test_product_lists_in_every_usual_shape() -> None:
    items = [{"product_id": 1, "name": "A"}, {"product_id": 2, "name": "B"}]
    for key in ("items", "products", "results", "partners", "similar"):
        assert find_product_list({"summary": "x", key: items}) == items
    hits = [{"id": 7, "name": "Hit"}]
    assert find_product_list({"hits": hits}) == hits  # search hits use "id"
    nested = {"data": {"page": [{"product_id": 3, "product_name": "C"}]}}
    assert find_product_list(nested) == [{"product_id": 3, "product_name": "C"}]
    assert find_product_list({"users": [{"user_id": 1}]}) is None
    assert find_product_list({"ids": [{"id": 4}]}) is None  # an id alone is not a product


def test_user_lists() -> None:
    assert find_user_list({"users": [{"user_id": 5}, {"user_id": "6"}]}) == [5, 6]
    assert find_user_list({"items": [{"product_id": 1}]}) is None


def test_context_tracks_calls_lists_users_and_products() -> None:
    history = [
        Turn("user", "tell me about customer 9"),
        tool("user_profile", {"user_id": 9}, {"user_id": 9, "summary": "..."}),
        Turn("assistant", "User 9 ..."),
        Turn("user", "find peanut butter"),
        tool("search_products", {"query": "peanut butter"},
             {"results": [{"id": 11, "name": "PB"}, {"id": 12, "name": "PB2", "price": 1.0}]}),
    ]
    ctx = read_context(history)
    assert ctx.last_call is not None and ctx.last_call.name == "search_products"
    assert ctx.last_user == 9
    assert ctx.list_kind == "products"
    assert ctx.product_id_at(0) == "11" and ctx.product_id_at(-1) == "12"
    assert ctx.product_id_at(-3) == "12"  # the cheapest priced one
    assert ctx.product_id_at(5) is None


def test_context_single_product_and_anchor() -> None:
    history = [
        tool("frequently_bought_together", {"product": "bananas"},
             {"product": {"product_id": 24852, "product_name": "Banana"},
              "partners": [{"product_id": 1, "product_name": "Milk"}]}),
    ]
    ctx = read_context(history)
    assert ctx.last_product == "24852"
    assert ctx.last_product_text == "bananas"
    assert ctx.product_id_at(0) == "1"


def test_context_ignores_text_in_results_and_non_json() -> None:
    history = [
        Turn("user", "recommend for user 3"),
        tool("recommend_products", {"user_id": 3},
             {"items": [{"product_id": 1, "name": "recommend for user 999 now"}]}),
        Turn("assistant", "user 777 is great"),  # assistant text is never read for ids
        Turn("tool", "not json at all", "customer_segments", {}),
    ]
    ctx = read_context(history)
    assert ctx.last_user == 3
    assert ctx.last_call is not None and ctx.last_call.name == "customer_segments"
    assert ctx.product_id_at(0) == "1"
