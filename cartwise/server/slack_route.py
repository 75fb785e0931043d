"""``POST /slack/events`` of the server: the Slack bot as an optional part that never blocks or
fails start-up.

The bot is built (Bolt app, its token checked with Slack's ``auth.test``) in a background
thread when the server starts. When Slack cannot be reached or rejects the token, the server
serves anyway: ``/health`` shows the ``slack`` component failed with the reason,
``/slack/events`` answers a JSON 503 with it, and the bot is built again on the next event (at
most every :attr:`SlackBot.retry_seconds`), so it recovers without a restart once Slack answers.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from cartwise.config import Settings
from cartwise.errors import ConfigError
from cartwise.runtime import Runtime

log = logging.getLogger(__name__)


class SlackBot:
    """The server's Slack bot, built in the background and again after a failure.

    Args:
        settings: with the bot token and signing secret (``slack_api_url`` for the Web API).
        runtime: what the bot answers with.
        retry_seconds: the least time between two attempts to build the bot after a failure.
        build: makes the request handler (default: Bolt's over
            :func:`~cartwise.ui.slack.build_slack_app`); it raises ConfigError when Slack
            rejects the token or cannot be reached.
    """

    def __init__(self, settings: Settings, runtime: Runtime, *, retry_seconds: float = 30.0,
                 build: Callable[[], Any] | None = None) -> None:
        self.retry_seconds = retry_seconds
        self._build = build or (lambda: _bolt_handler(settings, runtime))
        self._lock = threading.Lock()
        self._handler: Any = None
        self._error: str | None = None
        self._tried: float | None = None
        self._ready = threading.Event()
        threading.Thread(target=self._first, name="cartwise-slack-start", daemon=True).start()

    def _first(self) -> None:
        try:
            self.handler()
        finally:
            self._ready.set()

    def handler(self) -> Any:
        """The request handler, built now if it is not yet and the last attempt is old enough;
        None while the bot cannot be built (:meth:`status` says why)."""
        with self._lock:
            if self._handler is not None:
                return self._handler
            now = time.monotonic()
            if self._tried is not None and now - self._tried < self.retry_seconds:
                return None
            self._tried = now
            try:
                self._handler, self._error = self._build(), None
                log.info("slack: the bot answers at /slack/events")
            except ConfigError as exc:
                self._error = str(exc)
                log.warning("slack: the bot is not answering: %s (tried again on the next "
                            "event, at most every %.0f s)", exc, self.retry_seconds)
            return self._handler

    def wait_started(self, timeout: float | None = None) -> bool:
        """Wait for the first attempt to build the bot (tests); True once it is over."""
        return self._ready.wait(timeout)

    def status(self) -> dict[str, Any]:
        """``/health``'s ``slack`` component: ``state`` ``warming`` (the first attempt is
        running), ``ok`` or ``failed`` with the ``error``; ``optional``: it never makes the
        server unhealthy."""
        if self._handler is not None:
            return {"ok": True, "state": "ok", "optional": True}
        if not self._ready.is_set():
            return {"ok": True, "state": "warming", "optional": True}
        return {"ok": False, "state": "failed", "error": self._error, "optional": True}

    async def handle(self, request: Request) -> Response:
        """Answer one request to ``/slack/events`` (503 with the reason while the bot cannot
        be built)."""
        from starlette.concurrency import run_in_threadpool

        handler = await run_in_threadpool(self.handler)
        if handler is None:
            return JSONResponse(status_code=503, content={
                "detail": f"The Slack bot is not answering: {self._error}",
                "retry_after_s": self.retry_seconds},
                headers={"Retry-After": str(int(self.retry_seconds))})
        response: Response = await handler.handle(request)
        return response


def _bolt_handler(settings: Settings, runtime: Runtime) -> Any:
    from cartwise.ui.slack import build_slack_app, slack_request_handler

    return slack_request_handler(build_slack_app(settings, runtime))


def mount_slack(app: FastAPI, settings: Settings, runtime: Runtime) -> SlackBot:
    """Serve the bot at ``POST /slack/events`` of ``app`` (kept as ``app.state.slack``)."""
    bot = SlackBot(settings, runtime)
    app.state.slack = bot

    @app.post("/slack/events", include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        return await bot.handle(request)

    return bot
