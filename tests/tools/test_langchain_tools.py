"""The catalogue as LangChain tools: names and argument schemas are the catalogue's, a tool call
returns a ToolMessage (compact JSON for the model, the full result and timing as artifact), and
bad arguments come back as readable results, never as exceptions."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool

from cartwise.tools.langchain import build_tools
from cartwise.tools.registry import TOOLS
from cartwise.tools.render import for_model
from tests.tools.test_registry import HAPPY_ARGS

if TYPE_CHECKING:
    from cartwise.services import Services

#: The catalogue's arguments (the table in ``../shared/GUIDE.md``), a public contract.
CATALOGUE: dict[str, set[str]] = {
    "recommend_products": {"user_id", "k", "strategy", "department", "min_price", "max_price",
                           "exclude_purchased"},
    "search_products": {"query", "k", "department", "min_price", "max_price"},
    "similar_products": {"product", "k"},
    "frequently_bought_together": {"product", "k"},
    "popular_products": {"k", "department"},
    "similar_users": {"user_id", "k"},
    "user_profile": {"user_id"},
    "product_details": {"product"},
    "customer_segments": set(),
    "churn_risk": {"user_id", "k"},
    "lifetime_value": {"user_id", "k"},
    "customer_journey": set(),
    "funnel_analysis": {"device", "sex", "by"},
    "order_trends": {"by"},
    "sales_summary": {"by", "start", "end", "compare"},
    "purchase_history": {"user_id", "orders"},
    "cohort_retention": {"by", "periods", "metric"},
    "detect_anomalies": {"metric", "by", "k"},
    "business_insights": {"period"},
    "refine_results": {"source", "sort_by", "order", "min_price", "max_price", "department",
                       "exclude_purchased", "position", "k"},
}
#: The catalogue's defaults of k.
DEFAULT_K = {"recommend_products": 5, "search_products": 5, "similar_products": 5,
             "frequently_bought_together": 5, "popular_products": 10, "similar_users": 5,
             "churn_risk": 10, "lifetime_value": 10, "detect_anomalies": 10}
REQUIRED = {"recommend_products": {"user_id"}, "search_products": {"query"},
            "similar_products": {"product"}, "frequently_bought_together": {"product"},
            "similar_users": {"user_id"}, "user_profile": {"user_id"},
            "product_details": {"product"}, "purchase_history": {"user_id"}}


@pytest.fixture(scope="module")
def tools(demo_services: Services) -> dict[str, BaseTool]:
    return {t.name: t for t in build_tools(demo_services)}


def invoke(tool: BaseTool, args: dict[str, Any], call_id: str = "c1") -> ToolMessage:
    message = tool.invoke({"type": "tool_call", "name": tool.name, "args": args, "id": call_id})
    assert isinstance(message, ToolMessage)
    assert message.tool_call_id == call_id and message.name == tool.name
    return message


def test_the_catalogue_tools(tools: dict[str, BaseTool]) -> None:
    assert list(tools) == list(TOOLS)
    assert set(tools) == set(CATALOGUE) and len(tools) == 20
    for tool in tools.values():
        assert len(tool.description) > 40


@pytest.mark.parametrize("name", list(CATALOGUE))
def test_argument_schemas_are_the_catalogue(tools: dict[str, BaseTool], name: str) -> None:
    tool = tools[name]
    assert set(tool.args) == CATALOGUE[name]
    schema = tool.tool_call_schema.model_json_schema()  # what a chat model is shown
    assert set(schema.get("properties", {})) == CATALOGUE[name]
    assert set(schema.get("required", [])) == REQUIRED.get(name, set())
    for arg, spec in tool.args.items():
        assert spec.get("description"), f"{name}.{arg} has no description"
    if name in DEFAULT_K:
        assert tool.args["k"]["default"] == DEFAULT_K[name]


def test_enumerations_are_the_catalogue(tools: dict[str, BaseTool]) -> None:
    def enum(name: str, arg: str) -> set[str]:
        spec = tools[name].args[arg]
        options = spec.get("enum") or next(o["enum"] for o in spec["anyOf"] if "enum" in o)
        return set(options)

    assert enum("recommend_products", "strategy") == {"hybrid", "als", "item_cf",
                                                      "popularity", "repeat"}
    assert enum("order_trends", "by") == {"dow", "hour", "day", "week", "month"}


@pytest.mark.parametrize("name", list(HAPPY_ARGS))
def test_a_tool_call_returns_content_and_artifact(tools: dict[str, BaseTool],
                                                  name: str) -> None:
    message = invoke(tools[name], HAPPY_ARGS[name])
    assert message.status == "success"
    content = json.loads(message.content)  # type: ignore[arg-type]
    assert "charts" not in content and "error_type" not in content
    assert content["summary"].strip()
    artifact = message.artifact
    assert set(artifact) == {"result", "ms"}
    assert isinstance(artifact["ms"], float) and artifact["ms"] >= 0
    result = artifact["result"]
    assert message.content == for_model(TOOLS[name].parse(result))
    # the same result, floats rounded, nulls left out
    assert set(content) == {k for k, v in result.items() if v is not None} - {"charts"}


def test_the_artifact_keeps_the_charts(tools: dict[str, BaseTool]) -> None:
    message = invoke(tools["order_trends"], {"by": "dow"})
    assert message.artifact["result"]["charts"]
    assert '"charts"' not in message.content


@pytest.mark.parametrize(("name", "args", "argument"), [
    ("user_profile", {"user_id": -4}, "user_id"),  # refused by the schema
    ("popular_products", {"k": "ten"}, "k"),
    ("user_profile", {"user_id": 42, "colour": "red"}, "colour"),
    ("search_products", {}, "query"),
    ("recommend_products", {"user_id": 42, "department": "nope"}, "department"),  # by the data
])
def test_invalid_arguments_are_a_message(tools: dict[str, BaseTool], name: str,
                                         args: dict[str, Any], argument: str) -> None:
    message = invoke(tools[name], args, "c2")
    content = json.loads(message.content)  # type: ignore[arg-type]
    assert content["error_type"] == "invalid_argument"
    assert content["argument"] == argument and content["summary"].strip()


def test_not_found_is_a_message(tools: dict[str, BaseTool]) -> None:
    message = invoke(tools["product_details"], {"product": "xyzzy qwerty plutonium"}, "c3")
    content = json.loads(message.content)  # type: ignore[arg-type]
    assert content["found"] is False and content["subject"] == "product"
    assert content["kind"] == "failure"
    assert {k: v for k, v in message.artifact["result"].items() if v is not None} == content
