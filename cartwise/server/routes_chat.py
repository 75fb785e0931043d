"""Chat routes: ``POST /chat``, ``POST /chat/stream`` (server-sent events), and the sessions
(``GET`` / ``DELETE /sessions/{id}``). Everything goes through the one ``ChatService``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from cartwise.agent.chat import SESSION_ID_PATTERN, ChatService
from cartwise.server.deps import ChatDep

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


class HistoryItem(BaseModel):
    role: str
    content: str
    name: str | None = None
    tool_calls: list[dict[str, Any]] | None = None


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
    """One turn of the conversation: the reply, the tool calls it made and the session id."""
    _checked(chat, body)
    return chat.reply(body.session_id, body.message).to_dict()


@router.post("/chat/stream", dependencies=[Depends(_rate_limit)],
             response_class=StreamingResponse,
             responses={200: {"content": {"text/event-stream": {}},
                              "description": "Server-sent events: session, tool_call, "
                                             "tool_result, text, done."}})
def chat_stream(body: ChatRequest, chat: ChatDep) -> StreamingResponse:
    """The same turn as server-sent events: ``session``, then per tool ``tool_call`` and
    ``tool_result``, the reply as ``text`` pieces, and ``done`` with the whole reply."""
    _checked(chat, body)

    def events() -> Iterator[str]:
        for event in chat.stream(body.session_id, body.message):
            if event["type"] == "tool_result":
                event = {k: v for k, v in event.items() if k != "result"}
            yield f"event: {event['type']}\ndata: {json.dumps(event, default=str)}\n\n"

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.get("/sessions/{session_id}", response_model=SessionHistory)
def session_history(session_id: str, chat: ChatDep) -> dict[str, Any]:
    """A session's messages, oldest first (an unknown session has none)."""
    return {"session_id": session_id, "messages": chat.history(session_id)}


@router.delete("/sessions/{session_id}")
def clear_session(session_id: str, chat: ChatDep) -> dict[str, Any]:
    """Forget a session's history."""
    return {"session_id": session_id, "cleared": chat.clear(session_id)}
