"""Replies: the text answer built only from tool results, and the fixed replies (greeting, help,
goodbye, cannot-do, clarifying questions).

Results are the tools' typed results (:mod:`cartwise.tools.results`): the reply is chosen by the
result's kind (a failure, a product list, a shopper list, or anything else by its ``summary``).
Values from results are data: product names and messages are printed as they are (white space
collapsed), never interpreted. Prices are written in the products' own currency.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from cartwise.agent.planner.policy import Refusal
from cartwise.agent.planner.types import PlannedCall
from cartwise.catalog import Product
from cartwise.formatting import fmt_date, fmt_figure, fmt_num, fmt_pct, money, plural
from cartwise.tools.render import filters_text
from cartwise.tools.results import (
    AboutProduct,
    BestSellers,
    BoughtTogether,
    BusinessInsights,
    ChurnEntry,
    Failure,
    Partner,
    ProductDetails,
    ProductList,
    PurchaseHistory,
    Recommendations,
    RecommendedProduct,
    RefinedProducts,
    SearchResults,
    Shopper,
    ShopperList,
    ShopperProfile,
    SimilarProducts,
    SimilarShopper,
    SimilarShoppers,
    ToolResult,
    Valued,
    ValueEntry,
)

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
    'sales and KPIs ("revenue last month", "average order value", "revenue by department")',
    'a shopper\'s purchase history ("what did user 42 buy last time?")',
    'cohort retention, unusual days ("anything unusual this week?") and a weekly digest ("what '
    'should I look at today?")',
    'working on an earlier list ("which of those is cheapest?", "sort them by price", "why did '
    'you suggest the first one?")',
    'several questions at once ("profile and recommendations of user 3", "compare user 5 and '
    'user 6")',
)
#: What Cartwise never does, said in the help.
LIMITS = ("I only read the shop's data: I can't change prices, carts, orders or shoppers, or "
          "send messages.")


def capabilities_text() -> str:
    """The capabilities as a bulleted list."""
    return "\n".join(f"- {c}" for c in CAPABILITIES)


def greeting_reply() -> str:
    return ("Hi! I'm Cartwise, the shop's assistant. I can help with:\n" + capabilities_text())


def help_reply() -> str:
    return ("Here is what I can do, using the shop's own data:\n" + capabilities_text()
            + "\n" + LIMITS
            + "\nAsk in your own words; you can follow up with things like \"make it 10\", "
            "\"only under $3\", \"and for user 15?\" or \"what goes with the first one?\".")


def goodbye_reply() -> str:
    return "You're welcome! Ask me any time about products, shoppers or orders."


def out_of_scope_reply(unclear: bool = False) -> str:
    head = ("Sorry, I didn't understand that." if unclear else
            "Sorry, I can't do that: I only answer questions about this shop's products, "
            "shoppers and orders.")
    return f"{head} Here is what I can do:\n" + capabilities_text()


#: What the closest tool can do, for refusals ({who}: the shopper, {what}: the product).
OFFERS: dict[str, str] = {
    "recommend_products": "suggest products for {who} (for example to put in an email)",
    "user_profile": "show {who}'s profile (orders, spend, segment, churn risk)",
    "product_details": "show the details of {what} (price, aisle, how well it sells)",
    "search_products": "search the catalogue for {what}",
    "order_trends": "show order trends: orders, items and revenue by day, week or month",
    "sales_summary": "show revenue, orders and average order value by period or department",
    "customer_journey": "show the customer journey: repeat orders, basket sizes, reorders",
    "popular_products": "show the best sellers",
    "funnel_analysis": "show the conversion funnel from visit to payment",
}


def refusal_reply(found: Refusal, user_id: int | None, product: str | None) -> str:
    """Why Cartwise does not do what was asked (it changes nothing, or no tool gives that
    figure) and the closest thing it can do, for the shopper or product the message named."""
    who = f"user {user_id}" if user_id is not None else "a shopper"
    what = _clean(product) if product else "a product"
    offer = OFFERS.get(found.offer, "answer questions about products, shoppers and orders")
    if found.kind == "act":
        head = (f"I can't do that: Cartwise only reads the shop's data, so it can't "
                f"{found.about}, and nothing was changed.")
    else:
        head = f"I can't answer that from this shop's data yet: {found.about}."
    return f"{head} What I can do: {offer.format(who=who, what=what)}."


#: What each tool gives, for a clarifying question ({who}: the shopper, {what}: the product).
MEANINGS: dict[str, str] = {
    "recommend_products": "recommendations for {who}",
    "search_products": "a catalogue search for {what}",
    "similar_products": "products similar to {what}",
    "frequently_bought_together": "products bought together with {what}",
    "popular_products": "the best sellers",
    "similar_users": "shoppers similar to {who}",
    "user_profile": "{who}'s profile",
    "product_details": "the details of {what}",
    "churn_risk": "{who}'s churn risk",
    "lifetime_value": "{who}'s lifetime value",
    "sales_summary": "the sales figures (revenue, orders, average order value)",
    "purchase_history": "{who}'s recent orders",
    "cohort_retention": "how cohorts of new shoppers keep ordering",
    "detect_anomalies": "unusual days or weeks",
    "business_insights": "a digest of what changed",
}


def choice_reply(options: Sequence[str], who: str, what: str) -> str:
    """A question asking which of two readings of the message is meant."""
    said = [MEANINGS.get(o, o.replace("_", " ")).format(who=who, what=_clean(what))
            for o in options]
    return f"Do you mean {said[0]}, or {said[1]}? (Say \"the first\" or \"the second\".)"


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


def _currency(result: ToolResult) -> str | None:
    """The currency of a result's money: its values' or its products' own; None if unknown."""
    if isinstance(result, Valued):
        return result.currency
    if isinstance(result, AboutProduct):
        return result.product.currency
    if isinstance(result, ProductList) and result.items:
        return result.items[0].currency
    return None


def _k(call: PlannedCall, default: int) -> int:
    k = call.args.get("k")
    return int(k) if isinstance(k, int | float) and k >= 1 else default


# ---------------------------------------------------------------------------------- failures


def _subject(call: PlannedCall) -> str:
    args = call.args
    if args.get("user_id") is not None:
        return f"user {args['user_id']}"
    if args.get("product") is not None:
        return f"product \"{_clean(args['product'])}\""
    if args.get("query") is not None:
        return f"\"{_clean(args['query'])}\""
    return "that"


def _failure_reply(call: PlannedCall, failure: Failure) -> str:
    subject = _subject(call)
    if failure.error_type == "not_found":
        text = f"I couldn't find {subject}: it was not found in the shop's data."
        why = _clean(failure.error)
        if why and not why.lower().rstrip(".").endswith("not found"):  # said once
            text += f" ({why})"
        closest = [_clean(c) for c in failure.closest[:4]]
        if closest:
            text += " Did you mean: " + ", ".join(closest) + "?"
        return text
    why = _clean(failure.error)
    return (f"Sorry, that didn't work: {why}" if subject == "that"
            else f"Sorry, that didn't work for {subject}: {why}")


# ---------------------------------------------------------------------------------- lists


def _product_line(i: int, item: Product, currency: str | None) -> str:
    details = []
    price = money(item.price, currency)
    if price:
        details.append(price)
    if isinstance(item, Partner):  # the evidence: strength against chance, then support
        details.append(f"in {fmt_pct(item.confidence)} of its baskets against "
                       f"{fmt_pct(item.base_rate)} of all")
        details.append(f"{plural(item.baskets_together, 'basket')} from "
                       f"{plural(item.shoppers_together, 'shopper')}")
        details.append(f"lift {fmt_figure(item.lift)}")
    line = f"{i}. {_clean(item.name)}" + (f" ({', '.join(details)})" if details else "")
    reason = getattr(item, "reason", None)
    if isinstance(reason, str) and reason.strip():
        line += f" - {_clean(reason)}"
    return line


def _product_lines(items: Sequence[Product], limit: int, currency: str | None) -> list[str]:
    return [_product_line(i + 1, item, currency) for i, item in enumerate(items[:limit])]


def _user_line(i: int, user: Shopper, currency: str | None) -> str:
    parts = []
    if isinstance(user, ChurnEntry):
        if user.score is not None:
            parts.append(f"risk {fmt_figure(user.score)} ({_clean(user.level)})")
        parts.append(_clean(user.reason))
    elif isinstance(user, ValueEntry):
        ltv = money(user.ltv, currency) if currency else fmt_figure(user.ltv)
        if ltv:
            parts.append(f"lifetime value {ltv}")
        parts.append(_clean(user.tier))
    elif isinstance(user, SimilarShopper):
        parts.append(f"similarity {fmt_figure(user.score)}")
        parts.append(f"{plural(user.shared_products, 'product')} in common")
    text = f"{i}. user {user.user_id}"
    return text + (f" - {'; '.join(parts)}" if parts else "")


# ---------------------------------------------------------------------------------- per kind


def _recommend(call: PlannedCall, result: Recommendations, currency: str | None) -> str:
    uid = result.user_id
    items = result.items
    f = result.filters
    where = filters_text(f.department, f.min_price, f.max_price, f.exclude_purchased, currency)
    if result.fallback == "unknown_user":
        head = f"User {uid} was not found, so here are our best sellers instead{where}:"
    elif result.fallback:
        head = (f"User {uid} has no purchase history yet, so here are our best sellers "
                f"instead{where}:")
    elif not items:
        return f"I found no recommendations for user {uid}{where}. {_clean(result.summary)}"
    else:
        how = f" using {result.strategy}" if result.strategy != "hybrid" else ""
        n = min(_k(call, 5), len(items))
        head = (f"Top pick for user {uid}{how}{where}:" if n == 1 else
                f"Top {n} picks for user {uid}{how}{where}:")
    return "\n".join([head, *_product_lines(items, _k(call, 5), currency)])


def _product_list_reply(call: PlannedCall, result: ProductList[Any],
                        currency: str | None) -> str:
    items = result.items
    k = _k(call, 10 if isinstance(result, BestSellers) else 5)
    anchor = _clean(result.product.name) if isinstance(result, AboutProduct) else ""
    if isinstance(result, SearchResults):
        return _search_reply(result, k, currency)
    elif isinstance(result, SimilarProducts):
        head = f"Products similar to {anchor}:"
        empty = f"I found no products similar to {anchor}."
    elif isinstance(result, BoughtTogether):
        head = f"Often bought with {anchor} (strongest and best supported first):"
        empty = _clean(result.summary)
    else:
        depts = result.filters.department if isinstance(result, BestSellers) else None
        where = f" in {' or '.join(depts)}" if depts else ""
        head = f"Best sellers{where}:"
        empty = f"I found no best sellers{where}."
    if not items:
        return empty
    return "\n".join([head, *_product_lines(items, k, currency)])


def _search_reply(result: SearchResults, k: int, currency: str | None) -> str:
    """A search's matches, then its other suggestions under their own heading: how many
    products match the query and its filters is said, and nothing else passes for a match."""
    query = _clean(result.query)
    f = result.filters
    where = filters_text(f.department, f.min_price, f.max_price, currency=currency)
    shown = result.items[:k]
    if not shown:
        return f"I found nothing matching \"{query}\"{where}."
    matched = [it for it in shown if it.match]
    others = [it for it in shown if not it.match]
    if not matched:
        lines = [f"Nothing in the catalogue matches \"{query}\"{where}; the nearest items "
                 "are:", *_product_lines(others, len(others), currency)]
        return "\n".join(lines)
    verb = "matches" if len(matched) == 1 else "match"
    lines = [f"{plural(len(matched), 'product')} {verb} \"{query}\"{where}:",
             *_product_lines(matched, len(matched), currency)]
    if others:
        lines.append("Other suggestions:")
        lines += [_product_line(len(matched) + i + 1, it, currency)
                  for i, it in enumerate(others)]
    return "\n".join(lines)


def _user_list_reply(call: PlannedCall, result: ShopperList[Any], currency: str | None) -> str:
    if isinstance(result, SimilarShoppers):
        head = f"Shoppers most similar to user {result.user_id}:"
    else:
        head = _clean(result.summary)
    if not result.users:
        return _clean(result.summary) or "No shoppers to show."
    lines = [_user_line(i + 1, u, currency)
             for i, u in enumerate(result.users[:_k(call, 10)])]
    return "\n".join([head, *lines])


def _refined_reply(call: PlannedCall, result: RefinedProducts, currency: str | None) -> str:
    items = result.items
    if not items:
        return _clean(result.summary)
    if result.position is not None and len(items) == 1:
        item = items[0]
        line = _product_line(result.position, item, currency).split(". ", 1)[1]
        if isinstance(item, RecommendedProduct):
            who = f" for user {result.user_id}" if result.user_id is not None else ""
            return (f"I suggested {line.split(' - ')[0]}{who}: {_clean(item.reason)} "
                    f"(relevance {fmt_num(item.score, 2)}, confidence "
                    f"{fmt_num(item.confidence, 2)}, from the {item.model} model).")
        return f"Item {result.position}: {line}"
    sort = call.args.get("sort_by")
    if len(items) == 1 and call.args.get("k") == 1 and sort in ("price", "popularity", "score"):
        word = {("price", "asc"): "cheapest", ("price", "desc"): "most expensive",
                ("popularity", "desc"): "most popular", ("popularity", "asc"): "least popular",
                ("score", "desc"): "best match", ("score", "asc"): "weakest match"}[
            (sort, "asc" if call.args.get("order", "asc") == "asc" else "desc")]
        line = _product_line(1, items[0], currency).split(". ", 1)[1]
        return f"The {word} of the {result.source.entries} is {line}."
    how = "; ".join(result.operations) or "as listed"
    head = f"Here they are ({how}):" if result.operations else "Here they are:"
    return "\n".join([head, *_product_lines(items, len(items), currency)])


def _profile_facts(result: ToolResult) -> dict[str, str]:
    """The comparable facts of a profile, in words."""
    if isinstance(result, ShopperProfile):
        fav = result.favourite_departments[0].label if result.favourite_departments else "n/a"
        return {"orders": fmt_num(result.orders),
                "spend": money(result.spend, result.currency) or plural(result.items, "item"),
                "spending segment": result.spending_segment.label or "n/a",
                "favourite department": fav,
                "reorder rate": fmt_pct(result.reorder_rate, 0),
                "churn risk": result.churn_risk.level,
                "RFM segment": result.rfm.segment}
    if isinstance(result, ProductDetails):
        return {"price": money(result.product.price, result.product.currency) or "n/a",
                "department": result.product.department,
                "purchases": fmt_num(result.purchases), "buyers": fmt_num(result.buyers),
                "reorder rate": fmt_pct(result.reorder_rate, 0),
                "best-seller rank": f"#{fmt_num(result.rank)}" if result.rank else "n/a"}
    return {}


def compare_reply(results: Sequence[ShopperProfile | ProductDetails]) -> str:
    """Several shoppers' or products' profiles side by side, and how they differ."""
    names = [f"User {r.user_id}" if isinstance(r, ShopperProfile) else _clean(r.product.name)
             for r in results]
    facts = [_profile_facts(r) for r in results]
    lines = [" vs ".join(names) + ":"]
    for key in facts[0]:
        lines.append(f"- {key}: " + " | ".join(f[key] for f in facts))
    diffs = []
    if all(isinstance(r, ShopperProfile) for r in results):
        users = [r for r in results if isinstance(r, ShopperProfile)]
        most = max(users, key=lambda u: u.orders)
        diffs.append(f"user {most.user_id} orders most ({plural(most.orders, 'order')})")
        if all(u.spend is not None for u in users):
            top = max(users, key=lambda u: u.spend or 0.0)
            diffs.append(f"user {top.user_id} spends most "
                         f"({money(top.spend, top.currency)})")
    else:
        items = [r for r in results if isinstance(r, ProductDetails)]
        priced = [r for r in items if r.product.price is not None]
        if len(priced) > 1:
            cheap = min(priced, key=lambda r: r.product.price or 0.0)
            diffs.append(f"{_clean(cheap.product.name)} is the cheapest")
        best = max(items, key=lambda r: r.purchases)
        diffs.append(f"{_clean(best.product.name)} sells the most "
                     f"({plural(best.purchases, 'purchase')})")
    if diffs:
        lines.append("In short: " + "; ".join(diffs) + ".")
    return "\n".join(lines)


def _history_reply(result: PurchaseHistory) -> str:
    """A shopper's recent orders, one line each, newest first."""
    if not result.orders:
        return _clean(result.summary)
    n = len(result.orders)
    lines = [f"User {result.user_id}'s last order (of {plural(result.total_orders, 'order')}):"
             if n == 1 else f"User {result.user_id}'s last {n} of "
             f"{plural(result.total_orders, 'order')}, newest first:"]
    for o in result.orders:
        when = (fmt_date(o.ordered_at) if o.ordered_at else
                f"{plural(round(o.days_ago), 'day')} before the snapshot" if o.days_ago else
                "at the snapshot")
        value = f", {money(o.value, result.currency)}" if o.value is not None else ""
        items = ", ".join(_clean(i.name) + (f" x{i.quantity}" if i.quantity > 1 else "")
                          for i in o.items[:6])
        more = f" and {len(o.items) - 6} more" if len(o.items) > 6 else ""
        lines.append(f"- {when} ({plural(o.units, 'item')}{value}): {items}{more}")
    return "\n".join(lines)


def _insights_reply(result: BusinessInsights) -> str:
    """The digest's points as a list."""
    if not result.points:
        return _clean(result.summary)
    head = (f"**What to look at ({result.period} of {result.period_label}):**"
            if result.period_label else f"**What to look at this {result.period}:**")
    return "\n".join([head, *(f"- {_clean(p.text)}" for p in result.points)])


def compose_one(call: PlannedCall, result: ToolResult | None) -> str:
    """The reply part for one call and its (typed) result; None: the call gave none."""
    if result is None:
        return f"I got no result for {_subject(call)}; please try again."
    if isinstance(result, Failure):
        return _failure_reply(call, result)
    currency = _currency(result)
    if isinstance(result, Recommendations):
        return _recommend(call, result, currency)
    if isinstance(result, RefinedProducts):
        return _refined_reply(call, result, currency)
    if isinstance(result, ProductList):
        return _product_list_reply(call, result, currency)
    if isinstance(result, ShopperList):
        return _user_list_reply(call, result, currency)
    if isinstance(result, PurchaseHistory):
        return _history_reply(result)
    if isinstance(result, BusinessInsights):
        return _insights_reply(result)
    return _clean(result.summary)


def compose(calls: Sequence[PlannedCall], results: Sequence[ToolResult | None]) -> str:
    """The reply to the user from ``calls`` and their typed ``results`` (same order), one
    paragraph per call; results beyond the calls are ignored, calls without a result say so."""
    profiles = [r for r in results if isinstance(r, ShopperProfile | ProductDetails)]
    if (len(calls) > 1 and len(profiles) == len(calls) == len(results)
            and len({type(r) for r in profiles}) == 1):
        return compare_reply(profiles)
    parts = []
    for i, call in enumerate(calls):
        result = results[i] if i < len(results) else None
        parts.append(compose_one(call, result))
    return "\n\n".join(p for p in parts if p) or "I have nothing to report."
