"""The serving process's state: the loaded services, the chat service and the session store, and
the swap to newly built models without a restart.

Front ends (the FastAPI app, the Gradio UI, the Slack bot) hold one :class:`Runtime` and read
``runtime.services`` / ``runtime.chat`` on every request, so a retrain that swaps them in is seen
by the next request. Sessions stay in the same store across swaps.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models import BaseChatModel

from cartwise.agent.chat import ChatService
from cartwise.agent.factory import build_chat_service
from cartwise.agent.memory import Sessions, open_sessions
from cartwise.agent.models import ChatModelInfo, build_chat_model
from cartwise.config import Settings
from cartwise.errors import CartwiseError
from cartwise.services import Services, build_services

log = logging.getLogger(__name__)


@dataclass
class RetrainStatus:
    """The last or running retrain: ``state`` is ``idle``, ``running``, ``done`` or
    ``failed``; times are Unix seconds; ``error`` says why it failed."""

    state: str = "idle"
    started: float | None = None
    finished: float | None = None
    error: str | None = None
    stages: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Counters:
    """Thread-safe named counters (requests served, chat turns, ...)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def incr(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._counts[name] = self._counts.get(name, 0) + n

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)


class Runtime:
    """Services + ChatService + sessions of one serving process.

    Args:
        settings: the settings everything was built from.
        services: the loaded services (the caller's to close; services this runtime loads
            itself, by :meth:`open` or :meth:`reload`, it closes).
        sessions: the session store (kept across reloads; closed by :meth:`close`).
        model: a chat model and its description to use instead of the settings' one (tests);
            it is reused on reload.
    """

    def __init__(self, settings: Settings, services: Services, sessions: Sessions,
                 model: tuple[BaseChatModel, ChatModelInfo] | None = None) -> None:
        self.settings = settings
        self.sessions = sessions
        self._fixed_model = model
        self._lock = threading.Lock()
        self._retrain_lock = threading.Lock()
        self.retrain_status = RetrainStatus()
        self.started = time.time()
        self.counters = Counters()
        self._services = services
        self._owned: set[int] = set()
        self._chat = self._chat_for(services)

    @classmethod
    def open(cls, settings: Settings, *, sessions: Sessions | None = None,
             model: tuple[BaseChatModel, ChatModelInfo] | None = None) -> Runtime:
        """Load the built store of ``settings`` and the chat stack over it.

        Raises:
            StoreError: the store is not built (run ``cartwise build``).
            ConfigError: the chat provider lacks its key or base URL.
        """
        services = build_services(settings)
        try:
            runtime = cls(settings, services, sessions or open_sessions(settings), model)
        except BaseException:
            services.close()
            raise
        runtime._owned.add(id(services))
        return runtime

    def _chat_for(self, services: Services) -> ChatService:
        model = self._fixed_model or build_chat_model(self.settings, services)
        return build_chat_service(self.settings, services, self.sessions, model=model)

    @property
    def services(self) -> Services:
        """The services in use (swapped by :meth:`reload`)."""
        return self._services

    @property
    def chat(self) -> ChatService:
        """The chat service in use (swapped by :meth:`reload`)."""
        return self._chat

    @property
    def model_info(self) -> ChatModelInfo:
        return self._chat.model

    def reload(self) -> None:
        """Load the store again and swap the new services and chat in; the old services are
        closed. Requests already running finish on the old ones."""
        services = build_services(self.settings)
        try:
            chat = self._chat_for(services)
        except BaseException:
            services.close()
            raise
        with self._lock:
            old, self._services, self._chat = self._services, services, chat
            self._owned.add(id(services))
        self._close(old)
        log.info("runtime: new models swapped in")

    def _close(self, services: Services) -> None:
        if id(services) in self._owned:
            self._owned.discard(id(services))
            services.close()

    def retrain(self, force: bool = False) -> bool:
        """Rebuild the store in a background thread, then :meth:`reload`. Returns False (and
        does nothing) when a retrain is already running; ``retrain_status`` tells how it
        goes."""
        if not self._retrain_lock.acquire(blocking=False):
            return False
        self.retrain_status = RetrainStatus("running", started=time.time())
        threading.Thread(target=self._retrain, args=(force,), name="cartwise-retrain",
                         daemon=True).start()
        return True

    def _retrain(self, force: bool) -> None:
        from cartwise.build import build_store

        status = self.retrain_status
        try:
            outcome = build_store(self.settings, force=force)
            status.stages = [{"name": s.name, "rebuilt": s.rebuilt, "seconds": round(s.seconds, 2)}
                             for s in outcome.stages]
            self.reload()
            status.state = "done"
        except CartwiseError as exc:
            log.error("retrain failed: %s", exc)
            status.state, status.error = "failed", str(exc)
        finally:
            status.finished = time.time()
            self._retrain_lock.release()

    @property
    def retraining(self) -> bool:
        return self._retrain_lock.locked()

    def close(self) -> None:
        """Close the services this runtime loaded and the session store."""
        self._close(self._services)
        self.sessions.close()
