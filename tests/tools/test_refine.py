"""refine_results: operations on the lists earlier tools returned in a conversation, from the
stored results (never by running the tool again)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from cartwise.tools import results as r
from cartwise.tools.memory import MAX_LISTS, ResultMemory, StoredList
from cartwise.tools.registry import TOOLS, parse_tool_result, run_tool
from cartwise.tools.render import for_model

if TYPE_CHECKING:
    from cartwise.services import Services

USER = 42


def stored(services: Services, name: str, **args: Any) -> StoredList:
    result = run_tool(services, name, args)
    assert isinstance(result, r.ProductList | r.ShopperList), result
    return StoredList(name, args, result)


def refine(services: Services, memory: ResultMemory, **args: Any) -> r.ToolResult:
    return run_tool(services, "refine_results", args, memory)


@pytest.fixture(scope="module")
def memory(demo_services: Services) -> ResultMemory:
    return ResultMemory([
        stored(demo_services, "recommend_products", user_id=USER, k=10),
        stored(demo_services, "popular_products", k=10),
        stored(demo_services, "search_products", query="milk", k=8),
    ])


def test_cheapest_of_the_last_list(demo_services: Services, memory: ResultMemory) -> None:
    out = refine(demo_services, memory, sort_by="price", order="asc", k=1)
    assert isinstance(out, r.RefinedProducts)
    found = memory.lists[-1].entries
    cheapest = min(found, key=lambda e: e.price)
    assert [e.product_id for e in out.items] == [cheapest.product_id]
    assert isinstance(out.items[0], r.SearchHit)  # the entry keeps its tool's fields
    assert out.source.tool == "search_products" and out.source.lists_ago == 0
    assert out.source.entries == len(found)
    assert "lowest first" in out.summary


def test_sort_filter_and_keep_k(demo_services: Services, memory: ResultMemory) -> None:
    best = memory.lists[1].entries
    cap = sorted(e.price for e in best)[len(best) // 2]
    out = refine(demo_services, memory, source="popular_products", max_price=cap,
                 sort_by="price", order="desc")
    assert isinstance(out, r.RefinedProducts)
    prices = [e.price for e in out.items]
    assert prices == sorted(prices, reverse=True) and max(prices) <= cap
    assert {e.product_id for e in out.items} == {e.product_id for e in best if e.price <= cap}
    assert out.source.tool == "popular_products" and out.source.lists_ago == 1
    few = refine(demo_services, memory, source="previous", k=3)
    assert [e.product_id for e in few.items] == [e.product_id for e in best[:3]]


def test_department_and_never_bought(demo_services: Services, memory: ResultMemory) -> None:
    recs = memory.lists[0].entries
    dept = recs[0].department
    out = refine(demo_services, memory, source="recommend", department=dept)
    assert out.items and all(e.department == dept for e in out.items)
    new = refine(demo_services, memory, source="recommend", exclude_purchased=True)
    bought = demo_services.recommenders.purchased(USER)
    assert all(e.product_id not in bought for e in new.items)
    assert len(new.items) < len(recs)  # the hybrid recommends some usual buys
    assert "not bought before" in new.summary


def test_explain_a_pick_with_the_recommenders_own_reason(demo_services: Services,
                                                         memory: ResultMemory) -> None:
    out = refine(demo_services, memory, source="recommend_products", position=1)
    first = memory.lists[0].entries[0]
    assert isinstance(out, r.RefinedProducts) and out.position == 1 and out.user_id == USER
    item = out.items[0]
    assert isinstance(item, r.RecommendedProduct)
    assert (item.product_id, item.reason, item.model, item.score) == (
        first.product_id, first.reason, first.model, first.score)
    assert first.reason in out.summary
    last = refine(demo_services, memory, position=-1)
    assert last.items[0].product_id == memory.lists[-1].entries[-1].product_id


def test_popularity_and_shopper_lists(demo_services: Services) -> None:
    memory = ResultMemory([stored(demo_services, "search_products", query="yogurt", k=6),
                           stored(demo_services, "churn_risk", k=5)])
    pop = refine(demo_services, memory, source="search", sort_by="popularity")
    counts = [demo_services.search.popularity(e.product_id) for e in pop.items]
    assert counts == sorted(counts, reverse=True)
    users = refine(demo_services, memory, sort_by="value")
    assert isinstance(users, r.RefinedShoppers)
    values = [u.value for u in users.users]
    assert values == sorted(values, reverse=True)
    bad = refine(demo_services, memory, max_price=3)
    assert isinstance(bad, r.Failure) and bad.argument == "max_price"


@pytest.mark.parametrize(("args", "argument"), [
    ({"position": 99}, "position"), ({"position": 0}, "position"),
    ({"source": "lifetime_value"}, "source"), ({"sort_by": "colour"}, "sort_by"),
    ({"department": "nope"}, "department"),
])
def test_bad_refinements_are_named(demo_services: Services, memory: ResultMemory,
                                   args: dict[str, Any], argument: str) -> None:
    out = refine(demo_services, memory, **args)
    assert isinstance(out, r.Failure) and out.error_type == "invalid_argument"
    assert out.argument == argument


def test_no_earlier_list_is_a_clear_failure(demo_services: Services) -> None:
    out = run_tool(demo_services, "refine_results", {"sort_by": "price"})
    assert isinstance(out, r.Failure) and out.argument == "source"
    assert "no earlier list" in out.summary


def test_memory_reads_a_conversation_and_is_bounded(demo_services: Services) -> None:
    messages: list[Any] = [HumanMessage("hi")]
    for i in range(MAX_LISTS + 3):
        args = {"query": f"milk {i}", "k": 2}
        result = run_tool(demo_services, "search_products", args)
        messages.append(AIMessage("", tool_calls=[{"name": "search_products", "args": args,
                                                   "id": f"c{i}"}]))
        # alternately the full result as artifact and only the compact content
        artifact = {"result": result.model_dump(mode="json")} if i % 2 else None
        messages.append(ToolMessage(for_model(result), tool_call_id=f"c{i}", artifact=artifact))
    messages.append(ToolMessage("not json", tool_call_id="x"))
    memory = ResultMemory.from_messages(messages, parse_tool_result)
    assert len(memory) == MAX_LISTS
    assert memory.lists[-1].args["query"] == f"milk {MAX_LISTS + 2}"
    assert memory.find("previous")[0].args["query"] == f"milk {MAX_LISTS + 1}"


def test_refined_results_validate_against_their_model(demo_services: Services,
                                                      memory: ResultMemory) -> None:
    spec = TOOLS["refine_results"]
    for args in ({"sort_by": "price", "k": 2}, {"source": "recommend", "position": 2}):
        result = refine(demo_services, memory, **args)
        assert isinstance(result, r.RefinedProducts)
        assert spec.parse(result.model_dump(mode="json")) == result
        compact = spec.parse(json.loads(for_model(result)))
        assert type(compact) is r.RefinedProducts
        assert [type(e) for e in compact.items] == [type(e) for e in result.items]


def test_a_pick_is_no_new_list(demo_services: Services, memory: ResultMemory) -> None:
    """After "which is cheapest?" (one entry picked), "sort them" still means the list."""
    cheapest = refine(demo_services, memory, sort_by="price", k=1)
    assert isinstance(cheapest, r.RefinedProducts) and cheapest.pick
    whole = refine(demo_services, memory, sort_by="price")
    assert not whole.pick
    messages: list[Any] = []
    for i, (name, result) in enumerate((("search_products", memory.lists[-1].result),
                                        ("refine_results", cheapest))):
        messages.append(AIMessage("", tool_calls=[{"name": name, "args": {}, "id": f"c{i}"}]))
        messages.append(ToolMessage(for_model(result), tool_call_id=f"c{i}"))
    kept = ResultMemory.from_messages(messages, parse_tool_result)
    assert [x.tool for x in kept.lists] == ["search_products"]
