"""A local stand-in of the Slack Web API for tests.

``SlackStandIn`` serves ``POST /api/auth.test`` and ``POST /api/chat.postMessage`` over real HTTP
on 127.0.0.1 (uvicorn running a small FastAPI app in a background thread), so the real
``slack_sdk.WebClient`` (and Bolt through it) talks to it via ``base_url=standin.base_url``.
Arguments are read the way slack_sdk sends them: query string, form body or JSON body; the token
from ``Authorization: Bearer`` or a ``token`` argument. A wrong token gets Slack's
``{"ok": false, "error": "invalid_auth"}``. Every posted message is recorded
(:class:`Posted`), thread-safely; :meth:`SlackStandIn.wait_for_messages` polls for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import threading
import time
import uuid
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse

from tests.http import LiveServer


@dataclass(frozen=True)
class Posted:
    """One ``chat.postMessage``: where, what, and when it arrived (``time.monotonic()``)."""

    channel: str
    text: str
    thread_ts: str | None
    at: float
    args: dict[str, Any] = field(default_factory=dict, repr=False)


class SlackStandIn:
    """The Slack Web API methods the bot uses, on 127.0.0.1.

    Args:
        token: the bot token the stand-in accepts.
        app_token: the app-level token ``apps.connections.open`` accepts.
        bot_user_id, bot_id, team_id: what ``auth.test`` tells about the bot.

    Attributes: ``messages`` (every :class:`Posted`, in arrival order), ``calls`` (the
    method name of every request, ``auth.test`` included) and ``acks`` (the envelope ids the
    Socket Mode client acknowledged).
    """

    def __init__(self, *, token: str = "xoxb-test-token", app_token: str = "xapp-test-token",
                 bot_user_id: str = "UBOT", bot_id: str = "BBOT", team_id: str = "T0TEST"
                 ) -> None:
        self.token = token
        self.app_token = app_token
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.team_id = team_id
        self.messages: list[Posted] = []
        self.calls: list[str] = []
        self.acks: list[str] = []
        self._envelopes: queue.Queue[dict[str, Any]] = queue.Queue()
        self._lock = threading.Lock()
        self._server = LiveServer(self._app(), name="slack-standin")

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/api/``, for ``WebClient(base_url=...)``."""
        return f"{self._server.url}/api/"

    def start(self) -> SlackStandIn:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- recordings ------------------------------------------------------------------------

    def posted(self) -> list[Posted]:
        """A copy of the messages posted so far."""
        with self._lock:
            return list(self.messages)

    def wait_for_messages(self, n: int, timeout: float = 10.0) -> list[Posted]:
        """The messages posted so far once there are at least ``n`` (polling every 10 ms).

        Raises:
            AssertionError: fewer than ``n`` arrived within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            got = self.posted()
            if len(got) >= n:
                return got
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {n} posted message(s) within {timeout} s, "
                                     f"got {len(got)}: {got}")
            time.sleep(0.01)

    def send_socket_event(self, body: dict[str, Any], retry_attempt: int = 0) -> str:
        """Queue an Events API ``body`` for the Socket Mode connection (``retry_attempt`` > 0:
        as Slack's retry); its envelope id."""
        envelope_id = uuid.uuid4().hex
        self._envelopes.put({"envelope_id": envelope_id, "type": "events_api",
                             "accepts_response_payload": False, "retry_attempt": retry_attempt,
                             "retry_reason": "timeout" if retry_attempt else "",
                             "payload": body})
        return envelope_id

    def wait_for_acks(self, n: int, timeout: float = 10.0) -> list[str]:
        """The acknowledged envelope ids once there are at least ``n``.

        Raises:
            AssertionError: fewer than ``n`` within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                got = list(self.acks)
            if len(got) >= n:
                return got
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {n} acknowledgement(s), got {got}")
            time.sleep(0.01)

    # -- the HTTP app ----------------------------------------------------------------------

    @staticmethod
    async def _arguments(request: Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query_params)
        raw = await request.body()
        kind = request.headers.get("content-type", "")
        if raw and kind.startswith("application/json"):
            body = json.loads(raw)
            if isinstance(body, dict):
                args.update(body)
        elif raw:
            args.update(parse_qsl(raw.decode(), keep_blank_values=True))
        return args

    def _authorized(self, request: Request, args: dict[str, Any],
                    expected: str | None = None) -> bool:
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ") if header.startswith("Bearer ") else args.get(
            "token")
        return token == (expected or self.token)

    async def _socket(self, ws: WebSocket) -> None:
        """Say hello, then deliver queued envelopes and record acknowledgements until the
        client leaves."""
        await ws.accept()
        await ws.send_json({"type": "hello", "num_connections": 1,
                            "connection_info": {"app_id": "A0TEST"},
                            "debug_info": {"host": "standin", "approximate_connection_time": 3600}})

        async def deliver() -> None:
            while True:
                try:
                    envelope = self._envelopes.get_nowait()
                except queue.Empty:
                    await asyncio.sleep(0.01)
                    continue
                await ws.send_text(json.dumps(envelope))

        sender = asyncio.create_task(deliver())
        try:
            while True:
                message = json.loads(await ws.receive_text())
                if isinstance(message, dict) and "envelope_id" in message:
                    with self._lock:
                        self.acks.append(message["envelope_id"])
        except WebSocketDisconnect:
            pass
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/api/{method}")
        async def api(method: str, request: Request) -> JSONResponse:
            args = await self._arguments(request)
            with self._lock:
                self.calls.append(method)
            if method == "apps.connections.open":
                if not self._authorized(request, args, self.app_token):
                    return JSONResponse({"ok": False, "error": "invalid_auth"})
                return JSONResponse({"ok": True, "url": f"ws://127.0.0.1:{self._server.port}"
                                                        "/link"})
            if not self._authorized(request, args):
                return JSONResponse({"ok": False, "error": "invalid_auth"})
            if method == "auth.test":
                return JSONResponse({
                    "ok": True, "url": "https://standin.slack.test/", "team": "Stand-in",
                    "user": "cartwise", "team_id": self.team_id, "user_id": self.bot_user_id,
                    "bot_id": self.bot_id, "is_enterprise_install": False,
                })
            if method == "chat.postMessage":
                if not args.get("channel") or not args.get("text"):
                    return JSONResponse({"ok": False, "error": "no_text"})
                posted = Posted(str(args["channel"]), str(args["text"]),
                                args.get("thread_ts"), time.monotonic(), args)
                with self._lock:
                    self.messages.append(posted)
                ts = f"{time.time():.6f}"
                return JSONResponse({
                    "ok": True, "channel": posted.channel, "ts": ts,
                    "message": {"type": "message", "text": posted.text, "user": self.bot_user_id,
                                "bot_id": self.bot_id, "ts": ts, "thread_ts": posted.thread_ts},
                })
            return JSONResponse({"ok": False, "error": "unknown_method"})

        app.add_api_websocket_route("/link", self._socket)
        return app
