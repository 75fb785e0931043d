"""What the analytics tab shows for each analysis: the result's summary, its charts (the same
Vega-Lite specs the chat, the REST API and ``/chat`` carry, :mod:`cartwise.tools.charts`) and a
table written for people: thousands separators, percentages, money in the data's currency and
plain column names, through the formatters the replies use.

Each ``*_view`` function runs one tool through :func:`~cartwise.tools.registry.run_tool` and
returns an :class:`AnalyticsView`; :func:`draw` renders one inside a ``gr.render`` block.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import gradio as gr
import pandas as pd

from cartwise.formatting import fmt_change, fmt_num, fmt_pct, money, plural
from cartwise.runtime import Runtime
from cartwise.tools.charts import ChartSpec, chart_specs
from cartwise.tools.registry import run_tool
from cartwise.tools.results import ToolResult, is_failure
from cartwise.ui.chat_view import chart_plot
from cartwise.ui.inputs import ANY, DEFAULT, NONE, choice, whole

Row = dict[str, Any]
Fmt = Callable[[Any], str]


@dataclass
class AnalyticsView:
    """One analysis as shown: ``summary``, ``charts`` (Vega-Lite specs), an optional
    ``table`` (a frame of text, or a styled frame for a heatmap) and ``points`` (a digest's
    points, shown as a list); ``ok`` is False for an invalid-argument or not-found result."""

    summary: str
    charts: list[ChartSpec] = field(default_factory=list)
    table: Any = None
    ok: bool = True
    points: list[str] = field(default_factory=list)


def _run(runtime: Runtime, name: str, args: Mapping[str, Any]) -> tuple[ToolResult, Row]:
    result = run_tool(runtime.services, name, {k: v for k, v in args.items() if v is not None})
    return result, result.model_dump(mode="json")


def _view(name: str, result: ToolResult, data: Row) -> AnalyticsView:
    if is_failure(data):
        icon = "⚠️" if data.get("error_type") == "invalid_argument" else "ℹ️"
        return AnalyticsView(f"{icon} {data.get('summary') or data.get('error')}", ok=False)
    return AnalyticsView(str(data.get("summary", "")), chart_specs(name, result))


def _money(currency: str | None) -> Fmt:
    return lambda v: money(v, currency) or "n/a"


def _days(v: Any) -> str:
    if v is None:
        return "n/a"
    return plural(int(v), "day") if float(v).is_integer() else f"{fmt_num(v, 1)} days"


def _decimal(v: Any) -> str:
    return fmt_num(v, 2)


def table(rows: list[Row], columns: Mapping[str, tuple[str, Fmt | None]]) -> pd.DataFrame:
    """``rows`` as a table of text: ``columns`` maps a field to its header and its formatter
    (None: the value as text); fields a row lacks are left out."""
    present = [c for c in columns if any(c in r for r in rows)]
    return pd.DataFrame([{columns[c][0]: (columns[c][1] or str)(r.get(c)) if r.get(c)
                          is not None else "" for c in present} for r in rows])


def segments_view(runtime: Runtime) -> AnalyticsView:
    """``customer_segments``: shoppers and value per RFM segment, and a table of them."""
    result, data = _run(runtime, "customer_segments", {})
    view = _view("customer_segments", result, data)
    if view.ok and data.get("segments"):
        cash = _money(data.get("currency"))
        view.table = table(data["segments"], {
            "name": ("segment", None), "users": ("shoppers", fmt_num),
            "share": ("share of shoppers", fmt_pct), "value": ("value", cash),
            "value_share": ("share of value", fmt_pct),
            "avg_recency_days": ("days since last order (avg)", _days),
            "avg_frequency": ("orders (avg)", _decimal),
            "avg_monetary": ("spend (avg)", cash), "description": ("who they are", None)})
    return view


def funnel_view(runtime: Runtime, device: str | None = None, sex: str | None = None,
                by: str | None = None) -> AnalyticsView:
    """``funnel_analysis``, optionally for one device / sex and split by device, sex, week or
    month (``"any"`` and ``"none"`` mean no filter / no split); the steps as a table."""
    result, data = _run(runtime, "funnel_analysis", {"device": choice(device, ANY),
                                                     "sex": choice(sex, ANY),
                                                     "by": choice(by, NONE)})
    view = _view("funnel_analysis", result, data)
    if view.ok and data.get("steps"):
        view.table = table(data["steps"], {
            "label": ("step", None), "users": ("visitors", fmt_num),
            "conversion_from_previous": ("from the step before", fmt_pct),
            "drop_off_users": ("left here", fmt_num), "drop_off_rate": ("share left", fmt_pct),
            "conversion_from_start": ("of all visitors", fmt_pct)})
    return view


def trends_view(runtime: Runtime, by: str | None = None) -> AnalyticsView:
    """``order_trends`` by day of week, hour, day, week or month (None: the tool's default)."""
    result, data = _run(runtime, "order_trends", {"by": choice(by, DEFAULT)})
    return _view("order_trends", result, data)


def churn_view(runtime: Runtime, k: float | None = 10) -> AnalyticsView:
    """``churn_risk`` without a user: the ``k`` valuable shoppers most at risk as a table."""
    result, data = _run(runtime, "churn_risk", {"k": whole(k) or 10})
    view = _view("churn_risk", result, data)
    if view.ok and data.get("users"):
        view.table = table(data["users"], {
            "user_id": ("shopper", None), "score": ("churn risk", fmt_pct),
            "level": ("level", None), "segment": ("segment", None),
            "days_since_last_order": ("since last order", _days),
            "expected_gap_days": ("usual gap", _days),
            "value": ("value", _money(data.get("currency"))), "reason": ("why", None)})
    return view


#: The sales figures of the comparison table: field -> (label, formatter kind).
_SALES_FIGURES = {"revenue": "revenue", "orders": "orders", "aov": "average order value",
                  "units": "units", "items_per_order": "items per order",
                  "shoppers": "shoppers", "new_shoppers": "new shoppers",
                  "returning_shoppers": "returning shoppers"}


def sales_view(runtime: Runtime, by: str | None = None) -> AnalyticsView:
    """``sales_summary`` by ``by`` (None: the tool's default): its charts, then the latest
    complete period against the one before (and a year earlier) as a table, or every row."""
    result, data = _run(runtime, "sales_summary", {"by": choice(by, DEFAULT)})
    view = _view("sales_summary", result, data)
    if not view.ok:
        return view
    cash = _money(data.get("currency"))
    fmts: dict[str, Fmt] = {"revenue": cash, "aov": cash, "items_per_order": _decimal}
    cmp_ = data.get("compare")
    if cmp_:
        rows = []
        for m, label in _SALES_FIGURES.items():
            if cmp_["current"].get(m) is None:
                continue
            f = fmts.get(m, fmt_num)
            row = {"figure": label, cmp_["period"]: f(cmp_["current"][m]),
                   cmp_["previous"]: f(cmp_["before"].get(m)),
                   "change": fmt_change(cmp_["change"].get(m))}
            if cmp_.get("year_ago"):
                row[f"a year earlier ({cmp_['year_ago']['period']})"] = f(
                    cmp_["year_ago"]["figures"].get(m))
            rows.append(row)
        view.points = [f"{cmp_['period']} against {cmp_['previous']}"]
        view.table = pd.DataFrame(rows)
    elif data.get("rows"):
        columns: dict[str, tuple[str, Fmt | None]] = {"label": ("period or group", None)}
        columns |= {m: (label, fmts.get(m, fmt_num)) for m, label in _SALES_FIGURES.items()}
        columns["share_of_revenue"] = ("share of revenue", fmt_pct)
        view.table = table(data["rows"], columns)
    return view


def _heat(value: object) -> str:
    """The cell style of a retention share: greener for more (0..1; above 1 the darkest)."""
    if not isinstance(value, int | float) or pd.isna(value):
        return "color: var(--body-text-color-subdued, #999)"
    v = max(0.0, min(float(value), 1.0))
    return f"background-color: rgba(34, 139, 84, {0.12 + 0.75 * v:.2f})"


def cohorts_view(runtime: Runtime, by: str = "month", periods: float | None = 12,
                 metric: str = "shoppers") -> AnalyticsView:
    """``cohort_retention``: the heatmap and the average curve, and the matrix as a table
    coloured by the share still ordering (or the revenue kept)."""
    result, data = _run(runtime, "cohort_retention", {
        "by": by, "periods": whole(periods) or 12, "metric": metric})
    view = _view("cohort_retention", result, data)
    if not view.ok:
        return view
    m = data["matrix"]
    cells = [f"{m['x_label']} {x}" for x in m["x"]]
    frame = pd.DataFrame(m["z"], index=m["y"], columns=cells)
    frame.insert(0, "shoppers", [fmt_num(c["size"]) for c in data["cohorts"]])
    frame.insert(0, "first order in", m["y"])
    view.table = frame.style.map(_heat, subset=cells).format(
        lambda v: "" if v is None or pd.isna(v) else fmt_pct(v, 0), subset=cells)
    return view


def anomalies_view(runtime: Runtime, metric: str = "orders", by: str = "day",
                   k: float | None = 10) -> AnalyticsView:
    """``detect_anomalies``: the series with its expected range and the unusual periods
    marked, and a table of them (expected value and range, what moved)."""
    result, data = _run(runtime, "detect_anomalies", {"metric": metric, "by": by,
                                                      "k": whole(k) or 10})
    view = _view("detect_anomalies", result, data)
    if not view.ok or not data["anomalies"]:
        return view
    cash = data.get("value_unit") == "currency" and metric in ("revenue", "aov")
    f: Fmt = _money(data.get("currency")) if cash else _decimal if metric == "aov" else fmt_num
    view.table = pd.DataFrame([{
        "when": a["label"], "direction": a["direction"], "value": f(a["value"]),
        "expected": f(a["expected"]), "expected range": f"{f(a['low'])} to {f(a['high'])}",
        "moved most": ", ".join(d["name"] for d in a["departments"][:2]),
        "products": ", ".join(p["name"] for p in a["products"][:2])}
        for a in data["anomalies"]])
    return view


def insights_view(runtime: Runtime, period: str = "week") -> AnalyticsView:
    """``business_insights``: the digest's points, each with the tool it comes from."""
    result, data = _run(runtime, "business_insights", {"period": period})
    view = _view("business_insights", result, data)
    if view.ok:
        view.points = [f"{p['text']} _({p['tool']})_" for p in data["points"]]
    return view


def draw(view: AnalyticsView) -> None:
    """Render ``view`` inside a ``gr.render`` function: the summary, the points, the charts
    side by side, the table."""
    gr.Markdown(view.summary)
    if view.points:
        gr.Markdown("\n".join(f"- {p}" for p in view.points))
    with gr.Row(equal_height=True):
        for i, chart in enumerate(view.charts):
            chart_plot(chart, key=f"chart-{i}-{chart.title}")
    if view.table is not None:
        gr.Dataframe(view.table, interactive=False, wrap=True, max_height=420)
