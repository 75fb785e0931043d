"""Prometheus metrics of one app, served at ``GET /metrics`` (text exposition format).

:func:`install_metrics` gives an app its own :class:`Metrics` (one ``CollectorRegistry`` per
app, never the process-wide default one: a test process creates many apps), an ASGI middleware
that counts and times every HTTP request by its *route template* (``/users/{user_id}/profile``,
not the raw path, so ids do not multiply the series; a request no route served is
``unmatched``), and the ``/metrics`` route (left out of the OpenAPI schema).

The routes record what only they see through the module functions :func:`record_tool_call`
and :func:`record_chat_turn`; they find the app's metrics through a context variable that the
middleware sets for the request (it follows the request into the worker threads of sync routes
and streamed bodies), and are no-ops outside one. :func:`count_rate_limited` wraps the app's
rate limiter so that each 429 it answers is counted, without touching its logic.

Series (all prefixed ``cartwise_``):

* ``http_requests_total{route, method, status}``,
  ``http_request_duration_seconds{route, method}`` (histogram),
  ``http_server_errors_total{route, method, status}`` (5xx only)
* ``tool_calls_total{tool, source, outcome}``, ``tool_call_duration_seconds{tool, source}``
  (histogram), ``tool_failures_total{tool, source, error_type}``; ``source`` is ``rest`` (a
  REST tool route) or ``chat`` (a chat turn's tool trace), ``outcome`` ``ok`` / ``failed``
* ``chat_turns_total{mode, outcome}``: ``mode`` ``reply`` (``/chat``) or ``stream``;
  ``outcome`` ``ok``, ``tool_failed`` (a tool answered a failure) or ``model_error``
* ``rate_limited_total{route}``
* ``session_backend{kind}``: 1 for the session store in use, 0 for the other kinds
* ``model_build_info{stage, built_at}`` (1) and ``model_built_timestamp_seconds{stage}``: the
  build of each stage being served (read at scrape time: a retrain swaps the services)
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cartwise.agent.chat import ToolStep

#: The label of a request that no route matches (a 404 of an unknown path).
UNMATCHED = "unmatched"

#: The session store kinds (:class:`~cartwise.agent.memory.Sessions` ``kind``).
SESSION_KINDS = ("memory", "sqlite", "postgres")

#: Latency buckets in seconds: REST tools take milliseconds, chat turns up to seconds.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
           60.0)

_current: contextvars.ContextVar[Metrics | None] = contextvars.ContextVar(
    "cartwise_metrics", default=None)


class Metrics:
    """The metrics of one app, in their own ``registry``. Thread-safe (prometheus_client's
    metrics are).

    Args:
        runtime_of: the runtime to read the gauges from at scrape time (the app's current
            one), or None when there is none to read.
    """

    def __init__(self, runtime_of: Callable[[], Any] | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        reg = self.registry
        self.requests = Counter("cartwise_http_requests", "HTTP requests served.",
                                ["route", "method", "status"], registry=reg)
        self.request_seconds = Histogram(
            "cartwise_http_request_duration_seconds", "HTTP request latency by route template.",
            ["route", "method"], buckets=BUCKETS, registry=reg)
        self.server_errors = Counter("cartwise_http_server_errors",
                                     "HTTP requests answered with a 5xx status.",
                                     ["route", "method", "status"], registry=reg)
        self.tool_calls = Counter("cartwise_tool_calls", "Tool calls.",
                                  ["tool", "source", "outcome"], registry=reg)
        self.tool_seconds = Histogram("cartwise_tool_call_duration_seconds",
                                      "Time in the tool per call.", ["tool", "source"],
                                      buckets=BUCKETS, registry=reg)
        self.tool_failures = Counter("cartwise_tool_failures",
                                     "Tool calls that answered a failure, by its error_type.",
                                     ["tool", "source", "error_type"], registry=reg)
        self.chat_turns = Counter("cartwise_chat_turns", "Chat turns answered, by outcome.",
                                  ["mode", "outcome"], registry=reg)
        self.rate_limited = Counter("cartwise_rate_limited",
                                    "Requests refused by the rate limit (429).", ["route"],
                                    registry=reg)
        if runtime_of is not None:
            reg.register(RuntimeCollector(runtime_of))

    def exposition(self) -> bytes:
        """The registry in the Prometheus text format."""
        return generate_latest(self.registry)

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one HTTP request (``route``: its template) and its latency."""
        self.requests.labels(route, method, str(status)).inc()
        self.request_seconds.labels(route, method).observe(seconds)
        if status >= 500:
            self.server_errors.labels(route, method, str(status)).inc()

    def observe_tool(self, tool: str, source: str, seconds: float | None,
                     error_type: str | None) -> None:
        """Count one tool call; ``error_type`` None = it succeeded; ``seconds`` None = not
        timed (counted, not observed)."""
        self.tool_calls.labels(tool, source, "ok" if error_type is None else "failed").inc()
        if seconds is not None:
            self.tool_seconds.labels(tool, source).observe(seconds)
        if error_type is not None:
            self.tool_failures.labels(tool, source, error_type).inc()


class RuntimeCollector(Collector):
    """The gauges read from the app's runtime when scraped: the session backend in use and the
    build of each stage served (``runtime.services.manifests``' ``built_at``)."""

    def __init__(self, runtime_of: Callable[[], Any]) -> None:
        self.runtime_of = runtime_of

    def describe(self) -> Iterable[Metric]:
        return []  # only known at scrape time

    def collect(self) -> Iterator[Metric]:
        from cartwise.build import STAGES

        runtime = self.runtime_of()
        if runtime is None:
            return
        backend = GaugeMetricFamily("cartwise_session_backend",
                                    "1 for the session store in use, 0 for the other kinds.",
                                    labels=["kind"])
        kind = runtime.sessions.kind
        for k in dict.fromkeys((*SESSION_KINDS, kind)):
            backend.add_metric([k], 1.0 if k == kind else 0.0)
        yield backend
        info = GaugeMetricFamily("cartwise_model_build_info",
                                 "The build of each stage in service (1; built_at as a label).",
                                 labels=["stage", "built_at"])
        stamp = GaugeMetricFamily("cartwise_model_built_timestamp_seconds",
                                  "When each stage in service was built (Unix seconds).",
                                  labels=["stage"])
        manifests = runtime.services.manifests
        for stage in STAGES:
            built_at = (manifests.get(stage) or {}).get("built_at")
            if not built_at:
                continue
            info.add_metric([stage, str(built_at)], 1.0)
            with contextlib.suppress(ValueError):  # not an ISO time: the info gauge only
                stamp.add_metric([stage], datetime.fromisoformat(str(built_at)).timestamp())
        yield info
        yield stamp


def route_template(scope: Scope, root_path: str = "") -> str:
    """The path template of the route that served ``scope``, read after the app handled it
    (the router records its route in ``scope["route"]``), behind the prefix of the mounts it
    went through (the growth of ``root_path`` past ``root_path``, the app's own).

    :data:`UNMATCHED` when no route served it (an unknown path, or a request refused before
    routing, such as a 413); ``<mount>/{path}`` for a path a mounted app has no route for.
    Routes of an ``APIRouter`` included with a ``prefix`` would show without it (Cartwise's
    routers have none)."""
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    if not path:
        return UNMATCHED
    mounted = str(scope.get("root_path", ""))
    prefix = mounted[len(root_path):] if mounted.startswith(root_path) else ""
    if isinstance(route, Mount):  # the mounted app routed nothing: its prefix is in root_path
        return f"{prefix}/{{path}}"
    return f"{prefix}{path}"


class MetricsMiddleware:
    """ASGI middleware: makes ``metrics`` the current request's (for the routes' records), and
    counts and times each HTTP request by its route template (:func:`route_template`). An
    exception out of the app counts as a 500."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        root_path = str(scope.get("root_path", ""))  # a mount lengthens it
        status = {"code": 500}
        token = _current.set(self.metrics)
        t0 = time.perf_counter()

        async def send_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            _current.reset(token)
            self.metrics.observe_request(route_template(scope, root_path), scope["method"],
                                         status["code"], time.perf_counter() - t0)


def install_metrics(app: FastAPI, runtime_of: Callable[[], Any] | None = None) -> Metrics:
    """Give ``app`` its metrics (``app.state.metrics``), the request middleware and
    ``GET /metrics`` (not in the OpenAPI schema). Call it after the app's other middleware, so
    that it is the outermost and also counts what they answer themselves (a 413).

    Args:
        runtime_of: the runtime the gauges read (see :class:`RuntimeCollector`).
    """
    metrics = Metrics(runtime_of)
    app.state.metrics = metrics
    app.add_middleware(MetricsMiddleware, metrics=metrics)

    @app.get("/metrics", include_in_schema=False)
    def prometheus_metrics() -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return metrics


def current_metrics() -> Metrics | None:
    """The metrics of the app serving the current request (None outside one)."""
    return _current.get()


def _error_type(result: Any) -> str | None:
    """A tool result's failure ``error_type`` (None for a success); a result with only an
    ``error`` (a tool that raised, in a chat trace) is ``error``."""
    if isinstance(result, dict):
        error_type, error = result.get("error_type"), result.get("error")
    else:  # a ToolResult: only a Failure has these
        error_type, error = getattr(result, "error_type", None), getattr(result, "error", None)
    if error_type:
        return str(error_type)
    return "error" if error else None


def record_tool_call(tool: str, seconds: float, result: Any, source: str = "rest") -> None:
    """Count a tool call made outside a chat turn (a REST route) with its ``result`` (a
    :class:`~cartwise.tools.results.ToolResult` or its JSON); no-op outside a request."""
    metrics = _current.get()
    if metrics is not None:
        metrics.observe_tool(tool, source, seconds, _error_type(result))


def record_chat_turn(error: str | None, steps: Iterable[ToolStep], mode: str = "reply") -> None:
    """Count a chat turn (``error``: the chat model's failure, if any) and each tool call of
    its trace (``ms`` and ``ok``; a failed one's ``error_type`` from its result when the step
    has it, else ``failed``); no-op outside a request."""
    metrics = _current.get()
    if metrics is None:
        return
    tool_failed = False
    for step in steps:
        error_type = None
        if not step.ok:
            tool_failed = True
            error_type = _error_type(step.result) or "failed"
        metrics.observe_tool(step.name, "chat", None if step.ms is None else step.ms / 1000,
                             error_type)
    outcome = "model_error" if error else "tool_failed" if tool_failed else "ok"
    metrics.chat_turns.labels(mode, outcome).inc()


def count_rate_limited(limiter: Callable[[Request], None]) -> Callable[[Request], None]:
    """``limiter`` (a route dependency raising 429 over the limit) counting each 429 in the
    current app's ``cartwise_rate_limited_total``; its other attributes pass through."""
    return _CountedLimiter(limiter)


class _CountedLimiter:
    def __init__(self, limiter: Callable[[Request], None]) -> None:
        self._limiter = limiter

    def __getattr__(self, name: str) -> Any:
        return getattr(self._limiter, name)

    def __call__(self, request: Request) -> None:
        try:
            self._limiter(request)
        except HTTPException as exc:
            metrics = _current.get()
            if exc.status_code == 429 and metrics is not None:
                metrics.rate_limited.labels(route_template(request.scope)).inc()
            raise
