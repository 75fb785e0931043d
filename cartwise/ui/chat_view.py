"""What the chat shows: a turn's events, and a stored session, as Gradio chat messages.

A turn becomes the user's message, one collapsible message per tool call (``metadata`` title
``"🔧 <tool>"``: pending, then done with its duration, arguments and summary), the tool's result
drawn under it (its charts as Vega-Lite plots, :mod:`cartwise.tools.charts`; product lists as
compact cards with price and reason), and the reply. :func:`chat_turn` streams that for a new
message; :func:`stored_messages` rebuilds the same messages from a session's stored history
(a page reload, a conversation picked in the sidebar). :func:`turn_at` maps a chat message to
the session's turn it belongs to (for retry, edit and the thumbs up / down).

Everything here takes the :class:`~cartwise.runtime.Runtime` (or plain data) and returns
messages; :mod:`cartwise.ui.gradio_app` wires it to the page.
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlparse

import gradio as gr
from gradio.components.plot import PlotData

from cartwise.agent.chat import new_session_id
from cartwise.errors import CartwiseError, InvalidArgument
from cartwise.formatting import money
from cartwise.runtime import Runtime
from cartwise.tools.charts import ChartSpec, chart_specs_of
from cartwise.tools.results import is_failure

log = logging.getLogger(__name__)

#: A chat history in Gradio's messages format: ``{"role", "content", "metadata"?}`` dicts.
History = list[dict[str, Any]]

#: Most charts drawn in the chat per tool result (the REST result carries every one).
CHAT_CHARTS = 3
#: Most products shown as cards under a chat answer.
CHAT_CARDS = 10
TOOL_ICON = "🔧"


def model_line(runtime: Runtime) -> str:
    """One Markdown line naming the chat model in use: the offline planner, or the LLM's
    provider and model (with the host of its base URL, never credentials)."""
    info = runtime.model_info
    if not info.is_llm:
        return (f"**Chat model:** offline planner (`{info.model}`): runs on this machine, "
                "no LLM, no network.")
    where = ""
    if info.base_url:
        parsed = urlparse(info.base_url)
        host = parsed.hostname or info.base_url
        where = f" at `{host}{f':{parsed.port}' if parsed.port else ''}`"
    return f"**Chat model:** {info.provider} · `{info.model}`{where}"


# ------------------------------------------------------------------------------ messages


def _args_text(args: Mapping[str, Any]) -> str:
    return (f"`{json.dumps(dict(args), ensure_ascii=False, default=str)}`" if args
            else "none")


def tool_message(event: Mapping[str, Any]) -> dict[str, Any]:
    """The collapsible chat message of a tool call (``type`` ``tool_call``: pending) or of its
    result (``tool_result``: done, with the duration, the summary and, for a failure, why)."""
    metadata: dict[str, Any] = {"title": f"{TOOL_ICON} {event['name']}",
                                "id": str(event.get("id") or event["name"])}
    content = f"**Arguments:** {_args_text(event.get('args') or {})}"
    if event["type"] == "tool_call":
        metadata["status"] = "pending"
    else:
        metadata["status"] = "done"
        if event.get("ms") is not None:
            metadata["duration"] = round(float(event["ms"]) / 1000, 3)
        result = event.get("result") or {}
        if not event.get("ok", True):
            metadata["log"] = str(result.get("error_type", "failed")).replace("_", " ")
        content += f"\n\n**Result:** {event.get('summary') or 'no summary'}"
    return {"role": "assistant", "content": content, "metadata": metadata}


def chart_plot(chart: ChartSpec, key: str | None = None) -> gr.Plot:
    """A chart spec as a ``gr.Plot`` (Gradio draws Vega-Lite with its bundled vega-embed, so
    it needs no network); inside a Blocks context it is rendered there, under ``key``."""
    return gr.Plot(PlotData(type="altair", plot=json.dumps(chart.spec)), label=chart.title,
                   show_label=False, container=False, key=key,
                   elem_classes=["cartwise-chart", f"cartwise-chart-{chart.kind}"])


def compact_cards(items: Sequence[Mapping[str, Any]], limit: int = CHAT_CARDS) -> str:
    """Product entries as compact HTML cards for a chat answer: name, price (the data's
    currency) and the reason where there is one; at most ``limit`` of them. Entries marked
    ``match: false`` (a search's other suggestions) come under their own heading."""
    def card(it: Mapping[str, Any]) -> str:
        price = money(it.get("price"), it.get("currency")) or "no price"
        reason = (f"<div class='cartwise-reason'>{html.escape(str(it['reason']))}</div>"
                  if it.get("reason") else "")
        return ("<div class='cartwise-chat-card'><div class='cartwise-card-head'>"
                f"<b>{html.escape(str(it['name']))}</b><span class='cartwise-price'>"
                f"{html.escape(price)}</span></div>{reason}</div>")

    shown = list(items[:limit])
    matched = [it for it in shown if it.get("match", True) is not False]
    others = [it for it in shown if it.get("match", True) is False]
    out = "<div class='cartwise-chat-cards'>" + "".join(map(card, matched)) + "</div>"
    if others:
        out += ("<div class='cartwise-others'>Other suggestions</div>"
                "<div class='cartwise-chat-cards'>" + "".join(map(card, others)) + "</div>")
    return out


def rich_messages(name: str, result: Mapping[str, Any] | None) -> History:
    """The assistant messages that show tool ``name``'s ``result``: its first
    :data:`CHAT_CHARTS` charts and, for a product list, its products as compact cards; none
    for a failure or a result with neither."""
    if not result or is_failure(result):
        return []
    out: History = [{"role": "assistant", "content": chart_plot(c)}
                    for c in chart_specs_of(name, result)[:CHAT_CHARTS]]
    if result.get("kind") == "products" and result.get("items"):
        out.append({"role": "assistant", "content": gr.HTML(
            compact_cards(result["items"]), elem_classes=["cartwise-chat-products"],
            container=False)})
    return out


# ------------------------------------------------------------------------------ a new turn


def _polite(exc: CartwiseError) -> str:
    if isinstance(exc, InvalidArgument) and exc.argument == "message":
        if exc.value is None or (isinstance(exc.value, str) and not exc.value.strip()):
            return "Please type a question first, for example one of the examples below."
        return f"Sorry, that message is too long ({exc.value}); please keep it to {exc.allowed}."
    return f"Sorry, I can't answer that: {exc}."


def chat_turn(runtime: Runtime, message: str, history: History | None,
              session_id: str | None) -> Iterator[tuple[History, str, str]]:
    """One chat turn as a stream of UI states ``(history, textbox text, session id)``.

    The user's message is appended first; each tool call appears as a collapsible message,
    followed by its result drawn (:func:`rich_messages`); the reply streams in last, in the
    chunks the chat service sends. An invalid message (empty, too long) or a failure gives a
    polite assistant message, never an exception.
    """
    chat = runtime.chat
    history = list(history or [])
    sid = session_id or new_session_id()
    text = message if isinstance(message, str) else ""
    if text.strip():
        history.append({"role": "user", "content": text})
    yield history, "", sid
    steps: dict[str, int] = {}  # tool call id -> index in history
    reply_at: int | None = None
    try:
        for event in chat.stream(sid, text):
            kind = event["type"]
            if kind == "session":
                sid = event["session_id"]
                continue
            if kind in ("tool_call", "tool_result"):
                if kind == "tool_call" and reply_at is not None:
                    # text written before a tool call is not the answer: the answer gets a
                    # message of its own, after the steps (a blank one is dropped)
                    if not history[reply_at]["content"].strip():
                        del history[reply_at]
                    reply_at = None
                msg = tool_message(event)
                key = str(event.get("id"))
                if key in steps:
                    history[steps[key]] = msg
                else:
                    steps[key] = len(history)
                    history.append(msg)
                if kind == "tool_result":
                    history.extend(rich_messages(str(event["name"]), event.get("result")))
            elif kind == "text":
                if reply_at is None:
                    reply_at = len(history)
                    history.append({"role": "assistant", "content": ""})
                old = "" if event.get("replace") else history[reply_at]["content"]
                history[reply_at] = {"role": "assistant", "content": old + event["text"]}
            elif kind == "done":
                sid = event["session_id"] or sid
                if reply_at is None:
                    history.append({"role": "assistant", "content": event.get("reply") or
                                    "Sorry, I have no answer to that."})
            yield history, "", sid
    except CartwiseError as exc:
        log.info("chat: message refused: %s", exc)
        history.append({"role": "assistant", "content": _polite(exc)})
        yield history, "", sid
    except Exception:  # the edge: the user gets a sentence, the log gets the trace
        log.exception("chat: the turn failed (session %s)", sid)
        history.append({"role": "assistant", "content": (
            "Sorry, something went wrong while answering. Please try again.")})
        yield history, "", sid


# ------------------------------------------------------------------------------ a stored session


def stored_messages(items: Sequence[Mapping[str, Any]]) -> History:
    """A session's stored history (:meth:`~cartwise.agent.chat.ChatService.history` with
    results) as the chat messages :func:`chat_turn` showed while it happened: the questions,
    the tool steps (done) with their results drawn, and the answers."""
    out: History = []
    calls: list[dict[str, Any]] = []  # the tool calls still waiting for their result
    for item in items:
        role = item["role"]
        if role == "user":
            out.append({"role": "user", "content": item["content"]})
        elif role == "assistant":
            if item.get("tool_calls"):
                calls.extend(dict(c) for c in item["tool_calls"])
            elif item.get("content"):
                out.append({"role": "assistant", "content": item["content"]})
        elif role == "tool":
            name = str(item.get("name"))
            at = next((i for i, c in enumerate(calls) if c["name"] == name), None)
            call = calls.pop(at) if at is not None else {"name": name, "args": {}}
            result = item.get("result") or {}
            out.append(tool_message({
                "type": "tool_result", "name": name, "args": call.get("args") or {},
                "id": f"{len(out)}-{name}", "summary": result.get("summary")
                or result.get("error"), "ok": not is_failure(result), "result": result}))
            out.extend(rich_messages(name, result))
    return out


#: How the chat shows a stored rating (the Chatbot's feedback options).
SHOWN_RATING = {"up": "Like", "down": "Dislike"}


def shown_ratings(items: Sequence[Mapping[str, Any]], history: Sequence[Mapping[str, Any]]
                  ) -> list[str | None]:
    """The thumbs to show on ``history`` (the chat messages of the stored session ``items``):
    one entry per answer (a run of assistant messages, as the Chatbot groups them), the rating
    stored with the turn it answers ("Like", "Dislike" or None)."""
    ratings = [item.get("rating") for item in items if item["role"] == "user"]
    out: list[str | None] = []
    turn, previous = -1, None
    for message in history:
        role = message.get("role")
        if role == "user":
            turn += 1
        elif role == "assistant" and previous != "assistant":
            rating = ratings[turn] if 0 <= turn < len(ratings) else None
            out.append(SHOWN_RATING.get(str(rating)))
        previous = role
    return out


#: What the chat shows after a stopped answer; such a turn is not stored (the server takes a
#: turn cut before its answer back).
STOPPED = "_Stopped._"


def turn_at(history: Sequence[Mapping[str, Any]], index: int) -> int | None:
    """The stored turn that chat message ``index`` belongs to, counted from the end (0: the
    last stored turn), or None before the first question and for a stopped turn (not stored).
    Counting from the end matches the stored session even when its oldest turns have left the
    session window; stopped turns are skipped, since the session does not hold them."""
    if not history:
        return None
    index = max(0, min(index, len(history) - 1))
    starts = [i for i, m in enumerate(history) if m.get("role") == "user"]
    ends = [*starts[1:], len(history)]
    mine = next((n for n, (a, b) in enumerate(zip(starts, ends, strict=True))
                 if a <= index < b), None)
    if mine is None:
        return None

    def stored(n: int) -> bool:
        return history[ends[n] - 1].get("content") != STOPPED

    if not stored(mine):
        return None
    return sum(1 for n in range(mine + 1, len(starts)) if stored(n))


def turn_start(history: Sequence[Mapping[str, Any]], index: int) -> int | None:
    """The position of the user message that starts the turn of chat message ``index``."""
    for i in range(min(index, len(history) - 1), -1, -1):
        if history[i].get("role") == "user":
            return i
    return None
