"""The offline chat model through the real agent graph on the demo store: multi-turn
conversations, streaming, sessions that survive a restart (SQLite), the shared dev cases through
``cartwise eval agent``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from typer.testing import CliRunner

from cartwise.agent.chat import ChatService
from cartwise.agent.factory import build_chat_service
from cartwise.agent.memory import Sessions, sqlite_sessions
from cartwise.agent.models import build_chat_model
from cartwise.agent.offline import OfflineChatModel
from cartwise.cli import app
from cartwise.tools import results as r
from cartwise.tools.render import for_model
from tests.agent.planner.harness import DEV_CASES


@pytest.fixture(scope="module")
def offline(demo_settings, demo_services):  # type: ignore[no-untyped-def]
    """The offline model and its description, built (and warmed up) once."""
    return build_chat_model(demo_settings, demo_services)


@pytest.fixture()
def chat(demo_settings, demo_services, offline) -> ChatService:  # type: ignore[no-untyped-def]
    return build_chat_service(demo_settings, demo_services,
                              sessions=Sessions(InMemorySaver(), "memory", ""), model=offline)


def _calls(r) -> list[tuple[str, dict]]:  # type: ignore[no-untyped-def]
    return [(s.name, s.args) for s in r.tool_calls]


def test_a_shopping_conversation_follows_references(chat: ChatService) -> None:
    r = chat.reply("c", "What should user 42 buy next?")
    assert _calls(r) == [("recommend_products", {"user_id": 42})]
    assert r.model == "offline" and r.reply.startswith("Top 5 picks for user 42")
    items = r.tool_calls[0].result["items"]
    assert all(it["name"] in r.reply for it in items)

    r = chat.reply("c", "only the cheap ones, under 3 dollars")
    assert _calls(r) == [("recommend_products", {"user_id": 42, "max_price": 3})]
    cheap = r.tool_calls[0].result["items"]
    assert cheap and all(it["price"] <= 3 for it in cheap)

    r = chat.reply("c", "what goes with the second one?")
    [(name, args)] = _calls(r)
    assert name == "frequently_bought_together" and args["product"] == str(cheap[1]["product_id"])
    assert r.tool_calls[0].result["product"]["product_id"] == cheap[1]["product_id"]

    r = chat.reply("c", "and for user 15?")
    assert _calls(r)[0][0] == "recommend_products" and _calls(r)[0][1]["user_id"] == 15

    r = chat.reply("c", "make it 10")
    assert _calls(r)[0][1]["k"] == 10 and _calls(r)[0][1]["user_id"] == 15
    assert len(r.tool_calls[0].result["items"]) == 10

    r = chat.reply("c", "the same with ALS")
    assert _calls(r)[0][1] | {} == {**_calls(r)[0][1], "strategy": "als", "user_id": 15}


def test_analyst_questions_and_small_talk(chat: ChatService) -> None:
    r = chat.reply("a", "which customers are about to churn?")
    assert _calls(r) == [("churn_risk", {})]
    assert "churn" in r.reply.lower()
    r = chat.reply("a", "where do mobile users drop out of the funnel?")
    assert _calls(r)[0][0] == "funnel_analysis"
    r = chat.reply("a", "thanks!")
    assert r.tool_calls == [] and r.reply
    r = chat.reply("a", "what's the weather in Paris tomorrow?")
    assert r.tool_calls == [] and "can" in r.reply.lower()


def test_unknown_users_and_products_are_said_plainly(chat: ChatService) -> None:
    r = chat.reply("n", "tell me about user 987654321")
    assert not r.tool_calls[0].ok
    assert "987654321" in r.reply and "not" in r.reply.lower()
    r = chat.reply("n", "what is similar to xyzzy plutonium qwerty?")
    assert r.tool_calls and not r.tool_calls[0].ok
    assert "couldn't find" in r.reply.lower()


def test_streaming_gives_the_same_reply(chat: ChatService) -> None:
    events = list(chat.stream("st", "top 5 best sellers in produce"))
    texts = [e["text"] for e in events if e["type"] == "text"]
    done = events[-1]
    # the pieces come joined in chunks (at most one text event per 50 ms), nothing lost
    assert done["type"] == "done" and texts and "".join(texts) == done["reply"]
    assert done["tool_calls"][0]["name"] == "popular_products"


def test_offline_model_speaks_the_chat_model_protocol(offline) -> None:  # type: ignore[no-untyped-def]
    model, info = offline
    assert isinstance(model, OfflineChatModel) and not info.is_llm
    bound = model.bind_tools([])  # no tools: a tool plan becomes a polite refusal
    out = bound.invoke([HumanMessage("what should user 42 buy?")])
    assert isinstance(out, AIMessage) and not out.tool_calls and "not available" in out.content
    call = model.invoke([HumanMessage("what should user 42 buy?")])
    assert call.tool_calls[0]["name"] == "recommend_products"
    result = r.Recommendations(
        user_id=42, strategy="hybrid", user_found=True, filters=r.Filters(),
        summary="1 recommendation", items=[r.RecommendedProduct(
            product_id=1, name="Magic Beans", aisle="misc", department="other", price=2.0,
            score=0.9, confidence=0.9, model="repeat", reason="bought before")])
    reply = model.invoke([HumanMessage("what should user 42 buy?"), call,
                          ToolMessage(for_model(result), tool_call_id=call.tool_calls[0]["id"])])
    assert "Magic Beans" in reply.content and not reply.tool_calls


def test_sessions_survive_a_restart(demo_settings, demo_services, offline,  # type: ignore[no-untyped-def]
                                    tmp_path: Path) -> None:
    db = tmp_path / "sessions.sqlite"
    with sqlite_sessions(db) as sessions:
        chat = build_chat_service(demo_settings, demo_services, sessions=sessions, model=offline)
        chat.reply("keep", "What should user 42 buy next?")
        chat.reply("other", "top 3 best sellers")
    with sqlite_sessions(db) as sessions:  # a new process would do exactly this
        chat = build_chat_service(demo_settings, demo_services, sessions=sessions, model=offline)
        history = chat.history("keep")
        assert [h["role"] for h in history] == ["user", "assistant", "tool", "assistant"]
        r = chat.reply("keep", "make it 10")  # the follow-up needs the remembered turn
        assert [(s.name, s.args) for s in r.tool_calls] == [
            ("recommend_products", {"user_id": 42, "k": 10})]
        assert "user 42" not in json.dumps(chat.history("other"))


def test_a_sqlite_session_keeps_only_its_latest_state(  # type: ignore[no-untyped-def]
        demo_settings, demo_services, offline, tmp_path: Path) -> None:
    """Each turn is saved once; the states before it are pruned, so a long session keeps one
    state, and the conversation (follow-ups, history, rewind) is whole after a restart."""
    import sqlite3

    db = tmp_path / "sessions.sqlite"
    questions = ["What should user 42 buy next?", "make it 10", "only the cheap ones, under $3",
                 "top 3 best sellers"]

    def states(sid: str) -> int:
        with sqlite3.connect(db) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM checkpoints WHERE thread_id = ?",
                                    (sid,)).fetchone()[0])

    with sqlite_sessions(db) as sessions:
        chat = build_chat_service(demo_settings, demo_services, sessions=sessions, model=offline)
        for question in questions:
            chat.reply("long", question)
            assert states("long") == 1
        chat.reply("short", "hello")
        assert chat.rewind("long") and states("long") == 1
    with sqlite_sessions(db) as sessions:
        chat = build_chat_service(demo_settings, demo_services, sessions=sessions, model=offline)
        asked = [h["content"] for h in chat.history("long") if h["role"] == "user"]
        assert asked == questions[:-1]  # the last turn was taken back
        r = chat.reply("long", "make it 4")
        assert [(s.name, s.args.get("k")) for s in r.tool_calls] == [("recommend_products", 4)]
        assert states("long") == 1 and states("short") == 1


def test_eval_agent_on_the_dev_cases(demo_settings) -> None:  # type: ignore[no-untyped-def]
    if not DEV_CASES.is_file():
        pytest.skip(f"{DEV_CASES} is absent (../shared sits beside the repository in CI)")
    result = CliRunner().invoke(app, ["eval", "agent", "--cases", str(DEV_CASES), "--store",
                                      str(demo_settings.store_path), "--min-score", "1.0",
                                      "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout[result.stdout.index("{"):])
    assert report["score"] == 1.0 and report["turns"] >= 45 and report["failures"] == []


#: The open-world cases (refusals, several requests, comparisons, earlier lists, explanations,
#: corrections, invalid arguments) and the share of turns each set must pass.
OPEN_WORLD = {"openworld_dev.jsonl": 0.95, "openworld_heldout.jsonl": 0.9,
              "merchant_dev.jsonl": 0.95, "merchant_heldout.jsonl": 0.8}


@pytest.mark.parametrize(("name", "minimum"), list(OPEN_WORLD.items()))
def test_eval_agent_on_the_open_world_cases(demo_settings, name: str,  # type: ignore[no-untyped-def]
                                            minimum: float) -> None:
    cases = Path(__file__).parent / "cases" / name
    result = CliRunner().invoke(app, ["eval", "agent", "--cases", str(cases), "--store",
                                      str(demo_settings.store_path), "--min-score",
                                      str(minimum), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout[result.stdout.index("{"):])
    assert report["score"] >= minimum
    categories = set(report["categories"])
    if name.startswith("merchant"):
        assert {"kpi", "hist", "coh", "anom", "dig"} <= categories
    else:
        assert {"act", "cant", "multi", "cmp", "several", "prev", "corr", "bad"} <= categories


def test_eval_agent_reports_failures_and_exits_below_min_score(demo_settings,  # type: ignore[no-untyped-def]
                                                               tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps({"id": "x", "turns": [
        {"user": "What should user 42 buy next?",
         "expect": {"tool": "recommend_products", "args": {"user_id": 42}}},
        {"user": "hello there", "expect": {"tool": "churn_risk"}}]}) + "\n")
    result = CliRunner().invoke(app, ["eval", "agent", "--cases", str(cases), "--store",
                                      str(demo_settings.store_path), "--min-score", "0.9"])
    assert result.exit_code == 1
    assert "x turn 2: 'hello there'" in result.stdout and "expected churn_risk" in result.stdout
    assert "score 0.500 (1/2 turns" in result.stdout
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "ok", "turns": []}\n')
    result = CliRunner().invoke(app, ["eval", "agent", "--cases", str(bad), "--store",
                                      str(demo_settings.store_path)])
    assert result.exit_code == 3 and "bad.jsonl" in result.output and "rows: 1" in result.output
