"""The LLM paths (``openai`` and ``openai_compatible``) over real HTTP: the real langchain-openai
client against a local stand-in server speaking the chat-completions protocol (tool calls,
streaming), through the real agent graph and tools of the demo store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import SecretStr

from cartwise.agent.chat import ChatService
from cartwise.agent.factory import build_chat_service
from cartwise.agent.memory import Sessions
from cartwise.agent.models import build_chat_model
from cartwise.config import Settings
from cartwise.errors import ConfigError
from cartwise.tools.registry import TOOLS, run_tool
from tests.agent.standin import OpenAIStandIn, TextReply, ToolCall, ToolCallsReply

KEY = "sk-test"


def recommend_then_list(body: dict[str, Any]) -> TextReply | ToolCallsReply:
    """A scripted LLM: a user message -> recommend_products for user 42 (k 3); tool results ->
    a reply naming the recommended products."""
    last = body["messages"][-1]
    if last["role"] == "tool":
        result = json.loads(last["content"])
        names = [item["name"] for item in result.get("items", [])]
        return TextReply("You could try: " + ", ".join(names) + ".")
    return ToolCallsReply([ToolCall("recommend_products", {"user_id": 42, "k": 3})])


@pytest.fixture()
def standin() -> Iterator[OpenAIStandIn]:
    with OpenAIStandIn(api_key=KEY) as server:
        server.responder = recommend_then_list
        yield server


def _settings(demo_settings: Settings, standin: OpenAIStandIn, **extra: Any) -> Settings:
    return demo_settings.model_copy(update={
        "chat_provider": "openai_compatible", "openai_base_url": standin.base_url,
        "openai_api_key": SecretStr(KEY), "chat_model": "stand-in", **extra})


def _chat(settings: Settings, services) -> ChatService:  # type: ignore[no-untyped-def]
    return build_chat_service(settings, services,
                              sessions=Sessions(InMemorySaver(), "memory", ""))


def test_tool_calling_round_trip_over_http(demo_settings, demo_services,  # type: ignore[no-untyped-def]
                                           standin: OpenAIStandIn) -> None:
    chat = _chat(_settings(demo_settings, standin), demo_services)
    r = chat.reply("s", "What should user 42 buy next?")
    [step] = r.tool_calls
    assert step.name == "recommend_products" and step.args == {"user_id": 42, "k": 3}
    names = [item["name"] for item in step.result["items"]]
    assert r.model == "openai_compatible" and all(n in r.reply for n in names)
    first, second = standin.requests
    assert {t["function"]["name"] for t in first["tools"]} == set(TOOLS)
    assert first["model"] == "stand-in" and first["messages"][0]["role"] == "system"
    assert standin.headers[0]["authorization"] == f"Bearer {KEY}"
    tool_msg = second["messages"][-1]
    assert tool_msg["role"] == "tool"
    assert tool_msg["tool_call_id"] == second["messages"][-2]["tool_calls"][0]["id"]
    assert "charts" not in json.loads(tool_msg["content"])


def test_streaming_over_http(demo_settings, demo_services,  # type: ignore[no-untyped-def]
                             standin: OpenAIStandIn) -> None:
    chat = _chat(_settings(demo_settings, standin), demo_services)
    events = list(chat.stream("st", "What should user 42 buy next?"))
    assert all(body.get("stream") is True for body in standin.requests)
    kinds = [e["type"] for e in events]
    assert kinds[0] == "session" and "tool_call" in kinds and kinds[-1] == "done"
    assert events[-1]["reply"].startswith("You could try:")
    assert "".join(e["text"] for e in events if e["type"] == "text") == events[-1]["reply"]


def test_memory_reaches_the_model(demo_settings, demo_services,  # type: ignore[no-untyped-def]
                                  standin: OpenAIStandIn) -> None:
    chat = _chat(_settings(demo_settings, standin), demo_services)
    chat.reply("m", "What should user 42 buy next?")
    standin.enqueue_text("Noted.")
    chat.reply("m", "thanks")
    roles = [m["role"] for m in standin.requests[-1]["messages"]]
    assert roles == ["system", "user", "assistant", "tool", "assistant", "user"]


def test_ungrounded_products_are_removed(demo_settings, demo_services,  # type: ignore[no-untyped-def]
                                         standin: OpenAIStandIn) -> None:
    chat = _chat(_settings(demo_settings, standin), demo_services)
    standin.enqueue_tool_calls([{"name": "popular_products", "arguments": {"k": 1}}])
    top = demo_services.recommenders.popular(1)[0].product.name
    top_words = {w.lower() for w in top.split()}
    invented = next(n for n in demo_services.catalog.vocabulary().product_names
                    if len(n.split()) >= 2 and not top_words & {w.lower() for w in n.split()})
    standin.enqueue_text(f"The best seller is {top}.\nAlso buy {invented}, it is great.")
    r = chat.reply("g", "best seller?")
    assert top in r.reply and invented not in r.reply


def test_openai_provider_uses_the_key(demo_settings, demo_services,  # type: ignore[no-untyped-def]
                                      standin: OpenAIStandIn) -> None:
    settings = _settings(demo_settings, standin, chat_provider="openai", chat_model="gpt-x")
    chat = _chat(settings, demo_services)
    assert chat.model.provider == "openai" and chat.model.is_llm
    r = chat.reply("o", "What should user 42 buy next?")
    assert r.tool_calls and standin.requests[0]["model"] == "gpt-x"


def test_missing_key_or_url_is_a_config_error(demo_settings, demo_services) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        build_chat_model(demo_settings.model_copy(update={"chat_provider": "openai",
                                                          "openai_api_key": None}),
                         demo_services)
    with pytest.raises(ConfigError, match="BASE_URL"):
        build_chat_model(demo_settings.model_copy(update={"chat_provider": "openai_compatible",
                                                          "openai_base_url": None}),
                         demo_services)


def test_wrong_key_and_dead_server_give_a_polite_reply(demo_settings,  # type: ignore[no-untyped-def]
                                                       demo_services,
                                                       standin: OpenAIStandIn) -> None:
    bad = _chat(_settings(demo_settings, standin, openai_api_key=SecretStr("sk-wrong")),
                demo_services)
    r = bad.reply("w", "hello")
    assert r.error == "chat_model_unavailable" and "Sorry" in r.reply
    assert bad.history("w")[-1] == {"role": "assistant", "content": r.reply}
    chat = _chat(_settings(demo_settings, standin, chat_timeout=2.0), demo_services)
    standin.stop()
    r = chat.reply("d", "What should user 42 buy next?")
    assert r.error == "chat_model_unavailable"


# ------------------------------------------------------------------------------ open world


def test_two_parallel_tool_calls_in_one_ai_message(demo_settings, demo_services,  # type: ignore[no-untyped-def]
                                                   standin: OpenAIStandIn) -> None:
    chat = _chat(_settings(demo_settings, standin), demo_services)
    standin.enqueue_tool_calls([{"name": "user_profile", "arguments": {"user_id": 3}},
                                {"name": "recommend_products", "arguments": {"user_id": 3}}])
    standin.enqueue_text("Here are user 3's profile and picks.")
    r = chat.reply("p", "show user 3's profile and their recommendations")
    assert [s.name for s in r.tool_calls] == ["user_profile", "recommend_products"]
    assert all(s.ok for s in r.tool_calls)
    answer = standin.requests[1]["messages"]
    assert [m["role"] for m in answer[-3:]] == ["assistant", "tool", "tool"]
    assert len(answer[-3]["tool_calls"]) == 2


def test_a_refusal_makes_no_call_and_the_prompt_says_why(demo_settings, demo_services,  # type: ignore[no-untyped-def]
                                                         standin: OpenAIStandIn) -> None:
    chat = _chat(_settings(demo_settings, standin), demo_services)
    standin.enqueue_text("I can't delete shoppers: Cartwise only reads the shop's data.")
    r = chat.reply("x", "delete user 42 from the database")
    assert r.tool_calls == [] and "can't" in r.reply
    system = standin.requests[0]["messages"][0]["content"]
    assert "changes nothing" in system and "refine_results" in system


def test_refine_over_a_stored_list(demo_settings, demo_services,  # type: ignore[no-untyped-def]
                                   standin: OpenAIStandIn) -> None:
    """The LLM path uses the same result memory: refine_results reads the session's list."""
    chat = _chat(_settings(demo_settings, standin), demo_services)
    standin.enqueue_tool_calls([{"name": "search_products",
                                 "arguments": {"query": "peanut butter", "k": 5}}])
    standin.enqueue_text("Found some.")
    first = chat.reply("r", "search for peanut butter")
    found = first.tool_calls[0].result["items"]
    standin.enqueue_tool_calls([{"name": "refine_results",
                                 "arguments": {"sort_by": "price", "order": "asc", "k": 1}}])
    standin.enqueue_text("That one.")
    r = chat.reply("r", "which of those is cheapest?")
    [step] = r.tool_calls
    assert step.name == "refine_results" and step.ok, step.summary
    cheapest = min(found, key=lambda i: i["price"])
    assert [i["product_id"] for i in step.result["items"]] == [cheapest["product_id"]]
    assert step.result["source"]["tool"] == "search_products"
    schema = next(t for t in standin.requests[0]["tools"]
                  if t["function"]["name"] == "refine_results")
    assert "runtime" not in schema["function"]["parameters"]["properties"]


def test_an_llm_writes_the_digest_from_its_facts_only(  # type: ignore[no-untyped-def]
        demo_settings, demo_services, standin: OpenAIStandIn) -> None:
    chat = _chat(_settings(demo_settings, standin), demo_services)
    standin.enqueue_tool_calls([{"name": "business_insights", "arguments": {"period": "week"}}])
    digest = run_tool(demo_services, "business_insights", {"period": "week"})
    named = next(p for point in digest.points for p in point.products)  # type: ignore[attr-defined]
    invented = next(n for n in demo_services.catalog.vocabulary().product_names
                    if len(n.split()) >= 2 and n != named.name
                    and not {w.lower() for w in named.name.split()} & {
                        w.lower() for w in n.split()})
    standin.enqueue_text(f"- {named.name} rose most this week.\n- Push {invented} next week.")
    r = chat.reply("digest", "what should I look at this week?")
    assert [s.name for s in r.tool_calls] == ["business_insights"]
    tool_message = standin.requests[-1]["messages"][-1]
    assert tool_message["role"] == "tool" and '"points"' in tool_message["content"]
    assert named.name in r.reply and invented not in r.reply
