"""The Gradio UI without a browser: it builds, and its handlers (called directly, as Gradio calls
them) stream chat turns, start new conversations, list recommendations and draw analytics."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import gradio as gr
import pandas as pd
import pytest

from cartwise.agent.chat import new_session_id
from cartwise.agent.models import ChatModelInfo
from cartwise.runtime import Runtime
from cartwise.tools.registry import run_tool
from cartwise.ui import gradio_app as ui

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


def test_new_conversation_clears_the_old_session(demo_runtime: Runtime) -> None:
    sid = new_session_id()
    _turn(demo_runtime, "Which customers are about to churn?", sid)
    assert demo_runtime.chat.history(sid)
    history, box, new_sid = ui.new_conversation(demo_runtime, sid)
    assert history == [] and box == ""
    assert new_sid != sid and len(new_sid) >= 16
    assert demo_runtime.chat.history(sid) == []


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
    assert "between 1 and 3" in message and "not bought before" in message
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


def _has_rows(view: ui.AnalyticsView) -> None:
    assert view.ok and view.summary and view.charts
    for c in view.charts:
        assert isinstance(c.frame, pd.DataFrame) and len(c.frame) > 0
        assert {"x", "y"} <= set(c.frame.columns) and c.frame["y"].notna().any()


def test_segments_view(demo_runtime: Runtime) -> None:
    view = ui.segments_view(demo_runtime)
    _has_rows(view)
    assert view.charts[0].title == "Shoppers per RFM segment"
    assert view.charts[0].order == view.table["name"].tolist()  # the segments' own order
    assert len(view.table) > 3


def test_funnel_view_with_and_without_a_split(demo_runtime: Runtime) -> None:
    plain = ui.funnel_view(demo_runtime, "any", "any", "none")
    _has_rows(plain)
    assert plain.charts[0].order == ["home page", "search page", "payment page",
                                     "payment confirmation"]
    assert len(plain.table) == 4
    by_device = ui.funnel_view(demo_runtime, "any", "any", "device")
    _has_rows(by_device)
    stacked = [c for c in by_device.charts if c.color]
    assert stacked and stacked[0].series_label == "device"
    assert set(stacked[0].frame["series"]) == {"Desktop", "Mobile"}
    by_week = ui.funnel_view(demo_runtime, "mobile", None, "week")
    _has_rows(by_week)
    assert any(c.kind == "line" and pd.api.types.is_datetime64_any_dtype(c.frame["x"])
               for c in by_week.charts)


def test_funnel_view_explains_an_unknown_device(demo_runtime: Runtime) -> None:
    view = ui.funnel_view(demo_runtime, "tablet", "any", "none")
    assert not view.ok and view.charts == []
    assert view.summary.startswith("⚠️") and "Desktop" in view.summary


@pytest.mark.parametrize(("by", "kind"), [("dow", "bar"), ("hour", "bar"), ("week", "line"),
                                          ("month", "line")])
def test_trends_view(demo_runtime: Runtime, by: str, kind: str) -> None:
    view = ui.trends_view(demo_runtime, by)
    _has_rows(view)
    assert view.charts[0].kind == kind
    if kind == "line":
        assert pd.api.types.is_datetime64_any_dtype(view.charts[0].frame["x"])


def test_churn_view_lists_the_top_k(demo_runtime: Runtime) -> None:
    view = ui.churn_view(demo_runtime, 5)
    _has_rows(view)
    assert len(view.table) == 5
    assert {"user_id", "score", "level", "reason"} <= set(view.table.columns)
    assert view.table["score"].is_monotonic_decreasing


def test_sales_view_shows_the_comparison(demo_runtime: Runtime) -> None:
    view = ui.sales_view(demo_runtime, "month")
    _has_rows(view)
    assert [c.title for c in view.charts][:2] == ["Revenue by month",
                                                  "Average order value by month"]
    assert view.charts[0].kind == "line"
    assert view.table.columns[0] == "figure" and "change" in view.table.columns
    assert "revenue" in view.table["figure"].tolist()
    by_department = ui.sales_view(demo_runtime, "department")
    assert by_department.charts[0].kind == "bar" and by_department.charts[0].order


def test_cohorts_view_is_a_heatmap(demo_runtime: Runtime) -> None:
    view = ui.cohorts_view(demo_runtime, "month", 6, "shoppers")
    assert view.ok and view.charts
    html_table = view.table.to_html()
    assert "background-color: rgba(34, 139, 84" in html_table and "100%" in html_table
    assert list(view.table.data["cohort"])[-1] == view.table.data.index[-1]
    bad = ui.cohorts_view(demo_runtime, "month", 30, "shoppers")
    assert not bad.ok and "periods" in bad.summary


def test_anomalies_view_marks_them_on_the_series(demo_runtime: Runtime) -> None:
    view = ui.anomalies_view(demo_runtime, "revenue", "day", 5)
    assert view.ok
    line, marks = view.charts
    assert line.kind == "line" and {"revenue", "expected", "low", "high"} <= set(
        line.frame["series"])
    assert marks.kind == "scatter" and len(marks.frame) == len(view.table) <= 5
    assert pd.api.types.is_datetime64_any_dtype(marks.frame["x"])
    assert {"when", "expected", "range", "moved most"} <= set(view.table.columns)


def test_digest_view_lists_the_points_with_their_tools(demo_runtime: Runtime) -> None:
    view = ui.insights_view(demo_runtime, "week")
    assert view.ok and view.points
    assert any("(sales_summary)" in p for p in view.points)


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
