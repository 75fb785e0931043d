"""Deciding whether a message continues the previous call ("make it 10", "only under $3",
"and for user 15?", "the same with ALS", "now split it by device").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cartwise.agent.planner.phrases import search_query
from cartwise.agent.planner.references import Context
from cartwise.agent.planner.slots import Slots
from cartwise.agent.planner.types import CHAT_INTENTS, TOOL_ARGS

#: A keyword cue at least this strong names a tool on its own ("churn", "bought with").
STRONG_CUE = 0.15
_PRODUCT_SEARCHES = ("search_products", "similar_products", "frequently_bought_together",
                     "product_details")


@dataclass(frozen=True)
class FollowUp:
    """``switch``: plan the previous call's tool instead of the recognised intent;
    ``inherit``: start from the previous call's arguments."""

    switch: bool = False
    inherit: bool = False


def applicable(tool: str, s: Slots) -> bool:
    """Whether the message states any argument ``tool`` takes."""
    found = {
        "user_id": s.user_id is not None,
        "k": s.k is not None,
        "min_price": s.has_price or s.cheap or s.price_clear,
        "max_price": s.has_price or s.cheap or s.price_clear,
        "strategy": s.strategy is not None,
        "department": s.department is not None or s.aisle is not None,
        "exclude_purchased": s.exclude_purchased,
        "device": s.device is not None or s.funnel_by is not None,
        "sex": s.sex is not None,
        "by": _by_stated(tool, s),
        "product": s.ordinal is not None or s.product_id is not None,
        "start": s.sales.start is not None,
        "end": s.sales.end is not None,
        "metric": s.sales.metric is not None,
        "orders": s.sales.orders is not None,
        "periods": s.sales.periods is not None,
        "period": s.sales.period is not None,
    }
    return any(found.get(a, False) for a in TOOL_ARGS.get(tool, ()))


def _by_stated(tool: str, s: Slots) -> bool:
    """Whether the message names a split of ``tool``'s kind."""
    if tool == "funnel_analysis":
        return s.funnel_by is not None or s.device is not None or s.sex is not None
    if tool == "sales_summary":
        return s.sales.group is not None or s.trend_by is not None
    return s.trend_by is not None


def strongest_cue(kw: Mapping[str, float]) -> str | None:
    """The tool a strong keyword cue names (at least :data:`STRONG_CUE`), if any."""
    cues = {i: v for i, v in kw.items() if i not in CHAT_INTENTS and v >= STRONG_CUE}
    return max(cues, key=lambda i: cues[i]) if cues else None


def decide(intent: str, s: Slots, ctx: Context, kw: Mapping[str, float],
           names_product: Callable[[str], bool]) -> FollowUp:
    """How ``intent`` (the best intent of the message on its own) relates to the previous call.

    * Same tool: inherit its arguments when the message lacks the tool's subject (no new user,
      product or search text) or says it continues ("and", "instead", "make it").
    * Another tool: switch back to the previous tool when the message states arguments that
      tool takes and no keyword cue names another tool; or, after a product question, when it
      continues ("what about ...") with a new product (``names_product``).
    """
    last = ctx.last_call
    if last is None or last.name not in TOOL_ARGS:
        return FollowUp()
    strong = strongest_cue(kw)
    fits = applicable(last.name, s)
    if intent == last.name:
        missing = {
            "user_id": s.user_id is None,
            "product": s.product_id is None and s.ordinal is None,
            "query": not search_query(s.rest),
        }
        subjects = [a for a in ("user_id", "product", "query") if a in TOOL_ARGS[last.name]]
        if s.follow_marker or not subjects or any(missing[a] for a in subjects):
            return FollowUp(inherit=True)
        return FollowUp()
    if intent in CHAT_INTENTS and (intent in kw or not fits):
        return FollowUp()
    if fits and strong in (None, last.name):
        return FollowUp(switch=True, inherit=True)
    if (s.follow_marker and strong is None and last.name in _PRODUCT_SEARCHES
            and names_product(s.rest)):
        return FollowUp(switch=True, inherit=True)
    return FollowUp()


def resolve_loose_number(s: Slots, ctx: Context) -> None:
    """Give the lone number of a short message a meaning (in place): a user id after a call
    about a user when a preposition leads it ("and for 15?") or the call takes no count, else
    a count when the previous call takes one ("10 please")."""
    n, last = s.loose_number, ctx.last_call
    if n is None or last is None or s.user_id is not None or s.k is not None:
        return
    takes_k = "k" in TOOL_ARGS.get(last.name, ())
    if last.args.get("user_id") is not None and (s.loose_is_user or not takes_k):
        s.user_id = n
        s.user_ids = [n]
    elif takes_k and 1 <= n <= 100:
        s.k = n
