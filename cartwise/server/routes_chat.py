"""Chat routes: ``POST /chat``, ``POST /chat/stream`` (server-sent events), and the sessions
(``GET`` / ``DELETE /sessions/{id}``, ``POST /sessions/{id}/feedback`` for a thumbs up / down on
a turn, ``POST /sessions/{id}/rewind`` to take turns back before a retry or an edit).
Everything goes through the one ``ChatService``.

A turn's answer carries ``chart_specs``: the charts of its tool results as Vega-Lite v5 specs
(:mod:`cartwise.tools.charts`), in the ``/chat`` response and the stream's ``done`` event."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from cartwise.agent.chat import SESSION_ID_PATTERN, ChatService, ToolStep
from cartwise.agent.feedback import Rating
from cartwise.errors import CartwiseError
from cartwise.server.deps import ChatDep
from cartwise.server.errors import error_type_of
from cartwise.server.metrics import record_chat_turn
from cartwise.server.middleware import error_body, request_id
from cartwise.tools.charts import ChartSpec, turn_chart_specs

log = logging.getLogger(__name__)

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


def _sse(event: dict[str, Any]) -> str:
    return f"event: {event['type']}\ndata: {json.dumps(event, default=str)}\n\n"


@router.post("/chat/stream", dependencies=[Depends(_rate_limit)],
             response_class=StreamingResponse,
             responses={200: {"content": {"text/event-stream": {}},
                              "description": "Server-sent events: session, tool_call, "
                                             "tool_result, text, done (with chart_specs); "
                                             "a failure mid-turn sends error, then done."}})
def chat_stream(body: ChatRequest, chat: ChatDep) -> StreamingResponse:
    """The same turn as server-sent events: ``session``, then per tool ``tool_call`` and
    ``tool_result``, the reply as ``text`` pieces, and ``done`` with the whole reply and the
    ``chart_specs`` of the tool results (as in the ``/chat`` response).

    A turn that fails once the stream has begun (the status is already 200) ends with an
    ``error`` event, ``{"type": "error", "error": {"type", "message", "request_id"}}`` (the
    shape of every error body), then ``done`` with ``error`` set to the same type, the
    session id and the tool calls that finished. Unexpected failures are logged with their
    traceback; the stream never just stops."""
    _checked(chat, body)
    rid = request_id.get()  # the stream runs in other threads

    def events() -> Iterator[str]:
        called: list[str] = []  # tool call ids in call order (results come as they finish)
        results: dict[str, tuple[str, Any]] = {}
        finished: list[dict[str, Any]] = []  # tool_result events without their results
        steps: list[ToolStep] = []  # for the metrics
        sid = body.session_id or ""
        t0 = time.perf_counter()
        try:
            for event in chat.stream(body.session_id, body.message):
                if event["type"] == "session":
                    sid = str(event["session_id"])
                elif event["type"] == "tool_call":
                    called.append(str(event["id"]))
                elif event["type"] == "tool_result":
                    results[str(event["id"])] = (event["name"], event.get("result"))
                    steps.append(ToolStep(**{k: v for k, v in event.items() if k != "type"}))
                    event = {k: v for k, v in event.items() if k != "result"}
                    finished.append(event)
                elif event["type"] == "done":
                    record_chat_turn(event.get("error"), steps, mode="stream")
                    ordered = sorted(results, key=lambda i: called.index(i) if i in called
                                     else len(called))
                    specs = turn_chart_specs(results[i] for i in ordered)
                    event = {**event,
                             "chart_specs": [c.model_dump(mode="json") for c in specs]}
                yield _sse(event)
        except Exception as exc:  # the 200 is sent: the failure goes into the stream
            if isinstance(exc, CartwiseError):
                kind, message = error_type_of(exc), str(exc)
                log.warning("chat stream failed [request %s]: %s: %s", rid,
                            type(exc).__name__, exc)
            else:
                kind, message = "internal_error", f"the turn failed (request id {rid})"
                log.exception("chat stream failed [request %s]", rid)
            token = request_id.set(rid)
            try:
                error = {"type": "error", **error_body(kind, message)}
            finally:
                request_id.reset(token)
            yield _sse(error)
            tools = [{k: e.get(k) for k in ("name", "args", "summary", "ok", "ms")}
                     for e in finished]
            yield _sse({"type": "done", "reply": "", "session_id": sid, "tool_calls": tools,
                        "model": chat.model.provider,
                        "ms": round((time.perf_counter() - t0) * 1000, 2), "error": kind,
                        "chart_specs": []})

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
