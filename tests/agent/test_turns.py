"""Turns of a session: their ids, taking them back (retry, edit), rating them, and the reply
streamed in chunks."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from cartwise.agent.chat import in_chunks, new_session_id
from cartwise.agent.feedback import FeedbackStore
from cartwise.agent.memory import sqlite_sessions
from cartwise.errors import InvalidArgument
from cartwise.runtime import Runtime


def _questions(runtime: Runtime, sid: str) -> list[str]:
    return [m["content"] for m in runtime.chat.history(sid) if m["role"] == "user"]


def test_history_names_each_turn_and_carries_results(demo_runtime: Runtime) -> None:
    sid = new_session_id()
    demo_runtime.chat.reply(sid, "show the conversion funnel by device")
    history = demo_runtime.chat.history(sid, with_results=True)
    (user,) = [m for m in history if m["role"] == "user"]
    assert user["turn_id"] and user["rating"] is None
    (tool,) = [m for m in history if m["role"] == "tool"]
    assert tool["result"]["kind"] == "analysis" and len(tool["result"]["groups"]) == 2
    assert "result" not in next(m for m in demo_runtime.chat.history(sid) if m["role"] == "tool")


def test_rewind_takes_the_turn_and_the_later_ones_back(demo_runtime: Runtime) -> None:
    chat, sid = demo_runtime.chat, new_session_id()
    for text in ("What should user 42 buy next?", "make it 10", "Sales by month"):
        chat.reply(sid, text)
    turns = [m["turn_id"] for m in chat.history(sid) if m["role"] == "user"]
    chat.rate(sid, turns[2], "up")
    assert chat.rewind(sid) == [turns[2]]  # the last one
    assert _questions(demo_runtime, sid) == ["What should user 42 buy next?", "make it 10"]
    assert chat.feedback.of_session(sid) == {}
    # the memory of the earlier turns still works after a rewind
    assert chat.reply(sid, "make it 3").tool_calls[0].args == {"user_id": 42, "k": 3}
    latest = _ids(demo_runtime, sid)[-1]
    assert chat.rewind(sid, turns[1]) == [turns[1], latest]
    assert _questions(demo_runtime, sid) == ["What should user 42 buy next?"]
    with pytest.raises(InvalidArgument, match="turn_id"):
        chat.rewind(sid, "no-such-turn")
    with pytest.raises(InvalidArgument, match="turn_id"):
        chat.rewind(new_session_id())  # a session without turns


def _ids(runtime: Runtime, sid: str) -> list[str]:
    return [m["turn_id"] for m in runtime.chat.history(sid) if m["role"] == "user"]


def test_rate_stores_the_question_and_answer(demo_runtime: Runtime) -> None:
    chat, sid = demo_runtime.chat, new_session_id()
    reply = chat.reply(sid, "Which customers are about to churn?")
    before = chat.feedback.counts()
    turn = chat.rate(sid, None, "down")
    assert chat.feedback.counts() == {**before, "down": before["down"] + 1}
    assert next(m for m in chat.history(sid) if m["role"] == "user")["rating"] == "down"
    assert chat.rate(sid, turn, "up") == turn  # changed, not added
    assert chat.feedback.counts()["up"] == before["up"] + 1
    chat.rate(sid, turn, None)
    assert chat.feedback.counts() == before
    with pytest.raises(InvalidArgument, match="rating"):
        chat.rate(sid, turn, "meh")  # type: ignore[arg-type]
    chat.rate(sid, turn, "up")
    assert chat.clear(sid) and chat.feedback.of_session(sid) == {}
    assert reply.reply


def test_ratings_are_kept_in_the_session_file(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite"
    with sqlite_sessions(path) as sessions:
        sessions.feedback.rate("s1", "t1", "up", "hello?", "hi!")
    with sqlite_sessions(path) as sessions:
        assert sessions.feedback.of_session("s1") == {"t1": "up"}
        assert sessions.feedback.counts() == {"up": 1, "down": 0}
    rows = sqlite3.connect(path).execute(
        "SELECT message, reply FROM cartwise_feedback").fetchall()
    assert rows == [("hello?", "hi!")]


def test_feedback_store_forgets_by_turn_or_session() -> None:
    store = FeedbackStore(sqlite3.connect(":memory:", check_same_thread=False,
                                          isolation_level=None))
    for turn in ("a", "b", "c"):
        store.rate("s", turn, "down")
    store.rate("other", "a", "up")
    store.forget("s", ["a", "b"])
    assert store.of_session("s") == {"c": "down"}
    store.forget("s")
    assert store.of_session("s") == {} and store.counts() == {"up": 1, "down": 0}


def test_in_chunks_joins_text_pieces_and_keeps_the_rest() -> None:
    events = [{"type": "session"}, *({"type": "text", "text": w} for w in "abcdef"),
              {"type": "tool_call"}, {"type": "text", "text": "x"},
              {"type": "text", "text": "X", "replace": True}, {"type": "done"}]
    out = list(in_chunks(events, seconds=60))
    assert [e["type"] for e in out] == ["session", "text", "text", "tool_call", "text", "text",
                                        "done"]
    assert [e["text"] for e in out if e["type"] == "text"] == ["a", "bcdef", "x", "X"]
    assert "".join(e["text"] for e in list(in_chunks(events, 0))[1:7]) == "abcdef"


def test_a_turn_cut_before_its_answer_is_taken_back(demo_settings, demo_services) -> None:  # type: ignore[no-untyped-def]
    """A client that leaves mid-stream (a closed connection, Stop in the UI) leaves no half
    turn behind, so asking again does not store the question twice; earlier turns stay."""
    from langgraph.checkpoint.memory import InMemorySaver

    from cartwise.agent.factory import build_chat_service
    from cartwise.agent.memory import Sessions
    from cartwise.agent.models import ChatModelInfo
    from tests.agent.fakes import SlowTextModel

    settings = demo_settings.model_copy(update={"chat_grounding": "off"})
    model = SlowTextModel(text="one two three four five six", delay=0.05)
    chat = build_chat_service(settings, demo_services, Sessions(InMemorySaver(), "memory", ""),
                              model=(model, ChatModelInfo("openai_compatible", "slow")))
    sid = new_session_id()
    chat.reply(sid, "first question")
    events = chat.stream(sid, "second question")
    assert next(e for e in events if e["type"] == "text")  # the answer has begun
    events.close()  # the client goes
    for _ in range(100):  # the turn's thread takes it back once the graph has stopped
        if [m["content"] for m in chat.history(sid) if m["role"] == "user"] == [
                "first question"]:
            break
        time.sleep(0.05)
    history = chat.history(sid)
    assert [m["role"] for m in history] == ["user", "assistant"]
    assert history[1]["content"].strip() == "one two three four five six"
    chat.reply(sid, "second question")  # the retry
    assert [m["content"] for m in chat.history(sid) if m["role"] == "user"] == [
        "first question", "second question"]
