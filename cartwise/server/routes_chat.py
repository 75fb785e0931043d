"""Chat routes: ``POST /chat``, ``POST /chat/stream`` (server-sent events), and the sessions
(``GET`` / ``DELETE /sessions/{id}``, ``POST /sessions/{id}/feedback`` for a thumbs up / down on
a turn, ``POST /sessions/{id}/rewind`` to take turns back before a retry or an edit).
Everything goes through the one ``ChatService``.

A turn's answer carries ``chart_specs``: the charts of its tool results as Vega-Lite v5 specs
(:mod:`cartwise.tools.charts`), in the ``/chat`` response and the stream's ``done`` event."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from cartwise.agent.chat import SESSION_ID_PATTERN, ChatService, ToolStep
from cartwise.agent.feedback import Rating
from cartwise.server.deps import ChatDep
from cartwise.server.metrics import record_chat_turn
from cartwise.tools.charts import ChartSpec, turn_chart_specs

router = APIRouter(tags=["chat"])


class ChatRequest(BaseModel):
    message: str = Field(min_length=1, description="What the shopper or analyst says.")
    session_id: str | None = Field(None, pattern=SESSION_ID_PATTERN, description=(
        "The conversation to continue; leave it out to start a new one."))


class ToolCallOut(BaseModel):
    name: str
    args: dict[str, Any]
    summary: str
    ok: bool
    ms: float | None


class ChatResponse(BaseModel):
    reply: str
    session_id: str
    tool_calls: list[ToolCallOut]
    model: str = Field(description="The chat provider that answered (offline, openai, ...).")
    ms: float
    error: str | None = None
    chart_specs: list[ChartSpec] = Field(default_factory=list, description=(
        "The charts of the turn's tool results (Vega-Lite v5 specs, data inline), in call "
        "order; empty when no result has a chart."))


class HistoryItem(BaseModel):
    role: str
    content: str
    name: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    turn_id: str | None = Field(None, description="A user message's turn (for feedback and "
                                                  "rewind).")
    rating: Rating | None = Field(None, description="A user message's turn's rating.")


class FeedbackRequest(BaseModel):
    rating: Rating | None = Field(description="up, down, or null to take a rating back.")
    turn_id: str | None = Field(None, description="The turn rated; leave it out for the last.")


class RewindRequest(BaseModel):
    turn_id: str | None = Field(None, description=(
        "The first turn taken back (it and every later one); leave it out for the last."))


class SessionHistory(BaseModel):
    session_id: str
    messages: list[HistoryItem]


def _rate_limit(request: Request) -> None:
    request.app.state.rate_limiter(request)


def _checked(chat: ChatService, body: ChatRequest) -> None:
    if len(body.message) > chat.max_chars:
        raise HTTPException(413, detail=f"message longer than {chat.max_chars} characters")
    chat.check(body.session_id, body.message)


@router.post("/chat", response_model=ChatResponse, dependencies=[Depends(_rate_limit)])
def chat_turn(body: ChatRequest, chat: ChatDep) -> dict[str, Any]:
    """One turn of the conversation: the reply, the tool calls it made, the session id and
    the charts of the tool results."""
    _checked(chat, body)
    turn = chat.reply(body.session_id, body.message)
    record_chat_turn(turn.error, turn.tool_calls)
    return {**turn.to_dict(),
            "chart_specs": turn_chart_specs((s.name, s.result) for s in turn.tool_calls)}


@router.post("/chat/stream", dependencies=[Depends(_rate_limit)],
             response_class=StreamingResponse,
             responses={200: {"content": {"text/event-stream": {}},
                              "description": "Server-sent events: session, tool_call, "
                                             "tool_result, text, done (with chart_specs)."}})
def chat_stream(body: ChatRequest, chat: ChatDep) -> StreamingResponse:
    """The same turn as server-sent events: ``session``, then per tool ``tool_call`` and
    ``tool_result``, the reply as ``text`` pieces, and ``done`` with the whole reply and the
    ``chart_specs`` of the tool results (as in the ``/chat`` response)."""
    _checked(chat, body)

    def events() -> Iterator[str]:
        called: list[str] = []  # tool call ids in call order (results come as they finish)
        results: dict[str, tuple[str, Any]] = {}
        steps: list[ToolStep] = []  # for the metrics
        for event in chat.stream(body.session_id, body.message):
            if event["type"] == "tool_call":
                called.append(str(event["id"]))
            elif event["type"] == "tool_result":
                results[str(event["id"])] = (event["name"], event.get("result"))
                steps.append(ToolStep(**{k: v for k, v in event.items() if k != "type"}))
                event = {k: v for k, v in event.items() if k != "result"}
            elif event["type"] == "done":
                record_chat_turn(event.get("error"), steps, mode="stream")
                ordered = sorted(results, key=lambda i: called.index(i) if i in called
                                 else len(called))
                specs = turn_chart_specs(results[i] for i in ordered)
                event = {**event, "chart_specs": [c.model_dump(mode="json") for c in specs]}
            yield f"event: {event['type']}\ndata: {json.dumps(event, default=str)}\n\n"

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.get("/sessions/{session_id}", response_model=SessionHistory)
def session_history(session_id: str, chat: ChatDep) -> dict[str, Any]:
    """A session's messages, oldest first (an unknown session has none)."""
    return {"session_id": session_id, "messages": chat.history(session_id)}


@router.post("/sessions/{session_id}/feedback")
def rate_turn(session_id: str, body: FeedbackRequest, chat: ChatDep) -> dict[str, Any]:
    """A thumbs up or down on a turn (stored with its question and answer; counted in
    ``/stats``); 422 naming ``turn_id`` when the session has no such turn."""
    turn_id = chat.rate(session_id, body.turn_id, body.rating)
    return {"session_id": session_id, "turn_id": turn_id, "rating": body.rating}


@router.post("/sessions/{session_id}/rewind")
def rewind_turns(session_id: str, body: RewindRequest, chat: ChatDep) -> dict[str, Any]:
    """Take a turn and every later one back (to ask again, or to ask something else);
    their ratings go with them."""
    return {"session_id": session_id, "removed": chat.rewind(session_id, body.turn_id)}


@router.delete("/sessions/{session_id}")
def clear_session(session_id: str, chat: ChatDep) -> dict[str, Any]:
    """Forget a session's history."""
    return {"session_id": session_id, "cleared": chat.clear(session_id)}
