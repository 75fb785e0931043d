"""The OpenAI stand-in speaks the real wire protocol: the openai client and ChatOpenAI agree."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from functools import reduce
from operator import add
from typing import Any

import httpx
import openai
import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI

from tests.agent.standin import OpenAIStandIn, Reply, TextReply, ToolCall, ToolCallsReply

KEY = "sk-test"
MakeClient = Callable[..., openai.OpenAI]


@tool
def recommend_products(user_id: int, k: int = 5) -> str:
    """Recommend k products for a shop user."""
    return f"{k} products for {user_id}"


@pytest.fixture()
def standin() -> Iterator[OpenAIStandIn]:
    with OpenAIStandIn(api_key=KEY) as s:
        yield s


@pytest.fixture()
def client() -> Iterator[MakeClient]:
    """A factory of real openai clients for a stand-in, closed after the test."""
    made: list[openai.OpenAI] = []

    def make(s: OpenAIStandIn, key: str = KEY) -> openai.OpenAI:
        made.append(openai.OpenAI(base_url=s.base_url, api_key=key, max_retries=0, timeout=10))
        return made[-1]

    yield make
    for c in made:
        c.close()


def chat(s: OpenAIStandIn) -> ChatOpenAI:
    return ChatOpenAI(model="stand-in", base_url=s.base_url, api_key=KEY, max_retries=0,
                      timeout=10)


def calls_of(message: AIMessage) -> list[dict[str, Any]]:
    return [{k: c[k] for k in ("name", "args", "id")} for c in message.tool_calls]


def test_lifecycle_base_url_and_models(client: MakeClient) -> None:
    s = OpenAIStandIn(models=["stand-in", "other"])
    with pytest.raises(RuntimeError):
        _ = s.base_url
    s.start()
    try:
        assert s.base_url.startswith("http://127.0.0.1:") and s.base_url.endswith("/v1")
        assert [m.id for m in client(s).models.list()] == ["stand-in", "other"]
    finally:
        s.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", s.port), timeout=1).close()
    assert not any(t.name == "openai-standin" for t in threading.enumerate())


def test_openai_text(standin: OpenAIStandIn, client: MakeClient) -> None:
    standin.enqueue_text("Hello there, shopper")
    out = client(standin).chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": "hi you"}]
    )
    assert out.object == "chat.completion" and out.model == "gpt-test"
    assert out.choices[0].message.role == "assistant"
    assert out.choices[0].message.content == "Hello there, shopper"
    assert out.choices[0].message.tool_calls is None
    assert out.choices[0].finish_reason == "stop"
    assert (out.usage.prompt_tokens, out.usage.completion_tokens) == (2, 3)
    assert standin.requests[0]["messages"] == [{"role": "user", "content": "hi you"}]
    assert standin.headers[0]["authorization"] == f"Bearer {KEY}"


def test_openai_tool_call(standin: OpenAIStandIn, client: MakeClient) -> None:
    standin.enqueue_tool_calls([
        {"name": "recommend_products", "arguments": {"user_id": 42}},
        ToolCall("search_products", {"query": "oat milk"}, id="call_fixed"),
    ])
    out = client(standin).chat.completions.create(
        model="stand-in", messages=[{"role": "user", "content": "what should I buy?"}]
    )
    message = out.choices[0].message
    assert message.content is None and out.choices[0].finish_reason == "tool_calls"
    first, second = message.tool_calls
    assert first.id.startswith("call_") and first.type == "function"
    assert first.function.name == "recommend_products"
    assert json.loads(first.function.arguments) == {"user_id": 42}
    assert (second.id, json.loads(second.function.arguments)) == ("call_fixed",
                                                                   {"query": "oat milk"})


def test_openai_stream_with_usage(standin: OpenAIStandIn, client: MakeClient) -> None:
    standin.enqueue_text("one two three four")
    chunks = list(client(standin).chat.completions.create(
        model="stand-in", messages=[{"role": "user", "content": "count"}], stream=True,
        stream_options={"include_usage": True},
    ))
    assert chunks[0].choices[0].delta.role == "assistant"
    deltas = [c.choices[0].delta.content or "" for c in chunks if c.choices]
    assert "".join(deltas) == "one two three four" and len(deltas) >= 5
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == 4


def test_chatopenai_tool_round_trip(standin: OpenAIStandIn) -> None:
    standin.enqueue_tool_calls([{"name": "recommend_products", "arguments": {"user_id": 42}}])
    standin.enqueue_text("Here are five products for you.")
    model = chat(standin).bind_tools([recommend_products])
    history: list[Any] = [HumanMessage("recommend me something, I am user 42")]

    ai = model.invoke(history)
    assert isinstance(ai, AIMessage)
    [call] = calls_of(ai)
    assert call["name"] == "recommend_products" and call["args"] == {"user_id": 42}
    assert call["id"].startswith("call_")
    [sent_tool] = standin.requests[0]["tools"]
    assert sent_tool["type"] == "function"
    assert sent_tool["function"]["name"] == "recommend_products"
    assert set(sent_tool["function"]["parameters"]["properties"]) == {"user_id", "k"}

    history += [ai, ToolMessage(recommend_products.invoke(call["args"]), tool_call_id=call["id"])]
    final = model.invoke(history)
    assert final.content == "Here are five products for you." and not final.tool_calls
    sent = standin.requests[1]["messages"]
    assert sent[1]["role"] == "assistant" and sent[1]["tool_calls"][0]["id"] == call["id"]
    assert sent[2] == {"role": "tool", "content": "5 products for 42", "tool_call_id": call["id"]}


def test_chatopenai_stream_text(standin: OpenAIStandIn) -> None:
    standin.enqueue_text("Oat milk is on aisle three.")
    chunks = list(chat(standin).stream("where is the oat milk?", stream_usage=True))
    assert len(chunks) > 3 and all(isinstance(c, AIMessageChunk) for c in chunks)
    total = reduce(add, chunks)
    assert total.content == "Oat milk is on aisle three."
    assert total.usage_metadata["output_tokens"] == 6
    assert standin.requests[0]["stream"] is True


def test_chatopenai_stream_tool_call(standin: OpenAIStandIn) -> None:
    standin.enqueue_tool_calls([
        {"name": "recommend_products", "arguments": {"user_id": 42, "k": 3}},
        {"name": "recommend_products", "arguments": {"user_id": 7}},
    ])
    chunks = list(chat(standin).bind_tools([recommend_products]).stream("two users"))
    total = reduce(add, chunks)
    assert [(c["name"], c["args"]) for c in total.tool_calls] == [
        ("recommend_products", {"user_id": 42, "k": 3}), ("recommend_products", {"user_id": 7}),
    ]
    assert all(c["id"].startswith("call_") for c in total.tool_calls)
    assert total.response_metadata["finish_reason"] == "tool_calls"


def test_wrong_key_is_authentication_error(standin: OpenAIStandIn, client: MakeClient) -> None:
    with pytest.raises(openai.AuthenticationError) as caught:
        client(standin, key="sk-wrong").chat.completions.create(
            model="stand-in", messages=[{"role": "user", "content": "hi"}]
        )
    assert caught.value.status_code == 401
    assert caught.value.code == "invalid_api_key"
    assert standin.headers[-1]["authorization"] == "Bearer sk-wrong"
    assert httpx.get(f"{standin.base_url}/models").status_code == 401


def test_bad_json_is_400(standin: OpenAIStandIn) -> None:
    response = httpx.post(f"{standin.base_url}/chat/completions", content=b"{not json",
                          headers={"Authorization": f"Bearer {KEY}"})
    assert response.status_code == 400
    assert set(response.json()["error"]) >= {"message", "type", "code"}
    assert standin.requests == []


def test_responder_used_when_queue_empty(standin: OpenAIStandIn, client: MakeClient) -> None:
    def responder(body: dict[str, Any]) -> Reply:
        last = body["messages"][-1]
        if last["role"] == "tool":
            return TextReply(f"The tool said: {last['content']}")
        return ToolCallsReply([ToolCall("recommend_products", {"user_id": 1})])

    standin.responder = responder
    standin.enqueue_text("queued first")
    c = client(standin)
    messages: list[Any] = [{"role": "user", "content": "hi"}]
    assert c.chat.completions.create(model="m", messages=messages).choices[0].message.content \
        == "queued first"
    ai = c.chat.completions.create(model="m", messages=messages).choices[0].message
    [call] = ai.tool_calls
    messages += [ai.model_dump(exclude_none=True),
                 {"role": "tool", "tool_call_id": call.id, "content": "3 products"}]
    out = c.chat.completions.create(model="m", messages=messages)
    assert out.choices[0].message.content == "The tool said: 3 products"
    assert len(standin.requests) == 3


def test_default_reply(standin: OpenAIStandIn, client: MakeClient) -> None:
    """With neither a queued reply nor a responder, the stand-in answers its default text."""
    out = client(standin).chat.completions.create(
        model="m", messages=[{"role": "user", "content": "hi"}]
    )
    assert out.choices[0].message.content == "stand-in reply"
