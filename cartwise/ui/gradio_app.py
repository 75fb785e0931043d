"""The Gradio web UI over a :class:`~cartwise.runtime.Runtime`: a streaming chat with the agent,
a recommendations explorer and analytics charts.

:func:`build_ui` returns the ``gr.Blocks`` (nothing is built at import); the server mounts it
with ``gr.mount_gradio_app(app, build_ui(runtime), path="/ui")`` and :func:`launch_ui` runs it
alone. The event handlers are module-level functions taking the runtime first, so tests call
them directly; they stay thin: every call reads ``runtime.chat`` / ``runtime.services`` afresh
(a retrain may have swapped them) and goes through ``ChatService`` or
:func:`~cartwise.tools.registry.run_tool`.
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, get_args
from urllib.parse import urlparse

import gradio as gr
import pandas as pd

from cartwise.agent.chat import new_session_id
from cartwise.catalog import money
from cartwise.errors import CartwiseError, InvalidArgument
from cartwise.runtime import Runtime
from cartwise.tools.registry import run_tool
from cartwise.tools.results import is_failure
from cartwise.tools.schemas import AnomalyMetric, FunnelBy, SalesBy, Strategy, TrendBy

log = logging.getLogger(__name__)

#: Prompts offered under the chat box (one click sends them).
EXAMPLE_PROMPTS = (
    "What should user 42 buy next?",
    "What goes with pasta sauce?",
    "Which customers are about to churn?",
    "Where do mobile users drop out of the funnel?",
)

#: A chat history in Gradio's messages format: ``{"role", "content", "metadata"?}`` dicts.
History = list[dict[str, Any]]

_ANY = "any"
#: Readable names of argument values in dropdowns.
_BY_NAMES = {"dow": "day of week", "hour": "hour of day", "aov": "average order value"}
_TOOL_ICON = "🔧"


# ------------------------------------------------------------------------------ chat


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


def _args_text(args: Mapping[str, Any]) -> str:
    return (f"`{json.dumps(dict(args), ensure_ascii=False, default=str)}`" if args
            else "none")


def _tool_message(event: Mapping[str, Any]) -> dict[str, Any]:
    """The collapsible chat message of a tool call (pending) or its result (done)."""
    metadata: dict[str, Any] = {"title": f"{_TOOL_ICON} {event['name']}",
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


def _polite(exc: CartwiseError) -> str:
    if isinstance(exc, InvalidArgument) and exc.argument == "message":
        if exc.value is None or (isinstance(exc.value, str) and not exc.value.strip()):
            return "Please type a question first, for example one of the examples below."
        return f"Sorry, that message is too long ({exc.value}); please keep it to {exc.allowed}."
    return f"Sorry, I can't answer that: {exc}."


def chat_turn(runtime: Runtime, message: str, history: History | None,
              session_id: str | None) -> Iterator[tuple[History, str, str]]:
    """One chat turn as a stream of UI states ``(history, textbox text, session id)``.

    The user's message is appended first; each tool call appears as a collapsible message
    (``metadata`` title ``"🔧 <tool>"``, status ``pending``, then ``done`` with the duration in
    seconds, the arguments and the result's summary); the reply streams in last. An invalid
    message (empty, too long) or a failure gives a polite assistant message, never an
    exception.
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
                msg = _tool_message(event)
                key = str(event.get("id"))
                if key in steps:
                    history[steps[key]] = msg
                else:
                    steps[key] = len(history)
                    history.append(msg)
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


def new_conversation(runtime: Runtime, session_id: str | None) -> tuple[History, str, str]:
    """Forget the current session (``chat.clear``) and start a new one: ``(empty history,
    empty textbox, new session id)``."""
    if session_id:
        try:
            runtime.chat.clear(session_id)
        except InvalidArgument as exc:
            log.info("chat: could not clear session: %s", exc)
    return [], "", new_session_id()


# ------------------------------------------------------------------------------ recommendations


def _whole(value: float | int | None) -> float | int | None:
    """A number input's value as an int when it is whole (the tools validate the rest)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _tool(runtime: Runtime, name: str, args: Mapping[str, Any]) -> dict[str, Any]:
    """Tool ``name``'s result as JSON (the shape the API and the chat stream carry)."""
    return run_tool(runtime.services, name, args).model_dump(mode="json")


def product_cards(items: Sequence[Mapping[str, Any]]) -> str:
    """Product entries (as the tools list them) as an HTML grid of cards: name, aisle and
    department, price (the data's currency), and score and reason where present."""
    cards = []
    for it in items:
        rows = [f"<div style='font-weight:600;font-size:1.05em'>{html.escape(str(it['name']))}"
                "</div>",
                f"<div style='opacity:.75'>{html.escape(str(it['aisle']))} · "
                f"{html.escape(str(it['department']))}</div>",
                f"<div>price <b>{money(it.get('price'), it.get('currency')) or 'n/a'}</b>"
                + (f" · score <b>{float(it['score']):.3f}</b>" if it.get("score") is not None
                   else "") + "</div>"]
        if it.get("reason"):
            rows.append(f"<div style='font-style:italic'>{html.escape(str(it['reason']))}</div>")
        rows.append(f"<div style='opacity:.6;font-size:.85em'>product {int(it['product_id'])}"
                    "</div>")
        cards.append("<div class='cartwise-card' style='border:1px solid "
                     "var(--border-color-primary,#ddd);border-radius:10px;padding:10px 12px;"
                     "display:flex;flex-direction:column;gap:4px;background:"
                     "var(--block-background-fill,transparent)'>" + "".join(rows) + "</div>")
    return ("<div class='cartwise-cards' style='display:grid;grid-template-columns:"
            "repeat(auto-fill,minmax(220px,1fr));gap:10px'>" + "".join(cards) + "</div>")


def _notice(result: Mapping[str, Any]) -> str:
    icon = "⚠️" if is_failure(result) else "ℹ️"
    return f"{icon} {result.get('summary') or result.get('error')}"


def recommend(runtime: Runtime, user_id: float | None, strategy: str | None,
              department: str | None, min_price: float | str | None,
              max_price: float | str | None, k: float | None,
              never_bought: bool) -> tuple[str, str, dict[str, Any]]:
    """Recommendations for ``user_id``: ``(message, cards HTML, update of the "similar"
    product picker)``. Prices are numbers or text as typed (blank: no limit; the tool parses
    and checks them). The message is the result's summary, marked ⚠️ for an invalid argument
    (min price above max price, a price that is not a number, no user id) and ℹ️ when the user
    is unknown (best sellers are shown); the picker lists the recommended products (value:
    product id as text)."""
    args: dict[str, Any] = {"user_id": _whole(user_id), "k": _whole(k) or 5,
                            "strategy": strategy or "hybrid",
                            "department": None if department in (None, "", _ANY) else department,
                            "min_price": min_price, "max_price": max_price,
                            "exclude_purchased": bool(never_bought)}
    if args["user_id"] is None:
        return "⚠️ Enter a user id.", "", gr.update(choices=[], value=None)
    result = _tool(runtime, "recommend_products", args)
    if is_failure(result):
        return _notice(result), "", gr.update(choices=[], value=None)
    items = result.get("items") or []
    message = result["summary"] if result.get("user_found", True) and not result.get(
        "fallback") else _notice(result)
    choices = [(str(it["name"]), str(it["product_id"])) for it in items]
    return (message, product_cards(items),
            gr.update(choices=choices, value=choices[0][1] if choices else None))


def similar(runtime: Runtime, product: str | None, k: float | None = 5) -> tuple[str, str]:
    """Products like ``product`` (a product id as text, or a name): ``(message, cards HTML)``;
    an unknown product gives a ⚠️ message naming the closest names."""
    if not product or not str(product).strip():
        return "⚠️ Pick a product first (get recommendations, or type a product name).", ""
    result = _tool(runtime, "similar_products",
                      {"product": str(product), "k": _whole(k) or 5})
    if is_failure(result):
        return _notice(result), ""
    return result["summary"], product_cards(result.get("items") or [])


# ------------------------------------------------------------------------------ analytics


@dataclass
class ChartFrame:
    """One chart of an analytics result, ready for ``gr.BarPlot`` / ``gr.LinePlot``.

    ``frame`` has columns ``x`` and ``y``, plus ``series`` when the chart has several series
    (bars are then stacked: ``x`` takes the series names and ``series`` the original x values,
    named by ``series_label``); ``order`` is the order of the x categories of a bar chart (None
    for line charts, whose x is a number or a date).
    """

    kind: str  # "bar" or "line"
    title: str
    frame: pd.DataFrame
    x_label: str
    y_label: str
    order: list[str] | None = None
    series_label: str = ""

    @property
    def color(self) -> str | None:
        return "series" if "series" in self.frame.columns else None


@dataclass
class AnalyticsView:
    """What an analytics section shows: the result's ``summary``, its charts and an optional
    ``table`` (a frame, or a styled frame for a heatmap); ``points``: a digest's points (shown
    as a list); ``ok`` is False for an invalid-argument or not-found result."""

    summary: str
    charts: list[ChartFrame] = field(default_factory=list)
    table: Any = None
    ok: bool = True
    points: list[str] = field(default_factory=list)


def _line_x(values: list[Any]) -> pd.Series:
    """Line-chart x values: numbers as they are, date labels ("2024-01-08", "2024-01") as
    datetimes, anything else as text."""
    s = pd.Series(values)
    if pd.api.types.is_numeric_dtype(s):
        return s
    dates = pd.to_datetime(s.astype(str), errors="coerce", format="mixed")
    return dates if dates.notna().all() else s.astype(str)


def chart_frame(chart: Mapping[str, Any]) -> ChartFrame:
    """A result's chart dict (:func:`cartwise.analytics.results.chart`: ``kind``, ``title``,
    ``x``, ``y`` or ``series``, ``x_label``, ``y_label``) as a :class:`ChartFrame`;
    ``funnel`` and ``scatter`` kinds are drawn as bars."""
    kind = "line" if chart.get("kind") == "line" else "bar"
    x = list(chart["x"])
    x_label, series_label = str(chart.get("x_label", "x")), ""
    series: Mapping[str, list[Any]] | None = chart.get("series")
    if series is None:
        frame = pd.DataFrame({"x": x, "y": list(chart["y"])})
    elif kind == "bar":  # stacked bars: one bar per series, split by the x groups
        frame = pd.DataFrame([{"x": str(name), "y": v, "series": str(g)}
                              for name, ys in series.items() for g, v in zip(x, ys, strict=True)])
        x_label, series_label = "", x_label
    else:
        frame = pd.DataFrame([{"x": g, "y": v, "series": str(name)}
                              for name, ys in series.items() for g, v in zip(x, ys, strict=True)])
    frame["y"] = pd.to_numeric(frame["y"], errors="coerce")
    order = None
    if kind == "bar":
        frame["x"] = frame["x"].astype(str)
        order = list(dict.fromkeys(frame["x"].tolist()))
    else:
        frame["x"] = _line_x(frame["x"].tolist())
    return ChartFrame(kind, str(chart.get("title", "")), frame, x_label,
                      str(chart.get("y_label", "y")), order, series_label)


def _view(result: Mapping[str, Any], table: pd.DataFrame | None = None) -> AnalyticsView:
    if is_failure(result):
        return AnalyticsView(_notice(result), ok=False)
    charts = [chart_frame(c) for c in result.get("charts") or []]
    return AnalyticsView(str(result.get("summary", "")), charts, table)


def segments_view(runtime: Runtime) -> AnalyticsView:
    """``customer_segments``: the RFM segments' charts and a table of the segments (name,
    shoppers, share, value share, averages)."""
    result = _tool(runtime, "customer_segments", {})
    table = None
    if result.get("segments"):
        table = pd.DataFrame(result["segments"])
        keep = [c for c in ("name", "users", "share", "value", "value_share", "avg_recency_days",
                            "avg_frequency", "avg_monetary", "description") if c in table]
        table = table[keep].round(3)
    return _view(result, table)


def funnel_view(runtime: Runtime, device: str | None = None, sex: str | None = None,
                by: str | None = None) -> AnalyticsView:
    """``funnel_analysis``, optionally for one device / sex and split by device, sex, week or
    month (``"any"`` and ``"none"`` mean no filter / no split)."""
    args = {"device": None if device in (None, "", _ANY) else device,
            "sex": None if sex in (None, "", _ANY) else sex,
            "by": None if by in (None, "", "none") else by}
    result = _tool(runtime, "funnel_analysis", args)
    table = pd.DataFrame(result["steps"]).round(4) if result.get("steps") else None
    return _view(result, table)


def trends_view(runtime: Runtime, by: str | None = None) -> AnalyticsView:
    """``order_trends`` by dow, hour, day, week or month (None: the tool's default)."""
    result = _tool(runtime, "order_trends",
                      {"by": None if by in (None, "", "default") else by})
    return _view(result)


def churn_view(runtime: Runtime, k: float | None = 10) -> AnalyticsView:
    """``churn_risk`` without a user: the ``k`` valuable shoppers most at risk as a table
    (user, score 0..1, level, segment, days since the last order, usual gap, value, reason)."""
    result = _tool(runtime, "churn_risk", {"k": _whole(k) or 10})
    table = None
    if result.get("users"):
        table = pd.DataFrame(result["users"])
        keep = [c for c in ("user_id", "score", "level", "segment", "days_since_last_order",
                            "expected_gap_days", "value", "reason") if c in table]
        table = table[keep]
    return _view(result, table)


#: Sales figures shown in the sales table, in this order.
_SALES_COLUMNS = ("label", "revenue", "orders", "aov", "units", "items_per_order", "shoppers",
                  "new_shoppers", "returning_shoppers", "share_of_revenue")


def sales_view(runtime: Runtime, by: str | None = None) -> AnalyticsView:
    """``sales_summary`` by ``by`` (None: the tool's default): revenue, average order value
    and orders over the periods or groups, the comparison of the latest complete period with
    the one before (and a year earlier) as a table, then every row."""
    result = _tool(runtime, "sales_summary", {"by": None if by in (None, "", "default")
                                              else by})
    view = _view(result)
    if not view.ok:
        return view
    cmp_ = result.get("compare")
    if cmp_:
        figures = [m for m in _SALES_COLUMNS[1:-1] if cmp_["current"].get(m) is not None]
        rows = [{"figure": m.replace("_", " "), cmp_["period"]: cmp_["current"][m],
                 cmp_["previous"]: cmp_["before"][m],
                 "change": f"{cmp_['change'][m]:+.1%}" if cmp_["change"][m] is not None
                 else "n/a"} for m in figures]
        if cmp_.get("year_ago"):
            for row, m in zip(rows, figures, strict=True):
                row[cmp_["year_ago"]["period"]] = cmp_["year_ago"]["figures"][m]
        view.points = [f"{cmp_['period']} vs {cmp_['previous']}"]
        view.table = pd.DataFrame(rows)
    elif result.get("rows"):
        frame = pd.DataFrame(result["rows"])
        view.table = frame[[c for c in _SALES_COLUMNS if c in frame]]
    return view


def _heat(value: object) -> str:
    """The cell style of a retention share: greener for more (0..1; above 1 the darkest)."""
    if not isinstance(value, int | float) or pd.isna(value):
        return "color: var(--body-text-color-subdued, #999)"
    v = max(0.0, min(float(value), 1.0))
    return f"background-color: rgba(34, 139, 84, {0.12 + 0.75 * v:.2f})"


def cohorts_view(runtime: Runtime, by: str = "month", periods: float | None = 12,
                 metric: str = "shoppers") -> AnalyticsView:
    """``cohort_retention``: the average curve and the cohort x period matrix as a heatmap
    (cells coloured by the share still ordering, or the revenue kept)."""
    result = _tool(runtime, "cohort_retention", {"by": by, "periods": _whole(periods) or 12,
                                                 "metric": metric})
    view = _view(result)
    if not view.ok:
        return view
    m = result["matrix"]
    frame = pd.DataFrame(m["z"], index=m["y"], columns=[str(x) for x in m["x"]])
    frame.insert(0, "shoppers", [c["size"] for c in result["cohorts"]])
    frame.insert(0, "cohort", m["y"])
    cells = [str(x) for x in m["x"]]
    view.table = frame.style.map(_heat, subset=cells).format(
        lambda v: "" if v is None or pd.isna(v) else f"{v:.0%}", subset=cells)
    return view


def anomalies_view(runtime: Runtime, metric: str = "orders", by: str = "day",
                   k: float | None = 10) -> AnalyticsView:
    """``detect_anomalies``: the series with its expected range, the anomalies marked as
    points on the same time axis, and a table of them (expected value, range, what moved)."""
    result = _tool(runtime, "detect_anomalies", {"metric": metric, "by": by,
                                                 "k": _whole(k) or 10})
    view = _view(result)
    if not view.ok:
        return view
    found = result["anomalies"]
    view.charts = [c for c in view.charts if c.kind == "line"]
    if found:
        marks = pd.DataFrame({"x": _line_x([a["label"] for a in found]),
                              "y": [a["value"] for a in found],
                              "series": [a["direction"] for a in found]})
        view.charts.append(ChartFrame("scatter", "Anomalies on the same days", marks,
                                      str(result["by"]), str(result["metric"])))
        view.table = pd.DataFrame([{
            "when": a["label"], "direction": a["direction"], "value": a["value"],
            "expected": a["expected"], "range": f"{a['low']:,.2f} - {a['high']:,.2f}",
            "score": a["score"],
            "moved most": ", ".join(d["name"] for d in a["departments"][:2]),
            "products": ", ".join(p["name"] for p in a["products"][:2])} for a in found])
    return view


def insights_view(runtime: Runtime, period: str = "week") -> AnalyticsView:
    """``business_insights``: the digest's points, each with the tool it comes from."""
    result = _tool(runtime, "business_insights", {"period": period})
    view = _view(result)
    if view.ok:
        view.points = [f"{p['text']} _({p['tool']})_" for p in result["points"]]
    return view


def _readable(table: pd.DataFrame) -> pd.DataFrame:
    return table.rename(columns=lambda c: str(c).replace("_", " "))


def _draw(view: AnalyticsView) -> None:
    """Render an analytics view inside a ``gr.render`` function: the summary, the charts
    (bars start at 0 and keep the result's category order), the table."""
    gr.Markdown(view.summary)
    if view.points:
        gr.Markdown("\n".join(f"- {p}" for p in view.points))
    with gr.Row(equal_height=True):
        for i, c in enumerate(view.charts):
            common: dict[str, Any] = {"x": "x", "y": "y", "color": c.color, "title": c.title,
                                      "x_title": c.x_label or " ", "y_title": c.y_label,
                                      "color_title": c.series_label, "height": 300,
                                      "min_width": 380, "key": f"chart-{i}-{c.title}"}
            if c.kind == "scatter":
                gr.ScatterPlot(c.frame, **common)
            elif c.kind == "bar":
                crowded = sum(len(o) + 2 for o in c.order or []) > 48
                gr.BarPlot(c.frame, sort=c.order, y_lim=[0, None],
                           x_label_angle=-35 if crowded else 0, **common)
            else:
                whole = pd.api.types.is_integer_dtype(c.frame["x"])
                gr.LinePlot(c.frame, x_axis_format="d" if whole else None, **common)
    if view.table is not None:
        table = view.table if not isinstance(view.table, pd.DataFrame) else _readable(view.table)
        gr.Dataframe(table, interactive=False, wrap=True, max_height=420)


# ------------------------------------------------------------------------------ the app


def _funnel_choices(runtime: Runtime, by: str) -> list[str]:
    """The device / sex values of the funnel data (empty without funnel tables)."""
    result = _tool(runtime, "funnel_analysis", {"by": by})
    return [str(g["group"]) for g in result.get("groups") or []]


def _chat_tab(runtime: Runtime) -> None:
    gr.Markdown(partial(model_line, runtime))
    session = gr.State(new_session_id)  # a callable: a new session id per browser tab
    chatbot = gr.Chatbot(label="Cartwise", height=520, elem_id="cartwise-chat",
                         buttons=["copy"], feedback_options=None,
                         placeholder="Ask about shoppers, products, segments, churn or the "
                                     "funnel.")
    with gr.Row():
        box = gr.Textbox(placeholder="Ask Cartwise…", show_label=False, scale=8, lines=1,
                         max_lines=6, elem_id="cartwise-input", autofocus=True)
        send = gr.Button("Send", variant="primary", scale=1, min_width=80)
    with gr.Row():
        examples = [gr.Button(p, size="sm") for p in EXAMPLE_PROMPTS]
    reset = gr.Button("New conversation", size="sm", variant="secondary")

    turn = partial(chat_turn, runtime)
    io = {"inputs": [box, chatbot, session], "outputs": [chatbot, box, session],
          "concurrency_limit": 8, "concurrency_id": "cartwise-chat", "show_progress": "hidden"}
    box.submit(turn, **io)
    send.click(turn, **io)
    for button, prompt in zip(examples, EXAMPLE_PROMPTS, strict=True):
        button.click(lambda p=prompt: p, None, box, queue=False).then(turn, **io)
    clear = partial(new_conversation, runtime)
    reset.click(clear, [session], [chatbot, box, session], queue=False)
    chatbot.clear(clear, [session], [chatbot, box, session], queue=False)  # its bin button


def _recommend_tab(runtime: Runtime) -> None:
    departments = [_ANY, *runtime.services.catalog.department_names]
    with gr.Row():
        user = gr.Number(value=42, label="User id", precision=0, minimum=1)
        strategy = gr.Dropdown(list(get_args(Strategy)), value="hybrid", label="Strategy")
        department = gr.Dropdown(departments, value=_ANY, label="Department")
        k = gr.Slider(1, 20, value=6, step=1, label="How many")
    with gr.Row():
        # text boxes, not gr.Number: Gradio 6 shows (and sends) 0 for an empty number box
        lo = gr.Textbox(label="Min price", placeholder="no limit", max_lines=1)
        hi = gr.Textbox(label="Max price", placeholder="no limit", max_lines=1)
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


def _analytics_tab(demo: gr.Blocks, runtime: Runtime) -> None:
    with gr.Tab("Segments"):
        seg_go = gr.Button("Refresh segments", size="sm")

        @gr.render(triggers=[demo.load, seg_go.click])
        def _segments() -> None:
            _draw(segments_view(runtime))

    with gr.Tab("Funnel"):
        with gr.Row():
            device = gr.Dropdown([_ANY, *_funnel_choices(runtime, "device")], value=_ANY,
                                 label="Device", allow_custom_value=True)
            sex = gr.Dropdown([_ANY, *_funnel_choices(runtime, "sex")], value=_ANY,
                              label="Sex", allow_custom_value=True)
            split = gr.Dropdown(["none", *get_args(FunnelBy)], value="device", label="Split by")
            fun_go = gr.Button("Show funnel", variant="primary")

        @gr.render(inputs=[device, sex, split], triggers=[demo.load, fun_go.click])
        def _funnel(device_: str, sex_: str, split_: str) -> None:
            _draw(funnel_view(runtime, device_, sex_, split_))

    with gr.Tab("Order trends"):
        with gr.Row():
            trend_by = gr.Dropdown(["default", *get_args(TrendBy)], value="dow", label="By")
            trend_go = gr.Button("Show trends", variant="primary")

        @gr.render(inputs=[trend_by], triggers=[demo.load, trend_go.click])
        def _trends(by_: str) -> None:
            _draw(trends_view(runtime, by_))

    with gr.Tab("Sales"):
        with gr.Row():
            sales_by = gr.Dropdown([(_BY_NAMES.get(b, b), b) for b in get_args(SalesBy)],
                                   value="month", label="By")
            sales_go = gr.Button("Show sales", variant="primary")

        @gr.render(inputs=[sales_by], triggers=[demo.load, sales_go.click])
        def _sales(by_: str) -> None:
            _draw(sales_view(runtime, by_))

    with gr.Tab("Cohorts"):
        with gr.Row():
            cohort_by = gr.Dropdown(["month", "week"], value="month", label="First order by")
            cohort_n = gr.Slider(2, 24, value=12, step=1, label="Cohorts and periods")
            cohort_metric = gr.Dropdown(["shoppers", "revenue"], value="shoppers",
                                        label="Measure")
            cohort_go = gr.Button("Show cohorts", variant="primary")

        @gr.render(inputs=[cohort_by, cohort_n, cohort_metric],
                   triggers=[demo.load, cohort_go.click])
        def _cohorts(by_: str, n_: float, metric_: str) -> None:
            _draw(cohorts_view(runtime, by_, n_, metric_))

    with gr.Tab("Anomalies"):
        with gr.Row():
            an_metric = gr.Dropdown([(_BY_NAMES.get(m, m), m) for m in get_args(AnomalyMetric)],
                                    value="revenue", label="Figure")
            an_by = gr.Dropdown(["day", "week"], value="day", label="Per")
            an_k = gr.Slider(1, 50, value=10, step=1, label="At most")
            an_go = gr.Button("Find anomalies", variant="primary")

        @gr.render(inputs=[an_metric, an_by, an_k], triggers=[demo.load, an_go.click])
        def _anomalies(metric_: str, by_: str, k_: float) -> None:
            _draw(anomalies_view(runtime, metric_, by_, k_))

    with gr.Tab("Digest"):
        with gr.Row():
            digest_period = gr.Dropdown(["week", "month"], value="week", label="Period")
            digest_go = gr.Button("Write the digest", variant="primary")

        @gr.render(inputs=[digest_period], triggers=[demo.load, digest_go.click])
        def _digest(period_: str) -> None:
            _draw(insights_view(runtime, period_))

    with gr.Tab("Churn risk"):
        with gr.Row():
            churn_k = gr.Slider(1, 100, value=10, step=1, label="Shoppers most at risk")
            churn_go = gr.Button("Show churn risk", variant="primary")

        @gr.render(inputs=[churn_k], triggers=[demo.load, churn_go.click])
        def _churn(k_: float) -> None:
            _draw(churn_view(runtime, k_))


def build_ui(runtime: Runtime) -> gr.Blocks:
    """The Cartwise web UI over ``runtime``: tabs Chat, Recommendations and Analytics.

    Mount it with ``gr.mount_gradio_app(app, build_ui(runtime), path="/ui")`` or run it with
    :func:`launch_ui`. Each browser tab gets its own chat session.
    """
    with gr.Blocks(title="Cartwise", analytics_enabled=False) as demo:
        gr.Markdown("## 🛒 Cartwise — ask your shop's data")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                _chat_tab(runtime)
            with gr.Tab("Recommendations", id="recommendations"):
                _recommend_tab(runtime)
            with gr.Tab("Analytics", id="analytics"):
                _analytics_tab(demo, runtime)
    return demo


def launch_ui(runtime: Runtime, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Serve :func:`build_ui` alone at ``http://host:port/`` (blocks until stopped)."""
    log.info("ui: serving on http://%s:%d/", host, port)
    build_ui(runtime).queue().launch(server_name=host, server_port=port, footer_links=[])
