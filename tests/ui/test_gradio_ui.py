"""The Gradio UI without a browser: it builds, and its handlers (called directly, as Gradio calls
them) stream chat turns, start new conversations, list recommendations and draw analytics."""

from __future__ import annotations

import html
import json
from types import SimpleNamespace
from typing import Any

import gradio as gr
import pytest

from cartwise.agent.chat import new_session_id
from cartwise.agent.models import ChatModelInfo
from cartwise.runtime import Runtime
from cartwise.tools.registry import run_tool
from cartwise.ui import conversations as convs
from cartwise.ui import gradio_app as ui
from cartwise.ui.chat_view import stored_messages

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")  # Gradio's own event loops


def _turn(runtime: Runtime, text: str, session_id: str | None = None
          ) -> tuple[list[list[dict[str, Any]]], str]:
    """Run one chat turn; every streamed history as a snapshot, and the final session id."""
    snapshots, sids = [], []
    for history, box, sid in ui.chat_turn(runtime, text, [], session_id):
        assert box == ""  # the text box is cleared from the first update on
        snapshots.append([dict(m) for m in history])
        sids.append(sid)
    return snapshots, sids[-1]


def test_build_ui_builds_the_three_tabs(demo_runtime: Runtime) -> None:
    demo = ui.build_ui(demo_runtime)
    assert isinstance(demo, gr.Blocks)
    kinds = {type(b).__name__ for b in demo.blocks.values()}
    assert {"Chatbot", "Textbox", "State", "Tab", "Dropdown", "HTML"} <= kinds
    labels = {getattr(b, "label", None) for b in demo.blocks.values()}
    assert {"Chat", "Recommendations", "Analytics", "Funnel", "Churn risk", "Sales", "Cohorts",
            "Anomalies", "Digest"} <= labels


def test_chat_turn_streams_the_tool_step_then_the_reply(demo_runtime: Runtime) -> None:
    sid = new_session_id()
    snapshots, out_sid = _turn(demo_runtime, "What should user 42 buy next?", sid)
    assert out_sid == sid
    assert snapshots[0] == [{"role": "user", "content": "What should user 42 buy next?"}]
    pending = [m for snap in snapshots for m in snap
               if m.get("metadata", {}).get("status") == "pending"]
    assert pending and pending[0]["metadata"]["title"] == "🔧 recommend_products"
    final = snapshots[-1]
    steps = [i for i, m in enumerate(final) if m.get("metadata")]
    assert len(steps) == 1
    step = final[steps[0]]
    assert step["metadata"]["title"] == "🔧 recommend_products"
    assert step["metadata"]["status"] == "done"
    assert step["metadata"]["duration"] >= 0
    assert '"user_id": 42' in step["content"] and "recommendations for user 42" in step["content"]
    reply = final[-1]
    assert steps[0] < len(final) - 1 and reply["role"] == "assistant"
    assert "picks for user 42" in reply["content"]
    # the reply streams: some snapshot holds only a part of it
    partial_replies = [snap[-1]["content"] for snap in snapshots
                       if snap[-1]["role"] == "assistant" and not snap[-1].get("metadata")]
    assert len(partial_replies) > 1 and partial_replies[0] != reply["content"]
    # the turn went to that session
    assert demo_runtime.chat.history(sid)[0]["content"] == "What should user 42 buy next?"


@pytest.mark.parametrize(("text", "expected"), [
    ("   ", "Please type a question"),
    ("x" * 5000, "too long"),
])
def test_invalid_message_gets_a_polite_reply(demo_runtime: Runtime, text: str,
                                             expected: str) -> None:
    snapshots, _ = _turn(demo_runtime, text, new_session_id())
    last = snapshots[-1][-1]
    assert last["role"] == "assistant" and expected in last["content"]
    assert "Traceback" not in last["content"]


def test_a_malformed_session_id_gets_a_polite_reply(demo_runtime: Runtime) -> None:
    snapshots, _ = _turn(demo_runtime, "hello", "not a valid id!")
    assert snapshots[-1][-1]["content"].startswith("Sorry, I can't answer that")


def test_a_chart_result_is_drawn_in_the_chat(demo_runtime: Runtime) -> None:
    """The funnel split by device: its charts follow the tool step, as Vega-Lite plots holding
    the tool's own numbers."""
    snapshots, _ = _turn(demo_runtime, "show the conversion funnel by device", new_session_id())
    final = snapshots[-1]
    plots = [m["content"] for m in final if isinstance(m["content"], gr.Plot)]
    assert len(plots) == 3
    step = next(i for i, m in enumerate(final) if m.get("metadata"))
    assert all(isinstance(m["content"], gr.Plot) for m in final[step + 1:step + 4])
    funnel = run_tool(demo_runtime.services, "funnel_analysis", {"by": "device"})
    spec = json.loads(plots[0].value["plot"])
    assert [v["value"] for v in spec["data"]["values"]] == [s.users for s in funnel.steps]
    assert final[-1]["content"] == funnel.summary or funnel.summary[:40] in final[-1]["content"]


def test_a_product_list_is_shown_as_cards(demo_runtime: Runtime) -> None:
    snapshots, _ = _turn(demo_runtime, "What should user 42 buy next?", new_session_id())
    cards = [m["content"] for m in snapshots[-1] if isinstance(m["content"], gr.HTML)]
    assert len(cards) == 1
    items = run_tool(demo_runtime.services, "recommend_products", {"user_id": 42}).items
    html_text = cards[0].value
    assert html_text.count("class='cartwise-chat-card'") == len(items)
    assert all(f"${it.price:,.2f}" in html_text for it in items)


def test_new_conversation_keeps_the_old_one_listed(demo_runtime: Runtime) -> None:
    sid = new_session_id()
    saved, _, sid, asked = ui.begin_turn(convs.EMPTY, sid, "Which customers are about to churn?")
    assert asked == "Which customers are about to churn?"
    _turn(demo_runtime, asked, sid)
    history, box, new_sid, listing, saved, title = ui.new_conversation(saved)
    assert history == [] and box == "" and title == "" and new_sid != sid
    assert listing["choices"] == [("Which customers are about to churn?", sid)]
    assert demo_runtime.chat.history(sid)  # still on the server, reopened from the sidebar
    history, out_sid, listing, saved, title = ui.open_conversation(demo_runtime, saved, sid)
    assert out_sid == sid and listing["value"] == sid and title.startswith("Which customers")
    assert history[0] == {"role": "user", "content": "Which customers are about to churn?"}
    assert any(m.get("metadata", {}).get("title") == "🔧 churn_risk" for m in history)


def test_a_reload_reopens_the_conversation_as_it_was_shown(demo_runtime: Runtime) -> None:
    sid = new_session_id()
    saved, *_ = ui.begin_turn(convs.EMPTY, sid, "show the conversion funnel by device")
    snapshots, _ = _turn(demo_runtime, "show the conversion funnel by device", sid)
    history, out_sid, _, _, _ = ui.restore(demo_runtime, saved)
    assert out_sid == sid
    shown = snapshots[-1]
    assert [m["role"] for m in history] == [m["role"] for m in shown]
    assert [type(m["content"]).__name__ for m in history] == [
        type(m["content"]).__name__ for m in shown]
    assert history[-1]["content"] == shown[-1]["content"]
    # nothing stored in the browser, or a damaged value: a new conversation
    for value in (None, convs.EMPTY, {"current": "x y", "conversations": "junk"}):
        history, new_sid, listing, saved, _ = ui.restore(demo_runtime, value)
        assert history == [] and new_sid != sid and saved["current"] is None


def test_retry_edit_undo_take_the_turn_back_on_the_server(demo_runtime: Runtime) -> None:
    sid = new_session_id()
    _turn(demo_runtime, "What should user 42 buy next?", sid)
    _turn(demo_runtime, "and for user 43?", sid)
    shown = _stored(demo_runtime, sid)
    assert ui.rate_answer(demo_runtime, shown, sid, len(shown) - 1, True)
    assert demo_runtime.chat.feedback.of_session(sid)
    *_, (retried, _, _) = ui.ask_again(demo_runtime, shown, sid, len(shown) - 1)
    assert _questions(demo_runtime, sid) == ["What should user 42 buy next?", "and for user 43?"]
    assert demo_runtime.chat.feedback.of_session(sid) == {}  # the rating went with the turn
    assert "user 43" in retried[-1]["content"]
    # edit the first question: it and the later turn are asked again / dropped
    *_, (edited, _, _) = ui.ask_again(demo_runtime, retried, sid, 0, "What should user 7 buy?")
    assert _questions(demo_runtime, sid) == ["What should user 7 buy?"]
    assert "user 7" in edited[-1]["content"] and edited[0]["content"] == "What should user 7 buy?"
    history, box = ui.undo_turn(demo_runtime, edited, sid, len(edited) - 1)
    assert history == [] and box == "What should user 7 buy?"
    assert _questions(demo_runtime, sid) == []


def test_a_thumbs_down_is_stored_with_its_turn(demo_runtime: Runtime) -> None:
    sid = new_session_id()
    snapshots, _ = _turn(demo_runtime, "Which customers are about to churn?", sid)
    shown = snapshots[-1]
    turn = ui.rate_answer(demo_runtime, shown, sid, len(shown) - 1, False)
    assert demo_runtime.chat.feedback.of_session(sid) == {turn: "down"}
    ui.rate_answer(demo_runtime, shown, sid, len(shown) - 1, "")  # taken back
    assert demo_runtime.chat.feedback.of_session(sid) == {}
    assert ui.rate_answer(demo_runtime, [], sid, 0, True) is None


def test_a_reload_shows_the_stored_thumbs(demo_runtime: Runtime) -> None:
    """Each answer's thumb comes back from the turn it was stored with, whatever the number
    of messages (tool steps, charts, text) the answer is drawn in."""
    sid = new_session_id()
    for question in ("show the conversion funnel by device", "What should user 42 buy next?",
                     "Sales by month"):
        _turn(demo_runtime, question, sid)
    shown = _stored(demo_runtime, sid)
    assert ui.thumbs(demo_runtime, sid, shown)["feedback_value"] == [None, None, None]
    first, last = 1, len(shown) - 1
    ui.rate_answer(demo_runtime, shown, sid, first, False)
    ui.rate_answer(demo_runtime, shown, sid, last, True)
    saved = convs.started(convs.EMPTY, sid, "show the conversion funnel by device")
    reloaded, *_ = ui.restore(demo_runtime, saved)
    assert ui.thumbs(demo_runtime, sid, reloaded)["feedback_value"] == [
        "Dislike", None, "Like"]
    assert ui.thumbs(demo_runtime, None, [])["feedback_value"] == []


def test_delete_and_rename(demo_runtime: Runtime) -> None:
    sid = new_session_id()
    saved, *_ = ui.begin_turn(convs.EMPTY, sid, "Sales by month")
    _turn(demo_runtime, "Sales by month", sid)
    listing, saved = ui.rename_conversation(saved, sid, "  Monthly   sales ")
    assert listing["choices"] == [("Monthly sales", sid)]
    history, _, new_sid, listing, saved, _ = ui.delete_conversation(demo_runtime, saved, sid)
    assert listing["choices"] == [] and history == [] and new_sid != sid
    assert demo_runtime.chat.history(sid) == []


def test_a_stopped_turn_is_not_counted_against_the_stored_ones() -> None:
    """The server takes a stopped turn back, so the page's turns map to the stored ones
    without it: the answer before a stopped turn is still the last stored turn."""
    from cartwise.ui.chat_view import turn_at

    page = [{"role": "user", "content": "q1"}, {"role": "assistant", "content": "a1"},
            {"role": "user", "content": "q2"}, {"role": "assistant", "content": "half"},
            {"role": "assistant", "content": ui.STOPPED},
            {"role": "user", "content": "q3"}, {"role": "assistant", "content": "a3"}]
    assert [turn_at(page, i) for i in range(len(page))] == [1, 1, None, None, None, 0, 0]
    assert turn_at(ui.stopped(page[:4]), 1) == 0


def test_stopped_marks_the_answer() -> None:
    assert ui.stopped([{"role": "user", "content": "hi"}])[-1] == {
        "role": "assistant", "content": "_Stopped._"}


def _stored(runtime: Runtime, sid: str) -> list[dict[str, Any]]:
    return stored_messages(runtime.chat.history(sid, with_results=True))


def _questions(runtime: Runtime, sid: str) -> list[str]:
    return [m["content"] for m in runtime.chat.history(sid) if m["role"] == "user"]


def test_model_line_names_the_chat_model(demo_runtime: Runtime) -> None:
    assert "offline planner" in ui.model_line(demo_runtime)
    llm = SimpleNamespace(model_info=ChatModelInfo(
        "openai_compatible", "llama3.1", "http://user:secret@localhost:11434/v1"))
    line = ui.model_line(llm)  # type: ignore[arg-type]
    assert "openai_compatible" in line and "llama3.1" in line and "localhost:11434" in line
    assert "secret" not in line


def test_recommend_shows_cards_for_user_42(demo_runtime: Runtime) -> None:
    message, cards, picker = ui.recommend(demo_runtime, 42, "hybrid", "any", None, "", 5, False)
    expected = run_tool(demo_runtime.services, "recommend_products",
                        {"user_id": 42, "k": 5}).model_dump(mode="json")
    assert message == expected["summary"]
    names = [it["name"] for it in expected["items"]]
    assert len(names) == 5
    for it in expected["items"]:
        assert it["name"].replace("&", "&amp;") in cards
        assert f"{it['price']:,.2f}" in cards
    assert [c[1] for c in picker["choices"]] == [str(it["product_id"])
                                                for it in expected["items"]]
    # and the similar products of the first one
    sim_message, sim_cards = ui.similar(demo_runtime, picker["value"])
    assert sim_message.startswith(f"Products like {names[0]}")
    assert sim_cards.count("class='cartwise-card'") == 5


def test_recommend_filters_reach_the_tool(demo_runtime: Runtime) -> None:
    message, cards, _ = ui.recommend(demo_runtime, 42.0, "popularity", "any", "1", "3", 4, True)
    assert "between $1.00 and $3.00" in message and "not bought before" in message
    assert cards.count("class='cartwise-card'") == 4


@pytest.mark.parametrize(("args", "expected"), [
    ((987654321, "hybrid", "any", None, None, 5, False), "ℹ️ User 987654321 is not in the shop"),
    ((42, "hybrid", "any", 5, 2, 5, False), "⚠️ Invalid max_price: must be at least min_price"),
    ((42, "hybrid", "any", "cheap", None, 5, False), "⚠️ Invalid min_price"),
    ((None, "hybrid", "any", None, None, 5, False), "⚠️ Enter a user id"),
])
def test_recommend_explains_unknown_and_invalid_input(demo_runtime: Runtime, args: tuple,
                                                      expected: str) -> None:
    message, cards, picker = ui.recommend(demo_runtime, *args)
    assert message.startswith(expected)
    if expected.startswith("⚠️"):
        assert cards == "" and picker["choices"] == []
    else:  # an unknown user still gets the best sellers
        assert cards.count("class='cartwise-card'") == 5


def test_similar_explains_an_unknown_product(demo_runtime: Runtime) -> None:
    message, cards = ui.similar(demo_runtime, "qqqzzzxxx")
    assert message.startswith("⚠️ No product in the catalogue matches") and cards == ""
    assert ui.similar(demo_runtime, "")[0].startswith("⚠️ Pick a product")


class _ScriptedChat:
    """A chat service that replays fixed events (an LLM that talks before calling a tool and
    rewrites its answer), or fails."""

    def __init__(self, events: list[dict[str, Any]], fail: Exception | None = None) -> None:
        self.events, self.fail = events, fail

    def stream(self, session_id: str | None, text: str) -> Any:
        yield from self.events
        if self.fail is not None:
            raise self.fail


def test_text_before_a_tool_call_and_a_replaced_answer() -> None:
    call = {"name": "churn_risk", "args": {"k": 3}, "id": "c1"}
    events = [
        {"type": "session", "session_id": "s1"},
        {"type": "text", "text": "Let me check. "},
        {"type": "tool_call", **call},
        {"type": "tool_result", **call, "summary": "3 at risk.", "ok": True, "ms": 5.0,
         "result": {}},
        {"type": "text", "text": "Users 1, 2 "},
        {"type": "text", "text": "and 3.", "replace": False},
        {"type": "text", "text": "Users 1, 2 and 3 are at risk.", "replace": True},
        {"type": "done", "reply": "Users 1, 2 and 3 are at risk.", "session_id": "s1",
         "tool_calls": [], "model": "fake", "ms": 9.0, "error": None},
    ]
    runtime = SimpleNamespace(chat=_ScriptedChat(events))
    *_, (history, _, sid) = ui.chat_turn(runtime, "who churns?", [], None)  # type: ignore[arg-type]
    assert sid == "s1"
    assert [m["content"] for m in history] == [
        "who churns?", "Let me check. ",
        '**Arguments:** `{"k": 3}`\n\n**Result:** 3 at risk.',
        "Users 1, 2 and 3 are at risk."]
    assert history[2]["metadata"] == {"title": "🔧 churn_risk", "id": "c1", "status": "done",
                                      "duration": 0.005}


def test_a_failed_tool_is_marked_and_an_unexpected_error_is_polite() -> None:
    call = {"name": "similar_products", "args": {"product": "zzz"}, "id": "c2"}
    events = [{"type": "tool_call", **call},
              {"type": "tool_result", **call, "summary": "No product matches 'zzz'.",
               "ok": False, "ms": 1.0, "result": {"error_type": "not_found"}}]
    runtime = SimpleNamespace(chat=_ScriptedChat(events, fail=RuntimeError("boom")))
    *_, (history, _, _) = ui.chat_turn(runtime, "like zzz", [], "s2")  # type: ignore[arg-type]
    assert history[1]["metadata"]["log"] == "not found"
    assert history[-1] == {"role": "assistant", "content": (
        "Sorry, something went wrong while answering. Please try again.")}


def test_search_cards_put_the_other_suggestions_under_their_own_heading(
        demo_runtime: Runtime) -> None:
    from cartwise.formatting import money
    from cartwise.ui.chat_view import compact_cards

    result = run_tool(demo_runtime.services, "search_products",
                      {"query": "gluten free pasta", "max_price": 3}).model_dump(mode="json")
    matched = [it for it in result["items"] if it["match"]]
    others = [it for it in result["items"] if not it["match"]]
    assert matched and others  # one gluten-free pasta under $3; the rest is padding
    cards = compact_cards(result["items"])
    head, _, tail = cards.partition("Other suggestions")
    def shown(it: dict[str, Any]) -> str:
        return f"<b>{html.escape(it['name'])}</b>"

    assert all(shown(it) in head for it in matched)
    assert all(shown(it) in tail and shown(it) not in head for it in others)
    # the cards write prices as the chat reply does ("$1.49", never "price 1.49")
    assert money(matched[0]["price"], "USD") in head
