"""ChatService: the one facade every front end uses (API, UI, Slack, terminal, evaluation).

``reply(session_id, text)`` runs one turn of the agent graph and returns the reply, the tool
trace and the session id; ``stream`` yields the same turn as events while it happens (the
reply's text in chunks of at most one per 50 ms, not one event per token); ``history`` and
``clear`` read and forget a session; ``rewind`` takes turns back (to retry or edit them) and
``rate`` stores a thumbs up / down with a turn. Sessions live in the graph's checkpointer
(the session id is its thread id), so they survive restarts with the SQLite back end.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import queue
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import (
    AIMessage,
    AnyMessage,
    BaseMessage,
    HumanMessage,
    RemoveMessage,
    ToolMessage,
)
from langgraph.graph.message import REMOVE_ALL_MESSAGES

from cartwise.agent.feedback import FeedbackStore, Rating, check_rating, memory_feedback
from cartwise.agent.models import ChatModelInfo
from cartwise.agent.offline import text_of
from cartwise.errors import InvalidArgument, SessionBusy
from cartwise.tools.results import is_failure

log = logging.getLogger(__name__)

#: The characters a session id may hold, and the pattern of a whole one (1-128 of them).
SESSION_ID_CHARS = "A-Za-z0-9_.:@-"
SESSION_ID_PATTERN = rf"^[{SESSION_ID_CHARS}]{{1,128}}$"
_SESSION_ID = re.compile(SESSION_ID_PATTERN)


@dataclass
class ToolStep:
    """One tool call of a turn: ``name``, ``args``, the result's one-line ``summary``, ``ok``
    (False for not-found / invalid-argument results), ``ms`` (time in the tool) and the full
    ``result`` (not part of :meth:`to_dict` unless asked: it can be large)."""

    name: str
    args: dict[str, Any]
    summary: str = ""
    ok: bool = True
    ms: float | None = None
    result: dict[str, Any] | None = field(default=None, repr=False)
    id: str = ""

    def to_dict(self, with_result: bool = False) -> dict[str, Any]:
        out = {"name": self.name, "args": self.args, "summary": self.summary, "ok": self.ok,
               "ms": self.ms}
        if with_result:
            out["result"] = self.result
        return out


@dataclass
class ChatReply:
    """The answer to one message: ``reply`` text, the ``tool_calls`` made, the
    ``session_id``, the chat ``model`` (provider) and the turn's ``ms``; ``error`` names a
    failure of the chat model (the reply then says so politely)."""

    reply: str
    session_id: str
    tool_calls: list[ToolStep]
    model: str
    ms: float
    error: str | None = None

    def to_dict(self, with_results: bool = False) -> dict[str, Any]:
        return {"reply": self.reply, "session_id": self.session_id,
                "tool_calls": [t.to_dict(with_results) for t in self.tool_calls],
                "model": self.model, "ms": self.ms, "error": self.error}


def new_session_id() -> str:
    return uuid.uuid4().hex


def check_session_id(session_id: str) -> str:
    """``session_id`` if it is 1-128 letters, digits or ``_.:@-``.

    Raises:
        InvalidArgument: anything else.
    """
    if not isinstance(session_id, str) or not _SESSION_ID.match(session_id):
        raise InvalidArgument("session_id", session_id, "1-128 letters, digits or _.:@-")
    return session_id


def _step_of(message: ToolMessage, call: dict[str, Any] | None) -> ToolStep:
    artifact = message.artifact if isinstance(message.artifact, dict) else {}
    result = artifact.get("result")
    if result is None:
        try:
            parsed = json.loads(text_of(message))
        except ValueError:
            parsed = {"error": text_of(message)}
        result = parsed if isinstance(parsed, dict) else {"result": parsed}
    summary = str(result.get("summary") or result.get("error") or "")
    return ToolStep(name=call["name"] if call else str(message.name),
                    args=dict(call["args"]) if call else {}, summary=summary,
                    ok=not is_failure(result) and "error" not in result,
                    ms=artifact.get("ms"), result=result, id=str(message.tool_call_id))


def _provider_errors() -> tuple[type[BaseException], ...]:
    try:
        import httpx
        import openai
    except ImportError:  # pragma: no cover - both are dependencies
        return ()
    return (openai.APIError, httpx.HTTPError)


_END = object()


def _produced_in_thread(events: Iterator[Any]) -> Iterator[Any]:
    """``events`` iterated in a producer thread and handed over through a queue, in order,
    exceptions included.

    A consumer that stops early and drops its iterator would otherwise leave the graph's stream
    suspended until the garbage collector finalises it, and LangGraph's executor threads can
    be gone by then: closing it hangs the collecting thread (a request thread, or the event
    loop) for good. Here the producer closes ``events`` itself, in its own thread, once the
    consumer has gone (it notices at the next event).
    """
    handover: queue.Queue[Any] = queue.Queue()
    gone = threading.Event()

    def produce() -> None:
        try:
            for event in events:
                handover.put((True, event))
                if gone.is_set():
                    break
        except BaseException as exc:  # handed to the consumer, which raises it
            handover.put((False, exc))
        finally:
            events.close()
            handover.put(_END)

    ctx = contextvars.copy_context()  # request ids and tracing follow the turn
    threading.Thread(target=ctx.run, args=(produce,), name="cartwise-chat-turn",
                     daemon=True).start()
    try:
        while (item := handover.get()) is not _END:
            ok, value = item
            if not ok:
                raise value
            yield value
    finally:
        gone.set()


#: Shortest time between two text events of a stream (their pieces are joined meanwhile).
CHUNK_SECONDS = 0.05


def in_chunks(events: Iterable[dict[str, Any]], seconds: float = CHUNK_SECONDS
              ) -> Iterator[dict[str, Any]]:
    """``events`` with consecutive ``text`` pieces joined so that at most one text event goes
    out per ``seconds`` (the first at once); any other event, and a ``replace`` text, first
    sends what is pending. Nothing is lost or reordered."""
    pending: dict[str, Any] | None = None
    sent = float("-inf")
    for event in events:
        if event["type"] == "text" and not event.get("replace"):
            if pending is None:
                pending = dict(event)
            else:
                pending["text"] += event["text"]
            now = time.monotonic()
            if now - sent >= seconds:
                yield pending
                pending, sent = None, now
            continue
        if pending is not None:
            yield pending
            pending, sent = None, time.monotonic()
        yield event
    if pending is not None:
        yield pending


class SessionLocks:
    """One lock per session id, so that one session's turns (and rewinds) run one at a time:
    two overlapping turns each read the history, and the one finishing last would overwrite
    the other's messages. Locks are dropped when no one holds or waits for them. Within one
    process (several processes on one session database are not ordered by this).

    Args:
        wait: seconds a turn waits for the session's running turn before
            :class:`~cartwise.errors.SessionBusy` is raised.
    """

    def __init__(self, wait: float = 30.0) -> None:
        self.wait = wait
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, int]] = {}

    def busy(self, session_id: str) -> bool:
        """Whether a turn of ``session_id`` holds its lock now."""
        with self._guard:
            entry = self._locks.get(session_id)
        return entry is not None and entry[0].locked()

    @contextlib.contextmanager
    def held(self, session_id: str) -> Iterator[None]:
        """Hold ``session_id``'s lock for the ``with`` block.

        Raises:
            SessionBusy: another holder kept it longer than :attr:`wait` seconds.
        """
        with self._guard:
            lock, users = self._locks.get(session_id, (threading.Lock(), 0))
            self._locks[session_id] = (lock, users + 1)
        try:
            if not lock.acquire(timeout=self.wait):
                raise SessionBusy(session_id, self.wait)
            try:
                yield
            finally:
                lock.release()
        finally:
            with self._guard:
                lock, users = self._locks[session_id]
                if users <= 1:
                    del self._locks[session_id]
                else:
                    self._locks[session_id] = (lock, users - 1)


def _turns(messages: list[AnyMessage]) -> list[tuple[int, int]]:
    """The turns of a session's messages: ``(start, end)`` slices, each starting at a user
    message and ending before the next one."""
    starts = [i for i, m in enumerate(messages) if isinstance(m, HumanMessage)]
    return list(zip(starts, [*starts[1:], len(messages)], strict=False))


class ChatService:
    """Runs conversations through one agent graph.

    Args:
        agent: the compiled graph (:func:`~cartwise.agent.graph.build_agent`) with a
            checkpointer.
        model: which chat model the graph uses.
        max_chars: longest message accepted.
        stream_text: stream the model's text as it is written (False when a grounding check
            may still change the final answer: the text then comes in one piece).
        feedback: where the turns' ratings are kept (default: in memory).
        prune: called with a session id once a turn (or a rewind) is saved, to drop the
            session's earlier saved states (:meth:`~cartwise.agent.memory.Sessions.prune`).
        turn_wait: seconds a turn waits for the same session's running turn (then
            :class:`~cartwise.errors.SessionBusy`).

    Thread-safe; one session's turns and rewinds run one at a time (:class:`SessionLocks`).
    """

    def __init__(self, agent: Any, model: ChatModelInfo, *, max_chars: int = 4000,
                 stream_text: bool = True, feedback: FeedbackStore | None = None,
                 prune: Callable[[str], Any] | None = None, turn_wait: float = 30.0) -> None:
        self.agent = agent
        self.locks = SessionLocks(turn_wait)
        self.feedback = feedback or memory_feedback()
        self._prune = prune or (lambda session_id: None)
        self.model = model
        self.max_chars = max_chars
        self.stream_text = stream_text
        # an LLM's API errors (importing openai takes a second: not for the offline planner)
        self._errors = _provider_errors() if model.is_llm else ()

    def _config(self, session_id: str) -> dict[str, Any]:
        return {"configurable": {"thread_id": session_id}, "recursion_limit": 12}

    def check(self, session_id: str | None, text: str) -> None:
        """Validate a turn's input without running it (front ends call this before streaming).

        Raises:
            InvalidArgument: an empty or too long message, a malformed session id.
        """
        self._check_text(text)
        if session_id:
            check_session_id(session_id)

    def _check_text(self, text: str) -> str:
        if not isinstance(text, str) or not text.strip():
            raise InvalidArgument("message", text, "a non-empty text")
        if len(text) > self.max_chars:
            raise InvalidArgument("message", f"{len(text)} characters",
                                  f"at most {self.max_chars} characters")
        return text.strip()

    def stream(self, session_id: str | None, text: str) -> Iterator[dict[str, Any]]:
        """One turn as events (see :meth:`_events`); the model is asked to stream, and its text
        is passed on as it is written unless a grounding check may still change it.

        The turn runs in a thread of its own (see :func:`_produced_in_thread`), so a consumer
        may stop early (a client gone mid-stream) and drop the iterator safely. Text pieces
        come joined, at most one ``text`` event per :data:`CHUNK_SECONDS`
        (:func:`in_chunks`)."""
        return in_chunks(_produced_in_thread(self._events(session_id, text, tokens=True)))

    def _events(self, session_id: str | None, text: str, tokens: bool
                ) -> Iterator[dict[str, Any]]:
        """One turn as events, in order: ``{"type": "session", "session_id"}``, then per tool
        call ``{"type": "tool_call", "name", "args", "id"}`` and ``{"type": "tool_result",
        "name", "args", "summary", "ok", "ms", "result", "id"}`` (``result``: the tool's full
        result, charts included), the reply as ``{"type": "text", "text"}``
        pieces, and last ``{"type": "done", **ChatReply.to_dict()}``.

        Raises:
            InvalidArgument: an empty or too long message, a malformed session id.
            SessionBusy: another turn of the session ran longer than the turn wait.
        """
        text = self._check_text(text)
        sid = check_session_id(session_id) if session_id else new_session_id()
        t0 = time.perf_counter()
        with self.locks.held(sid):  # one turn of a session at a time
            yield from self._run_turn(sid, text, tokens, t0)

    def _run_turn(self, sid: str, text: str, tokens: bool, t0: float
              ) -> Iterator[dict[str, Any]]:
        """The events of :meth:`_events`, the session's lock held."""
        yield {"type": "session", "session_id": sid}
        calls: dict[str, dict[str, Any]] = {}
        steps: list[ToolStep] = []
        final: AIMessage | None = None
        streamed: list[str] = []
        error = None
        modes = ["updates", "messages"] if tokens else ["updates"]
        question = HumanMessage(text, id=uuid.uuid4().hex)
        # durability "exit": the session is written once, when the turn ends
        run = self.agent.stream({"messages": [question]}, self._config(sid),
                                stream_mode=modes, durability="exit")
        try:
            for mode, data in run:
                if mode == "messages":
                    chunk, meta = data
                    piece = text_of(chunk) if isinstance(chunk, BaseMessage) else ""
                    if (self.stream_text and piece and meta.get("langgraph_node") == "model"
                            and not getattr(chunk, "tool_call_chunks", None)):
                        streamed.append(piece)
                        yield {"type": "text", "text": piece}
                    continue
                for update in (data or {}).values():
                    for msg in (update or {}).get("messages", []) if isinstance(
                            update, dict) else []:
                        if isinstance(msg, AIMessage) and msg.tool_calls:
                            for c in msg.tool_calls:
                                calls[str(c["id"])] = dict(c)
                                yield {"type": "tool_call", "name": c["name"],
                                       "args": c["args"], "id": c["id"]}
                            streamed.clear()  # text before tool calls is not the answer
                        elif isinstance(msg, AIMessage):
                            final = msg
                        elif isinstance(msg, ToolMessage):
                            step = _step_of(msg, calls.get(str(msg.tool_call_id)))
                            steps.append(step)
                            yield {"type": "tool_result", **step.to_dict(with_result=True),
                                   "id": step.id}
        except GeneratorExit:  # the client left before the answer: the turn is taken back
            run.close()  # (the graph saves what it had when it stops)
            self._take_back(sid, str(question.id))
            raise
        except self._errors as exc:
            log.warning("chat model %s failed: %s", self.model.provider, exc)
            error = "chat_model_unavailable"
            reply = (f"Sorry, the chat model ({self.model.provider}: {self.model.model}) did not "
                     f"answer ({type(exc).__name__}). Please try again in a moment.")
            self.agent.update_state(self._config(sid), {"messages": [AIMessage(reply)]})
        else:
            reply = text_of(final) if final is not None else ""
        joined = "".join(streamed)
        if reply and reply != joined:
            # not streamed (or changed after streaming, e.g. by the grounding check)
            yield {"type": "text", "text": reply, "replace": bool(joined)}
        self._prune(sid)  # the turn is saved: earlier states of the session are not needed
        order = {cid: i for i, cid in enumerate(calls)}  # parallel calls finish in any order
        steps.sort(key=lambda step: order.get(step.id, len(order)))
        done = ChatReply(reply, sid, steps, self.model.provider,
                         round((time.perf_counter() - t0) * 1000, 2), error)
        yield {"type": "done", **done.to_dict()}

    def reply(self, session_id: str | None, text: str) -> ChatReply:
        """Run one turn and return the reply with its tool trace (see :meth:`stream`).

        Raises:
            InvalidArgument: an empty or too long message, a malformed session id.
        """
        steps: dict[str, ToolStep] = {}
        called: list[str] = []
        done: dict[str, Any] = {}
        for event in self._events(session_id, text, tokens=False):
            if event["type"] == "done":
                done = event
            elif event["type"] == "tool_call":
                called.append(str(event["id"]))
            elif event["type"] == "tool_result":
                steps[event["id"]] = ToolStep(**{k: v for k, v in event.items() if k != "type"})
        # in the order the model made the calls (parallel calls finish in any order)
        ordered = [steps[i] for i in called if i in steps]
        ordered += [s for i, s in steps.items() if i not in called]
        return ChatReply(done["reply"], done["session_id"], ordered, done["model"], done["ms"],
                         done["error"])

    def _messages(self, session_id: str) -> list[AnyMessage]:
        state = self.agent.get_state(self._config(check_session_id(session_id)))
        return list((state.values or {}).get("messages", []))

    def history(self, session_id: str, with_results: bool = False) -> list[dict[str, Any]]:
        """The session's messages, oldest first: ``{"role": "user" | "assistant" | "tool",
        "content"}``. User messages carry their ``turn_id`` (what :meth:`rewind` and
        :meth:`rate` take) and the turn's ``rating`` (``"up"``, ``"down"`` or None); assistant
        tool calls come as ``tool_calls`` [{name, args}], tool results with ``name`` (and with
        ``result``, the tool's whole result, when ``with_results``). An unknown session has an
        empty history."""
        messages = self._messages(session_id)
        ratings = self.feedback.of_session(session_id) if messages else {}
        out: list[dict[str, Any]] = []
        for m in messages:
            if isinstance(m, HumanMessage):
                out.append({"role": "user", "content": text_of(m), "turn_id": str(m.id),
                            "rating": ratings.get(str(m.id))})
            elif isinstance(m, AIMessage):
                item: dict[str, Any] = {"role": "assistant", "content": text_of(m)}
                if m.tool_calls:
                    item["tool_calls"] = [{"name": c["name"], "args": c["args"]}
                                          for c in m.tool_calls]
                out.append(item)
            elif isinstance(m, ToolMessage):
                item = {"role": "tool", "name": m.name, "content": text_of(m)}
                if with_results:
                    item["result"] = _step_of(m, None).result
                out.append(item)
        return out

    def _turn(self, messages: list[AnyMessage], turn_id: str | None) -> tuple[int, int]:
        turns = _turns(messages)
        if not turns:
            raise InvalidArgument("turn_id", turn_id, "a turn of this session (it has none)")
        if turn_id is None:
            return turns[-1]
        for start, end in turns:
            if str(messages[start].id) == turn_id:
                return start, end
        raise InvalidArgument("turn_id", turn_id, "the turn_id of one of this session's turns")

    def rewind(self, session_id: str, turn_id: str | None = None) -> list[str]:
        """Take back turn ``turn_id`` (None: the last one) and every turn after it, with their
        ratings, so that the question can be asked again (retry) or changed (edit). Returns
        the ids of the turns removed.

        Raises:
            InvalidArgument: a malformed session id, or no such turn in the session.
            SessionBusy: a turn of the session ran longer than the turn wait.
        """
        with self.locks.held(check_session_id(session_id)):  # not in a running turn
            messages = self._messages(session_id)
            start, _ = self._turn(messages, turn_id)
            removed = [str(m.id) for m in messages[start:] if isinstance(m, HumanMessage)]
            self._keep_before(session_id, messages, start)
        self.feedback.forget(session_id, removed)
        return removed

    def _keep_before(self, session_id: str, messages: list[AnyMessage], start: int) -> None:
        """Save the session as ``messages[:start]`` (its messages as read, cut at ``start``)
        and prune its earlier states. The saved list is replaced whole: removing messages one
        by one fails for those a stopped graph had not saved yet."""
        self.agent.update_state(self._config(session_id), {"messages": [
            RemoveMessage(id=REMOVE_ALL_MESSAGES), *messages[:start]]})
        self._prune(session_id)

    def _take_back(self, session_id: str, question_id: str) -> None:
        """Remove the turn that question ``question_id`` began (a turn cut before its answer:
        kept, a client's retry would ask it twice)."""
        try:
            messages = self._messages(session_id)
            start = next((i for i, m in enumerate(messages) if str(m.id) == question_id),
                         None)
            if start is None:
                return
            self._keep_before(session_id, messages, start)
        except ValueError as exc:  # another turn of the session changed it meanwhile
            log.warning("chat: could not take back the cut turn of session %s: %s",
                        session_id, exc)
            return
        log.info("chat: a turn of session %s was cut before its answer and taken back",
                 session_id)

    def rate(self, session_id: str, turn_id: str | None, rating: Rating | None) -> str:
        """Store a thumbs ``"up"`` or ``"down"`` (None: take it back) with turn ``turn_id``
        (None: the last one), beside its question and answer. Returns the turn's id.

        Raises:
            InvalidArgument: a malformed session id, no such turn, a rating that is not up,
                down or None.
        """
        rating = check_rating(rating)
        messages = self._messages(session_id)
        start, end = self._turn(messages, turn_id)
        answers = [text_of(m) for m in messages[start + 1:end]
                   if isinstance(m, AIMessage) and not m.tool_calls]
        tid = str(messages[start].id)
        self.feedback.rate(session_id, tid, rating, text_of(messages[start]),
                           answers[-1] if answers else "")
        return tid

    def clear(self, session_id: str) -> bool:
        """Forget a session and its ratings; False if it held nothing."""
        sid = check_session_id(session_id)
        had = bool(self._messages(sid))
        self.agent.checkpointer.delete_thread(sid)
        self.feedback.forget(sid)
        return had
