"""Sales and KPIs from the order ledger: revenue, orders, average order value, units, items per
order, distinct shoppers, new and returning shoppers, per period or per group, and the latest
complete period against the one before (and a year earlier).

Definitions (every figure of :func:`sales_summary`):

* revenue: the lines' quantity x unit price, in the data's currency. Returns are already
  netted against the purchases they cancel when a transaction log is loaded
  (:mod:`cartwise.data.transactions`), so revenue is net of returns. None without prices.
* orders: orders with at least one line in the window (or group); average order value (aov):
  revenue / orders; units: items bought; items per order: units / orders.
* shoppers: distinct shoppers with an order; new shoppers: those whose first order ever is in
  the period (or group); returning: the others. Departments and aisles count the orders and
  shoppers that bought in them (their aov is what an order spent in the department), and have
  no new / returning split.
* a period is *complete* when the data reaches its last day; the comparison takes the latest
  complete period of the window, the one before it and the same period a year earlier (52
  weeks back for a day, so the same weekday) when the data reaches back that far. Groupings
  (day of week, hour, department, aisle) compare the latest complete month with the month
  before, per group.

Without a calendar (Instacart) only day of week, hour, department and aisle exist, without
dates or comparisons.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from cartwise.analytics import inference
from cartwise.analytics import periods as P
from cartwise.analytics.cache import result_key
from cartwise.analytics.ledger import Ledger, distinct_users
from cartwise.analytics.results import chart, r
from cartwise.analytics.trends import DAY_NAMES
from cartwise.errors import InvalidArgument
from cartwise.formatting import fmt_change, fmt_num, fmt_pct, plural

SALES_BY = ("day", "week", "month", "dow", "hour", "department", "aisle")
GROUPS = ("dow", "hour", "department", "aisle")
#: Groupings by the time of day or week (unknown for baskets without orders).
TIME_GROUPS = ("dow", "hour")
#: Daily rows cover at most this many days (the last ones of the window).
MAX_DAYS = 366
#: Groups drawn in a chart (the rest stay in the rows).
CHART_GROUPS = 20
METRICS = ("revenue", "orders", "aov", "units", "items_per_order", "shoppers", "new_shoppers",
           "returning_shoppers")
#: Distinct counts use a table of flags up to this many cells (bytes), else a sort.
DENSE_CELLS = 100_000_000
NO_CALENDAR = ("this data has no calendar dates (Instacart layout): only day of week, hour, "
               "department and aisle are known")

Money = Callable[[float | None], str]


def check_by(by: str | None, has_calendar: bool) -> str:
    """``by`` normalised (default ``month``, or ``department`` without a calendar), or
    :class:`InvalidArgument` naming what is accepted."""
    if by is None:
        return "month" if has_calendar else "department"
    b = str(by).strip().lower()
    if b not in SALES_BY:
        raise InvalidArgument("by", by, SALES_BY)
    if b in P.CALENDAR and not has_calendar:
        raise InvalidArgument("by", by, GROUPS, NO_CALENDAR)
    return b


def window(start: str | None, end: str | None, has_calendar: bool) -> tuple[int | None,
                                                                            int | None]:
    """The day numbers of ``start`` and ``end`` (inclusive; None = open).

    Raises:
        InvalidArgument: not an ISO date, end before start, or dates without a calendar.
    """
    if (start is not None or end is not None) and not has_calendar:
        raise InvalidArgument("start" if start is not None else "end", start or end,
                              "no dates with this data", NO_CALENDAR)
    lo, hi = P.day_of(start, "start"), P.day_of(end, "end")
    if lo is not None and hi is not None and hi < lo:
        raise InvalidArgument("end", end, f"a date on or after start ({start})",
                              "the window would be empty")
    return lo, hi


def summary_key(by: str, start: int | None, end: int | None) -> str:
    """The cache key of a summary (the comparison is always computed and dropped on demand)."""
    return result_key("sales_summary", by=by, start=start, end=end)


# ------------------------------------------------------------------------------ figures


def _distinct(a: np.ndarray, b: np.ndarray, n_b: int, n_a: int,
              b_sorted: bool = False) -> np.ndarray:
    """Distinct ``b`` values per ``a`` group (a: 0..n_a-1, b: 0..n_b-1): a table of flags
    when it is small, else, when ``b`` is non-decreasing (the lines of the ledger's orders), a
    table per chunk of ``b`` values; otherwise a sort."""
    out = np.zeros(n_a, dtype=np.int64)
    if len(a) == 0:
        return out
    if n_a * n_b <= DENSE_CELLS:  # a table of flags: no sort
        seen = np.zeros(n_a * n_b, dtype=bool)
        seen[a.astype(np.int64) * n_b + b] = True
        return seen.reshape(n_a, n_b).sum(axis=1)
    if b_sorted:
        chunk = max(DENSE_CELLS // n_a, 1)
        bounds = np.searchsorted(b, np.arange(0, n_b + chunk, chunk))
        for i in range(len(bounds) - 1):
            lo, hi = int(bounds[i]), int(bounds[i + 1])
            if lo < hi:
                seen = np.zeros(n_a * chunk, dtype=bool)
                seen[a[lo:hi].astype(np.int64) * chunk + (b[lo:hi] - i * chunk)] = True
                out += seen.reshape(n_a, chunk).sum(axis=1)
        return out
    key = np.unique(a.astype(np.int64) * n_b + b.astype(np.int64))
    return np.bincount(key // n_b, minlength=n_a)[:n_a]


def _table(revenue: np.ndarray | None, orders: np.ndarray, units: np.ndarray,
           shoppers: np.ndarray, new: np.ndarray | None) -> dict[str, list[Any]]:
    """Per-group figures as lists (None where undefined)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        aov = revenue / orders if revenue is not None else None
        ipo = units / orders
    n = len(orders)
    return {
        "revenue": [r(v) for v in revenue] if revenue is not None else [None] * n,
        "orders": orders.astype(np.int64).tolist(),
        "aov": [r(v) if o else None for v, o in zip(aov, orders, strict=True)]
        if aov is not None else [None] * n,
        "units": units.astype(np.int64).tolist(),
        "items_per_order": [r(v) if o else None for v, o in zip(ipo, orders, strict=True)],
        "shoppers": shoppers.astype(np.int64).tolist(),
        "new_shoppers": new.astype(np.int64).tolist() if new is not None else [None] * n,
        "returning_shoppers": (shoppers - new).astype(np.int64).tolist()
        if new is not None else [None] * n,
    }


def order_groups(led: Ledger, sel: np.ndarray, group: np.ndarray, n: int,
                 in_time_order: bool = False) -> dict[str, list[Any]]:
    """The figures of the orders at ledger positions ``sel`` grouped by ``group`` (0..n-1).

    ``in_time_order``: ``sel`` is ascending and the groups are periods (or one group), so a
    shopper's repeats are adjacent and distinct shoppers are counted without a table."""
    g = np.asarray(group, dtype=np.int64)
    orders = np.bincount(g, minlength=n)[:n]
    revenue = (np.bincount(g, weights=np.asarray(led.value)[sel], minlength=n)[:n]
               if led.has_prices else None)
    units = np.bincount(g, weights=np.asarray(led.items)[sel], minlength=n)[:n]
    users = np.asarray(led.user)[sel]
    shoppers = (distinct_users(users, g, n) if in_time_order
                else _distinct(g, users, len(led.user_ids), n))
    new = np.bincount(g[np.asarray(led.first)[sel]], minlength=n)[:n]
    return _table(revenue, orders, units, shoppers, new)


def line_groups(led: Ledger, sel: np.ndarray, level: str) -> tuple[list[str],
                                                                   dict[str, list[Any]]]:
    """The figures of the orders ``sel`` per department or aisle their lines are in."""
    names = led.department_names if level == "department" else led.aisle_names
    n = len(names)
    if len(sel) == led.n_orders:  # every order: the ledger's own line arrays, no gather
        code = led.line_codes(level)
        amount, qty = led.line_amount, np.asarray(led.line_qty)
        owner, users = led.line_owner, led.line_user
    else:
        lines, owner = led.lines_of(sel)
        code = led.line_codes(level)[lines]
        amount, qty = led.line_amount[lines], np.asarray(led.line_qty)[lines]
        users = np.asarray(led.user)[sel][owner]
    revenue = np.bincount(code, weights=amount, minlength=n) if led.has_prices else None
    units = np.bincount(code, weights=qty, minlength=n)
    orders = _distinct(code, owner, int(owner[-1]) + 1 if len(owner) else 1, n, b_sorted=True)
    shoppers = _distinct(code, users, len(led.user_ids), n)
    return [str(x) for x in names], _table(revenue, orders, units, shoppers, None)


def _rows(labels: list[Any], table: dict[str, list[Any]]) -> list[dict[str, Any]]:
    return [{"label": lab, **{m: table[m][i] for m in METRICS}} for i, lab in enumerate(labels)]


def _one(table: dict[str, list[Any]], i: int = 0) -> dict[str, Any]:
    return {m: table[m][i] for m in METRICS}


def _change(cur: dict[str, Any], before: dict[str, Any]) -> dict[str, float | None]:
    """Relative change of each figure (0.12 = +12%), None where the earlier one is 0 or
    unknown."""
    out: dict[str, float | None] = {}
    for m in METRICS:
        a, b = cur.get(m), before.get(m)
        out[m] = r((a - b) / b, 4) if a is not None and b not in (None, 0) else None
    return out


def _daily_window(led: Ledger, start: int | None, end: int | None
                  ) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    """The ledger's daily totals, their day numbers and which of them lie from ``start`` to
    ``end`` (None = open)."""
    daily = led.daily
    days = daily["first"] + np.arange(len(daily["orders"]))
    keep = np.ones(len(days), dtype=bool)
    if start is not None:
        keep &= days >= start
    if end is not None:
        keep &= days <= end
    return daily, days, keep


def period_table(led: Ledger, by: str, lo: int, n: int, sel: np.ndarray,
                 start: int | None = None, end: int | None = None) -> dict[str, list[Any]]:
    """The figures of the ``by`` periods ``lo .. lo + n - 1`` over the days from ``start`` to
    ``end`` (None = open): the sums from the ledger's daily totals, the distinct shoppers from
    the orders ``sel`` (ascending ledger positions of those days)."""
    daily, days, keep = _daily_window(led, start, end)
    g = P.codes(days, by) - lo
    keep &= (g >= 0) & (g < n)
    g = g[keep]

    def total(key: str) -> np.ndarray:
        return np.bincount(g, weights=daily[key][keep], minlength=n)[:n]

    code = led.codes(by)[sel] - lo
    inside = (code >= 0) & (code < n)
    shoppers = distinct_users(np.asarray(led.user)[sel][inside], code[inside], n)
    return _table(total("revenue") if led.has_prices else None, total("orders"),
                  total("units"), shoppers, total("new"))


def _window_totals(led: Ledger, sel: np.ndarray, start: int | None,
                   end: int | None) -> dict[str, list[Any]]:
    """The figures of the whole window (one group): sums from the daily totals, the distinct
    shoppers of the orders ``sel`` (ascending, so a shopper's orders are adjacent)."""
    daily, _, keep = _daily_window(led, start, end)
    users = np.asarray(led.user)[sel]
    shoppers = np.array([1 + np.count_nonzero(users[1:] != users[:-1]) if len(users) else 0])

    def total(key: str) -> np.ndarray:
        return np.array([daily[key][keep].sum()])

    return _table(total("revenue") if led.has_prices else None, total("orders"),
                  total("units"), shoppers, total("new"))


def change_tests(led: Ledger, unit: str, code: int, earlier: int, cur: dict[str, Any],
                 before: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Whether each figure of period ``code`` really differs from period ``earlier`` (see
    :mod:`cartwise.analytics.inference`): ``revenue`` (compound-Poisson z-test of the daily
    rates), ``orders`` and ``shoppers`` (exact Poisson rate tests, per day of each period),
    ``aov`` (Welch t-test over the order values). Each: ``p_value``, ``significant``,
    ``test``."""
    days = [P.last_day(c, unit) - P.first_day(c, unit) + 1 for c in (code, earlier)]
    values = [np.asarray(led.value)[led.orders_in(unit, [c])] for c in (code, earlier)]
    out = {m: inference.compare_counts(cur[m] or 0, before[m] or 0, *days)
           for m in ("orders", "shoppers")}
    if led.has_prices:
        out["revenue"] = inference.compare_sums(values[0], values[1], *days)
        out["aov"] = inference.compare_means(values[0], values[1])
    return out


def _period_figures(led: Ledger, unit: str, code: int) -> dict[str, Any]:
    sel = np.sort(led.orders_in(unit, [code]))
    return _one(period_table(led, unit, code, 1, sel))


# ------------------------------------------------------------------------------ the summary


def sales_summary(led: Ledger, by: str, start: int | None = None,
                  end: int | None = None) -> dict[str, Any]:
    """Sales figures per period or group of the orders between ``start`` and ``end`` (day
    numbers, inclusive, None = open; ``by`` checked with :func:`check_by`, the window with
    :func:`window`), their totals and the comparison (see the module docstring). Without a
    ``summary``: :func:`describe` writes it (it needs the currency)."""
    n_all = led.n_orders
    if led.has_calendar:
        day = led.order_day
        sel = (np.arange(n_all) if start is None and end is None
               else led.orders_between(start, end))
    else:
        day = None
        sel = np.arange(n_all)
    out: dict[str, Any] = {"by": by, "orders_in_window": int(len(sel))}
    span = None  # the first and last day with orders in the window
    if day is not None and len(sel):
        days = day[sel]
        span = (int(days.min()), int(days.max()))
        out["window"] = {"from": P.day_text(span[0]), "to": P.day_text(span[1])}
    else:
        out["window"] = None
    if by in P.CALENDAR:
        assert day is not None
        if span is not None:
            lo_c, hi_c = (int(c) for c in P.codes(np.array(span), by))
            if by == "day":
                lo_c = max(lo_c, hi_c - MAX_DAYS + 1)
            rows_codes = np.arange(lo_c, hi_c + 1)
            table = period_table(led, by, lo_c, len(rows_codes), sel, start, end)
            labels: list[Any] = P.labels(rows_codes, by)
        else:
            rows_codes, table, labels = np.empty(0, np.int64), _table(
                None, np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0)), []
    elif by in ("dow", "hour"):
        group = np.asarray(led.dow if by == "dow" else led.hour)[sel].astype(np.int64)
        n = 7 if by == "dow" else 24
        table = order_groups(led, sel, group, n)
        labels = list(DAY_NAMES) if by == "dow" else [f"{h}:00" for h in range(24)]
    else:
        labels, table = line_groups(led, sel, by)
    rows = _rows(labels, table)
    if by in ("department", "aisle"):
        key = "revenue" if led.has_prices else "units"
        rows.sort(key=lambda x: (-(x[key] or 0), x["label"]))
        rows = [x for x in rows if x["orders"]]
    total_rev = sum(x["revenue"] or 0 for x in rows) if led.has_prices else None
    for x in rows:
        x["share_of_revenue"] = (r(x["revenue"] / total_rev, 4)
                                 if total_rev and x["revenue"] is not None else None)
    out["rows"] = rows
    if span is not None:  # the window as one period: sums from the daily totals
        out["totals"] = _one(_window_totals(led, sel, start, end))
    else:
        out["totals"] = _one(order_groups(led, sel, np.zeros(len(sel), dtype=np.int64), 1, True))
    out["compare"], out["compare_note"] = _compare(led, by, span)
    out["charts"] = _charts(by, rows, led.has_prices)
    return out


def _compare(led: Ledger, by: str, span: tuple[int, int] | None
             ) -> tuple[dict[str, Any] | None, str | None]:
    """The comparison of a window whose orders fall on the days ``span`` (first, last)."""
    if not led.has_calendar:
        return None, "no comparison: " + NO_CALENDAR
    if span is None:
        return None, "no comparison: no orders in the window"
    unit = by if by in P.CALENDAR else "month"
    code_all = led.codes(unit)
    last_data_day = span[1]
    latest = P.complete(int(P.codes(np.array([span[1]]), unit)[0]), unit, last_data_day)
    first = int(P.codes(np.array([span[0]]), unit)[0])
    if latest - 1 < first:
        return None, f"no comparison: the window holds no two complete {unit}s"
    cur = _period_figures(led, unit, latest)
    before = _period_figures(led, unit, latest - 1)
    out: dict[str, Any] = {
        "unit": unit,
        "period": P.label(latest, unit), "previous": P.label(latest - 1, unit),
        "current": cur, "before": before, "change": _change(cur, before),
        "tests": change_tests(led, unit, latest, latest - 1, cur, before), "year_ago": None,
        "groups": None,
    }
    back = latest - P.YEAR_BACK[unit]
    if int(code_all.min()) <= back:
        ago = _period_figures(led, unit, back)
        out["year_ago"] = {"period": P.label(back, unit), "figures": ago,
                           "change": _change(cur, ago),
                           "tests": change_tests(led, unit, latest, back, cur, ago)}
    note = None
    if by in GROUPS:
        out["groups"] = group_changes(led, by, unit, latest)
        note = f"groups compare the latest complete month ({out['period']}) with the one before"
    return out, note


def group_changes(led: Ledger, by: str, unit: str, latest: int) -> list[dict[str, Any]]:
    """Per group of ``by`` (dow, hour, department, aisle): revenue (or units) in period
    ``latest`` (a ``unit`` period code), the period before, and the change;
    the biggest absolute changes first."""
    figures = []
    for c in (latest, latest - 1):
        sel = np.sort(led.orders_in(unit, [c]))
        if by in ("dow", "hour"):
            group = np.asarray(led.dow if by == "dow" else led.hour)[sel].astype(np.int64)
            n = 7 if by == "dow" else 24
            figures.append(order_groups(led, sel, group, n))
            labels: list[str] = (list(DAY_NAMES) if by == "dow"
                                 else [f"{h}:00" for h in range(24)])
        else:
            labels, t = line_groups(led, sel, by)
            figures.append(t)
    key = "revenue" if led.has_prices else "units"
    out = []
    for i, lab in enumerate(labels):
        a, b = figures[0][key][i] or 0, figures[1][key][i] or 0
        if a or b:
            out.append({"label": lab, "metric": key, "current": a, "before": b,
                        "change": r((a - b) / b, 4) if b else None, "difference": r(a - b)})
    out.sort(key=lambda x: (-abs(x["difference"] or 0), x["label"]))
    return out[:CHART_GROUPS]


def _charts(by: str, rows: list[dict[str, Any]], has_prices: bool) -> list[dict[str, Any]]:
    shown = rows[:CHART_GROUPS] if by in ("department", "aisle") else rows
    x = [row["label"] for row in shown]
    kind = "line" if by in P.CALENDAR else "bar"
    x_label = {"dow": "day of week", "hour": "hour of day"}.get(by, by)
    charts = []
    if has_prices:
        charts.append(chart(kind, f"Revenue by {x_label}", x, [row["revenue"] for row in shown],
                            x_label, "revenue"))
        charts.append(chart(kind, f"Average order value by {x_label}", x,
                            [row["aov"] for row in shown], x_label, "average order value"))
    charts.append(chart(kind, f"Orders by {x_label}", x, [row["orders"] for row in shown],
                        x_label, "orders"))
    return charts


def without_compare(result: dict[str, Any]) -> dict[str, Any]:
    """A summary without its comparison (``compare=false``)."""
    return {**result, "compare": None, "compare_note": "comparison not asked for"}


def change_words(compare: dict[str, Any]) -> Callable[[str], str]:
    """A writer of one figure's change: ``"+12.3%"`` when the change is significant (or not
    tested), ``"+1.2%, no clear change"`` when the test cannot tell it from noise."""
    tests = compare.get("tests") or {}

    def words(metric: str) -> str:
        text = fmt_change(compare["change"].get(metric))
        test = tests.get(metric)
        if test and test.get("p_value") is not None and not test["significant"]:
            text += ", no clear change"
        return text
    return words


def describe(result: dict[str, Any], money: Money) -> str:
    """The one-line summary of a :func:`sales_summary` result, the compared period first;
    ``money`` writes an amount in the data's currency."""
    t = result["totals"]
    if not t["orders"]:
        return "No orders in this window."
    priced = t["revenue"] is not None
    span = (f" from {result['window']['from']} to {result['window']['to']}"
            if result.get("window") else "")
    parts = []
    cmp_ = result.get("compare")
    if cmp_ and result["by"] in P.CALENDAR:
        cur = cmp_["current"]
        clear = change_words(cmp_)
        text = (f"{cmp_['period']}: revenue {money(cur['revenue'])} "
                f"({clear('revenue')} vs {cmp_['previous']}" if priced else
                f"{cmp_['period']}: {plural(cur['orders'], 'order')} "
                f"({clear('orders')} vs {cmp_['previous']}")
        if cmp_.get("year_ago"):
            key = "revenue" if priced else "orders"
            text += (f", {change_words(cmp_['year_ago'])(key)} vs "
                     f"{cmp_['year_ago']['period']}")
        text += ")"
        if priced:
            text += (f", {plural(cur['orders'], 'order')} ({clear('orders')}), "
                     f"average order {money(cur['aov'])} ({clear('aov')})")
        text += (f", {plural(cur['shoppers'], 'shopper')} of whom {fmt_num(cur['new_shoppers'])}"
                 " new")
        parts.append(text)
    rows = result["rows"]
    if result["by"] in GROUPS and rows:
        key = "revenue" if priced else "units"
        top = sorted(rows, key=lambda x: -(x[key] or 0))[:3]
        parts.append(f"by {result['by']}{span}: " + ", ".join(
            f"{x['label']} {money(x['revenue'])} ({fmt_pct(x['share_of_revenue'])})" if priced
            else f"{x['label']} {plural(x['units'], 'unit')}" for x in top))
        groups = cmp_.get("groups") if cmp_ else None
        if cmp_ and groups and groups[0]["change"] is not None:
            parts.append(f"largest change {cmp_['period']} vs {cmp_['previous']}: "
                         f"{groups[0]['label']} {fmt_change(groups[0]['change'])}")
    if priced:
        parts.append(f"in all{span}: revenue {money(t['revenue'])} from {fmt_num(t['orders'])}"
                     f" orders (average order {money(t['aov'])}, {fmt_num(t['shoppers'])} "
                     "shoppers)")
    else:
        parts.append(f"in all{span}: {plural(t['orders'], 'order')} and {fmt_num(t['units'])} "
                     f"units, {plural(t['shoppers'], 'shopper')} (no prices in this data: "
                     "revenue needs prices)")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "."
