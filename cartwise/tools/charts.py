"""Chart specifications of tool results, one format for every front end: Vega-Lite v5 JSON.

:func:`chart_specs` turns a typed tool result into zero or more :class:`ChartSpec` (``tool``,
``title``, ``kind`` and the Vega-Lite ``spec``); the REST tool endpoints, ``/chat`` and
``/chat/stream`` carry them as ``chart_specs``, and the Gradio chat draws them inline (Gradio's
``gr.Plot`` renders Vega-Lite through vega-embed). Any client can draw a spec with
vega-embed, Altair (``alt.Chart.from_dict``) or the Vega editor.

What is drawn:

* a funnel: visitors at each step as horizontal bars (a funnel), and with a split (``by``)
  the visitors at each step per group as grouped bars and the overall conversion per group;
* order trends: orders (and revenue) over the periods as lines, or bars for day of week / hour;
* sales: revenue and orders per period as lines with the compared periods (the latest complete
  one, the one before, a year earlier) marked, or per group as bars with the latest period
  against the one before;
* segments: shoppers and share of value per RFM segment as bars;
* cohort retention: the cohort x period matrix as a heatmap and the average curve;
* anomalies: the series with its expected range and the unusual periods marked;
* any other result with chart series (``charts``): each series as a bar or line chart.

Product and shopper lists have no chart (front ends show product lists as cards).

Every spec holds the result's own numbers, unrounded, inline under ``data.values`` (no URL, so
it draws offline); each row also carries the figure as people read it (``*_text`` fields:
thousands separators, percentages, money in the data's currency, through the helpers the
replies use), shown in tooltips, labels and the marks' ARIA descriptions. Specs ask vega-embed
for the SVG renderer (``usermeta.embedOptions``), so the drawn marks carry those descriptions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from cartwise.formatting import fmt_change, fmt_figure, fmt_num, fmt_pct, money, plural
from cartwise.tools import results as r

#: The Vega-Lite version the specs are written for (Gradio 6 bundles vega-lite 5).
SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
#: Default drawing size in pixels (a chat message's width).
WIDTH, HEIGHT = 460, 240
#: Most heatmap cells labelled with their value (beyond it only colours and tooltips).
_MAX_LABELLED_CELLS = 160

#: Readable names of the ``by`` values in chart titles and axes.
BY_NAMES = {"dow": "day of week", "hour": "hour of day"}

ChartKind = Literal["bar", "grouped_bar", "funnel", "line", "scatter", "heatmap"]
Row = dict[str, Any]
Fmt = Callable[[float | None], str]


class ChartSpec(BaseModel):
    """One chart of a tool result: the ``tool`` that made it, its ``title``, what ``kind`` of
    chart it is, and the Vega-Lite v5 ``spec`` (data inline under ``data.values``)."""

    tool: str = Field(description="The tool whose result is drawn.")
    title: str
    kind: ChartKind
    spec: dict[str, Any] = Field(description="A Vega-Lite v5 specification, data inline.")


# ------------------------------------------------------------------------------ formatting


def _formatter(label: str, result: r.ToolResult) -> Fmt:
    """How the figures called ``label`` are written: shares and rates as percentages, money in
    the result's currency, anything else as a number with thousands separators."""
    low = label.lower()
    if any(w in low for w in ("share", "conversion", "rate", "retention", "kept")):
        return fmt_pct
    valued = isinstance(result, r.Valued) and result.value_unit == "currency"
    if valued and any(w in low for w in ("revenue", "value", "spend", "aov")):
        currency = getattr(result, "currency", None)
        return lambda v: money(v, currency) or "n/a"
    return fmt_figure


def _finite(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    f = float(value)
    return f if math.isfinite(f) else None


def _finites(values: Sequence[Any]) -> list[float | None]:
    """:func:`_finite` of each value, in one pass (a daily series has a thousand)."""
    out: list[float | None] = []
    for v in values:
        if v is None or v is True or v is False:
            out.append(None)
        else:
            f = float(v)
            out.append(f if f - f == 0 else None)  # NaN and infinities fail x - x == 0
    return out


# ------------------------------------------------------------------------------ spec parts


def _spec(title: str, description: str, values: list[Row], body: Mapping[str, Any],
          width: int = WIDTH, height: int = HEIGHT) -> dict[str, Any]:
    """A whole Vega-Lite spec: ``body`` (``mark`` + ``encoding``, or ``layer``) over
    ``values``, drawn as SVG."""
    return {"$schema": SCHEMA, "title": title, "description": description,
            "width": width, "height": height, "data": {"values": values}, **body,
            "config": {"view": {"stroke": None}, "axis": {"labelLimit": 160},
                       "legend": {"orient": "bottom"}},
            "usermeta": {"embedOptions": {"renderer": "svg", "actions": False}}}


#: The d3 format of a share axis ("0.2%", "15%").
PCT = ".2~%"


def _axis(y_format: str | None) -> dict[str, Any]:
    return {"axis": {"format": y_format}} if y_format else {}


def _tooltip(*fields: tuple[str, str]) -> list[dict[str, Any]]:
    return [{"field": f, "type": "nominal", "title": t} for f, t in fields]


def _described(field: str) -> dict[str, Any]:
    return {"field": field}


def _bars(title: str, tool: str, values: list[Row], x: str, x_title: str, y_title: str,
          description: str, order: list[str], horizontal: bool = False,
          kind: ChartKind = "bar", y_format: str | None = None) -> ChartSpec:
    """Bars of ``values`` (rows with ``x``, ``value`` and ``text``), in ``order``, labelled
    with their ``text``; ``y_format``: the value axis's d3 format (e.g. ``PCT``)."""
    cat = {"field": x, "type": "nominal", "sort": order, "title": x_title}
    val = {"field": "value", "type": "quantitative", "title": y_title, **_axis(y_format)}
    enc = ({"y": cat, "x": val} if horizontal else
           {"x": {**cat, "axis": {"labelAngle": -35 if len(order) > 6 else 0}}, "y": val})
    label = ({"type": "text", "align": "left", "dx": 3} if horizontal
             else {"type": "text", "baseline": "bottom", "dy": -2})
    body = {"encoding": enc, "layer": [
        {"mark": {"type": "bar", "tooltip": True},
         "encoding": {"tooltip": _tooltip((x, x_title), ("text", y_title)),
                      "description": _described("description")}},
        {"mark": {**label, "fontSize": 10}, "encoding": {"text": {"field": "text"}}}]}
    height = max(HEIGHT, 22 * len(order)) if horizontal else HEIGHT
    return ChartSpec(tool=tool, title=title, kind=kind,
                     spec=_spec(title, description, values, body, height=height))


def _grouped_bars(title: str, tool: str, values: list[Row], x: str, x_title: str,
                  group: str, group_title: str, y_title: str, description: str,
                  order: list[str], groups: list[str]) -> ChartSpec:
    """Bars of ``values`` (rows with ``x``, ``group``, ``value`` and ``text``) side by side
    per ``x`` category, coloured by ``group``."""
    body = {"mark": {"type": "bar", "tooltip": True}, "encoding": {
        "x": {"field": x, "type": "nominal", "sort": order, "title": x_title,
              "axis": {"labelAngle": -35 if len(order) > 6 else 0}},
        "xOffset": {"field": group, "type": "nominal", "sort": groups},
        "y": {"field": "value", "type": "quantitative", "title": y_title},
        "color": {"field": group, "type": "nominal", "sort": groups, "title": group_title},
        "tooltip": _tooltip((x, x_title), (group, group_title), ("text", y_title)),
        "description": _described("description")}}
    return ChartSpec(tool=tool, title=title, kind="grouped_bar",
                     spec=_spec(title, description, values, body))


def _line(title: str, tool: str, values: list[Row], x: str, x_type: str, x_title: str,
          y_title: str, description: str, extra_layers: Sequence[Mapping[str, Any]] = (),
          series: str | None = None, y_format: str | None = None) -> ChartSpec:
    """A line of ``values`` (rows with ``x``, ``value``, ``text`` and ``label``) over a
    temporal, ordinal or quantitative ``x``; ``series``: the field naming several lines;
    ``y_format``: the value axis's d3 format."""
    enc: dict[str, Any] = {"x": {"field": x, "type": x_type, "title": x_title},
                           "y": {"field": "value", "type": "quantitative", "title": y_title,
                                 **_axis(y_format)}}
    if x_type == "ordinal":
        enc["x"]["sort"] = None
    if series:
        enc["color"] = {"field": series, "type": "nominal", "title": None}
    tip = _tooltip(("label", x_title), ("text", y_title))
    body = {"encoding": enc, "layer": [
        {"mark": {"type": "line", "interpolate": "monotone"}},
        {"mark": {"type": "point", "filled": True, "size": 18, "tooltip": True},
         "encoding": {"tooltip": tip, "description": _described("description")}},
        *extra_layers]}
    return ChartSpec(tool=tool, title=title, kind="line",
                     spec=_spec(title, description, values, body))


def _date(label: str | int) -> str | int:
    """A period label as a date Vega parses the same everywhere ("2024-01" -> "2024-01-01")."""
    text = str(label)
    if len(text) == 7 and text[4] == "-":
        return f"{text}-01"
    return label


def _is_date(labels: Sequence[Any]) -> bool:
    return bool(labels) and all(isinstance(v, str) and len(v) in (7, 10) and v[:4].isdigit()
                                and v[4] == "-" for v in labels)


def _series_rows(x: Sequence[Any], y: Sequence[Any], fmt: Fmt, y_title: str,
                 dated: bool) -> list[Row]:
    rows = []
    for label, value in zip(x, _finites(y), strict=True):
        text = fmt(value)
        rows.append({"label": str(label), "x": _date(label) if dated else label,
                     "value": value, "text": text,
                     "description": f"{label}: {text} {y_title}".rstrip()})
    return rows


# ------------------------------------------------------------------------------ builders


def funnel_specs(tool: str, result: r.FunnelAnalysis) -> list[ChartSpec]:
    """The funnel: visitors at each step (a funnel of horizontal bars, labelled with the count
    and the share of the first step); with a split, the visitors at each step per group
    (grouped bars) and the overall conversion per group (bars)."""
    if not result.available or not result.steps:
        return []
    order = [s.label for s in result.steps]
    rows = []
    for s in result.steps:
        share = fmt_pct(s.conversion_from_start)
        text = f"{fmt_num(s.users)} ({share})"
        rows.append({"step": s.label, "value": s.users, "text": text,
                     "description": f"{s.label}: {plural(s.users, 'visitor')}, {share} of the "
                                    "first step"})
    specs = [_bars("Visitors at each step", tool, rows, "step", "step", "visitors",
                   result.summary, order, horizontal=True, kind="funnel")]
    if result.groups:
        by = result.by or "group"
        groups = [g.group for g in result.groups]
        grouped = [{"step": step, by: g.group, "value": n, "text": fmt_num(n),
                    "description": f"{g.group}, {step}: {plural(n, 'visitor')}"}
                   for g in result.groups for step, n in zip(order, g.users, strict=True)]
        specs.append(_grouped_bars(f"Visitors at each step by {by}", tool, grouped, "step",
                                   "step", by, by, "visitors", result.summary, order, groups))
        conv = [{by: g.group, "value": g.overall_conversion,
                 "text": fmt_pct(g.overall_conversion),
                 "description": f"{g.group}: {fmt_pct(g.overall_conversion)} converted"}
                for g in result.groups]
        specs.append(_bars(f"Overall conversion by {by}", tool, conv, by, by, "conversion",
                           result.summary, groups, y_format=PCT))
    return specs


def trends_specs(tool: str, result: r.OrderTrends) -> list[ChartSpec]:
    """Orders per period (lines over dates, bars for day of week / hour), and revenue per
    period when the data has prices."""
    s = result.series
    by = BY_NAMES.get(result.by, result.by)
    figures: list[tuple[str, Sequence[Any]]] = [("orders", s.orders)]
    if s.revenue is not None:
        figures.append(("revenue", s.revenue))
    dated = _is_date(s.x)
    specs = []
    for name, ys in figures:
        title = f"{name.capitalize()} by {by}"
        rows = _series_rows(s.x, ys, _formatter(name, result), name, dated)
        if dated:
            specs.append(_line(title, tool, rows, "x", "temporal", by, name,
                               result.summary))
        else:
            specs.append(_bars(title, tool, rows, "label", by, name, result.summary,
                               [str(x) for x in s.x]))
    return specs


_PERIOD_BY = frozenset({"day", "week", "month"})


def sales_specs(tool: str, result: r.SalesSummary) -> list[ChartSpec]:
    """Sales per period: revenue (or orders without prices) and orders as lines, with the
    compared periods marked (latest complete, the one before, a year earlier); per group
    (department, aisle, day of week, hour): revenue as bars, and the latest period against
    the one before per group."""
    if not result.rows:
        return []
    cmp_ = result.compare
    by = BY_NAMES.get(result.by, result.by)
    metrics = ["revenue", "orders"] if result.prices_available else ["units", "orders"]
    labels = [row.label for row in result.rows]
    specs = []
    if result.by in _PERIOD_BY:
        roles = {}
        if cmp_ is not None:
            roles = {cmp_.previous: f"before ({cmp_.previous})",
                     cmp_.period: f"latest complete ({cmp_.period})"}
            if cmp_.year_ago is not None:
                roles[cmp_.year_ago.period] = f"a year earlier ({cmp_.year_ago.period})"
        for metric in metrics:
            fmt = _formatter(metric, result)
            rows = _series_rows(labels, [getattr(row, metric) for row in result.rows], fmt,
                                metric, True)
            for row in rows:
                row["compared"] = roles.get(row["label"])
            marks = {"transform": [{"filter": "datum.compared != null"}],
                     "mark": {"type": "point", "filled": True, "size": 90, "tooltip": True},
                     "encoding": {"color": {"field": "compared", "type": "nominal",
                                            "title": "compared",
                                            "sort": list(roles.values())},
                                  "tooltip": _tooltip(("compared", "period"),
                                                      ("text", metric))}}
            specs.append(_line(f"{metric.capitalize()} by {by}", tool, rows, "x",
                               "temporal", by, metric, result.summary,
                               [marks] if roles else ()))
        return specs
    metric = metrics[0]
    fmt = _formatter(metric, result)
    rows = [{"label": row.label, "value": _finite(getattr(row, metric)),
             "text": fmt(_finite(getattr(row, metric))),
             "description": f"{row.label}: {fmt(_finite(getattr(row, metric)))}"}
            for row in result.rows]
    horizontal = result.by in ("department", "aisle")
    specs.append(_bars(f"{metric.capitalize()} by {by}", tool, rows, "label",
                       by, metric, result.summary, labels, horizontal=horizontal))
    if cmp_ is not None and cmp_.groups:
        names = [g.label for g in cmp_.groups]
        periods = [cmp_.previous, cmp_.period]
        gfmt = _formatter(cmp_.groups[0].metric, result)
        grouped = [{"label": g.label, "period": period, "value": value,
                    "text": gfmt(value) + (f" ({fmt_change(g.change)})"
                                           if period == cmp_.period else ""),
                    "description": f"{g.label}, {period}: {gfmt(value)}"}
                   for g in cmp_.groups
                   for period, value in ((cmp_.previous, g.before), (cmp_.period, g.current))]
        specs.append(_grouped_bars(f"{cmp_.groups[0].metric.capitalize()}: {cmp_.period} vs "
                                   f"{cmp_.previous}", tool, grouped, "label", by,
                                   "period", "period", cmp_.groups[0].metric, result.summary,
                                   names, periods))
    return specs


def segments_specs(tool: str, result: r.CustomerSegments) -> list[ChartSpec]:
    """Shoppers per RFM segment and each segment's share of the value, as bars in the result's
    order."""
    order = [s.name for s in result.segments]
    if not order:
        return []
    shoppers = [{"segment": s.name, "value": s.users,
                 "text": f"{fmt_num(s.users)} ({fmt_pct(s.share)})",
                 "description": f"{s.name}: {plural(s.users, 'shopper')} ({fmt_pct(s.share)})"}
                for s in result.segments]
    value = [{"segment": s.name, "value": s.value_share, "text": fmt_pct(s.value_share),
              "description": f"{s.name}: {fmt_pct(s.value_share)} of the value"}
             for s in result.segments]
    return [_bars("Shoppers per RFM segment", tool, shoppers, "segment", "segment", "shoppers",
                  result.summary, order, horizontal=True),
            _bars("Share of value per RFM segment", tool, value, "segment", "segment",
                  "share of value", result.summary, order, horizontal=True, y_format=PCT)]


def cohort_specs(tool: str, result: r.CohortRetention) -> list[ChartSpec]:
    """The cohort x period matrix as a heatmap (cells labelled with the share, empty where not
    observed yet), and the average curve as a line."""
    m = result.matrix
    if not m.y:
        return []
    kept = "still ordering" if result.metric == "shoppers" else "revenue kept"
    cells = []
    for cohort, row in zip(m.y, m.z, strict=True):
        for period, v in zip(m.x, row, strict=True):
            if v is None:
                continue
            cells.append({"cohort": cohort, "period": period, "value": v, "text": fmt_pct(v, 0),
                          "description": f"cohort {cohort}, {m.x_label} {period}: "
                                         f"{fmt_pct(v)} {kept}"})
    top = max((c["value"] for c in cells), default=1.0)
    color = {"field": "value", "type": "quantitative", "title": kept,
             "scale": {"scheme": "greens", "domain": [0, max(1.0, top)]},
             "legend": {"format": ".0%"}}
    layers: list[dict[str, Any]] = [
        {"mark": {"type": "rect", "tooltip": True},
         "encoding": {"color": color, "description": _described("description"),
                      "tooltip": _tooltip(("cohort", "cohort"), ("period", m.x_label),
                                          ("text", kept))}}]
    if len(cells) <= _MAX_LABELLED_CELLS:
        layers.append({"mark": {"type": "text", "fontSize": 9}, "encoding": {
            "text": {"field": "text"},
            "color": {"condition": {"test": f"datum.value > {0.6 * max(1.0, top)}",
                                    "value": "white"}, "value": "black"}}})
    body = {"encoding": {
        "x": {"field": "period", "type": "ordinal", "title": m.x_label},
        "y": {"field": "cohort", "type": "ordinal", "sort": list(m.y), "title": m.y_label}},
        "layer": layers}
    heat = ChartSpec(tool=tool, title=f"Retention by cohort ({kept})", kind="heatmap",
                     spec=_spec(f"Retention by cohort ({kept})", result.summary, cells, body,
                                height=max(HEIGHT, 20 * len(m.y))))
    avg = _series_rows(m.x, result.average, fmt_pct, kept, False)
    line = _line(f"Average share {kept}", tool, avg, "x", "ordinal", m.x_label, kept,
                 result.summary, y_format=PCT)
    return [heat, line]


def anomaly_specs(tool: str, result: r.DetectedAnomalies) -> list[ChartSpec]:
    """The series with its expected range (a band) and expected value, and the unusual periods
    as points coloured spike / dip."""
    s = result.series
    if not s.x:
        return []
    fmt = _formatter(result.metric, result)
    found = {a.label: a.direction for a in result.anomalies}
    rows = []
    metric = result.metric
    for label, value, expected_y, low, high in zip(
            s.x, _finites(s.y), _finites(s.expected), _finites(s.low), _finites(s.high),
            strict=True):
        text = fmt(value)  # once a point: a daily series has a thousand of them
        anomaly = found.get(label)
        rows.append({"label": label, "x": _date(label), "value": value, "text": text,
                     "expected": expected_y, "low": low, "high": high, "anomaly": anomaly,
                     "description": f"{label}: {text} {metric}"
                                    + (f" ({anomaly})" if anomaly else "")})
    band = {"mark": {"type": "area", "opacity": 0.25},
            "encoding": {"y": {"field": "low", "type": "quantitative"},
                         "y2": {"field": "high"}}}
    expected = {"mark": {"type": "line", "strokeDash": [4, 3], "opacity": 0.7},
                "encoding": {"y": {"field": "expected", "type": "quantitative"}}}
    marks = {"transform": [{"filter": "datum.anomaly != null"}],
             "mark": {"type": "point", "filled": True, "size": 70, "tooltip": True},
             "encoding": {"color": {"field": "anomaly", "type": "nominal", "title": None,
                                    "scale": {"domain": ["spike", "dip"],
                                              "range": ["#d62728", "#1f77b4"]}},
                          "tooltip": _tooltip(("label", result.by), ("text", result.metric),
                                              ("anomaly", "anomaly"))}}
    title = f"{result.metric.capitalize()} by {result.by}, expected range and anomalies"
    spec = _line(title, tool, rows, "x", "temporal", result.by, result.metric,
                 result.summary, [marks])
    spec.spec["layer"] = [band, expected, *spec.spec["layer"]]
    return [spec]


def series_spec(tool: str, chart: r.Chart, result: r.ToolResult) -> ChartSpec:
    """One chart series of a result (:class:`~cartwise.tools.results.Chart`) as a spec: bars
    (grouped for several series; a funnel as horizontal bars), a line (several lines for
    several series) or points."""
    fmt = _formatter(chart.y_label, result)
    y_format = PCT if fmt is fmt_pct else None
    xs = list(chart.x)
    if chart.series:
        if chart.kind == "line":
            dated = _is_date(xs)
            rows = [{**row, "series": name} for name, ys in chart.series.items()
                    for row in _series_rows(xs, ys, fmt, chart.y_label, dated)]
            return _line(chart.title, tool, rows, "x", "temporal" if dated else "quantitative"
                         if all(isinstance(x, int | float) for x in xs) else "ordinal",
                         chart.x_label, chart.y_label, result.summary, series="series",
                         y_format=y_format)
        names = list(chart.series)
        rows = [{"x": str(x), "series": name, "value": _finite(v), "text": fmt(_finite(v)),
                 "description": f"{x}, {name}: {fmt(_finite(v))} {chart.y_label}"}
                for name, ys in chart.series.items() for x, v in zip(xs, ys, strict=True)]
        return _grouped_bars(chart.title, tool, rows, "series", "", "x", chart.x_label,
                             chart.y_label, result.summary, names, [str(x) for x in xs])
    ys = list(chart.y or [])
    if chart.kind == "line":
        dated = _is_date(xs)
        numeric = all(isinstance(x, int | float) for x in xs)
        rows = _series_rows(xs, ys, fmt, chart.y_label, dated)
        return _line(chart.title, tool, rows, "x", "temporal" if dated else
                     "quantitative" if numeric else "ordinal", chart.x_label, chart.y_label,
                     result.summary, y_format=y_format)
    rows = _series_rows(xs, ys, fmt, chart.y_label, False)
    if chart.kind == "scatter":
        body = {"mark": {"type": "point", "filled": True, "tooltip": True}, "encoding": {
            "x": {"field": "label", "type": "nominal", "title": chart.x_label, "sort": None},
            "y": {"field": "value", "type": "quantitative", "title": chart.y_label},
            "tooltip": _tooltip(("label", chart.x_label), ("text", chart.y_label)),
            "description": _described("description")}}
        return ChartSpec(tool=tool, title=chart.title, kind="scatter",
                         spec=_spec(chart.title, result.summary, rows, body))
    return _bars(chart.title, tool, rows, "label", chart.x_label, chart.y_label,
                 result.summary, [str(x) for x in xs], horizontal=chart.kind == "funnel",
                 kind="funnel" if chart.kind == "funnel" else "bar", y_format=y_format)


_BUILDERS: list[tuple[type[r.ToolResult], Callable[[str, Any], list[ChartSpec]]]] = [
    (r.FunnelAnalysis, funnel_specs),
    (r.OrderTrends, trends_specs),
    (r.SalesSummary, sales_specs),
    (r.CustomerSegments, segments_specs),
    (r.CohortRetention, cohort_specs),
    (r.DetectedAnomalies, anomaly_specs),
]


def chart_specs(tool: str, result: r.ToolResult) -> list[ChartSpec]:
    """The charts of tool ``tool``'s ``result``, in reading order; none for a failure, a
    product or shopper list, or a result without chart series."""
    if r.is_failure(result):
        return []
    for cls, build in _BUILDERS:
        if isinstance(result, cls):
            return build(tool, result)
    charts = getattr(result, "charts", None) or []
    return [series_spec(tool, c, result) for c in charts
            if (c.y is not None or c.series) and c.x]


def chart_specs_of(tool: str, data: Mapping[str, Any] | None) -> list[ChartSpec]:
    """:func:`chart_specs` of a result given as JSON (a tool step's ``result``, as the chat
    stream carries it); none when it is not a result of ``tool`` (an unknown tool, a result of
    another version)."""
    from cartwise.errors import InvalidArgument
    from cartwise.tools.registry import tool_spec

    try:
        spec = tool_spec(tool)
    except InvalidArgument:
        return []
    result = r.parse_result(spec.result, data)
    return chart_specs(tool, result) if result is not None else []


_WITH_SPECS: dict[type[r.ToolResult], type[r.ToolResult]] = {}


def with_chart_specs(model: type[r.ToolResult]) -> type[r.ToolResult]:
    """``model`` with one more field, ``chart_specs: list[ChartSpec]`` (the REST responses
    of charted results); same name, so the API schema keeps naming it ``model``'s name.
    Cached: one class per model."""
    out = _WITH_SPECS.get(model)
    if out is None:
        out = _WITH_SPECS[model] = create_model(
            model.__name__, __base__=model, __module__=__name__, __doc__=model.__doc__,
            chart_specs=(list[ChartSpec], Field(
                default_factory=list, description="The result drawn as Vega-Lite v5 charts "
                "(cartwise.tools.charts).")))
    return out


def attach_chart_specs(tool: str, result: r.ToolResult) -> r.ToolResult:
    """``result`` as :func:`with_chart_specs` of its type, with its :func:`chart_specs`;
    results without chart series (lists, failures) are returned as they are."""
    if not isinstance(result, r.Charted) or r.is_failure(result):
        return result
    fields = {name: getattr(result, name) for name in type(result).model_fields}
    return with_chart_specs(type(result)).model_validate(
        {**fields, "chart_specs": chart_specs(tool, result)})


def turn_chart_specs(steps: Iterable[tuple[str, Mapping[str, Any] | None]]
                     ) -> list[ChartSpec]:
    """The charts of a chat turn's tool steps (``(tool name, result JSON)`` in call order)."""
    return [c for name, data in steps for c in chart_specs_of(name, data)]
