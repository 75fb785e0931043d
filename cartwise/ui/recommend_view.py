"""The recommendations tab: a shopper's recommendations and similar products as cards."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import gradio as gr

from cartwise.formatting import money
from cartwise.runtime import Runtime
from cartwise.tools.registry import run_tool
from cartwise.tools.results import is_failure
from cartwise.ui.inputs import ANY, whole


def _tool(runtime: Runtime, name: str, args: Mapping[str, Any]) -> dict[str, Any]:
    """Tool ``name``'s result as JSON (the shape the API and the chat stream carry)."""
    return run_tool(runtime.services, name, args).model_dump(mode="json")


def product_cards(items: Sequence[Mapping[str, Any]]) -> str:
    """Product entries (as the tools list them) as an HTML grid of cards: name, aisle and
    department, price in the data's currency, and the reason where there is one."""
    cards = []
    for it in items:
        price = money(it.get("price"), it.get("currency")) or "no price"
        rows = [f"<div class='cartwise-card-name'>{html.escape(str(it['name']))}</div>",
                f"<div class='cartwise-card-where'>{html.escape(str(it['aisle']))} · "
                f"{html.escape(str(it['department']))}</div>",
                f"<div class='cartwise-price'><b>{html.escape(price)}</b></div>"]
        if it.get("reason"):
            rows.append(f"<div class='cartwise-reason'>{html.escape(str(it['reason']))}</div>")
        rows.append(f"<div class='cartwise-card-id'>product {int(it['product_id'])}</div>")
        cards.append("<div class='cartwise-card'>" + "".join(rows) + "</div>")
    return "<div class='cartwise-cards'>" + "".join(cards) + "</div>"


def _notice(result: Mapping[str, Any]) -> str:
    icon = "⚠️" if is_failure(result) else "ℹ️"
    return f"{icon} {result.get('summary') or result.get('error')}"


def recommend(runtime: Runtime, user_id: float | None, strategy: str | None,
              department: str | None, min_price: float | str | None,
              max_price: float | str | None, k: float | None,
              never_bought: bool) -> tuple[str, str, dict[str, Any]]:
    """Recommendations for ``user_id``: ``(message, cards HTML, update of the "similar"
    product picker)``. Prices are numbers or text as typed (blank: no limit; the tool parses
    and checks them). The message is the result's summary, marked ⚠️ for an invalid argument
    (min price above max price, a price that is not a number, no user id) and ℹ️ when the user
    is unknown (best sellers are shown); the picker lists the recommended products (value:
    product id as text)."""
    args: dict[str, Any] = {"user_id": whole(user_id), "k": whole(k) or 5,
                            "strategy": strategy or "hybrid",
                            "department": None if department in (None, "", ANY) else department,
                            "min_price": min_price, "max_price": max_price,
                            "exclude_purchased": bool(never_bought)}
    if args["user_id"] is None:
        return "⚠️ Enter a user id.", "", gr.update(choices=[], value=None)
    result = _tool(runtime, "recommend_products", args)
    if is_failure(result):
        return _notice(result), "", gr.update(choices=[], value=None)
    items = result.get("items") or []
    message = result["summary"] if result.get("user_found", True) and not result.get(
        "fallback") else _notice(result)
    choices = [(str(it["name"]), str(it["product_id"])) for it in items]
    return (message, product_cards(items),
            gr.update(choices=choices, value=choices[0][1] if choices else None))


def similar(runtime: Runtime, product: str | None, k: float | None = 5) -> tuple[str, str]:
    """Products like ``product`` (a product id as text, or a name): ``(message, cards HTML)``;
    an unknown product gives a ⚠️ message naming the closest names."""
    if not product or not str(product).strip():
        return "⚠️ Pick a product first (get recommendations, or type a product name).", ""
    result = _tool(runtime, "similar_products", {"product": str(product), "k": whole(k) or 5})
    if is_failure(result):
        return _notice(result), ""
    return result["summary"], product_cards(result.get("items") or [])
