"""ChatService: the one facade every front end uses (API, UI, Slack, terminal, evaluation).

``reply(session_id, text)`` runs one turn of the agent graph and returns the reply, the tool
trace and the session id; ``stream`` yields the same turn as events while it happens;
``history`` and ``clear`` read and forget a session. Sessions live in the graph's checkpointer
(the session id is its thread id), so they survive restarts with the SQLite back end.
"""

from __future__ import annotations

import contextvars
import json
import logging
import queue
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from cartwise.agent.models import ChatModelInfo
from cartwise.agent.offline import text_of
from cartwise.errors import InvalidArgument
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


class ChatService:
    """Runs conversations through one agent graph.

    Args:
        agent: the compiled graph (:func:`~cartwise.agent.graph.build_agent`) with a
            checkpointer.
        model: which chat model the graph uses.
        max_chars: longest message accepted.
        stream_text: stream the model's text as it is written (False when a grounding check
            may still change the final answer: the text then comes in one piece).

    Thread-safe for different sessions; one session's turns should not overlap.
    """

    def __init__(self, agent: Any, model: ChatModelInfo, *, max_chars: int = 4000,
                 stream_text: bool = True) -> None:
        self.agent = agent
        self.model = model
        self.max_chars = max_chars
        self.stream_text = stream_text
        self._errors = _provider_errors()

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
        may stop early (a client gone mid-stream) and drop the iterator safely."""
        return _produced_in_thread(self._events(session_id, text, tokens=True))

    def _events(self, session_id: str | None, text: str, tokens: bool
                ) -> Iterator[dict[str, Any]]:
        """One turn as events, in order: ``{"type": "session", "session_id"}``, then per tool
        call ``{"type": "tool_call", "name", "args", "id"}`` and ``{"type": "tool_result",
        "name", "args", "summary", "ok", "ms", "result", "id"}`` (``result``: the tool's full
        result, charts included), the reply as ``{"type": "text", "text"}``
        pieces, and last ``{"type": "done", **ChatReply.to_dict()}``.

        Raises:
            InvalidArgument: an empty or too long message, a malformed session id.
        """
        text = self._check_text(text)
        sid = check_session_id(session_id) if session_id else new_session_id()
        t0 = time.perf_counter()
        yield {"type": "session", "session_id": sid}
        calls: dict[str, dict[str, Any]] = {}
        steps: list[ToolStep] = []
        final: AIMessage | None = None
        streamed: list[str] = []
        error = None
        modes = ["updates", "messages"] if tokens else ["updates"]
        try:
            # durability "exit": the session is written once, when the turn ends
            for mode, data in self.agent.stream(
                    {"messages": [HumanMessage(text)]}, self._config(sid),
                    stream_mode=modes, durability="exit"):
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

    def history(self, session_id: str) -> list[dict[str, Any]]:
        """The session's messages, oldest first: ``{"role": "user" | "assistant" | "tool",
        "content"}``, assistant tool calls as ``tool_calls`` [{name, args}], tool results
        with ``name``. An unknown session has an empty history."""
        sid = check_session_id(session_id)
        state = self.agent.get_state(self._config(sid))
        out: list[dict[str, Any]] = []
        for m in (state.values or {}).get("messages", []):
            if isinstance(m, HumanMessage):
                out.append({"role": "user", "content": text_of(m)})
            elif isinstance(m, AIMessage):
                item: dict[str, Any] = {"role": "assistant", "content": text_of(m)}
                if m.tool_calls:
                    item["tool_calls"] = [{"name": c["name"], "args": c["args"]}
                                          for c in m.tool_calls]
                out.append(item)
            elif isinstance(m, ToolMessage):
                out.append({"role": "tool", "name": m.name, "content": text_of(m)})
        return out

    def clear(self, session_id: str) -> bool:
        """Forget a session; False if it held nothing."""
        sid = check_session_id(session_id)
        had = bool(self.history(sid))
        self.agent.checkpointer.delete_thread(sid)
        return had
