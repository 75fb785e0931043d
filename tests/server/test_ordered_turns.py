"""Turns of one session run one at a time: overlapping clients on one session lose nothing
(in-process and over real HTTP), and a turn that cannot wait long enough gets a 409."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
from langgraph.checkpoint.memory import InMemorySaver

from cartwise.agent.chat import SessionLocks
from cartwise.agent.memory import Sessions
from cartwise.agent.models import ChatModelInfo
from cartwise.config import Settings
from cartwise.errors import SessionBusy
from cartwise.runtime import Runtime
from cartwise.server.app import create_app
from tests.agent.fakes import SlowTextModel
from tests.http import serving


def _runtime(settings: Settings, services: Any, delay: float, wait: float) -> Runtime:
    settings = settings.model_copy(update={"chat_grounding": "off", "chat_rate_limit": 0,
                                           "chat_turn_wait": wait})
    model = SlowTextModel(text="an answer in a few words", delay=delay)
    return Runtime(settings, services, Sessions(InMemorySaver(), "memory", ""),
                   model=(model, ChatModelInfo("openai_compatible", "slow-text")))


def test_overlapping_clients_on_one_session_lose_no_turn(demo_settings: Settings,
                                                          demo_services: Any) -> None:
    runtime = _runtime(demo_settings, demo_services, delay=0.01, wait=60)
    sid, errors = "shared-session", []

    def client(c: int, http: httpx.Client) -> None:
        for t in range(5):
            r = http.post("/chat", json={"message": f"client {c} turn {t}", "session_id": sid})
            if r.status_code != 200:
                errors.append(r.text)

    with serving(create_app(runtime.settings, runtime, ui=False, slack=False)) as url, \
            httpx.Client(base_url=url, timeout=60) as http:
        threads = [threading.Thread(target=client, args=(c, http)) for c in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        messages = http.get(f"/sessions/{sid}").json()["messages"]
    assert errors == []
    asked = [m["content"] for m in messages if m["role"] == "user"]
    assert sorted(asked) == sorted(f"client {c} turn {t}" for c in range(4) for t in range(5))
    roles = [m["role"] for m in messages]
    assert roles == ["user", "assistant"] * 20  # every question right before its own answer


def test_a_turn_that_cannot_wait_gets_409(demo_settings: Settings, demo_services: Any) -> None:
    runtime = _runtime(demo_settings, demo_services, delay=0.3, wait=0.2)
    sid, first = "busy-session", {}
    with serving(create_app(runtime.settings, runtime, ui=False, slack=False)) as url, \
            httpx.Client(base_url=url, timeout=60) as http:
        long = threading.Thread(target=lambda: first.update(r=http.post(
            "/chat", json={"message": "a long one", "session_id": sid})))
        long.start()
        for _ in range(100):  # until the first turn holds the session
            if runtime.chat.locks.busy(sid):
                break
            threading.Event().wait(0.02)
        r = http.post("/chat", json={"message": "meanwhile", "session_id": sid})
        long.join()
        assert r.status_code == 409 and r.headers["retry-after"] == "1"
        assert r.json()["error"]["type"] == "session_busy"
        assert first["r"].status_code == 200
        other = http.post("/chat", json={"message": "another session", "session_id": "free"})
        assert other.status_code == 200  # other sessions do not wait


def test_session_locks_are_per_session_and_dropped_when_unused() -> None:
    locks = SessionLocks(wait=0.05)
    with locks.held("a"):
        with locks.held("b"):
            pass
        with pytest.raises(SessionBusy, match="session a"), locks.held("a"):
            pass
        assert locks.busy("a") and not locks.busy("b")
    assert not locks.busy("a") and locks._locks == {}
