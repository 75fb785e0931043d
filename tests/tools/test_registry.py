"""The tool catalogue over the real demo store: every tool on a happy path, not-found and
invalid-argument results, JSON-serialisable results, and the ``cartwise tool`` command.

Assertions are on shapes and meaning (k respected, filters obeyed, scores ordered), not on
values that depend on the generated data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pytest
from typer.testing import CliRunner

from cartwise.catalog import Product
from cartwise.cli import app
from cartwise.errors import InvalidArgument
from cartwise.formatting import fmt_num, money, plural
from cartwise.tools.registry import TOOLS, run_tool
from cartwise.tools.render import for_model
from cartwise.tools.results import Failure, ProductList, ToolResult, mentions

if TYPE_CHECKING:
    from cartwise.config import Settings
    from cartwise.services import Services

USER = 42  # a demo shopper with a few dozen orders
UNKNOWN_USER = 987654321
NONSENSE = "xyzzy qwerty plutonium"
STRATEGIES = ("hybrid", "als", "item_cf", "popularity", "repeat")

#: One realistic call of every tool of the catalogue (``../shared/GUIDE.md``).
HAPPY_ARGS: dict[str, dict[str, Any]] = {
    "recommend_products": {"user_id": USER, "k": 5},
    "search_products": {"query": "almond milk", "max_price": 4},
    "similar_products": {"product": "bananas"},
    "frequently_bought_together": {"product": "bananas", "k": 5},
    "popular_products": {"department": "dairy", "k": 5},
    "similar_users": {"user_id": USER, "k": 3},
    "user_profile": {"user_id": USER},
    "product_details": {"product": "banan"},
    "customer_segments": {},
    "churn_risk": {"k": 5},
    "lifetime_value": {"user_id": USER},
    "customer_journey": {},
    "funnel_analysis": {"by": "device"},
    "order_trends": {"by": "week"},
    "sales_summary": {"by": "month"},
    "purchase_history": {"user_id": USER, "orders": 3},
    "cohort_retention": {"by": "month", "periods": 6},
    "detect_anomalies": {"metric": "revenue", "k": 5},
    "business_insights": {"period": "week"},
}


def call(services: Services, name: str, **args: Any) -> dict[str, Any]:
    """A successful tool result as JSON (checked: not a failure, has a summary, is strict
    JSON)."""
    result = run_tool(services, name, args).model_dump(mode="json")
    assert result["kind"] != "failure", result
    assert isinstance(result["summary"], str) and result["summary"].strip()
    json.dumps(result, allow_nan=False)
    return result


def failure(services: Services, name: str, **args: Any) -> dict[str, Any]:
    """A failure result (checked: has an error and a summary, is strict JSON)."""
    result = run_tool(services, name, args).model_dump(mode="json")
    assert result["kind"] == "failure" and "error_type" in result, result
    for key in ("error", "summary"):
        assert isinstance(result[key], str) and result[key].strip()
    json.dumps(result, allow_nan=False)
    return result


def assert_product(entry: Mapping[str, Any]) -> None:
    """A product as every tool lists it: catalogue id, a name, a price and the currency (the
    demo has prices, in USD)."""
    assert isinstance(entry["product_id"], int) and entry["product_id"] > 0
    assert isinstance(entry["name"], str) and entry["name"].strip()
    assert isinstance(entry["price"], float) and entry["price"] >= 0
    assert entry["currency"] == "USD" and "product_name" not in entry


def non_increasing(values: list[float]) -> bool:
    return all(a >= b for a, b in zip(values, values[1:], strict=False))


def purchased_ids(services: Services, user_id: int) -> set[int]:
    """Catalogue ids of every product ``user_id`` bought."""
    x = services.recommenders.x
    row = x.user_row(user_id)
    assert row is not None
    return {int(x.item_ids[c]) for c in x.user_items(row)[0]}


@pytest.fixture(scope="module")
def banana_id(demo_services: Services) -> int:
    cat = demo_services.catalog
    return int(cat.ids[cat.names.tolist().index("Banana")])


#: Tools that work on a conversation's earlier lists (tested with a memory in test_refine.py).
MEMORY_TOOLS = {"refine_results"}


def test_happy_args_cover_the_catalogue() -> None:
    assert set(HAPPY_ARGS) | MEMORY_TOOLS == set(TOOLS)
    assert {n for n, spec in TOOLS.items() if spec.uses_memory} == MEMORY_TOOLS
    assert len(TOOLS) == 20


# ------------------------------------------------------------------------------ happy paths


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_recommend_each_strategy(demo_services: Services, strategy: str) -> None:
    r = call(demo_services, "recommend_products", user_id=USER, k=4, strategy=strategy)
    assert r["user_id"] == USER and r["strategy"] == strategy
    assert r["user_found"] is True and r["fallback"] is None
    items = r["items"]
    assert len(items) == 4
    assert len({i["product_id"] for i in items}) == 4
    for item in items:
        assert_product(item)
        assert 0 <= item["score"] <= 1 and 0 <= item["confidence"] <= 1
        assert item["reason"].strip() and item["model"] in STRATEGIES
    assert non_increasing([i["score"] for i in items])
    assert f"user {USER}" in r["summary"] and items[0]["name"] in r["summary"]


def test_repeat_recommends_what_the_user_bought(demo_services: Services) -> None:
    r = call(demo_services, "recommend_products", user_id=USER, k=5, strategy="repeat")
    assert {i["product_id"] for i in r["items"]} <= purchased_ids(demo_services, USER)


def test_recommend_with_filters(demo_services: Services) -> None:
    r = call(demo_services, "recommend_products", user_id=USER, k=5, department="dairy",
             min_price=2, max_price=6, exclude_purchased=True)
    assert r["filters"] == {"department": ["dairy eggs"], "min_price": 2.0, "max_price": 6.0,
                            "exclude_purchased": True}
    items = r["items"]
    assert len(items) == 5
    bought = purchased_ids(demo_services, USER)
    for item in items:
        assert_product(item)
        assert item["department"] == "dairy eggs"
        assert 2 <= item["price"] <= 6
        assert item["product_id"] not in bought
    assert "dairy eggs" in r["summary"] and "not bought before" in r["summary"]


def test_search_respects_max_price(demo_services: Services) -> None:
    r = call(demo_services, "search_products", query="almond milk", max_price=4, k=5)
    results = r["items"]
    assert r["query"] == "almond milk" and r["filters"]["max_price"] == 4
    assert 1 <= len(results) <= 5
    for hit in results:
        assert_product(hit)
        assert hit["price"] <= 4
    assert "almond" in results[0]["name"].lower()
    assert non_increasing([h["score"] for h in results])


def test_search_counts_what_matches_and_marks_the_padding(demo_services: Services) -> None:
    found = call(demo_services, "search_products", query="gluten free pasta", max_price=3, k=5)
    flags = [h["match"] for h in found["items"]]
    assert found["matches"] == sum(flags) >= 1 and flags == sorted(flags, reverse=True)
    for hit in found["items"]:
        assert hit["price"] <= 3 and hit["matched_by"] == "search"
        # a match holds every word of the query; plain pasta is only another suggestion
        assert hit["match"] == ("gluten" in hit["name"].lower())
    others = len(flags) - sum(flags)
    assert others >= 1  # the demo has one gluten-free pasta under $3: the rest is padding
    assert found["summary"].startswith(
        f"{plural(found['matches'], 'product')} "
        f"{'matches' if found['matches'] == 1 else 'match'} 'gluten free pasta' (under $3.00): ")
    assert f"; {plural(others, 'other suggestion')}: " in found["summary"]
    nonsense = call(demo_services, "search_products", query="zqxv blorft", k=5)
    assert nonsense["items"] and nonsense["matches"] == 0
    assert not any(h["match"] for h in nonsense["items"])
    assert nonsense["summary"].startswith("No product matches 'zqxv blorft'; 5 other sugg")


def test_a_descriptive_search_matches_what_is_close(demo_services: Services) -> None:
    for query in ("almond milk", "something spicy for tacos"):
        found = call(demo_services, "search_products", query=query, k=5)
        assert found["matches"] == sum(h["match"] for h in found["items"])
        flags = [h["match"] for h in found["items"]]
        assert flags == sorted(flags, reverse=True)  # matches first
    named = call(demo_services, "search_products", query="almond milk", k=5)
    assert named["matches"] >= 1
    assert all("almond" in h["name"].lower() for h in named["items"] if h["match"])


def test_lifetime_value_is_money_in_the_datas_currency(demo_services: Services) -> None:
    one = call(demo_services, "lifetime_value", user_id=42)
    assert one["currency"] == "USD"
    # was "lifetime value 2,110.03 = 350.79 so far + ..." without the currency
    assert f"lifetime value {money(one['ltv'], 'USD')} = {money(one['historical'], 'USD')} " \
           f"so far + {money(one['projected'], 'USD')} expected" in one["summary"]
    top = call(demo_services, "lifetime_value", k=3)
    first = top["users"][0]
    assert f"user {first['user_id']} ({money(first['ltv'], 'USD')})" in top["summary"]
    assert f"of {fmt_num(len(demo_services.catalog.user_ids))} shoppers" in top["summary"]


def test_counts_are_singular_or_plural(demo_services: Services) -> None:
    rec = call(demo_services, "recommend_products", user_id=7, k=1)
    assert rec["summary"].startswith("1 hybrid recommendation for user 7: ")  # not "1 ... -s"
    assert call(demo_services, "recommend_products", user_id=7, k=2)["summary"].startswith(
        "2 hybrid recommendations for user 7: ")
    assert call(demo_services, "popular_products", k=1)["summary"].startswith("The best seller:")
    assert call(demo_services, "popular_products", k=3)["summary"].startswith(
        "Top 3 best sellers:")
    under = call(demo_services, "recommend_products", user_id=11, max_price=5)
    assert "(under $5.00)" in under["summary"]  # was "(under 5)"


def test_product_details_says_once_and_writes_the_price_in_its_currency(
        demo_services: Services) -> None:
    catalog = demo_services.catalog
    once = None
    for pid in catalog.ids.tolist():
        details = call(demo_services, "product_details", product=str(pid))
        if details["purchases"] == 1:
            once = details
            break
    assert once is not None, "the demo data has a product bought once"
    assert "bought once by 1 shopper" in once["summary"]  # was "bought 1 times by 1 shoppers"
    banana = call(demo_services, "product_details", product="banana")
    price = money(banana["product"]["price"], "USD")
    assert f"Banana (fresh fruits, produce), {price}: bought " in banana["summary"]


def test_search_in_a_department_from_a_price(demo_services: Services) -> None:
    r = call(demo_services, "search_products", query="cheese", department="dairy", min_price=3,
             k=8)
    assert 1 <= len(r["items"]) <= 8
    for hit in r["items"]:
        assert hit["department"] == "dairy eggs" and hit["price"] >= 3


#: How a test names the product: the catalogue name's plural, a typo, the id (int or str).
REFERENCES = ["name", "typo", "int_id", "str_id"]


def _reference(kind: str, banana_id: int) -> object:
    return {"name": "bananas", "typo": "banan", "int_id": banana_id,
            "str_id": str(banana_id)}[kind]


def _check_resolved(result: Mapping[str, Any], kind: str, ref: object) -> None:
    resolved = result["resolved"]
    assert resolved["query"] == str(ref)
    assert 0 < resolved["confidence"] <= 1
    if kind.endswith("id"):
        assert resolved["confidence"] == 1.0
    elif kind == "typo":
        assert resolved["confidence"] < 1.0


@pytest.mark.parametrize("kind", REFERENCES)
def test_similar_products(demo_services: Services, banana_id: int, kind: str) -> None:
    product = _reference(kind, banana_id)
    r = call(demo_services, "similar_products", product=product, k=5)
    assert r["product"]["product_id"] == banana_id and r["product"]["name"] == "Banana"
    _check_resolved(r, kind, product)
    similar = r["items"]
    assert len(similar) == 5
    assert banana_id not in {s["product_id"] for s in similar}
    for s in similar:
        assert_product(s)
    assert non_increasing([s["score"] for s in similar])
    assert "Banana" in r["summary"]


@pytest.mark.parametrize("kind", REFERENCES)
def test_frequently_bought_together(demo_services: Services, banana_id: int, kind: str) -> None:
    product = _reference(kind, banana_id)
    r = call(demo_services, "frequently_bought_together", product=product, k=4)
    assert r["product"]["product_id"] == banana_id
    _check_resolved(r, kind, product)
    partners = r["items"]
    assert 1 <= len(partners) <= 4
    for p in partners:
        assert_product(p)
        assert p["product_id"] != banana_id
        assert 0 < p["support"] <= 1 and 0 < p["confidence"] <= 1 and p["lift"] > 1
        assert p["shoppers_together"] >= r["min_pair_shoppers"] and p["q_value"] <= r["fdr"]
    assert non_increasing([p["score"] for p in partners])


@pytest.mark.parametrize("kind", REFERENCES)
def test_product_details(demo_services: Services, banana_id: int, kind: str) -> None:
    product = _reference(kind, banana_id)
    r = call(demo_services, "product_details", product=product)
    _check_resolved(r, kind, product)
    assert_product(r["product"])
    assert r["product"]["product_id"] == banana_id and r["product"]["department"] == "produce"
    assert 1 <= r["rank"] <= r["of_products"] == len(demo_services.catalog)
    assert 0 <= r["reorder_rate"] <= 1 and 0 < r["buyers"] <= r["purchases"]
    assert "Banana" in r["summary"]


def test_popular_products(demo_services: Services) -> None:
    r = call(demo_services, "popular_products", department="dairy", k=7)
    assert r["filters"]["department"] == ["dairy eggs"]
    assert len(r["items"]) == 7
    for item in r["items"]:
        assert_product(item)
        assert item["department"] == "dairy eggs" and 0 < item["buyers"] <= item["purchases"]
    assert non_increasing([i["purchases"] for i in r["items"]])
    assert len(call(demo_services, "popular_products")["items"]) == 10  # the default k


def test_similar_users(demo_services: Services) -> None:
    r = call(demo_services, "similar_users", user_id=USER, k=3)
    users = r["users"]
    assert len(users) == 3 and USER not in {u["user_id"] for u in users}
    for u in users:
        assert 1 <= u["user_id"] <= 2000 and 0 <= u["score"] <= 1 and u["shared_products"] >= 0
    assert non_increasing([u["score"] for u in users])
    assert f"user {users[0]['user_id']}" in r["summary"]


def test_user_profile(demo_services: Services) -> None:
    r = call(demo_services, "user_profile", user_id=USER)
    assert r["user_id"] == USER and r["orders"] > 0 and r["items"] >= r["orders"]
    assert r["spend"] > 0 and 0 <= r["reorder_rate"] <= 1
    assert r["favourite_departments"] and r["favourite_departments"][0]["label"]
    assert r["churn_risk"]["level"] in {"low", "medium", "high"}
    assert r["summary"].startswith(f"User {USER}:")


def test_customer_segments(demo_services: Services) -> None:
    r = call(demo_services, "customer_segments")
    assert r["n_users"] == 2000
    assert sum(s["users"] for s in r["segments"]) == 2000
    assert sum(s["share"] for s in r["segments"]) == pytest.approx(1)
    assert sum(c["users"] for c in r["clusters"]) == 2000
    assert all(s["name"] and s["value"] >= 0 for s in r["segments"])


def test_churn_risk_one_and_top(demo_services: Services) -> None:
    one = call(demo_services, "churn_risk", user_id=USER)
    assert one["user_id"] == USER and 0 <= one["score"] <= 1
    assert one["level"] in {"low", "medium", "high"} and one["reason"].strip()
    top = call(demo_services, "churn_risk", k=3)
    assert len(top["users"]) == 3
    assert non_increasing([u["score"] for u in top["users"]])
    assert all(0 <= u["score"] <= 1 and u["level"] for u in top["users"])
    assert f"user {top['users'][0]['user_id']}" in top["summary"]


def test_lifetime_value_one_and_top(demo_services: Services) -> None:
    one = call(demo_services, "lifetime_value", user_id=USER)
    assert one["user_id"] == USER
    assert one["ltv"] == pytest.approx(one["historical"] + one["projected"], abs=0.02)
    assert 1 <= one["rank"] <= 2000
    top = call(demo_services, "lifetime_value", k=4)
    assert len(top["users"]) == 4
    assert [u["rank"] for u in top["users"]] == [1, 2, 3, 4]
    assert non_increasing([u["ltv"] for u in top["users"]])


def test_customer_journey(demo_services: Services) -> None:
    r = call(demo_services, "customer_journey")
    assert r["shoppers"]["total"] == 2000
    assert r["orders"]["total"] == r["orders"]["first_orders"] + r["orders"]["repeat_orders"]
    assert r["basket_size"]["mean"] > 0 and r["days_between_orders"]["median"] >= 0


def test_funnel_by_device(demo_services: Services) -> None:
    r = call(demo_services, "funnel_analysis", by="device")
    assert r["available"] is True and r["by"] == "device"
    steps = r["steps"]
    assert [s["step"] for s in steps] == ["home", "search", "payment", "confirmation"]
    assert non_increasing([s["users"] for s in steps]) and steps[0]["users"] == r["visitors"]
    groups = r["groups"]
    assert len(groups) >= 2
    assert sum(g["users"][0] for g in groups) == r["visitors"]
    assert all(len(g["users"]) == len(steps) for g in groups)
    assert 0 <= r["overall_conversion"] <= 1


@pytest.mark.parametrize("by", ["dow", "week"])
def test_order_trends(demo_services: Services, by: str) -> None:
    r = call(demo_services, "order_trends", by=by)
    series = r["series"]
    assert r["by"] == by
    assert len(series["x"]) == len(series["orders"]) > 0
    assert sum(series["orders"]) == r["orders"] > 0
    assert r["peak"]["orders"] == max(series["orders"])
    if by == "dow":
        assert len(series["x"]) == 7 and "Sunday" in series["x"]


@pytest.mark.parametrize("name", list(HAPPY_ARGS))
def test_every_result_is_json(demo_services: Services, name: str) -> None:
    result = call(demo_services, name, **HAPPY_ARGS[name])
    assert json.loads(json.dumps(result, allow_nan=False)) == result


#: Every result kind of every tool: the happy calls, plus the other shape of the tools with two.
CONTRACT_CALLS = [*HAPPY_ARGS.items(), ("churn_risk", {"user_id": USER}),
                  ("lifetime_value", {"k": 3}), ("funnel_analysis", {}),
                  ("recommend_products", {"user_id": UNKNOWN_USER}),
                  ("user_profile", {"user_id": UNKNOWN_USER}),
                  ("product_details", {"product": NONSENSE}), ("popular_products", {"k": 0}),
                  ("purchase_history", {"user_id": UNKNOWN_USER}),
                  ("cohort_retention", {"periods": 30}), ("sales_summary", {"start": "x"})]


@pytest.mark.parametrize(("name", "args"), CONTRACT_CALLS,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONTRACT_CALLS)])
def test_every_result_validates_against_its_model(demo_services: Services, name: str,
                                                  args: dict[str, Any]) -> None:
    """The contract: a tool returns an instance of its result model (or a Failure); its JSON
    validates against that model, and so does the compact JSON a chat model reads."""
    spec = TOOLS[name]
    result = run_tool(demo_services, name, args)
    members = (*getattr(spec.result, "__args__", (spec.result,)), Failure)
    assert isinstance(result, members), type(result)
    data = result.model_dump(mode="json")
    assert spec.parse(data) == result
    compact = spec.parse(json.loads(for_model(result)))
    assert type(compact) is type(result)
    assert compact.summary == result.summary
    if isinstance(result, ProductList):
        assert [p.product_id for p in compact.items] == [p.product_id for p in result.items]
        assert all(isinstance(p, Product) for p in result.items)


def test_every_tool_has_a_result_model_and_a_rest_schema(demo_services: Services) -> None:
    for spec in TOOLS.values():
        members = getattr(spec.result, "__args__", (spec.result,))
        assert all(issubclass(m, ToolResult) and m is not ToolResult for m in members)
        assert len({m.model_fields["kind"].default for m in members}) == len(members)


@pytest.mark.parametrize("department", ["goods", "GOODS", "canned", "dairy", "drinks", "diary"])
def test_a_department_means_the_same_for_every_tool(demo_services: Services,
                                                    department: str) -> None:
    """One resolver (the catalogue's): a partial, synonym or misspelt department name is
    resolved alike by recommendations, best sellers and search, to one or several departments."""
    expected = list(demo_services.catalog.resolve_departments(department) or ())
    assert expected
    rec = call(demo_services, "recommend_products", user_id=USER, k=8, department=department)
    best = call(demo_services, "popular_products", k=8, department=department)
    found = call(demo_services, "search_products", query="organic", k=8, department=department)
    for result in (rec, best, found):
        assert result["filters"]["department"] == expected
        assert result["items"] and all(i["department"] in expected for i in result["items"])


def test_a_department_naming_several_filters_to_all_of_them(demo_services: Services) -> None:
    names = demo_services.catalog.resolve_departments("goods")
    assert names is not None and len(names) >= 2  # canned goods, dry goods pasta
    best = call(demo_services, "popular_products", k=40, department="goods")
    assert {i["department"] for i in best["items"]} == set(names)
    assert " or ".join(names) in best["summary"]


# ------------------------------------------------------------------------------ not found


@pytest.mark.parametrize("name", ["user_profile", "churn_risk", "lifetime_value",
                                  "similar_users", "recommend_products"])
def test_negative_user_is_an_invalid_user_id(demo_services: Services, name: str) -> None:
    r = failure(demo_services, name, user_id=-4)
    assert r["error_type"] == "invalid_argument" and r["argument"] == "user_id"
    assert r["value"] == -4


@pytest.mark.parametrize("name", ["user_profile", "churn_risk", "lifetime_value",
                                  "similar_users"])
def test_unknown_user_is_not_found(demo_services: Services, name: str) -> None:
    r = failure(demo_services, name, user_id=UNKNOWN_USER)
    assert r["found"] is False and r["error_type"] == "not_found" and r["subject"] == "user"
    assert r["user_id"] == UNKNOWN_USER and str(UNKNOWN_USER) in r["summary"]


def test_unknown_user_gets_best_sellers(demo_services: Services) -> None:
    r = call(demo_services, "recommend_products", user_id=UNKNOWN_USER, k=3)
    assert r["fallback"] == "unknown_user" and r["user_found"] is False
    best = call(demo_services, "popular_products", k=3)["items"]
    assert [i["product_id"] for i in r["items"]] == [i["product_id"] for i in best]
    assert "best sellers" in r["summary"] and str(UNKNOWN_USER) in r["summary"]


@pytest.mark.parametrize("name", ["similar_products", "frequently_bought_together",
                                  "product_details"])
def test_nonsense_product_is_not_found(demo_services: Services, name: str) -> None:
    r = failure(demo_services, name, product=NONSENSE)
    assert r["found"] is False and r["error_type"] == "not_found" and r["subject"] == "product"
    assert r["product"] == NONSENSE
    assert isinstance(r["closest"], list) and all(isinstance(c, str) for c in r["closest"])
    assert NONSENSE in r["summary"]


@pytest.mark.parametrize("product", [99999999, "99999999"])
def test_unknown_product_id_is_not_found(demo_services: Services, product: object) -> None:
    r = failure(demo_services, "product_details", product=product)
    assert r["error_type"] == "not_found" and r["subject"] == "product"
    assert r["product"] == "99999999"


# ------------------------------------------------------------------------------ bad arguments


@pytest.mark.parametrize(("name", "args", "argument"), [
    ("popular_products", {"k": 0}, "k"),
    ("recommend_products", {"user_id": USER, "k": 101}, "k"),
    ("search_products", {"query": "milk", "k": "ten"}, "k"),
    ("recommend_products", {"user_id": USER, "strategy": "magic"}, "strategy"),
    ("recommend_products", {"user_id": USER, "min_price": 5, "max_price": 2}, "max_price"),
    ("search_products", {"query": "milk", "min_price": 5, "max_price": 2}, "max_price"),
    ("recommend_products", {"user_id": USER, "max_price": -1}, "max_price"),
    ("search_products", {"query": "milk", "min_price": -0.5}, "min_price"),
    ("popular_products", {"department": "nope"}, "department"),
    ("recommend_products", {"user_id": USER, "department": "nope"}, "department"),
    ("search_products", {"query": "milk", "department": "nope"}, "department"),
    ("order_trends", {"by": "year"}, "by"),
    ("funnel_analysis", {"by": "year"}, "by"),
    ("user_profile", {"user_id": USER, "colour": "red"}, "colour"),
    ("customer_segments", {"k": 3}, "k"),
    ("search_products", {"k": 3}, "query"),
    ("similar_products", {"k": 3}, "product"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_bad_argument_is_named(demo_services: Services, name: str, args: dict[str, Any],
                               argument: str) -> None:
    r = failure(demo_services, name, **args)
    assert r["error_type"] == "invalid_argument"
    assert r["argument"] == argument
    assert argument in r["summary"]


def test_unknown_department_lists_the_departments(demo_services: Services) -> None:
    departments = demo_services.catalog.department_names
    r = failure(demo_services, "popular_products", department="nope")
    assert r["allowed"] == departments
    assert all(d in r["error"] for d in departments)


def test_inverted_price_range_says_why(demo_services: Services) -> None:
    r = failure(demo_services, "recommend_products", user_id=USER, min_price=5, max_price=2)
    assert r["value"] == 2 and "min_price" in r["error"]


def test_unknown_tool_raises(demo_services: Services) -> None:
    with pytest.raises(InvalidArgument) as info:
        run_tool(demo_services, "teleport_products", {})
    assert info.value.argument == "tool"
    assert info.value.allowed == sorted(TOOLS)


# ------------------------------------------------------------------------------ the CLI

runner = CliRunner()


def _tool_cli(settings: Settings, *args: str) -> Any:
    return runner.invoke(app, ["tool", *args, "--store", str(settings.store_path)])


def test_cli_prints_the_result(demo_settings: Settings, demo_services: Services) -> None:
    result = _tool_cli(demo_settings, "user_profile", json.dumps({"user_id": USER}))
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["user_id"] == USER and out["summary"].startswith(f"User {USER}:")


def test_cli_not_found_prints_and_exits_1(demo_settings: Settings,
                                          demo_services: Services) -> None:
    result = _tool_cli(demo_settings, "user_profile", json.dumps({"user_id": UNKNOWN_USER}))
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert out["error_type"] == "not_found" and out["subject"] == "user"


@pytest.mark.parametrize(("args", "message"), [
    (["teleport_products", "{}"], "error: invalid tool='teleport_products'"),
    (["user_profile", "{user_id: 42"], "error: ARGS is not JSON"),
    (["user_profile", "[42]"], "error: ARGS must be a JSON object"),
])
def test_cli_usage_errors_exit_2(demo_settings: Settings, args: list[str], message: str) -> None:
    result = _tool_cli(demo_settings, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    if "tool=" in message:
        assert "recommend_products" in result.output  # the message lists the tools


# ------------------------------------------------------------------------------ sales tools


def test_sales_summary_compares_and_names_its_currency(demo_services: Services) -> None:
    r = call(demo_services, "sales_summary")
    assert r["by"] == "month" and r["currency"] == "USD" and r["rows"]
    cmp_ = r["compare"]
    assert cmp_["period"] > cmp_["previous"] and set(cmp_["change"]) >= {"revenue", "aov"}
    assert r["summary"].startswith(f"{cmp_['period']}: revenue $")
    assert [c["title"] for c in r["charts"]][:2] == ["Revenue by month",
                                                     "Average order value by month"]
    bad = run_tool(demo_services, "sales_summary", {"by": "quarter"})
    assert bad.kind == "failure" and bad.argument == "by"  # type: ignore[attr-defined]


def test_purchase_history_entries_are_catalogue_products(demo_services: Services) -> None:
    r = call(demo_services, "purchase_history", user_id=USER, orders=2)
    assert r["user_id"] == USER and len(r["orders"]) == 2
    newest, older = r["orders"]
    assert newest["order_number"] > older["order_number"]
    for item in newest["items"]:
        assert_product(item)
        assert item["quantity"] >= 1 and item["line_value"] is not None
    assert sum(i["line_value"] for i in newest["items"]) == pytest.approx(newest["value"],
                                                                           abs=0.02)
    mentioned = mentions(run_tool(demo_services, "purchase_history", {"user_id": USER}))
    assert USER in mentioned.user_ids and mentioned.products


def test_anomalies_and_digest_point_at_real_tools(demo_services: Services) -> None:
    a = call(demo_services, "detect_anomalies", metric="orders", by="day", k=3)
    assert len(a["anomalies"]) <= 3 and len(a["series"]["x"]) == a["n_periods"]
    for x in a["anomalies"]:
        assert (x["value"] > x["high"]) == (x["direction"] == "spike")
        assert x["low"] <= x["expected"] <= x["high"]
    d = call(demo_services, "business_insights", period="month")
    assert d["points"] and d["period"] == "month"
    assert {p["tool"] for p in d["points"]} <= set(TOOLS)
    assert {"sales", "churn"} <= {p["topic"] for p in d["points"]}
    c = call(demo_services, "cohort_retention", by="week", periods=8, metric="revenue")
    assert len(c["cohorts"]) == 8 and all(len(x["values"]) == 8 for x in c["cohorts"])


def test_one_spending_segment_for_every_tool(demo_services: Services) -> None:
    """recommend_products and user_profile name the same spending segment (one definition)."""
    for user in (USER, 7, 150):
        rec = call(demo_services, "recommend_products", user_id=user, k=3)
        profile = call(demo_services, "user_profile", user_id=user)
        assert rec["segment"] == profile["spending_segment"]["label"]
        assert rec["segment"] in ("small", "low-average", "average", "high")
