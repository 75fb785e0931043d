"""A short digest of what changed and what to look at, for a week or a month.

Each point is a fact taken from a tool's result and names it (``tool``, ``args``), so a reader
(or an LLM writing the digest) can open the evidence:

1. sales: the latest complete period against the one before (``sales_summary``); without a
   calendar, the departments' shares;
2. anomalies: unusual days in the latest complete period (``detect_anomalies``);
3. movers: the products and departments whose revenue (units without prices) rose or fell most
   between the two periods (:mod:`cartwise.analytics.changes`, precomputed by the build);
4. churn: valuable shoppers at high risk (``churn_risk``);
5. segment moves: shoppers whose RFM segment changed since one period ago (``customer_segments``:
   RFM recomputed as of that day from the ledger);
6. funnel: the step with the largest drop (``funnel_analysis``), when the data has a funnel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from cartwise.analytics import commerce
from cartwise.analytics import periods as P
from cartwise.analytics.changes import PERIOD_DAYS
from cartwise.analytics.checks import choice
from cartwise.analytics.results import jsonable
from cartwise.analytics.sales import change_words
from cartwise.formatting import fmt_change, fmt_num, fmt_pct, plural

if TYPE_CHECKING:
    from cartwise.analytics.sales_service import Sales
    from cartwise.analytics.source import AnalyticsSource
    from cartwise.catalog import Catalog


class Analytics(Protocol):
    """What the digest reads (the analytics service,
    :class:`~cartwise.analytics.service.Analytics`)."""

    source: AnalyticsSource
    catalog: Catalog
    sales: Sales

    def churn_risk(self, user_id: object | None = None, k: int = 10) -> dict[str, Any]: ...

    def funnel_analysis(self, device: str | None = None, sex: str | None = None,
                        by: str | None = None) -> dict[str, Any]: ...

INSIGHT_PERIODS = ("week", "month")


def check_period(period: str | None) -> str:
    return choice("period", period, INSIGHT_PERIODS, "week")


def _point(topic: str, text: str, tool: str, args: dict[str, Any],
           figures: dict[str, Any] | None = None, products: list[dict[str, Any]] | None = None,
           users: list[int] | None = None) -> dict[str, Any]:
    """One point: its text, the tool call it comes from, its figures, and the products
    (catalogue entries) and shoppers it names."""
    return {"topic": topic, "text": text, "tool": tool, "args": args,
            "figures": figures or {}, "products": products or [],
            "users": [{"user_id": int(u)} for u in users or []]}


def business_insights(analytics: Analytics, period: str | None = None) -> dict[str, Any]:
    """The digest of ``period`` (``week`` or ``month``) as a ``BusinessInsights`` dict."""
    period = check_period(period)
    sales = analytics.sales
    source = analytics.source
    calendar, prices = source.has_calendar(), source.has_prices()
    points: list[dict[str, Any]] = []
    label = None
    if calendar:
        s = sales.sales_summary(by=period)
        cmp_ = s.get("compare")
        if cmp_:
            label = cmp_["period"]
            key = "revenue" if prices else "orders"
            cur, ch = cmp_["current"], cmp_["change"]
            clear = change_words(cmp_)
            amount = sales.money(cur[key]) if prices else fmt_num(cur[key])
            points.append(_point(
                "sales", f"{period.capitalize()} of {cmp_['period']}: {key} {amount}, "
                f"{clear(key)} vs {cmp_['previous']}; {plural(cur['orders'], 'order')} "
                f"({clear('orders')}), average order "
                f"{sales.money(cur['aov']) if prices else 'n/a'} ({clear('aov')}), "
                f"{plural(cur['new_shoppers'], 'new shopper')} ({fmt_change(ch['new_shoppers'])}).",
                "sales_summary", {"by": period}, {"current": cur, "change": ch,
                                                  "tests": cmp_.get("tests", {})}))
            points += _anomaly_points(analytics, period, cmp_["period"], prices)
            points += _mover_points(analytics, period, prices)
    else:
        s = sales.sales_summary(by="department")
        top = s["rows"][:3]
        if top:
            points.append(_point(
                "sales", "No calendar in this data, so no period comparison; the largest "
                "departments: " + ", ".join(
                    f"{x['label']} ({fmt_pct(x['share_of_revenue'])})"
                    if x["share_of_revenue"] is not None
                    else f"{x['label']} ({plural(x['units'], 'unit')})" for x in top) + ".",
                "sales_summary", {"by": "department"}, {"rows": top}))
    points += _churn_points(analytics)
    points += _segment_points(analytics, period)
    points += _funnel_points(analytics)
    summary = (" ".join(p["text"] for p in points[:3]) if points
               else "Nothing to report: the data has no orders.")
    return jsonable({"period": period, "period_label": label, "points": points,
                     "charts": s.get("charts", [])[:1], "summary": summary,
                     "time_note": source.population().get("time_note")})


def _anomaly_points(analytics: Analytics, period: str, label: str, prices: bool
                    ) -> list[dict[str, Any]]:
    metric = "revenue" if prices else "orders"
    rep = commerce.anomalies(analytics.source, metric, "day")
    first = P.day_of(label, "period")
    assert first is not None
    code = P.codes(np.array([first]), period)[0]
    last = P.last_day(int(code), period)
    inside = analytics.sales.with_movers(
        [a for a in rep["anomalies"] if first <= (P.day_of(a["label"], "label") or 0) <= last][:3],
        "day")
    amount = analytics.sales.money if prices else (lambda v: fmt_num(v))
    if not inside:
        return [_point("anomalies", f"No unusual day in {metric} in the {period} of {label}.",
                       "detect_anomalies", {"metric": metric, "by": "day"})]
    out = []
    for a in inside[:3]:
        moved = ", ".join(d["name"] for d in a["departments"][:2])
        out.append(_point(
            "anomalies", f"{a['label']}: {metric} {a['direction']}, {amount(a['value'])} vs "
            f"{amount(a['expected'])} expected" + (f" (most change in {moved})" if moved
                                                    else "") + ".",
            "detect_anomalies", {"metric": metric, "by": "day"}, {"anomaly": a}))
    return out


def _mover_points(analytics: Analytics, period: str, prices: bool) -> list[dict[str, Any]]:
    """The products that rose and fell most, and the department that changed most, in the
    latest complete ``period`` against the one before."""
    got = commerce.period_changes(analytics.source, period)
    cat = analytics.catalog
    money = analytics.sales.money if prices else (lambda v: f"{plural(v, 'unit')}")
    out = []
    for words, group in (("rose most", got["rise"]), ("fell most", got["fall"])):
        if group:
            named = [(cat.product(int(i)), cur, before) for i, cur, before in group]
            out.append(_point(
                "products", f"Products that {words}: " + ", ".join(
                    f"{p.name} ({money(cur)} vs {money(before)})" for p, cur, before in named)
                + ".", "sales_summary", {"by": period},
                {"products": [{"product_id": p.product_id, "current": c, "before": b}
                              for p, c, b in named], "unit": got["unit"]},
                products=[p.model_dump() for p, _, _ in named]))
    groups = got["departments"]
    if groups:
        g = groups[0]
        out.append(_point(
            "departments", f"Largest department change: {g['label']} {fmt_change(g['change'])} "
            f"({money(g['current'])} vs {money(g['before'])}).",
            "sales_summary", {"by": "department"}, {"groups": groups}))
    return out


def _churn_points(analytics: Analytics) -> list[dict[str, Any]]:
    res = analytics.churn_risk(None, 5)
    users = [u for u in res["users"] if u["level"] == "high"]
    if not users:
        return [_point("churn", "No valuable shopper is at high churn risk.", "churn_risk",
                       {"k": 5})]
    names = ", ".join(f"user {u['user_id']}" for u in users[:3])
    return [_point("churn", f"Valuable shoppers at high churn risk: {names}"
                   + (f" and {len(users) - 3} more" if len(users) > 3 else "") + ".",
                   "churn_risk", {"k": 5},
                   {"users": [u["user_id"] for u in users]},
                   users=[u["user_id"] for u in users])]


def _segment_points(analytics: Analytics, period: str) -> list[dict[str, Any]]:
    moves = commerce.segment_moves(analytics.source, period)["moves"]
    if not moves:
        return []
    text = "; ".join(f"{fmt_num(m['shoppers'])} from {m['from']} to {m['to']}" for m in moves)
    return [_point("segments", f"Segment moves over the last {PERIOD_DAYS[period]} days: "
                   f"{text}.", "customer_segments", {}, {"moves": moves})]


def _funnel_points(analytics: Analytics) -> list[dict[str, Any]]:
    if not analytics.source.has_funnel():
        return []
    f = analytics.funnel_analysis()
    steps = f.get("steps") or []
    drops = [s for s in steps[1:] if s.get("drop_off_rate") is not None]
    if not drops:
        return []
    worst = max(drops, key=lambda s: s["drop_off_rate"])
    return [_point("funnel", f"The funnel loses most at {worst.get('label')}: "
                   f"{fmt_pct(worst['drop_off_rate'])} of the visitors of the step before "
                   "stop there.", "funnel_analysis", {}, {"step": worst})]
