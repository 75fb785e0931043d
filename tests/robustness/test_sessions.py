"""Chat sessions under stress, over real HTTP (uvicorn in a thread, the demo store, the offline
model): concurrent sessions stay apart, SQLite sessions survive a restart, and clients that
hang up mid-stream leave the server working.

(Slack replays with an old timestamp are covered by tests/ui/test_slack.py::
test_stale_timestamp_is_rejected.)
"""

from __future__ import annotations

import gc
import re
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from langgraph.checkpoint.memory import InMemorySaver

from cartwise.agent.memory import Sessions, sqlite_sessions
from cartwise.config import Settings
from cartwise.runtime import Runtime
from cartwise.server.app import create_app
from tests.http import serving

THREADS = 16
TURNS = 5


def _settings(demo_settings: Settings) -> Settings:
    return demo_settings.model_copy(update={"chat_rate_limit": 0})


def _memory_runtime(settings: Settings, services: Any) -> Runtime:
    return Runtime(settings, services, Sessions(InMemorySaver(), "memory", ""))


def _script(users: list[int]) -> list[tuple[str, dict[str, Any]]]:
    """TURNS (message, expected tool args): ask about a shopper, then "make it 10"."""
    turns = []
    for i in range(TURNS):
        user = users[i // 2]
        if i % 2 == 0:
            turns.append((f"what should user {user} buy next?", {"user_id": user}))
        else:
            turns.append(("make it 10", {"user_id": user, "k": 10}))
    return turns


def _user_ids(history: list[dict[str, Any]]) -> set[int]:
    """Every shopper id a session's messages name: in tool arguments and in the text."""
    found: set[int] = set()
    for m in history:
        for call in m.get("tool_calls") or []:
            if "user_id" in call["args"]:
                found.add(int(call["args"]["user_id"]))
        if m["role"] in ("user", "assistant"):
            found |= {int(n) for n in re.findall(r"\buser (\d+)", m["content"])}
    return found


def test_concurrent_sessions_never_see_each_others_history(demo_settings: Settings,
                                                           demo_services: Any) -> None:
    settings = _settings(demo_settings)
    app = create_app(settings, _memory_runtime(settings, demo_services), ui=False)
    # three distinct shoppers per thread
    users = [u["user_id"] for u in demo_services.analytics.list_users(0, 3 * THREADS)["users"]]
    assert len(set(users)) == 3 * THREADS
    mine = {t: users[3 * t: 3 * t + 3] for t in range(THREADS)}
    start = threading.Barrier(THREADS)
    errors: list[str] = []
    answers: dict[int, list[dict[str, Any]]] = {}

    with serving(app) as url:
        def talk(t: int) -> None:
            sid = f"conc-{t}"
            with httpx.Client(base_url=url, timeout=60) as http:
                start.wait()
                for text, _ in _script(mine[t]):
                    r = http.post("/chat", json={"message": text, "session_id": sid})
                    if r.status_code != 200:
                        errors.append(f"{sid}: {r.status_code} {r.text[:200]}")
                        return
                    answers.setdefault(t, []).append(r.json())

        threads = [threading.Thread(target=talk, args=(t,)) for t in range(THREADS)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(120)
        assert not any(th.is_alive() for th in threads), "a session thread hung"
        assert not errors, errors

        with httpx.Client(base_url=url, timeout=30) as http:
            for t in range(THREADS):
                script = _script(mine[t])
                # each reply used this session's shopper
                got = [a["tool_calls"][0]["args"] for a in answers[t]]
                assert got == [args for _, args in script], (t, got)
                history = http.get(f"/sessions/conc-{t}").json()["messages"]
                said = [m["content"] for m in history if m["role"] == "user"]
                assert said == [text for text, _ in script]  # every turn, in order, only ours
                calls = [c["args"] for m in history for c in m.get("tool_calls") or []]
                assert calls == [args for _, args in script]
                assert _user_ids(history) == set(mine[t][:3]), (t, _user_ids(history))


def _chat(http: httpx.Client, sid: str, text: str) -> dict[str, Any]:
    r = http.post("/chat", json={"message": text, "session_id": sid})
    assert r.status_code == 200, r.text
    return r.json()


def test_sqlite_sessions_survive_a_restart(demo_settings: Settings, demo_services: Any,
                                           tmp_path: Path) -> None:
    settings = _settings(demo_settings)
    path = tmp_path / "s.sqlite"
    sessions = {"restart-a": 42, "restart-b": 7, "restart-c": 1234}
    before: dict[str, list[dict[str, Any]]] = {}

    runtime = Runtime(settings, demo_services, sqlite_sessions(path))
    with serving(create_app(settings, runtime, ui=False)) as url, \
            httpx.Client(base_url=url, timeout=30) as http:
        for sid, user in sessions.items():
            _chat(http, sid, "top 3 best sellers in produce")
            _chat(http, sid, f"what should user {user} buy next?")
            before[sid] = http.get(f"/sessions/{sid}").json()["messages"]
            assert [m["role"] for m in before[sid]].count("user") == 2
    runtime.close()  # closes the SQLite sessions; the services belong to demo_services

    runtime = Runtime(settings, demo_services, sqlite_sessions(path))
    try:
        with serving(create_app(settings, runtime, ui=False)) as url, \
                httpx.Client(base_url=url, timeout=30) as http:
            for sid, user in sessions.items():
                assert http.get(f"/sessions/{sid}").json()["messages"] == before[sid]
                # the follow-up continues the conversation from before the restart
                reply = _chat(http, sid, "make it 10")
                assert reply["tool_calls"][0]["name"] == "recommend_products"
                assert reply["tool_calls"][0]["args"] == {"user_id": user, "k": 10}
                after = http.get(f"/sessions/{sid}").json()["messages"]
                assert after[:len(before[sid])] == before[sid]
            assert http.get("/sessions/never-seen").json()["messages"] == []
    finally:
        runtime.close()


def test_clients_gone_mid_stream_leave_the_server_working(demo_settings: Settings,
                                                          demo_services: Any) -> None:
    """Streams dropped after their first event, then a garbage collection: collecting the
    dropped turns must not hang (it once did, for good, in whichever thread collected),
    and the server and the dropped sessions still answer."""
    settings = _settings(demo_settings)
    app = create_app(settings, _memory_runtime(settings, demo_services), ui=False)
    with serving(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        for i in range(6):
            with http.stream("POST", "/chat/stream", json={
                    "message": "top 3 best sellers in produce", "session_id": f"cut-{i}"}) as r:
                assert r.status_code == 200
                assert next(r.iter_lines()) == "event: session"
        collector = threading.Thread(target=gc.collect, daemon=True)
        collector.start()
        collector.join(30)
        assert not collector.is_alive(), "collecting a dropped chat stream hung"
        assert http.get("/health").status_code == 200
        for i in range(6):
            reply = _chat(http, f"cut-{i}", "what should user 7 buy next?")
            assert reply["tool_calls"][0]["args"] == {"user_id": 7}
        deadline = time.monotonic() + 10
        while any(t.name == "cartwise-chat-turn" for t in threading.enumerate()):
            assert time.monotonic() < deadline, "a dropped turn's thread never ended"
            time.sleep(0.05)


@pytest.mark.parametrize("cut_after", [1, 2, 3, 4])  # 2: dropped after the tool call
def test_a_dropped_stream_is_closed_and_its_session_stays_usable(
        demo_settings: Settings, demo_services: Any, cut_after: int) -> None:
    """The same without HTTP: a consumer that stops iterating ChatService.stream and drops
    it, then a collection."""
    runtime = _memory_runtime(_settings(demo_settings), demo_services)
    events = runtime.chat.stream("drop-1", "what should user 42 buy next?")
    assert [next(events)["type"] for _ in range(cut_after)][0] == "session"
    cycle: list[Any] = [events]
    cycle.append(cycle)  # as in a server, the dropped iterator sits in a reference cycle
    del events, cycle
    collector = threading.Thread(target=gc.collect, daemon=True)
    collector.start()
    collector.join(30)
    assert not collector.is_alive(), "collecting a dropped chat stream hung"
    reply = runtime.chat.reply("drop-1", "what should user 7 buy next?")
    assert reply.tool_calls[0].args == {"user_id": 7}
    turns = [t for t in threading.enumerate() if t.name == "cartwise-chat-turn"]
    for t in turns:
        t.join(10)
    assert not any(t.is_alive() for t in turns), "a dropped turn's thread never ended"
