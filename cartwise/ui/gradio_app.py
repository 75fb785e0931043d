"""The Gradio web UI over a :class:`~cartwise.runtime.Runtime`: a chat with the agent (its
conversations listed in a sidebar and kept in the browser), a recommendations explorer and
analytics charts.

:func:`build_ui` returns the ``gr.Blocks`` (nothing is built at import); the server mounts it
with ``gr.mount_gradio_app(app, build_ui(runtime), path="/ui", css=UI_CSS)`` and
:func:`launch_ui` runs it alone. What the page shows is made by :mod:`cartwise.ui.chat_view`,
:mod:`cartwise.ui.analytics_view` and :mod:`cartwise.ui.recommend_view`; this module lays the
page out and wires its events. The handlers are module-level functions taking the runtime
first, so tests call them directly; every call reads ``runtime.chat`` / ``runtime.services``
afresh (a retrain may have swapped them).

The chat: each conversation is a server session; the browser keeps the list of its
conversations and the open one (:mod:`cartwise.ui.conversations`, in local storage), so a
reload reopens it from the session store. A turn can be stopped while it streams; the last
answer retried; a question edited (that turn and the later ones are taken back on the server
first, :meth:`~cartwise.agent.chat.ChatService.rewind`, and asked again); any answer copied and
rated thumbs up / down (stored with the turn, counted in ``/stats``).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from functools import partial
from typing import Any, get_args

import gradio as gr

from cartwise.agent.chat import new_session_id
from cartwise.errors import InvalidArgument
from cartwise.runtime import Runtime
from cartwise.tools.charts import BY_NAMES
from cartwise.tools.registry import run_tool
from cartwise.tools.schemas import AnomalyMetric, FunnelBy, SalesBy, Strategy, TrendBy
from cartwise.ui import analytics_view as av
from cartwise.ui import conversations as convs
from cartwise.ui.chat_view import (
    STOPPED,
    History,
    chat_turn,
    model_line,
    shown_ratings,
    stored_messages,
    turn_at,
    turn_start,
)
from cartwise.ui.inputs import ANY, DEFAULT, NONE
from cartwise.ui.recommend_view import recommend, similar

log = logging.getLogger(__name__)

#: Prompts offered under the chat box (one click sends them).
EXAMPLE_PROMPTS = (
    "What should user 42 buy next?",
    "Show the conversion funnel by device",
    "Sales by month",
    "Which customers are about to churn?",
)

#: Readable names of argument values in dropdowns.
LABELS = {**BY_NAMES, "aov": "average order value"}

#: The page's own styles (cards, the sidebar, charts in chat messages).
UI_CSS = """
.cartwise-cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:10px}
.cartwise-card{border:1px solid var(--border-color-primary,#ddd);border-radius:10px;
  padding:10px 12px;display:flex;flex-direction:column;gap:4px;
  background:var(--block-background-fill,transparent)}
.cartwise-card-name{font-weight:600;font-size:1.05em}
.cartwise-card-where,.cartwise-card-id{opacity:.7;font-size:.9em}
.cartwise-reason{font-style:italic;opacity:.85;font-size:.92em}
.cartwise-chat-cards{display:flex;flex-wrap:wrap;gap:6px}
.cartwise-chat-card{border:1px solid var(--border-color-primary,#ddd);border-radius:8px;
  padding:6px 10px;min-width:180px;flex:1 1 200px}
.cartwise-card-head{display:flex;justify-content:space-between;gap:8px}
.cartwise-others{margin:8px 0 4px;font-size:.9em;opacity:.75}
#cartwise-sidebar{border-right:1px solid var(--border-color-primary,#ddd);padding-right:8px}
.cartwise-chart{min-width:300px}
"""


# ------------------------------------------------------------------------------ chat handlers


def ui_secret(runtime: Runtime) -> str:
    """The key the browser's conversation list is stored under: the same for every process
    serving one store (so the list survives a restart), different between stores."""
    root = str(runtime.settings.store_path.resolve())
    return hashlib.sha256(f"cartwise-ui:{root}".encode()).hexdigest()[:32]


def _listing(saved: Any) -> dict[str, Any]:
    return gr.update(choices=convs.choices(saved), value=convs.current(saved))


def restore(runtime: Runtime, saved: Any) -> tuple[History, str, dict[str, Any], Any, str]:
    """The page as the browser left it: ``(chat messages, session id, sidebar, saved list,
    title)``. The open conversation is read back from the session store; with none open (or
    a session id the store cannot read) a new conversation starts."""
    sid = convs.current(saved)
    history: History = []
    if sid:
        try:
            history = stored_messages(runtime.chat.history(sid, with_results=True))
        except InvalidArgument as exc:
            log.info("ui: could not reopen session: %s", exc)
            sid = None
    saved = convs.opened(saved, sid)
    return history, sid or new_session_id(), _listing(saved), saved, convs.title(saved, sid)


def thumbs(runtime: Runtime, session_id: str | None, history: History) -> dict[str, Any]:
    """The chat's thumbs as stored with the turns of ``session_id`` (after a reload or on
    reopening a conversation)."""
    items: list[dict[str, Any]] = []
    if session_id:
        try:
            items = runtime.chat.history(session_id)
        except InvalidArgument as exc:
            log.info("ui: could not read the ratings: %s", exc)
    return gr.update(feedback_value=shown_ratings(items, history))


def open_conversation(runtime: Runtime, saved: Any, session_id: str | None
                      ) -> tuple[History, str, dict[str, Any], Any, str]:
    """Open the conversation picked in the sidebar (as :func:`restore` does)."""
    return restore(runtime, convs.opened(saved, session_id))


def begin_turn(saved: Any, session_id: str | None, message: str
               ) -> tuple[Any, dict[str, Any], str, str]:
    """Before a turn runs: ``(saved list, sidebar, session id, the message)`` with the
    conversation at the top of the list (a new one titled after its first question); an
    empty message changes nothing."""
    sid = session_id or new_session_id()
    text = message if isinstance(message, str) else ""
    if text.strip():
        saved = convs.started(saved, sid, text)
    return saved, _listing(saved), sid, text


def new_conversation(saved: Any) -> tuple[History, str, str, dict[str, Any], Any, str]:
    """A new, empty conversation: ``(messages, textbox, session id, sidebar, saved list,
    title)``; it joins the list with its first question. Earlier ones stay listed."""
    saved = convs.opened(saved, None)
    return [], "", new_session_id(), _listing(saved), saved, ""


def rename_conversation(saved: Any, session_id: str | None, title: str
                        ) -> tuple[dict[str, Any], Any]:
    """The open conversation titled ``title``: ``(sidebar, saved list)``."""
    saved = convs.renamed(saved, session_id or "", title)
    return _listing(saved), saved


def delete_conversation(runtime: Runtime, saved: Any, session_id: str | None
                        ) -> tuple[History, str, str, dict[str, Any], Any, str]:
    """Forget the open conversation on the server (its history and ratings) and drop it from
    the list; a new one opens (as :func:`new_conversation`)."""
    if session_id:
        try:
            runtime.chat.clear(session_id)
        except InvalidArgument as exc:
            log.info("ui: could not delete session: %s", exc)
        saved = convs.removed(saved, session_id)
    return new_conversation(saved)


def _turn_id(runtime: Runtime, session_id: str, history: History, index: int) -> str | None:
    """The stored turn that chat message ``index`` belongs to (None when the store does not
    have it, e.g. a turn stopped before it was saved)."""
    back = turn_at(history, index)
    if back is None:
        return None
    ids = [m["turn_id"] for m in runtime.chat.history(session_id) if m["role"] == "user"]
    return ids[-1 - back] if back < len(ids) else None


def ask_again(runtime: Runtime, history: History, session_id: str, index: int,
              text: str | None = None) -> Iterator[tuple[History, str, str]]:
    """Take back the turn of chat message ``index`` and every later one (on the server and on
    the page), then ask its question again (retry) or ``text`` instead (edit)."""
    start = turn_start(history, index)
    if start is None:
        yield history, "", session_id
        return
    question = text if text is not None else str(history[start]["content"])
    turn_id = _turn_id(runtime, session_id, history, start)
    if turn_id is not None:
        runtime.chat.rewind(session_id, turn_id)
    yield from chat_turn(runtime, question, history[:start], session_id)


def undo_turn(runtime: Runtime, history: History, session_id: str, index: int
              ) -> tuple[History, str]:
    """Take back the turn of chat message ``index`` and the later ones: ``(messages,
    textbox)`` with its question back in the textbox."""
    start = turn_start(history, index)
    if start is None:
        return history, ""
    turn_id = _turn_id(runtime, session_id, history, start)
    if turn_id is not None:
        runtime.chat.rewind(session_id, turn_id)
    return history[:start], str(history[start]["content"])


def rate_answer(runtime: Runtime, history: History, session_id: str, index: int,
                liked: bool | str | None) -> str | None:
    """Store a thumbs up (``liked`` True) or down (False; anything else takes the rating
    back) with the turn of chat message ``index``; returns the turn id (None: not stored)."""
    turn_id = _turn_id(runtime, session_id, history, index)
    if turn_id is None:
        return None
    rating = "up" if liked is True else "down" if liked is False else None
    return runtime.chat.rate(session_id, turn_id, rating)


def stopped(history: History) -> History:
    """The page after a stop: the partial answer marked as stopped."""
    return [*history, {"role": "assistant", "content": STOPPED}]


# ------------------------------------------------------------------------------ the tabs


def _index(data: gr.EventData) -> int:
    index = data.index  # type: ignore[attr-defined]
    return int(index[0] if isinstance(index, list | tuple) else index)


def _chat_tab(demo: gr.Blocks, runtime: Runtime) -> None:
    saved = gr.BrowserState(convs.EMPTY, storage_key="cartwise-conversations",
                            secret=ui_secret(runtime))
    session = gr.State(None)
    asked = gr.State("")  # the message of the turn about to run (the textbox is cleared)
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=220, elem_id="cartwise-sidebar"):
            new = gr.Button("+ New conversation", size="sm", elem_id="cartwise-new")
            listing = gr.Radio([], label="Conversations", elem_id="cartwise-conversations")
            with gr.Accordion("Rename or delete", open=False, elem_id="cartwise-manage"):
                title = gr.Textbox(label="Title", max_lines=1, elem_id="cartwise-title")
                with gr.Row():
                    rename = gr.Button("Rename", size="sm", elem_id="cartwise-rename")
                    delete = gr.Button("Delete", size="sm", variant="stop",
                                       elem_id="cartwise-delete")
        with gr.Column(scale=4):
            gr.Markdown(partial(model_line, runtime))
            chatbot = gr.Chatbot(
                show_label=False, height=560, elem_id="cartwise-chat", buttons=["copy"],
                feedback_options=("Like", "Dislike"), editable="user",
                placeholder="Ask about shoppers, products, sales, segments, churn or the "
                            "funnel.")
            # the input opens once the page is restored (below): a question asked before would
            # be overwritten by the restore
            box = gr.Textbox(placeholder="Ask Cartwise…", show_label=False, lines=1,
                             max_lines=6, elem_id="cartwise-input", autofocus=True,
                             submit_btn="Send", stop_btn=False, interactive=False)
            with gr.Row():
                examples = [gr.Button(p, size="sm", interactive=False)
                            for p in EXAMPLE_PROMPTS]

    busy = partial(gr.Textbox, submit_btn=False, stop_btn="Stop")
    idle = partial(gr.Textbox, submit_btn="Send", stop_btn=False)
    page = [chatbot, box, session]
    run = {"concurrency_limit": 8, "concurrency_id": "cartwise-chat",
           "show_progress": "hidden"}

    def _ask(text: str, history: History, sid: str) -> Iterator[tuple[History, str, str]]:
        yield from chat_turn(runtime, text, history, sid)

    def _retry(history: History, sid: str, data: gr.RetryData
               ) -> Iterator[tuple[History, str, str]]:
        yield from ask_again(runtime, history, sid, _index(data))

    def _edit(history: History, sid: str, data: gr.EditData
              ) -> Iterator[tuple[History, str, str]]:
        yield from ask_again(runtime, history, sid, _index(data), str(data.value))

    def _undo(history: History, sid: str, data: gr.UndoData) -> tuple[History, str]:
        return undo_turn(runtime, history, sid, _index(data))

    def _like(history: History, sid: str, data: gr.LikeData) -> None:
        rate_answer(runtime, history, sid, _index(data), data.liked)

    turns = []

    def _wire(trigger: Any, fn: Any, inputs: list[Any]) -> None:
        """Run turn ``fn`` on ``trigger`` (an event listener, so that ``fn`` receives the
        event's data), the textbox showing Stop meanwhile."""
        trigger(lambda: busy(value=""), None, [box], queue=False)
        turn = trigger(fn, inputs, page, **run)
        turn.then(idle, None, [box], queue=False)
        turns.append(turn)

    def _begin(trigger: Any) -> Any:
        return trigger(begin_turn, [saved, session, box], [saved, listing, session, asked],
                       queue=False)

    _wire(_begin(box.submit).then, _ask, [asked, chatbot, session])
    for button, prompt in zip(examples, EXAMPLE_PROMPTS, strict=True):
        filled = button.click(lambda p=prompt: p, None, box, queue=False)
        _wire(_begin(filled.then).then, _ask, [asked, chatbot, session])
    _wire(chatbot.retry, _retry, [chatbot, session])
    _wire(chatbot.edit, _edit, [chatbot, session])
    box.stop(stopped, [chatbot], [chatbot], cancels=turns, queue=False).then(
        idle, None, [box], queue=False)
    chatbot.undo(_undo, [chatbot, session], [chatbot, box], queue=False)
    chatbot.like(_like, [chatbot, session], None, queue=False)

    shown = [chatbot, box, session, listing, saved, title]
    # leaving a conversation stops its running turn (its later answers would land on the
    # newly opened one)
    new.click(new_conversation, [saved], shown, queue=False, cancels=turns)
    chatbot.clear(new_conversation, [saved], shown, queue=False)  # its bin button
    delete.click(partial(delete_conversation, runtime), [saved, session], shown, queue=False)
    rename.click(rename_conversation, [saved, session, title], [listing, saved], queue=False)
    title.submit(rename_conversation, [saved, session, title], [listing, saved], queue=False)
    reopened = [chatbot, session, listing, saved, title]
    rated = {"fn": partial(thumbs, runtime), "inputs": [session, chatbot], "outputs": [chatbot],
             "queue": False}
    listing.input(partial(open_conversation, runtime), [saved, listing], reopened,
                  queue=False).then(**rated)
    demo.load(partial(restore, runtime), [saved], reopened, queue=False).then(**rated).then(
        lambda: [gr.Textbox(interactive=True)] + [gr.Button(interactive=True)] * len(examples),
        None, [box, *examples], queue=False)


def _recommend_tab(runtime: Runtime) -> None:
    departments = [ANY, *runtime.services.catalog.department_names]
    with gr.Row():
        user = gr.Number(value=42, label="Shopper (user id)", precision=0, minimum=1)
        strategy = gr.Dropdown(list(get_args(Strategy)), value="hybrid", label="Strategy")
        department = gr.Dropdown(departments, value=ANY, label="Department")
        k = gr.Slider(1, 20, value=6, step=1, label="How many")
    with gr.Row():
        # text boxes, not gr.Number: Gradio 6 shows (and sends) 0 for an empty number box
        lo = gr.Textbox(label="Lowest price", placeholder="no limit", max_lines=1)
        hi = gr.Textbox(label="Highest price", placeholder="no limit", max_lines=1)
        never = gr.Checkbox(label="Only products never bought")
        go = gr.Button("Recommend", variant="primary")
    message = gr.Markdown()
    cards = gr.HTML()
    with gr.Row():
        pick = gr.Dropdown([], label="Similar products to… (a listed product or any name)",
                           allow_custom_value=True, scale=4)
        more = gr.Button("Similar", scale=1)
    similar_message = gr.Markdown()
    similar_cards = gr.HTML()
    go.click(partial(recommend, runtime), [user, strategy, department, lo, hi, k, never],
             [message, cards, pick], concurrency_limit=8)
    more.click(partial(similar, runtime), [pick], [similar_message, similar_cards],
               concurrency_limit=8)


def _funnel_choices(runtime: Runtime, by: str) -> list[str]:
    """The device / sex values of the funnel data (empty without funnel tables)."""
    result = run_tool(runtime.services, "funnel_analysis", {"by": by}).model_dump(mode="json")
    return [str(g["group"]) for g in result.get("groups") or []]


def _named(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(LABELS.get(v, v), v) for v in values]


def _analytics_tab(demo: gr.Blocks, runtime: Runtime) -> None:
    with gr.Tab("Segments"):
        seg_go = gr.Button("Refresh segments", size="sm")

        @gr.render(triggers=[demo.load, seg_go.click])
        def _segments() -> None:
            av.draw(av.segments_view(runtime))

    with gr.Tab("Funnel"):
        with gr.Row():
            device = gr.Dropdown([ANY, *_funnel_choices(runtime, "device")], value=ANY,
                                 label="Device", allow_custom_value=True)
            sex = gr.Dropdown([ANY, *_funnel_choices(runtime, "sex")], value=ANY,
                              label="Sex", allow_custom_value=True)
            split = gr.Dropdown([("no split", NONE), *_named(get_args(FunnelBy))],
                                value="device", label="Split by")
            fun_go = gr.Button("Show funnel", variant="primary")

        @gr.render(inputs=[device, sex, split], triggers=[demo.load, fun_go.click])
        def _funnel(device_: str, sex_: str, split_: str) -> None:
            av.draw(av.funnel_view(runtime, device_, sex_, split_))

    with gr.Tab("Order trends"):
        with gr.Row():
            trend_by = gr.Dropdown([("default", DEFAULT), *_named(get_args(TrendBy))],
                                   value="dow", label="By")
            trend_go = gr.Button("Show trends", variant="primary")

        @gr.render(inputs=[trend_by], triggers=[demo.load, trend_go.click])
        def _trends(by_: str) -> None:
            av.draw(av.trends_view(runtime, by_))

    with gr.Tab("Sales"):
        with gr.Row():
            sales_by = gr.Dropdown(_named(get_args(SalesBy)), value="month", label="By")
            sales_go = gr.Button("Show sales", variant="primary")

        @gr.render(inputs=[sales_by], triggers=[demo.load, sales_go.click])
        def _sales(by_: str) -> None:
            av.draw(av.sales_view(runtime, by_))

    with gr.Tab("Cohorts"):
        with gr.Row():
            cohort_by = gr.Dropdown(["month", "week"], value="month", label="First order by")
            cohort_n = gr.Slider(2, 24, value=12, step=1, label="Cohorts and periods")
            cohort_metric = gr.Dropdown([("shoppers still ordering", "shoppers"),
                                         ("revenue kept", "revenue")], value="shoppers",
                                        label="Measure")
            cohort_go = gr.Button("Show cohorts", variant="primary")

        @gr.render(inputs=[cohort_by, cohort_n, cohort_metric],
                   triggers=[demo.load, cohort_go.click])
        def _cohorts(by_: str, n_: float, metric_: str) -> None:
            av.draw(av.cohorts_view(runtime, by_, n_, metric_))

    with gr.Tab("Anomalies"):
        with gr.Row():
            an_metric = gr.Dropdown(_named(get_args(AnomalyMetric)), value="revenue",
                                    label="Figure")
            an_by = gr.Dropdown(["day", "week"], value="day", label="Per")
            an_k = gr.Slider(1, 50, value=10, step=1, label="At most")
            an_go = gr.Button("Find anomalies", variant="primary")

        @gr.render(inputs=[an_metric, an_by, an_k], triggers=[demo.load, an_go.click])
        def _anomalies(metric_: str, by_: str, k_: float) -> None:
            av.draw(av.anomalies_view(runtime, metric_, by_, k_))

    with gr.Tab("Digest"):
        with gr.Row():
            digest_period = gr.Dropdown(["week", "month"], value="week", label="Period")
            digest_go = gr.Button("Write the digest", variant="primary")

        @gr.render(inputs=[digest_period], triggers=[demo.load, digest_go.click])
        def _digest(period_: str) -> None:
            av.draw(av.insights_view(runtime, period_))

    with gr.Tab("Churn risk"):
        with gr.Row():
            churn_k = gr.Slider(1, 100, value=10, step=1, label="Shoppers most at risk")
            churn_go = gr.Button("Show churn risk", variant="primary")

        @gr.render(inputs=[churn_k], triggers=[demo.load, churn_go.click])
        def _churn(k_: float) -> None:
            av.draw(av.churn_view(runtime, k_))


#: The footer's links: the API page and the settings, no external link (Cartwise runs offline).
FOOTER_LINKS: list[Any] = ["api", "settings"]


def build_ui(runtime: Runtime) -> gr.Blocks:
    """The Cartwise web UI over ``runtime``: tabs Chat, Recommendations and Analytics.

    Mount it with ``gr.mount_gradio_app(app, build_ui(runtime), path="/ui", css=UI_CSS)`` or
    run it with :func:`launch_ui`.
    """
    with gr.Blocks(title="Cartwise", analytics_enabled=False) as demo:
        gr.Markdown("## 🛒 Cartwise — ask your shop's data")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                _chat_tab(demo, runtime)
            with gr.Tab("Recommendations", id="recommendations"):
                _recommend_tab(runtime)
            with gr.Tab("Analytics", id="analytics"):
                _analytics_tab(demo, runtime)
    return demo


def launch_ui(runtime: Runtime, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Serve :func:`build_ui` alone at ``http://host:port/`` (blocks until stopped)."""
    log.info("ui: serving on http://%s:%d/", host, port)
    build_ui(runtime).queue().launch(server_name=host, server_port=port, footer_links=FOOTER_LINKS,
                                     css=UI_CSS)
