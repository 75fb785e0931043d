"""A local stand-in for an OpenAI-compatible chat-completions server, for tests.

``OpenAIStandIn`` serves the OpenAI chat-completions wire protocol over real HTTP on
127.0.0.1 (uvicorn running a small FastAPI app in a background thread), so the real
``openai`` client and ``langchain_openai.ChatOpenAI`` can talk to it via
``base_url=standin.base_url``. Replies are scripted (FIFO queue), computed by a
``responder`` callable when the queue is empty, or else a fixed ``default_text``.
Every chat-completions request whose body is valid JSON is recorded (body in
``requests``, lower-cased headers in ``headers``), including those then rejected with 401.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from tests.http import LiveServer


def new_call_id() -> str:
    """A tool call id shaped like OpenAI's: ``call_<24 hex digits>``."""
    return f"call_{uuid.uuid4().hex[:24]}"


@dataclass(frozen=True)
class ToolCall:
    """One function call; ``arguments`` is a dict (sent JSON-encoded) or a raw JSON string."""

    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)
    id: str = field(default_factory=new_call_id)

    @property
    def arguments_json(self) -> str:
        """The arguments as the JSON string OpenAI puts on the wire."""
        args = self.arguments
        return args if isinstance(args, str) else json.dumps(args)


@dataclass(frozen=True)
class TextReply:
    """An assistant text answer (``finish_reason`` "stop")."""

    text: str


@dataclass(frozen=True)
class ToolCallsReply:
    """An assistant turn that calls tools (``content`` null, ``finish_reason`` "tool_calls")."""

    calls: list[ToolCall]


Reply = TextReply | ToolCallsReply
Responder = Callable[[dict[str, Any]], Reply]


def _error(status: int, message: str, type_: str, code: str) -> JSONResponse:
    body = {"error": {"message": message, "type": type_, "param": None, "code": code}}
    return JSONResponse(body, status_code=status)


def _count_tokens(value: Any) -> int:
    """A rough token count: the words of every string inside ``value`` (a message content)."""
    if isinstance(value, str):
        return len(value.split())
    if isinstance(value, dict):
        return sum(_count_tokens(v) for v in value.values())
    if isinstance(value, list):
        return sum(_count_tokens(v) for v in value)
    return 0


def _pieces(text: str, size: int | None = None) -> list[str]:
    """Split ``text`` into stream deltas: per word (with its trailing space) or per ``size``."""
    if size:
        return [text[i : i + size] for i in range(0, len(text), size)]
    return [p for p in re.findall(r"\S*\s*", text) if p]


class OpenAIStandIn:
    """An OpenAI chat-completions server on 127.0.0.1 in a background thread.

    Endpoints: ``POST /v1/chat/completions`` (plain and ``"stream": true``, honouring
    ``stream_options.include_usage``) and ``GET /v1/models``. With ``api_key`` set,
    requests without ``Authorization: Bearer <api_key>`` get 401; a body that is not a
    JSON object gets 400; both in OpenAI's ``{"error": {...}}`` shape.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        models: Sequence[str] = ("stand-in",),
        default_text: str = "stand-in reply",
        responder: Responder | None = None,
    ) -> None:
        self.api_key = api_key
        self.models = list(models)
        self.default_text = default_text
        self.responder: Responder | None = responder
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._live: LiveServer | None = None

    # -- scripting -------------------------------------------------------------------------

    def enqueue(self, *replies: Reply) -> None:
        """Queue replies, served first-in first-out ahead of ``responder``/``default_text``."""
        with self._lock:
            self._queue.extend(replies)

    def enqueue_text(self, text: str) -> None:
        """Queue a text answer."""
        self.enqueue(TextReply(text))

    def enqueue_tool_calls(self, calls: Sequence[dict[str, Any] | ToolCall]) -> None:
        """Queue one assistant turn calling tools: ``{"name", "arguments"[, "id"]}`` each."""
        parsed = [c if isinstance(c, ToolCall) else ToolCall(**c) for c in calls]
        self.enqueue(ToolCallsReply(parsed))

    def _next_reply(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        if self.responder is not None:
            return self.responder(body)
        return TextReply(self.default_text)

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def port(self) -> int | None:
        return self._live.port if self._live is not None else None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1``, for ``base_url=`` of the OpenAI clients."""
        if self._live is None:
            raise RuntimeError("the stand-in is not started")
        return f"{self._live.url}/v1"

    def start(self, timeout: float = 10.0) -> OpenAIStandIn:
        """Bind a free port, serve in a daemon thread, return once connections are accepted."""
        if self._live is not None:
            raise RuntimeError("the stand-in is already started")
        self._live = LiveServer(self._app(), name="openai-standin").start(timeout)
        return self

    def stop(self) -> None:
        """Shut the server down and release the port (idempotent)."""
        if self._live is not None:
            self._live.stop()
        self._live = None

    def __enter__(self) -> OpenAIStandIn:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- the HTTP app ----------------------------------------------------------------------

    def _unauthorized(self, request: Request) -> JSONResponse | None:
        if self.api_key is None or request.headers.get("authorization") == f"Bearer {self.api_key}":
            return None
        return _error(401, "Incorrect API key provided.", "invalid_request_error",
                      "invalid_api_key")

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/v1/models")
        async def models(request: Request) -> Any:
            if (denied := self._unauthorized(request)) is not None:
                return denied
            data = [{"id": m, "object": "model", "created": 0, "owned_by": "stand-in"}
                    for m in self.models]
            return {"object": "list", "data": data}

        @app.post("/v1/chat/completions")
        async def chat_completions(request: Request) -> Any:
            try:
                body = json.loads(await request.body())
            except ValueError:
                body = None
            if not isinstance(body, dict):
                return _error(400, "The request body is not valid JSON.",
                              "invalid_request_error", "invalid_json")
            with self._lock:
                self.requests.append(body)
                self.headers.append(dict(request.headers))
            if (denied := self._unauthorized(request)) is not None:
                return denied
            reply = self._next_reply(body)
            if body.get("stream"):
                return StreamingResponse(self._stream(body, reply), media_type="text/event-stream")
            return self._completion(body, reply)

        return app

    @staticmethod
    def _usage(body: dict[str, Any], reply: Reply) -> dict[str, int]:
        messages = body.get("messages") or []
        prompt = sum(_count_tokens(m.get("content")) for m in messages if isinstance(m, dict))
        if isinstance(reply, TextReply):
            completion = len(reply.text.split())
        else:
            completion = sum(1 + len(c.arguments_json.split()) for c in reply.calls)
        return {"prompt_tokens": prompt, "completion_tokens": completion,
                "total_tokens": prompt + completion}

    def _completion(self, body: dict[str, Any], reply: Reply) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
        if isinstance(reply, TextReply):
            message["content"], finish = reply.text, "stop"
        else:
            message["tool_calls"] = [
                {"id": c.id, "type": "function",
                 "function": {"name": c.name, "arguments": c.arguments_json}}
                for c in reply.calls
            ]
            finish = "tool_calls"
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion",
            "created": int(time.time()), "model": body.get("model", self.models[0]),
            "system_fingerprint": None,
            "choices": [{"index": 0, "message": message, "logprobs": None,
                         "finish_reason": finish}],
            "usage": self._usage(body, reply),
        }

    def _stream(self, body: dict[str, Any], reply: Reply) -> Iterator[str]:
        """The SSE lines OpenAI sends for ``reply``: role, deltas, finish, [usage], [DONE]."""
        with_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        head = {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion.chunk",
                "created": int(time.time()), "model": body.get("model", self.models[0]),
                "system_fingerprint": None}

        def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
            data = {**head, "choices": [choice]}
            if with_usage:
                data["usage"] = None
            return f"data: {json.dumps(data)}\n\n"

        if isinstance(reply, TextReply):
            yield chunk({"role": "assistant", "content": "", "refusal": None})
            for piece in _pieces(reply.text):
                yield chunk({"content": piece})
            finish = "stop"
        else:
            yield chunk({"role": "assistant", "content": None, "refusal": None})
            for index, call in enumerate(reply.calls):
                yield chunk({"tool_calls": [{"index": index, "id": call.id, "type": "function",
                                             "function": {"name": call.name, "arguments": ""}}]})
                for piece in _pieces(call.arguments_json, size=8):
                    yield chunk({"tool_calls": [{"index": index,
                                                 "function": {"arguments": piece}}]})
            finish = "tool_calls"
        yield chunk({}, finish)
        if with_usage:
            data = {**head, "choices": [], "usage": self._usage(body, reply)}
            yield f"data: {json.dumps(data)}\n\n"
        yield "data: [DONE]\n\n"
