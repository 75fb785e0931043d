"""The merchant's analyses: one method per sales tool (sales summary, purchase history, cohort
retention, anomalies), over an analytics source's order ledger and the catalogue.

Like :class:`~cartwise.analytics.service.Analytics` (which holds one as ``sales``), every method
returns a JSON-able dict that validates against its model in :mod:`cartwise.tools.results`,
with a one-line ``summary`` whose amounts are in the catalogue's currency. Arguments are checked
first (:class:`~cartwise.errors.InvalidArgument` names the argument), unknown shoppers raise
:class:`~cartwise.errors.UnknownUser`. Default calls are precomputed by the build
(:func:`~cartwise.analytics.commerce.precompute`); others are computed once and cached.
"""

from __future__ import annotations

from typing import Any

from cartwise.analytics import anomaly_report, cohorts, commerce, history, sales
from cartwise.analytics.clock import NO_ORDER_TIMES
from cartwise.analytics.results import jsonable, value_fields
from cartwise.analytics.source import AnalyticsSource
from cartwise.catalog import Catalog
from cartwise.errors import InvalidArgument, UnknownUser
from cartwise.formatting import money, plural


class Sales:
    """The sales tools over one source and its catalogue (thread-safe when the source is)."""

    def __init__(self, source: AnalyticsSource, catalog: Catalog) -> None:
        self.source = source
        self.catalog = catalog

    def money(self, value: float | None) -> str:
        """An amount in the catalogue's currency ("$3.29", "£1,250.00"); "n/a" for none."""
        return money(value, self.catalog.currency) or "n/a"

    def _valued(self, result: dict[str, Any]) -> dict[str, Any]:
        out = {**result, **value_fields(self.source.has_prices()),
               "time_note": self.source.population().get("time_note")}
        if self.source.has_prices():
            out["currency"] = self.catalog.currency
        return out

    def sales_summary(self, by: str | None = None, start: str | None = None,
                      end: str | None = None, compare: bool = True) -> dict[str, Any]:
        """Revenue, orders, average order value, units, items per order and shoppers (new and
        returning) per period or group between ``start`` and ``end`` (ISO dates, inclusive),
        with the latest complete period against the one before and a year earlier when
        ``compare`` (a ``SalesSummary``; see :mod:`cartwise.analytics.sales`)."""
        calendar = self.source.has_calendar()
        if by is not None:
            sales.check_by(by, True)  # a bad name fails before a calendar complaint
        by = sales.check_by(by, calendar)
        if by in sales.TIME_GROUPS and not self.source.has_order_times():
            raise InvalidArgument("by", by, ("department", "aisle"), NO_ORDER_TIMES)
        lo, hi = sales.window(start, end, calendar)
        out = dict(commerce.summary(self.source, by, lo, hi))
        if not compare:
            out = sales.without_compare(out)
        out = self._valued(out)
        out["start"], out["end"] = start, end
        out["summary"] = sales.describe(out, self.money)
        return out  # the cached result is JSON already

    def purchase_history(self, user_id: int, orders: int = 5) -> dict[str, Any]:
        """The shopper's ``orders`` most recent orders, newest first, with their items
        (catalogue entries with quantity, unit price and line value) and order values (a
        ``PurchaseHistory``)."""
        orders = history.check_orders(orders)
        row = self.catalog.user_row(user_id)
        if row is None:
            raise UnknownUser(user_id)
        got = history.purchase_history(self.source.ledger(), row, orders)
        listed = []
        for o in got["orders"]:
            items = [{**self.catalog.product(x["product_row"]).model_dump(),
                      "quantity": x["quantity"], "unit_price": x["unit_price"],
                      "line_value": x["value"]} for x in o["lines"]]
            listed.append({**{k: v for k, v in o.items() if k != "lines"}, "items": items})
        out = self._valued({"user_id": int(user_id), "total_orders": got["total_orders"],
                            "orders": listed})
        out["summary"] = self._history_summary(int(user_id), out)
        return jsonable(out)

    def _history_summary(self, user_id: int, out: dict[str, Any]) -> str:
        orders = out["orders"]
        if not orders:
            return f"User {user_id} has no orders yet."
        last = orders[0]
        when = (f"on {last['ordered_at'][:10]}" if last["ordered_at"]
                else f"{plural(last['days_ago'], 'day')} before the snapshot"
                if last["days_ago"] else "at the snapshot")
        names = ", ".join(f"{x['name']}" + (f" x{x['quantity']}" if x["quantity"] > 1 else "")
                          for x in last["items"][:4])
        more = f" and {len(last['items']) - 4} more" if len(last["items"]) > 4 else ""
        value = f" ({self.money(last['value'])})" if last["value"] is not None else ""
        return (f"User {user_id}'s last order {when}{value}: {names}{more}. Showing "
                f"{len(orders)} of their {out['total_orders']} orders.")

    def cohort_retention(self, by: str | None = None, periods: int = 12,
                         metric: str | None = None) -> dict[str, Any]:
        """Shoppers grouped by the month or week of their first order x periods since: the
        share still ordering (or the revenue kept), cohort sizes and a heatmap-ready matrix (a
        ``CohortRetention``; see :mod:`cartwise.analytics.cohorts`)."""
        by, periods, metric = cohorts.check(by, periods, metric, self.source.has_calendar(),
                                            self.source.has_prices())
        full = commerce.cohort_matrix(self.source, by, metric)
        out = self._valued(cohorts.slice_cohorts(full, periods))
        out["summary"] = cohorts.describe(out, self.money)
        return out

    def detect_anomalies(self, metric: str | None = None, by: str | None = None,
                         k: int = 10) -> dict[str, Any]:
        """The ``k`` days or weeks whose orders, revenue, shoppers or average order value are
        furthest from what the series leads one to expect, each with its expected value and
        range and the departments and products that moved most (a ``DetectedAnomalies``; see
        :mod:`cartwise.analytics.anomaly_report`)."""
        metric, by, k = anomaly_report.check(metric, by, k, self.source.has_calendar(),
                                             self.source.has_prices())
        full = anomaly_report.top(commerce.anomalies(self.source, metric, by), k)
        out = self._valued({**full, "anomalies": self.with_movers(full["anomalies"], by)})
        out["summary"] = anomaly_report.describe(out, self.money)
        return out

    def with_movers(self, items: list[dict[str, Any]], by: str) -> list[dict[str, Any]]:
        """Anomaly entries (of an anomaly report, by ``by``) with the departments and products
        that moved most in each (new dicts: cached results stay as they are)."""
        out = []
        for a in items:
            moved = commerce.movers(self.source, by, a["label"])
            products = [{**self.catalog.product(int(p["product_row"])).model_dump(),
                         **{x: p[x] for x in ("value", "expected", "difference")}}
                        for p in moved["products"]]
            out.append({**a, "departments": moved["departments"], "products": products})
        return out
