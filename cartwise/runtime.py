"""The serving process's state: the loaded services, the chat service and the session store, and
the swap to newly built models without a restart.

Front ends (the FastAPI app, the Gradio UI, the Slack bot) hold one :class:`Runtime` and read
``runtime.services`` / ``runtime.chat`` on every request, so a retrain that swaps them in is seen
by the next request. Sessions stay in the same store across swaps.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel

from cartwise.agent.chat import ChatService
from cartwise.agent.factory import build_chat_service
from cartwise.agent.memory import Sessions, open_sessions
from cartwise.agent.models import ChatModelInfo, build_chat_model, chat_model_info
from cartwise.config import Settings
from cartwise.errors import CartwiseError, WarmingUp
from cartwise.services import FAILED, OK, WARMING, PartStatus, Services, build_services

log = logging.getLogger(__name__)

#: When :meth:`Runtime.open` loads the parts: before returning, in a background thread, or each
#: on first use.
WarmMode = Literal["now", "background", "lazy"]


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
        services: the services (the caller's to close; services this runtime opens itself, by
            :meth:`open` or :meth:`reload`, it closes).
        sessions: the session store (kept across reloads; closed by :meth:`close`).
        model: a chat model and its description to use instead of the settings' one (tests);
            it is reused on reload.
        lazy: build the chat stack on first use (or by :meth:`start_warming`) instead of now.

    Raises:
        ConfigError: the chat provider lacks its key or base URL.
    """

    def __init__(self, settings: Settings, services: Services, sessions: Sessions,
                 model: tuple[BaseChatModel, ChatModelInfo] | None = None, *,
                 lazy: bool = False) -> None:
        self.settings = settings
        self.sessions = sessions
        self._fixed_model = model
        self._info = model[1] if model is not None else chat_model_info(settings)
        self._lock = threading.Lock()
        self._retrain_lock = threading.Lock()
        self.retrain_status = RetrainStatus()
        self.started = time.time()
        self.counters = Counters()
        self._services = services
        self._owned: set[int] = set()
        self._chat: ChatService | None = None
        self._chat_lock = threading.Lock()
        self._chat_error: CartwiseError | None = None
        self._chat_status = PartStatus()
        self._warmer: threading.Thread | None = None
        if not lazy:
            self.chat  # noqa: B018 - built now

    @classmethod
    def open(cls, settings: Settings, *, sessions: Sessions | None = None,
             model: tuple[BaseChatModel, ChatModelInfo] | None = None,
             warm: WarmMode = "now") -> Runtime:
        """The runtime over the built store of ``settings`` (checked now: a missing stage fails
        at once) and the chat stack over it.

        Args:
            warm: ``now``: build the chat stack and load every part before returning;
                ``background``: return at once and do both in a background thread
                (:meth:`status` says what is still warming; requests wait for what they need);
                ``lazy``: load each part, and the chat stack, when first asked for.

        Raises:
            StoreError: the store is not built (run ``cartwise build``); with ``now``, also a
                part that does not load.
            ConfigError: the chat provider lacks its key or base URL.
        """
        services = build_services(settings, warm=warm == "now")
        try:
            runtime = cls(settings, services, sessions or open_sessions(settings), model,
                          lazy=warm != "now")
        except BaseException:
            services.close()
            raise
        runtime._owned.add(id(services))
        if warm == "background":
            runtime.start_warming()
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
        """The chat service in use (swapped by :meth:`reload`), built on first use.

        Raises:
            CartwiseError: building it failed (the same error each time: a part it needs does
                not load).
            WarmingUp: another thread has been building it for longer than
                ``settings.warm_wait`` seconds.
        """
        chat = self._chat
        if chat is not None:
            return chat
        if not self._chat_lock.acquire(timeout=self.settings.warm_wait):
            raise WarmingUp("chat model", self.settings.warm_wait)
        try:
            if self._chat is not None:
                return self._chat
            if self._chat_error is not None:
                raise self._chat_error.with_traceback(None)
            services = self._services
            self._chat_status = PartStatus(WARMING)
            t0 = time.perf_counter()
            try:
                chat = self._chat_for(services)
            except CartwiseError as exc:
                self._chat_error = exc
                self._chat_status = PartStatus(FAILED, round(time.perf_counter() - t0, 3),
                                               str(exc))
                raise
            with self._lock:
                if self._services is services:  # not swapped by a reload meanwhile
                    self._chat = chat
            self._chat_status = PartStatus(OK, round(time.perf_counter() - t0, 3))
            return chat
        finally:
            self._chat_lock.release()

    @property
    def model_info(self) -> ChatModelInfo:
        """Which chat model answers (known from the settings before it is built)."""
        return self._info

    def start_warming(self) -> None:
        """Build the chat stack and load every part of the services in a background thread
        (once); failures are logged and reported by :meth:`status`."""
        with self._lock:
            if self._warmer is not None:
                return
            self._warmer = threading.Thread(target=self._warm, name="cartwise-warm",
                                            daemon=True)
        self._warmer.start()

    def _warm(self) -> None:
        t0 = time.perf_counter()
        services = self._services
        try:
            self.chat  # noqa: B018 - the planner needs the catalogue and the query embedder
        except WarmingUp:
            pass  # a request is building it
        except CartwiseError as exc:
            log.error("the chat model did not load: %s", exc)
        with contextlib.suppress(CartwiseError):  # each failure was logged, status() has it
            services.warm()
        log.info("warm in %.1f s (%s)", time.perf_counter() - t0,
                 ", ".join(f"{k} {v.state}" for k, v in self.status().items()))

    @property
    def warming(self) -> bool:
        """Whether the background warm-up is still running."""
        return self._warmer is not None and self._warmer.is_alive()

    def status(self) -> dict[str, PartStatus]:
        """Each part of the services and the chat model: ``idle`` / ``warming`` / ``ok`` /
        ``failed`` (with the error)."""
        return {**self._services.status(), "chat_model": self._chat_status}

    def reload(self) -> None:
        """Load the store again (every part, and the chat stack, before the swap) and swap the
        new services and chat in; the old services are closed. Requests already running finish
        on the old ones."""
        services = build_services(self.settings, warm=True)
        try:
            chat = self._chat_for(services)
        except BaseException:
            services.close()
            raise
        with self._lock:
            old, self._services, self._chat = self._services, services, chat
            self._chat_error, self._chat_status = None, PartStatus(OK)
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
