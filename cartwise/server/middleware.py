"""Request ids and access logs, the one JSON error shape, the request body limit (counted as
the body streams in), the last-resort JSON 500, and the per-client rate limit."""

from __future__ import annotations

import contextvars
import json
import logging
import math
import threading
import time
import uuid
from collections import OrderedDict
from typing import Any

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("cartwise.server.access")

#: The id of the request being served (``-`` outside requests), for log records.
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


#: Default request body limit: 1 MiB.
MAX_BODY = 1 << 20


def error_body(type_: str, message: str, **extra: Any) -> dict[str, Any]:
    """The one JSON error shape: ``{"error": {"type", "message", "request_id"}, **extra}``.

    ``type_`` is a stable snake_case name clients may branch on (``not_found``,
    ``invalid_request``, ``payload_too_large``, ``internal_error``, ...); ``message`` is for
    people; ``request_id`` is the current request's id (the ``X-Request-ID`` header, ``-``
    outside a request). ``extra`` are the fields kept beside it for existing clients (FastAPI's
    ``detail``, ``error_type``, ...)."""
    return {"error": {"type": type_, "message": message, "request_id": request_id.get()},
            **extra}


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (the current request's id) to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class BodyTooLarge(Exception):
    """Raised by :class:`RequestContext` to stop an app whose request body passed the limit
    (the 413 is already sent; anything the app sends afterwards is dropped)."""


class RequestContext:
    """ASGI middleware around every HTTP request.

    * gives each request an id (the client's ``X-Request-ID`` when it is sane, else a new one),
      returns it in the ``X-Request-ID`` header and sets :data:`request_id` for log records;
    * logs one access line per request and counts requests in the app's runtime
      (``counters``);
    * refuses bodies over ``max_body`` bytes with a JSON 413 (:func:`error_body`,
      ``payload_too_large``): at once when ``Content-Length`` announces more, else as soon
      as the ``http.request`` messages received add up to more (chunked bodies included). The
      rest of the body is never read: the app's next ``receive`` raises :class:`BodyTooLarge`,
      nothing it sends afterwards goes out, and the server drops the connection;
    * turns an exception the app did not handle into a JSON 500 (``internal_error``), logged
      with its traceback and the request id; when the response had already started, the
      exception is logged and the connection closed (the client sees a cut-off response).
    """

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        given = headers.get("x-request-id", "")
        rid = given if 0 < len(given) <= 64 and given.replace("-", "").isalnum() else (
            uuid.uuid4().hex[:16])
        token = request_id.set(rid)
        t0 = time.perf_counter()
        runtime = getattr(getattr(scope.get("app"), "state", None), "runtime", None)
        if runtime is not None:
            runtime.counters.incr("requests")
            if scope["path"].startswith("/chat"):
                runtime.counters.incr("chat_requests")
        state: dict[str, Any] = {"status": 500, "started": False, "refused": False,
                                 "received": 0}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"], state["started"] = message["status"], True
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        async def send_unless_refused(message: Message) -> None:
            if not state["refused"]:
                await send_with_id(message)

        async def refuse(close: bool) -> None:
            state["refused"] = True
            # "Connection: close" for a body refused while it streams: the server drops the
            # connection instead of reading (and discarding) the rest to keep it alive. A body
            # whose Content-Length is refused at once is not: the client is then still sending
            # it, and closing on unread data resets the connection before it reads the 413.
            await _json(send_with_id, 413, error_body(
                "payload_too_large", f"request body larger than {self.max_body} bytes",
                detail=f"request body larger than {self.max_body} bytes"), close=close)

        async def counted_receive() -> Message:
            if state["refused"]:
                raise BodyTooLarge(self.max_body)
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > self.max_body:
                    if not state["started"]:
                        await refuse(close=True)
                    else:
                        state["refused"] = True
                    raise BodyTooLarge(self.max_body)
            return message

        try:
            length = headers.get("content-length", "")
            if length.isdigit() and int(length) > self.max_body:
                await refuse(close=False)
                return
            await self.app(scope, counted_receive, send_unless_refused)
        except BodyTooLarge:
            if not state["refused"]:  # pragma: no cover - raised only after refusing
                raise
        except Exception:
            if state["refused"]:  # the app failed on the body it was refused: said already
                return
            log.exception("unhandled error on %s %s [request %s]", scope["method"],
                          scope["path"], rid)
            if not state["started"]:
                await _json(send_with_id, 500, error_body(
                    "internal_error", f"internal server error (request id {rid})",
                    detail="Internal Server Error"))
        finally:
            log.info("%s %s -> %d in %.1f ms", scope["method"], scope["path"], state["status"],
                     (time.perf_counter() - t0) * 1000)
            request_id.reset(token)


async def _json(send: Send, status: int, content: dict[str, Any], close: bool = False) -> None:
    body = json.dumps(content).encode()
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, (b"connection", b"close")] if close else headers})
    await send({"type": "http.response.body", "body": body})


class RateLimiter:
    """A token bucket per client: ``per_minute`` requests a minute, bursts up to the same
    number; 0 disables it. Thread-safe; remembers at most ``max_clients`` clients (the least
    recently seen are forgotten)."""

    def __init__(self, per_minute: int, max_clients: int = 10_000) -> None:
        self.per_minute = per_minute
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, client: str, now: float | None = None) -> float:
        """Spend one request of ``client``: 0 when allowed, else the seconds to wait."""
        if self.per_minute <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        rate = self.per_minute / 60.0
        with self._lock:
            tokens, last = self._buckets.pop(client, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * rate)
            wait = 0.0
            if tokens >= 1:
                tokens -= 1
            else:
                wait = (1 - tokens) / rate
            self._buckets[client] = (tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        return wait

    def __call__(self, request: Request) -> None:
        """A route dependency: 429 with ``Retry-After`` when the client is over the limit."""
        client = request.client.host if request.client else "unknown"
        wait = self.take(client)
        if wait > 0:
            raise HTTPException(429, detail=f"rate limit of {self.per_minute} chat requests a "
                                            "minute exceeded; retry later",
                                headers={"Retry-After": str(math.ceil(wait))})
