"""Replies: the text answer built only from tool results, and the fixed replies (greeting, help,
goodbye, cannot-do, clarifying questions).

Results are JSON dicts as the tools return them; every field is optional here (a missing field
is left out of the sentence, an unknown shape falls back to the result's ``summary``). Values
from results are data: product names and messages are printed as they are (white space
collapsed), never interpreted.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from cartwise.agent.planner.references import find_product_list, product_name
from cartwise.agent.planner.types import PlannedCall
from cartwise.tools.results import filters_text

log = logging.getLogger(__name__)

#: One line per thing the assistant can do, for greeting, help and cannot-do replies.
CAPABILITIES: tuple[str, ...] = (
    'personal recommendations for a shopper ("what should user 42 buy next?")',
    'product search ("find organic almond milk under $4")',
    'similar products ("what is similar to greek yogurt?")',
    'what is bought together ("what goes with pasta sauce?")',
    'best sellers, overall or per department ("top 5 in produce")',
    'similar shoppers ("who shops like user 12?")',
    'shopper profiles ("tell me about user 9") and product details ("product 24852")',
    "customer segments (RFM and clusters)",
    'churn risk ("which customers are at risk?") and lifetime value ("most valuable customers")',
    "the customer journey (first-time vs repeat shoppers)",
    'the conversion funnel ("where do mobile users drop off?")',
    'order trends ("orders by day of the week", "by hour")',
)

MAX_LISTED = 10


def capabilities_text() -> str:
    """The capabilities as a bulleted list."""
    return "\n".join(f"- {c}" for c in CAPABILITIES)


def greeting_reply() -> str:
    return ("Hi! I'm Cartwise, the shop's assistant. I can help with:\n" + capabilities_text())


def help_reply() -> str:
    return ("Here is what I can do, using the shop's own data:\n" + capabilities_text()
            + "\nAsk in your own words; you can follow up with things like \"make it 10\", "
            "\"only under $3\", \"and for user 15?\" or \"what goes with the first one?\".")


def goodbye_reply() -> str:
    return "You're welcome! Ask me any time about products, shoppers or orders."


def out_of_scope_reply(unclear: bool = False) -> str:
    head = ("Sorry, I didn't understand that." if unclear else
            "Sorry, I can't do that: I only answer questions about this shop's products, "
            "shoppers and orders.")
    return f"{head} Here is what I can do:\n" + capabilities_text()


def clarify_reply(missing: str, intent: str) -> str:
    """A question for a missing argument (``"user_id"``, ``"product"`` or ``"query"``)."""
    what = intent.replace("_", " ")
    if missing == "user_id":
        return (f"Which shopper do you mean? Give me a user id for the {what}, e.g. "
                "\"recommend for user 42\" or \"tell me about customer 7\".")
    if missing == "product":
        return ("Which product do you mean? Name it or give its id, e.g. \"what is similar to "
                "bananas?\" or \"details of product 24852\".")
    return "What should I look for? Name a product, e.g. \"find organic almond milk\"."


# ---------------------------------------------------------------------------------- values


def _clean(value: object) -> str:
    return " ".join(str(value).split())


def _money(value: object, unit: str = "$") -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return f"{unit}{value:,.2f}"


def _num(value: object, digits: int = 2) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:.{digits}f}"


def _pct(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return f"{100 * value:.0f}%"


def _unit(result: Mapping[str, Any]) -> str:
    cur = result.get("currency")
    return cur if isinstance(cur, str) and len(cur) <= 3 else "$"


def _k(call: PlannedCall, default: int) -> int:
    k = call.args.get("k")
    return int(k) if isinstance(k, (int, float)) and k >= 1 else default


# ---------------------------------------------------------------------------------- failures


def failure_of(result: object) -> str | None:
    """Why a result is a failure ("not found" or an error message), None if it is not one."""
    if not isinstance(result, Mapping):
        return None if isinstance(result, list) else "no result"
    if result.get("found") is False or result.get("not_found") or "error" in result:
        for key in ("error", "message", "detail", "summary"):
            value = result.get(key)
            if isinstance(value, str) and value.strip():
                return _clean(value)
        return "not found"
    summary = result.get("summary")
    if isinstance(summary, str) and "not found" in summary.lower() and len(result) <= 3:
        return _clean(summary)
    return None


def _subject(call: PlannedCall) -> str:
    args = call.args
    if args.get("user_id") is not None:
        return f"user {args['user_id']}"
    if args.get("product") is not None:
        return f"product \"{_clean(args['product'])}\""
    if args.get("query") is not None:
        return f"\"{_clean(args['query'])}\""
    return "that"


def _failure_reply(call: PlannedCall, result: Mapping[str, Any] | Any, why: str) -> str:
    subject = _subject(call)
    if result is None:
        return f"I got no result for {subject}; please try again."
    lowered = why.lower()
    if "not found" in lowered or "unknown" in lowered or (
            isinstance(result, Mapping) and result.get("found") is False):
        text = f"I couldn't find {subject}: it was not found in the shop's data."
        if why and why.lower() not in ("not found", "no result"):
            text += f" ({why})"
        closest = _closest(result)
        if closest:
            text += " Did you mean: " + ", ".join(closest) + "?"
        return text
    return (f"Sorry, that didn't work: {why}" if subject == "that"
            else f"Sorry, that didn't work for {subject}: {why}")


def _closest(result: object) -> list[str]:
    if not isinstance(result, Mapping):
        return []
    for key in ("closest", "suggestions", "alternatives", "did_you_mean"):
        value = result.get(key)
        if isinstance(value, list) and value:
            names = [_clean(v) if isinstance(v, str) else product_name(v) if isinstance(v, dict)
                     else None for v in value[:4]]
            return [n for n in names if n]
    return []


# ---------------------------------------------------------------------------------- lists


def _product_line(i: int, item: Mapping[str, Any], unit: str, tool: str) -> str:
    name = product_name(dict(item)) or f"product {item.get('product_id', item.get('id'))}"
    details = []
    price = _money(item.get("price"), unit)
    if price:
        details.append(price)
    if tool == "frequently_bought_together":
        lift = _num(item.get("lift"))
        conf = _pct(item.get("confidence"))
        if lift:
            details.append(f"lift {lift}")
        if conf:
            details.append(f"in {conf} of its baskets")
    line = f"{i}. {_clean(name)}" + (f" ({', '.join(details)})" if details else "")
    reason = item.get("reason")
    if isinstance(reason, str) and reason.strip():
        line += f" - {_clean(reason)}"
    return line


def _product_lines(items: Sequence[Mapping[str, Any]], limit: int, unit: str,
                   tool: str) -> list[str]:
    return [_product_line(i + 1, item, unit, tool) for i, item in enumerate(items[:limit])]


def _users(result: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    for key in ("users", "similar", "similar_users", "neighbours", "neighbors", "items",
                "results"):
        value = result.get(key)
        if isinstance(value, list) and value and isinstance(value[0], Mapping) and (
                "user_id" in value[0]):
            return value
    return []


def _user_line(i: int, user: Mapping[str, Any], tool: str, unit: str) -> str:
    parts = []
    if tool == "churn_risk":
        score = _num(user.get("score"))
        level = user.get("level")
        if score:
            parts.append(f"risk {score}" + (f" ({_clean(level)})" if level else ""))
        reason = user.get("reason")
        if isinstance(reason, str):
            parts.append(_clean(reason))
    elif tool == "lifetime_value":
        ltv = _money(user.get("ltv"), unit) if unit == "$" else _num(user.get("ltv"))
        if ltv:
            parts.append(f"lifetime value {ltv}")
        tier = user.get("tier")
        if tier:
            parts.append(_clean(tier))
    else:
        for key in ("similarity", "score"):
            sim = _num(user.get(key))
            if sim:
                parts.append(f"similarity {sim}")
                break
        shared = user.get("shared_products") or user.get("common_products")
        if isinstance(shared, int):
            parts.append(f"{shared} products in common")
    text = f"{i}. user {user.get('user_id')}"
    return text + (f" - {'; '.join(parts)}" if parts else "")


# ---------------------------------------------------------------------------------- per tool


def _summary(result: Mapping[str, Any]) -> str | None:
    s = result.get("summary")
    return _clean(s) if isinstance(s, str) and s.strip() else None


def _recommend(call: PlannedCall, result: Mapping[str, Any], unit: str) -> str:
    uid = result.get("user_id", call.args.get("user_id"))
    items = find_product_list(result) or []
    k = _k(call, 5)
    fallback = result.get("fallback")
    dept = call.args.get("department")
    where = filters_text(_clean(dept) if dept else None, call.args.get("min_price"),
                         call.args.get("max_price"), bool(call.args.get("exclude_purchased")),
                         lambda v: _money(v, unit))
    if fallback == "unknown_user":
        head = f"User {uid} was not found, so here are our best sellers instead{where}:"
    elif fallback:
        head = (f"User {uid} has no purchase history yet, so here are our best sellers "
                f"instead{where}:")
    elif not items:
        return (f"I found no recommendations for user {uid}{where}. " +
                (_summary(result) or "Try fewer filters.")).strip()
    else:
        strategy = result.get("strategy") or call.args.get("strategy")
        how = f" using {strategy}" if strategy and strategy != "hybrid" else ""
        head = f"Top {min(k, len(items))} picks for user {uid}{how}{where}:"
    return "\n".join([head, *_product_lines(items, k, unit, call.name)])


def _product_list_reply(call: PlannedCall, result: Mapping[str, Any], unit: str) -> str:
    items = find_product_list(result) or []
    tool = call.name
    k = _k(call, 10 if tool == "popular_products" else 5)
    anchor = result.get("product")
    anchor_name = (product_name(anchor) if isinstance(anchor, dict) else None) or (
        _clean(call.args["product"]) if call.args.get("product") is not None else None)
    if tool == "search_products":
        head = f"Here is what I found for \"{_clean(call.args.get('query', ''))}\":"
        empty = f"I found nothing matching \"{_clean(call.args.get('query', ''))}\"."
    elif tool == "similar_products":
        head = f"Products similar to {anchor_name}:"
        empty = f"I found no products similar to {anchor_name}."
    elif tool == "frequently_bought_together":
        head = f"Often bought with {anchor_name}:"
        empty = f"Nothing is bought with {anchor_name} often enough to count."
    else:
        dept = call.args.get("department") or result.get("department")
        head = "Best sellers" + (f" in {_clean(dept)}" if dept else "") + ":"
        empty = "I found no best sellers" + (f" in {_clean(dept)}" if dept else "") + "."
    if not items:
        summary = _summary(result)
        return summary if summary and tool == "frequently_bought_together" else empty
    return "\n".join([head, *_product_lines(items, k, unit, tool)])


def _user_list_reply(call: PlannedCall, result: Mapping[str, Any], unit: str) -> str:
    users = _users(result)
    summary = _summary(result)
    if call.name == "similar_users":
        head = f"Shoppers most similar to user {call.args.get('user_id')}:"
    else:
        head = summary or ""
    if not users:
        return summary or head or "No shoppers to show."
    lines = [_user_line(i + 1, u, call.name, unit)
             for i, u in enumerate(users[:_k(call, 10)])]
    return "\n".join([h for h in [head] if h] + lines)


def compose_one(call: PlannedCall, result: object) -> str:
    """The reply part for one call and its result."""
    why = failure_of(result)
    if why is not None:
        return _failure_reply(call, result, why)
    if isinstance(result, list):
        result = {"items": result}
    assert isinstance(result, Mapping)
    unit = _unit(result)
    tool = call.name
    if tool == "recommend_products":
        return _recommend(call, result, unit)
    if tool in ("search_products", "similar_products", "frequently_bought_together",
                "popular_products"):
        return _product_list_reply(call, result, unit)
    if tool == "similar_users" or (tool in ("churn_risk", "lifetime_value")
                                   and call.args.get("user_id") is None):
        return _user_list_reply(call, result, unit)
    summary = _summary(result)
    if summary:
        return summary
    items = find_product_list(result)
    if items:
        return "\n".join(_product_lines(items, MAX_LISTED, unit, tool))
    return "Done: the tool returned no summary."


def compose(calls: Sequence[PlannedCall], results: Sequence[object]) -> str:
    """The reply to the user from ``calls`` and their ``results`` (same order), one paragraph
    per call; results beyond the calls are ignored, calls without a result say so."""
    parts = []
    for i, call in enumerate(calls):
        result = results[i] if i < len(results) else None
        parts.append(compose_one(call, result))
    return "\n\n".join(p for p in parts if p) or "I have nothing to report."
