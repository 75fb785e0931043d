"""Serving an ASGI app over real HTTP in a test: uvicorn on a free loopback port, in a thread.

:class:`LiveServer` is the one way tests (and the stand-in servers) do it; :func:`serving` is
the context-manager shorthand yielding the base URL.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

import uvicorn


class LiveServer:
    """``app`` served by uvicorn on 127.0.0.1:<free port> in a daemon thread.

    Use as a context manager (or :meth:`start` / :meth:`stop`); ``url`` is
    ``http://127.0.0.1:<port>``. ``lifespan`` is uvicorn's (``"on"`` runs the app's startup and
    shutdown).
    """

    def __init__(self, app: Any, name: str = "live-server", lifespan: str = "off") -> None:
        self.app = app
        self.name = name
        self.lifespan = lifespan
        self.port: int | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError(f"{self.name} is not started")
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> LiveServer:
        """Bind a free port, serve in a daemon thread, return once connections are accepted."""
        if self._thread is not None:
            raise RuntimeError(f"{self.name} is already started")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._socket, self.port = sock, sock.getsockname()[1]
        config = uvicorn.Config(self.app, lifespan=self.lifespan, log_config=None,
                                log_level="warning", access_log=False,
                                timeout_graceful_shutdown=2)
        # not in the main thread, so uvicorn installs no signal handlers
        self._server = server = uvicorn.Server(config)
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                                        name=self.name, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not start")
            time.sleep(0.01)
        socket.create_connection(("127.0.0.1", self.port), timeout=timeout).close()
        return self

    def stop(self) -> None:
        """Ask the server to exit, join its thread and release the port (idempotent)."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
            if self._thread.is_alive() and self._server is not None:
                self._server.force_exit = True  # drop connections still streaming
                self._thread.join(timeout=5)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve ``app`` (its lifespan included) until the block ends; yields its base URL."""
    with LiveServer(app, "test-server", lifespan="on") as server:
        yield server.url
