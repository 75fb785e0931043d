"""Shopper profiles and product details, as JSON-able results built from table rows.

The numbers come from :func:`cartwise.analytics.stats.user_stats` / ``product_stats`` (and the
churn, RFM and lifetime-value columns next to them); these functions only assemble and explain.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cartwise.analytics.churn import LEVELS
from cartwise.analytics.results import CURRENCY, NO_PRICES, chart, r
from cartwise.analytics.segments import SEGMENT_NAMES
from cartwise.analytics.stats import SPENDING_SEGMENTS
from cartwise.formatting import days_ago, fmt_num, fmt_pct, fmt_value, money, plural, times


def favourites(ids: list[int], counts: list[int], names: dict[int, str],
               total: int) -> list[dict[str, Any]]:
    """``[{"id", "label", "value", "share"}]`` of a shopper's top categories (value = lines)."""
    return [
        {"id": int(i), "label": names.get(int(i), str(i)), "value": int(c),
         "share": int(c) / total if total else None}
        for i, c in zip(ids, counts, strict=True) if i >= 0 and c > 0
    ]


def user_profile(row: dict[str, Any], depts: list[dict[str, Any]], aisles: list[dict[str, Any]],
                 context: dict[str, Any], currency: str | None = None) -> dict[str, Any]:
    """The profile of one shopper.

    Args:
        row: the shopper's row of the users table (stats, churn, RFM, lifetime value columns).
        depts, aisles: their favourite departments and aisles (:func:`favourites`).
        context: population facts (``has_prices``, ``value_unit``, ``spending_bounds``,
            ``time_kind``, ``time_note``, ``pop_gap``).
        currency: the ISO code of the data's money (None: unknown), for the summary.
    """
    priced = bool(context["has_prices"])
    unit = context["value_unit"]
    seg = SPENDING_SEGMENTS[int(row["spending"])] if int(row["n_baskets"]) else None
    level = LEVELS[int(row["churn_level"])] if int(row["churn_level"]) >= 0 else "unknown"
    baskets = int(row["n_baskets"])
    spend = r(row["spend"]) if priced else None
    out: dict[str, Any] = {
        "user_id": int(row["user_id"]),
        "orders": int(row["n_orders"]),
        "baskets": baskets,
        "items": int(row["items"]),
        "products_bought": int(row["lines"]),
        "prices_available": priced,
        "value_unit": unit,
        "spend": spend,
        "avg_item_price": r(row["avg_item_price"]) if priced else None,
        "avg_basket_value": r(row["monetary"] / baskets) if baskets else None,
        "spending_segment": {
            "label": seg,
            "basis": "total spend" if unit == CURRENCY else "items bought",
            "quartile_bounds": [r(b) for b in context["spending_bounds"]],
        },
        "favourite_departments": depts,
        "favourite_aisles": aisles,
        "reorder_rate": r(row["reorder_rate"], 4),
        "days_between_orders": {"median": r(row["gap_median"], 1), "mean": r(row["gap_mean"], 1),
                                "gaps": int(row["n_gaps"])},
        "last_order": {
            "order_id": int(row["last_order_id"]) if row["last_order_id"] >= 0 else None,
            "order_number": int(row["last_order_number"]),
            "days_ago": r(row["recency_days"], 1),
            "ordered_at": row.get("last_order_at"),
            "basket_size": int(row["last_basket_size"]),
        },
        "churn_risk": {"score": r(row["churn_score"], 3), "level": level,
                       "reason": row.get("churn_reason")},
        "rfm": {"r": int(row["r"]), "f": int(row["f"]), "m": int(row["m"]),
                "segment": SEGMENT_NAMES[int(row["segment"])]},
        "lifetime_value": r(row["ltv"]),
        "time_note": context["time_note"],
        "charts": [chart("bar", "Favourite departments", [d["label"] for d in depts],
                         [d["value"] for d in depts], "department", "products bought")],
    }
    if not priced:
        out["price_note"] = NO_PRICES
    out["summary"] = _user_summary(out, unit, context["time_kind"], currency)
    return out


def _user_summary(p: dict[str, Any], unit: str, time_kind: str,
                  currency: str | None = None) -> str:
    parts = [f"User {p['user_id']}: {plural(p['orders'], 'order')}, {plural(p['items'], 'item')}"]
    seg = p["spending_segment"]["label"]
    if unit == CURRENCY and p["spend"] is not None:
        parts[0] += (f", spent {fmt_value(p['spend'], unit, currency)}"
                     + (f" ({seg} spender)" if seg else ""))
    elif seg:
        parts[0] += f" ({seg} buyer by items; no prices in this data)"
    if p["favourite_departments"]:
        d = p["favourite_departments"][0]
        parts.append(f"favourite department {d['label']} ({fmt_pct(d['share'], 0)})")
    if p["reorder_rate"] is not None:
        parts.append(f"reorders {fmt_pct(p['reorder_rate'], 0)}")
    days = p["last_order"]["days_ago"]
    if time_kind == "snapshot":
        if p["orders"] > 1:
            parts.append(f"{plural(int(round(days or 0)), 'day')} between their last two orders")
    else:
        parts.append(f"last order {days_ago(days)}")
    c = p["churn_risk"]
    score = f" ({fmt_num(c['score'], 2)})" if c["score"] is not None else ""
    parts.append(f"churn risk {c['level']}{score}")
    return "; ".join(parts) + "."


def product_details(product: Mapping[str, Any], row: Mapping[str, Any], n_products: int,
                    has_prices: bool) -> dict[str, Any]:
    """Details of one product.

    Args:
        product: its catalogue entry (:class:`~cartwise.catalog.Product` as a dict: ``name``,
            ``aisle``, ``department``, ``price`` in the data's currency, ...).
        row: its row of the product statistics (:func:`~cartwise.analytics.stats.product_stats`).
        n_products: products in the catalogue (for the rank).
        has_prices: whether the data has prices.
    """
    purchases = int(row["purchases"])
    rank = int(row["rank"]) if purchases else None
    out: dict[str, Any] = {
        "product": dict(product),
        "buyers": int(row["buyers"]),
        "purchases": purchases,
        "units": int(row["units"]),
        "reorder_rate": r(row["reorder_rate"], 4) if purchases else None,
        "revenue": r(row["revenue"]) if has_prices and purchases else None,
        "rank": rank,
        "of_products": int(n_products),
        "charts": [],
    }
    if not has_prices:
        out["price_note"] = NO_PRICES
    where = ", ".join(str(x) for x in (product["aisle"], product["department"]) if x)
    price = money(product["price"], product.get("currency"))
    price = f", {price}" if price else ""
    head = f"{product['name']} ({where}){price}"
    if not purchases:
        out["summary"] = f"{head}: nobody has bought it yet."
    else:
        out["summary"] = (f"{head}: bought {times(purchases)} by "
                          f"{plural(out['buyers'], 'shopper')}, {fmt_pct(out['reorder_rate'], 0)} "
                          f"reorders; best seller #{fmt_num(rank)} of {fmt_num(n_products)}.")
    return out
