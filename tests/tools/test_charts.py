"""Chart specs of tool results: valid Vega-Lite v5, drawable offline, holding the result's own
numbers (what the chat, the analytics tab, the REST API and ``/chat`` carry)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cartwise.services import Services
from cartwise.tools import results as r
from cartwise.tools.charts import SCHEMA, chart_specs, chart_specs_of
from cartwise.tools.registry import run_tool

alt = pytest.importorskip("altair", reason="altair (dev extra) validates the Vega-Lite specs")

CHARTED = [("funnel_analysis", {}), ("funnel_analysis", {"by": "device"}),
           ("order_trends", {"by": "month"}), ("order_trends", {"by": "dow"}),
           ("sales_summary", {"by": "month"}), ("sales_summary", {"by": "department"}),
           ("customer_segments", {}), ("cohort_retention", {"periods": 6}),
           ("detect_anomalies", {"metric": "revenue"}), ("customer_journey", {}),
           ("lifetime_value", {}), ("churn_risk", {}), ("business_insights", {})]


def _values(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec["data"]["values"]


@pytest.mark.parametrize(("tool", "args"), CHARTED)
def test_specs_are_valid_vega_lite_with_inline_data(demo_services: Services, tool: str,
                                                    args: dict[str, Any]) -> None:
    result = run_tool(demo_services, tool, args)
    specs = chart_specs(tool, result)
    assert specs, f"{tool} drew nothing"
    for chart in specs:
        spec = chart.spec
        assert spec["$schema"] == SCHEMA and "url" not in spec["data"]
        (alt.LayerChart if "layer" in spec else alt.Chart).from_dict(spec)  # schema check
        assert _values(spec) and json.loads(json.dumps(spec)) == spec
        assert all("text" in v and "description" in v for v in _values(spec))
        assert spec["usermeta"]["embedOptions"]["renderer"] == "svg"
    # the same specs from the JSON a chat stream carries
    assert chart_specs_of(tool, result.model_dump(mode="json")) == specs


def test_the_funnel_holds_the_tools_numbers(demo_services: Services) -> None:
    result = run_tool(demo_services, "funnel_analysis", {"by": "device"})
    assert isinstance(result, r.FunnelAnalysis)
    steps, grouped, conversion = chart_specs("funnel_analysis", result)
    assert [v["value"] for v in _values(steps.spec)] == [s.users for s in result.steps]
    assert _values(steps.spec)[0]["text"].startswith(f"{result.steps[0].users:,}")
    assert {(v["device"], v["step"]): v["value"] for v in _values(grouped.spec)} == {
        (g.group, s.label): n
        for g in result.groups for s, n in zip(result.steps, g.users, strict=True)}
    assert [v["value"] for v in _values(conversion.spec)] == [
        g.overall_conversion for g in result.groups]
    assert all(v["text"].endswith("%") for v in _values(conversion.spec))
    assert conversion.spec["encoding"]["y"]["axis"]["format"].endswith("%")


def test_sales_lines_mark_the_compared_periods(demo_services: Services) -> None:
    result = run_tool(demo_services, "sales_summary", {"by": "month"})
    assert isinstance(result, r.SalesSummary) and result.compare is not None
    revenue = chart_specs("sales_summary", result)[0]
    assert revenue.kind == "line"
    values = _values(revenue.spec)
    assert [v["value"] for v in values] == [row.revenue for row in result.rows]
    compared = {v["label"]: v["compared"] for v in values if v["compared"]}
    assert compared[result.compare.period].startswith("latest complete")
    assert compared[result.compare.previous].startswith("before")
    assert values[-1]["text"].startswith("$")


def test_segments_cohorts_and_anomalies(demo_services: Services) -> None:
    seg = run_tool(demo_services, "customer_segments", {})
    shoppers, _ = chart_specs("customer_segments", seg)
    assert [(v["segment"], v["value"]) for v in _values(shoppers.spec)] == [
        (s.name, s.users) for s in seg.segments]
    coh = run_tool(demo_services, "cohort_retention", {"periods": 6})
    heat, _ = chart_specs("cohort_retention", coh)
    cells = {(v["cohort"], v["period"]): v["value"] for v in _values(heat.spec)}
    assert cells == {(c, p): z for c, row in zip(coh.matrix.y, coh.matrix.z, strict=True)
                     for p, z in zip(coh.matrix.x, row, strict=True) if z is not None}
    an = run_tool(demo_services, "detect_anomalies", {"metric": "orders"})
    (series,) = chart_specs("detect_anomalies", an)
    marked = {v["label"]: v["anomaly"] for v in _values(series.spec) if v["anomaly"]}
    assert marked == {a.label: a.direction for a in an.anomalies}
    s = an.series  # one row a point, holding the series' own numbers and one text for both
    assert [(v["label"], v["value"], v["expected"], v["low"], v["high"])
            for v in _values(series.spec)] == list(zip(s.x, s.y, s.expected, s.low, s.high,
                                                       strict=True))
    for v in _values(series.spec):
        assert v["description"] == f"{v['label']}: {v['text']} orders" + (
            f" ({v['anomaly']})" if v["anomaly"] else "")


def test_lists_and_failures_draw_nothing(demo_services: Services) -> None:
    assert chart_specs("recommend_products",
                       run_tool(demo_services, "recommend_products", {"user_id": 42})) == []
    assert chart_specs("user_profile",
                       run_tool(demo_services, "user_profile", {"user_id": 999999})) == []
    assert chart_specs_of("no_such_tool", {"summary": "x"}) == []
