"""The analytics tab's views: the same chart specs as the chat and the API, and tables written
for people (separators, percentages, money in the data's currency, plain headers)."""

from __future__ import annotations

import re

import pytest

from cartwise.formatting import fmt_num, fmt_pct
from cartwise.runtime import Runtime
from cartwise.tools.registry import run_tool
from cartwise.ui import analytics_view as av

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

_RAW_FLOAT = re.compile(r"^-?\d+\.\d{3,}$")  # 0.4976, 313645.069: numbers not written for people


def _readable(view: av.AnalyticsView) -> None:
    """The view has charts, and its table has no snake_case header and no raw float."""
    assert view.ok and view.summary and view.charts
    assert all(c.spec["data"]["values"] for c in view.charts)
    if view.table is not None and hasattr(view.table, "columns"):
        assert not [c for c in view.table.columns if "_" in str(c)]
        cells = [str(v) for v in view.table.to_numpy().ravel()]
        assert not [c for c in cells if _RAW_FLOAT.match(c)]


def test_segments_view(demo_runtime: Runtime) -> None:
    view = av.segments_view(demo_runtime)
    _readable(view)
    assert view.charts[0].title == "Shoppers per RFM segment"
    order = [v["segment"] for v in view.charts[0].spec["data"]["values"]]
    assert order == view.table["segment"].tolist()  # the segments' own order
    assert all(v.endswith("%") for v in view.table["share of shoppers"])
    assert all(v.startswith("$") for v in view.table["value"])


def test_funnel_view_with_and_without_a_split(demo_runtime: Runtime) -> None:
    plain = av.funnel_view(demo_runtime, "any", "any", "none")
    _readable(plain)
    assert [c.kind for c in plain.charts] == ["funnel"]
    assert plain.table["step"].tolist() == ["home page", "search page", "payment page",
                                            "payment confirmation"]
    assert plain.table["visitors"].iloc[0] == "10,000"
    by_device = av.funnel_view(demo_runtime, "any", "any", "device")
    _readable(by_device)
    assert [c.kind for c in by_device.charts] == ["funnel", "grouped_bar", "bar"]
    groups = {v["device"] for v in by_device.charts[1].spec["data"]["values"]}
    assert groups == {"Desktop", "Mobile"}


def test_funnel_conversion_reads_as_percentages_everywhere(demo_runtime: Runtime) -> None:
    view = av.funnel_view(demo_runtime, "any", "any", "none")
    # was "conversion from start 1" / 0.4976 beside the chat's 49.8%
    assert view.table["of all visitors"].iloc[0] == "100.0%"
    assert all(v.endswith("%") for v in view.table["of all visitors"])
    assert all(v.endswith("%") for v in view.table["from the step before"] if v)
    steps = demo_runtime.services.analytics.funnel_analysis()["steps"]
    searched = fmt_pct(steps[1]["conversion_from_previous"])
    assert f"{fmt_num(steps[1]['users'])} searched ({searched})" in view.summary
    texts = [v["text"] for v in view.charts[0].spec["data"]["values"]]
    assert texts[0] == f"{fmt_num(steps[0]['users'])} (100.0%)"
    assert "conversion from start" not in view.summary


def test_funnel_view_explains_an_unknown_device(demo_runtime: Runtime) -> None:
    view = av.funnel_view(demo_runtime, "tablet", "any", "none")
    assert not view.ok and view.charts == []
    assert view.summary.startswith("⚠️") and "Desktop" in view.summary


@pytest.mark.parametrize(("by", "kind"), [("dow", "bar"), ("hour", "bar"), ("week", "line"),
                                          ("month", "line")])
def test_trends_view(demo_runtime: Runtime, by: str, kind: str) -> None:
    view = av.trends_view(demo_runtime, by)
    _readable(view)
    assert view.charts[0].kind == kind
    assert "dow" not in view.charts[0].title


def test_churn_view_lists_the_top_k(demo_runtime: Runtime) -> None:
    view = av.churn_view(demo_runtime, 5)
    _readable(view)
    assert len(view.table) == 5
    assert {"shopper", "churn risk", "level", "why"} <= set(view.table.columns)
    risks = [float(v.rstrip("%")) for v in view.table["churn risk"]]
    assert risks == sorted(risks, reverse=True)


def test_sales_view_shows_the_comparison(demo_runtime: Runtime) -> None:
    view = av.sales_view(demo_runtime, "month")
    _readable(view)
    assert [c.title for c in view.charts] == ["Revenue by month", "Orders by month"]
    assert view.table.columns[0] == "figure" and "change" in view.table.columns
    result = run_tool(demo_runtime.services, "sales_summary", {"by": "month"})
    revenue = view.table.set_index("figure").loc["revenue", result.compare.period]
    assert revenue == f"${result.compare.current.revenue:,.2f}"
    by_department = av.sales_view(demo_runtime, "department")
    assert by_department.charts[0].kind == "bar"


def test_cohorts_view_is_a_heatmap(demo_runtime: Runtime) -> None:
    view = av.cohorts_view(demo_runtime, "month", 6, "shoppers")
    assert view.ok and view.charts[0].kind == "heatmap"
    html_table = view.table.to_html()
    assert "background-color: rgba(34, 139, 84" in html_table and "100%" in html_table
    bad = av.cohorts_view(demo_runtime, "month", 30, "shoppers")
    assert not bad.ok and "periods" in bad.summary


def test_anomalies_view_marks_them_on_the_series(demo_runtime: Runtime) -> None:
    view = av.anomalies_view(demo_runtime, "revenue", "day", 5)
    _readable(view)
    spec = view.charts[0].spec
    marked = [v for v in spec["data"]["values"] if v["anomaly"]]
    assert len(marked) == len(view.table) <= 5
    assert {"when", "expected", "expected range", "moved most"} <= set(view.table.columns)
    assert all(v.startswith("$") for v in view.table["value"])


def test_digest_view_lists_the_points_with_their_tools(demo_runtime: Runtime) -> None:
    view = av.insights_view(demo_runtime, "week")
    assert view.ok and view.points
    assert any("(sales_summary)" in p for p in view.points)
