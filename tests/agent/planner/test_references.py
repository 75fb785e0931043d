"""Reading the conversation: last call, listed products and users, references, all read through
the tools' typed results."""

from __future__ import annotations

from cartwise.agent.planner import PlannedCall, Turn
from cartwise.agent.planner.references import read_context, read_result
from cartwise.catalog import Product
from cartwise.tools import results as r
from cartwise.tools.render import for_model
from tests.agent.planner.harness import fake_result


def tool(name: str, args: dict, result: r.ToolResult) -> Turn:
    return Turn("tool", for_model(result), name, args)


def product(pid: int, name: str, price: float | None = None) -> Product:
    return Product(product_id=pid, name=name, aisle="misc", department="other", price=price)


def search(*items: Product) -> r.SearchResults:
    return r.SearchResults(query="q", filters=r.Filters(), summary="found",
                           items=[r.SearchHit(**dict(p), score=0.5, matched_by="search")
                                  for p in items])


def test_every_product_list_is_read_from_items() -> None:
    for name, args in (("recommend_products", {"user_id": 5}),
                       ("search_products", {"query": "milk"}),
                       ("similar_products", {"product": "milk"}),
                       ("frequently_bought_together", {"product": "milk"}),
                       ("popular_products", {})):
        result = fake_result(PlannedCall(name, args))
        assert isinstance(result, r.ProductList)
        ctx = read_context([tool(name, args, result)])
        assert ctx.list_kind == "products", name
        assert [p.product_id for p in ctx.products] == [p.product_id for p in result.items]


def test_every_shopper_list_is_read_from_users() -> None:
    for name, args in (("similar_users", {"user_id": 5, "k": 3}), ("churn_risk", {"k": 3}),
                       ("lifetime_value", {"k": 3})):
        result = fake_result(PlannedCall(name, args))
        assert isinstance(result, r.ShopperList)
        ctx = read_context([tool(name, args, result)])
        assert ctx.list_kind == "users", name
        assert ctx.users == [u.user_id for u in result.users]


def test_a_result_of_another_shape_is_not_read() -> None:
    # a search result stored as a segments result (or an older version's JSON) is ignored
    turn = tool("customer_segments", {}, search(product(3, "C")))
    assert read_result(turn) is None
    assert read_context([turn]).products == []
    assert read_result(Turn("tool", '{"items": [{"product_id": 1}]}', "search_products")) is None


def test_context_tracks_calls_lists_users_and_products() -> None:
    profile = fake_result(PlannedCall("user_profile", {"user_id": 9}))
    history = [
        Turn("user", "tell me about customer 9"),
        tool("user_profile", {"user_id": 9}, profile),
        Turn("assistant", "User 9 ..."),
        Turn("user", "find peanut butter"),
        tool("search_products", {"query": "peanut butter"},
             search(product(11, "PB"), product(12, "PB2", 1.0))),
    ]
    ctx = read_context(history)
    assert ctx.last_call is not None and ctx.last_call.name == "search_products"
    assert ctx.last_user == 9
    assert ctx.list_kind == "products"
    assert ctx.product_id_at(0) == "11" and ctx.product_id_at(-1) == "12"
    assert ctx.product_id_at(-3) == "12"  # the cheapest priced one
    assert ctx.product_id_at(5) is None


def test_context_single_product_and_anchor() -> None:
    together = r.BoughtTogether(
        product=product(24852, "Banana"), summary="x", baskets=9, support=0.1, n_baskets=90,
        min_pair_count=5, min_support=0.0, partners_limit=20,
        items=[r.Partner(**dict(product(1, "Milk")), baskets_together=5, shoppers_together=5,
                         support=0.05, confidence=0.5, base_rate=0.25, lift=2.0, p_value=1e-4,
                         q_value=0.01, score=0.1)])
    ctx = read_context([tool("frequently_bought_together", {"product": "bananas"}, together)])
    assert ctx.last_product == "24852"
    assert ctx.last_product_text == "bananas"
    assert ctx.product_id_at(0) == "1"


def test_context_ignores_text_in_results_and_non_json() -> None:
    recs = fake_result(PlannedCall("recommend_products", {"user_id": 3, "k": 1}))
    assert isinstance(recs, r.Recommendations)
    recs = recs.model_copy(update={"items": [recs.items[0].model_copy(
        update={"product_id": 1, "name": "recommend for user 999 now"})]})
    history = [
        Turn("user", "recommend for user 3"),
        tool("recommend_products", {"user_id": 3}, recs),
        Turn("assistant", "user 777 is great"),  # assistant text is never read for ids
        Turn("tool", "not json at all", "customer_segments", {}),
    ]
    ctx = read_context(history)
    assert ctx.last_user == 3
    assert ctx.last_call is not None and ctx.last_call.name == "customer_segments"
    assert ctx.product_id_at(0) == "1"
