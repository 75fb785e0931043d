"""A client that leaves ``/chat/stream`` before the answer (over real HTTP): the server takes
the half turn back, so a retry stores the question once."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from langgraph.checkpoint.memory import InMemorySaver

from cartwise.agent.memory import Sessions
from cartwise.agent.models import ChatModelInfo
from cartwise.config import Settings
from cartwise.runtime import Runtime
from cartwise.server.app import create_app
from tests.agent.fakes import SlowTextModel
from tests.http import serving


def _questions(http: httpx.Client, sid: str) -> list[str]:
    messages = http.get(f"/sessions/{sid}").json()["messages"]
    return [m["content"] for m in messages if m["role"] == "user"]


@pytest.mark.xfail(strict=False, reason=(
    "not yet deterministic: on a client's disconnect Starlette does not close the sync stream "
    "iterator, so when it is collected late the turn finishes and is stored (issue 17)"))
def test_a_stream_left_mid_answer_is_not_stored(demo_settings: Settings,
                                                demo_services: Any) -> None:
    settings = demo_settings.model_copy(update={"chat_grounding": "off", "chat_rate_limit": 0})
    model = SlowTextModel(text="one two three four five six seven eight", delay=0.1)
    runtime = Runtime(settings, demo_services, Sessions(InMemorySaver(), "memory", ""),
                      model=(model, ChatModelInfo("openai_compatible", "slow-text")))
    sid = "cut-over-http"
    with serving(create_app(settings, runtime, ui=False, slack=False)) as url, \
            httpx.Client(base_url=url, timeout=30) as http:
        assert http.post("/chat", json={"message": "first", "session_id": sid}).status_code == 200
        with http.stream("POST", "/chat/stream",
                         json={"message": "second", "session_id": sid}) as r:
            for line in r.iter_lines():
                if line.startswith("event: text"):
                    break  # the answer has begun: leave
        for _ in range(100):
            if _questions(http, sid) == ["first"]:
                break
            time.sleep(0.05)
        assert _questions(http, sid) == ["first"]
        done = http.post("/chat", json={"message": "second", "session_id": sid})
        assert done.status_code == 200 and json.loads(done.text)["reply"]
        assert _questions(http, sid) == ["first", "second"]
