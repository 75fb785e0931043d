"""Request ids and access logs, the request size limit, and the per-client rate limit."""

from __future__ import annotations

import contextvars
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


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (the current request's id) to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class RequestContext:
    """ASGI middleware: gives each HTTP request an id (the client's ``X-Request-ID`` when it is
    sane, else a new one), returns it in the ``X-Request-ID`` header, logs one access line per
    request with the id, counts requests in the app's runtime (``counters``), and answers 413
    to bodies announced larger than ``max_body`` bytes."""

    def __init__(self, app: ASGIApp, max_body: int = 1 << 20) -> None:
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
        status = {"code": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            length = headers.get("content-length", "")
            if length.isdigit() and int(length) > self.max_body:
                await _plain(send_with_id, 413, f"request body larger than {self.max_body} "
                                                "bytes")
                return
            await self.app(scope, receive, send_with_id)
        finally:
            log.info("%s %s -> %d in %.1f ms", scope["method"], scope["path"], status["code"],
                     (time.perf_counter() - t0) * 1000)
            request_id.reset(token)


async def _plain(send: Any, status: int, detail: str) -> None:
    body = ('{"detail": "' + detail + '"}').encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
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
