"""The sales analyses of an :class:`~cartwise.analytics.source.AnalyticsSource`, cached by call
key: what the build precomputes (:func:`precompute`) is what a served store looks up, and any
other call is computed once from the source's order ledger.

Cached results are the largest form of a call (every comparison, the most cohorts, the most
anomalies); the service cuts them to what was asked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cartwise.analytics import anomaly_report, changes, cohorts, sales
from cartwise.analytics import periods as P
from cartwise.analytics.cache import result_key

if TYPE_CHECKING:
    from cartwise.analytics.source import AnalyticsSource


def summary(source: AnalyticsSource, by: str, start: int | None, end: int | None
            ) -> dict[str, Any]:
    """:func:`~cartwise.analytics.sales.sales_summary` of the source, cached."""
    return source.result(sales.summary_key(by, start, end),
                         lambda: sales.sales_summary(source.ledger(), by, start, end))


def cohort_matrix(source: AnalyticsSource, by: str, metric: str) -> dict[str, Any]:
    """:func:`~cartwise.analytics.cohorts.cohort_matrix` of the source, cached."""
    return source.result(cohorts.matrix_key(by, metric),
                         lambda: cohorts.cohort_matrix(source.ledger(), by, metric))


def anomalies(source: AnalyticsSource, metric: str, by: str) -> dict[str, Any]:
    """:func:`~cartwise.analytics.anomaly_report.anomaly_report` of the source, cached."""
    return source.result(anomaly_report.report_key(metric, by),
                         lambda: anomaly_report.anomaly_report(source.ledger(), metric, by))


def movers(source: AnalyticsSource, by: str, label: str) -> dict[str, Any]:
    """:func:`~cartwise.analytics.anomaly_report.movers` of one anomaly, cached."""
    return source.result(anomaly_report.movers_key(by, label),
                         lambda: anomaly_report.movers(source.ledger(), by, label))


def period_changes(source: AnalyticsSource, period: str) -> dict[str, Any]:
    """:func:`~cartwise.analytics.changes.period_changes` of the source, cached."""
    return source.result(result_key("period_changes", period=period),
                         lambda: changes.period_changes(source.ledger(), period))


def segment_moves(source: AnalyticsSource, period: str) -> dict[str, Any]:
    """:func:`~cartwise.analytics.changes.segment_moves` over one week or month, cached."""
    return source.result(result_key("segment_moves", period=period), lambda: {
        "moves": changes.segment_moves(source.ledger(), source.shopper_columns()["segment"],
                                       changes.PERIOD_DAYS[period])})


def precompute(source: AnalyticsSource) -> None:
    """Compute the default calls of every sales analysis the data allows: the summary by each
    grouping (no dates given), the cohort matrices, the anomaly reports with what moved in
    their largest anomalies, and the digest's period changes and segment moves."""
    calendar, prices = source.has_calendar(), source.has_prices()
    for by in sales.SALES_BY:
        if (by not in P.CALENDAR or calendar) and (
                by not in sales.TIME_GROUPS or source.has_order_times()):
            summary(source, by, None, None)
    for period in changes.PERIOD_DAYS:
        segment_moves(source, period)
    if not calendar:
        return
    for period in changes.PERIOD_DAYS:
        period_changes(source, period)
    for by in cohorts.COHORT_BY:
        for metric in cohorts.COHORT_METRICS:
            if metric != "revenue" or prices:
                cohort_matrix(source, by, metric)
    for metric in anomaly_report.ANOMALY_METRICS:
        if metric in ("orders", "shoppers") or prices:
            for by in anomaly_report.ANOMALY_BY:
                report = anomalies(source, metric, by)
                for a in report["anomalies"][:anomaly_report.PRECOMPUTED_MOVERS]:
                    movers(source, by, a["label"])
