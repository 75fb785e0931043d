"""The agent graph and ChatService with a scripted tool-calling model over the real demo tools:
tool calls and traces, per-session memory, isolation, bounded context, grounding, failures."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver

from cartwise.agent.chat import ChatService
from cartwise.agent.factory import build_chat_service
from cartwise.agent.memory import Sessions
from cartwise.agent.models import ChatModelInfo
from cartwise.errors import InvalidArgument
from cartwise.tools.registry import TOOLS, run_tool
from tests.agent.fakes import ScriptedChatModel

LLM = ChatModelInfo("openai_compatible", "scripted", "http://127.0.0.1:1/v1")


def _chat(settings, services, model, **overrides) -> ChatService:  # type: ignore[no-untyped-def]
    s = settings.model_copy(update=overrides) if overrides else settings
    return build_chat_service(s, services, sessions=Sessions(InMemorySaver(), "memory", ""),
                              model=(model, LLM))


@pytest.fixture()
def model() -> ScriptedChatModel:
    return ScriptedChatModel()


@pytest.fixture()
def chat(demo_settings, demo_services, model) -> ChatService:  # type: ignore[no-untyped-def]
    return _chat(demo_settings, demo_services, model)


def test_tools_are_bound_and_called(chat: ChatService, model: ScriptedChatModel) -> None:
    model.enqueue_call("recommend_products", user_id=42, k=3)
    model.enqueue_text("Here are three picks.")
    r = chat.reply("s1", "what should user 42 buy?")
    assert sorted(model.bound) == sorted(TOOLS)
    assert r.reply == "Here are three picks." and r.session_id == "s1" and r.error is None
    [step] = r.tool_calls
    assert step.name == "recommend_products" and step.args == {"user_id": 42, "k": 3}
    assert step.ok and "user 42" in step.summary and step.ms is not None and step.ms >= 0
    assert len(step.result["items"]) == 3
    second = model.history[1]
    assert isinstance(second[0], SystemMessage) and "data" in second[0].content
    tool_msg = second[-1]
    assert isinstance(tool_msg, ToolMessage)
    content = json.loads(tool_msg.content)
    assert content["user_id"] == 42 and "charts" not in content


def test_memory_and_isolation(chat: ChatService, model: ScriptedChatModel) -> None:
    model.enqueue_text("first answer")
    chat.reply("a", "hello from session a")
    model.enqueue_text("second answer")
    chat.reply("a", "still a")
    seen = [m.content for m in model.history[-1] if isinstance(m, HumanMessage)]
    assert seen == ["hello from session a", "still a"]
    model.enqueue_text("b answer")
    chat.reply("b", "hello from session b")
    seen_b = [m.content for m in model.history[-1] if isinstance(m, HumanMessage)]
    assert seen_b == ["hello from session b"]
    assert [h["content"] for h in chat.history("a")] == ["hello from session a", "first answer",
                                                        "still a", "second answer"]
    assert [h["role"] for h in chat.history("b")] == ["user", "assistant"]
    assert chat.clear("a") is True
    assert chat.history("a") == [] and chat.clear("a") is False
    assert len(chat.history("b")) == 2


def test_failures_are_results_not_exceptions(chat: ChatService,
                                             model: ScriptedChatModel) -> None:
    model.enqueue_call("user_profile", user_id=987654321)
    model.enqueue_call("recommend_products", user_id="abc")
    model.enqueue_text("Sorry, I could not find that shopper.")
    r = chat.reply(None, "tell me about user 987654321")
    assert len(r.session_id) == 32
    first, second = r.tool_calls
    assert not first.ok and first.result["error_type"] == "not_found"
    assert "987654321" in first.summary
    assert not second.ok and second.result["error_type"] == "invalid_argument"
    assert second.result["argument"] == "user_id"


def test_grounding_removes_products_no_tool_returned(demo_services,  # type: ignore[no-untyped-def]
                                                     chat: ChatService,
                                                     model: ScriptedChatModel) -> None:
    top = run_tool(demo_services, "popular_products", {"k": 2}).model_dump()["items"]
    seen_words = {w.lower() for p in top for w in p["name"].split()}
    invented = next(n for n in demo_services.catalog.vocabulary().product_names
                    if len(n.split()) >= 2 and not seen_words & {w.lower() for w in n.split()})
    model.enqueue_call("popular_products", k=2)
    model.enqueue_text(f"Best sellers: {top[0]['name']} and {top[1]['name']}.\n"
                       f"You should also try {invented}.")
    r = chat.reply("g", "best sellers?")
    assert top[0]["name"] in r.reply and top[1]["name"] in r.reply
    assert invented not in r.reply and "Removed 1 statement" in r.reply
    last = chat.agent.get_state({"configurable": {"thread_id": "g"}}).values["messages"][-1]
    assert last.response_metadata["grounding"]["products"] == [invented]


def test_grounding_flags_invented_users(demo_settings, demo_services,  # type: ignore[no-untyped-def]
                                        model: ScriptedChatModel) -> None:
    chat = _chat(demo_settings, demo_services, model, chat_grounding="flag")
    model.enqueue_text("User 1234 is your best customer.")
    r = chat.reply("f", "who is the best customer?")
    assert r.reply == "User 1234 is your best customer."  # flagged, kept
    last = chat.agent.get_state({"configurable": {"thread_id": "f"}}).values["messages"][-1]
    assert last.response_metadata["grounding"]["users"] == [1234]


def test_context_is_bounded_and_sessions_trimmed(demo_settings,  # type: ignore[no-untyped-def]
                                                 demo_services,
                                                 model: ScriptedChatModel) -> None:
    chat = _chat(demo_settings, demo_services, model, chat_context_messages=4,
                 chat_keep_messages=10)
    for i in range(8):
        model.enqueue_call("user_profile", user_id=i + 1)
        model.enqueue_text(f"answer {i}")
        chat.reply("long", f"question {i}")
    read = [m for m in model.history[-1] if not isinstance(m, SystemMessage)]
    assert len(read) <= 4 and isinstance(read[0], HumanMessage)
    assert read[0].content == "question 7"
    history = chat.history("long")
    assert len(history) <= 10 and history[0]["role"] == "user"
    assert history[-1]["content"] == "answer 7"


def test_stream_events_in_order(chat: ChatService, model: ScriptedChatModel) -> None:
    model.enqueue_call("popular_products", k=3)
    model.enqueue(AIMessage(content="Three best sellers."))
    events = list(chat.stream("st", "top 3 products"))
    kinds = [e["type"] for e in events]
    assert kinds[0] == "session" and kinds[-1] == "done"
    assert kinds.index("tool_call") < kinds.index("tool_result") < kinds.index("text")
    assert "".join(e["text"] for e in events if e["type"] == "text") == "Three best sellers."
    assert events[-1]["tool_calls"][0]["name"] == "popular_products"


@pytest.mark.parametrize("text", ["", "   ", "x" * 5000])
def test_bad_messages_are_rejected(chat: ChatService, text: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        chat.reply("s", text)
    assert err.value.argument == "message"


@pytest.mark.parametrize("sid", ["has space", "a/b", "x" * 200])
def test_bad_session_ids_are_rejected(chat: ChatService, sid: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        chat.reply(sid, "hi")
    assert err.value.argument == "session_id"
