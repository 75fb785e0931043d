"""Messages about an earlier list ("which of those is cheapest?", "sort them by price", "just
the ones under $2", "why did you suggest the first one?"): when they go to ``refine_results``,
which works on the stored list, and with which arguments.

The rule: sorting, extremes and why questions about a list are always refinements (no tool
sorts or explains); a filter of a list ("just the ones under $2", "only dairy") re-runs the
previous tool when that tool takes the filter (recommendations with a price ceiling are new
recommendations, not fewer), and refines the shown list when it does not (best sellers have no
price filter).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cartwise.agent.planner.followup import STRONG_CUE
from cartwise.agent.planner.mentions import CatalogMatcher
from cartwise.agent.planner.references import Context
from cartwise.agent.planner.slots import Slots
from cartwise.agent.planner.types import CHAT_INTENTS, REFINE, TOOL_ARGS, PlannedCall

__all__ = ["REFINE", "refine_call", "wants_refine"]
#: A keyword cue this strong names another question even about "these" ("what goes with the
#: cheapest of these?"); a weaker one ("costs" for product details) does not.
DECISIVE_CUE = 0.3


def _has_list(ctx: Context) -> bool:
    return bool(ctx.products) if ctx.list_kind == "products" else bool(ctx.users)


def wants_refine(s: Slots, ctx: Context, intent: str, kw: Mapping[str, float]) -> bool:
    """Whether the message works on the last list rather than asking a new question.

    ``intent``: the best intent of the message on its own; ``kw``: its keyword cues (intent ->
    bonus): a strong cue for another tool ("what goes with the cheapest one") makes it a
    question about an item of the list instead.
    """
    if not _has_list(ctx):
        return False
    if intent == REFINE or s.sort_by is not None:
        return True  # no tool sorts
    if s.explain and (s.ordinal is not None or s.list_ref):
        return True  # no tool explains an earlier pick
    last = ctx.last_call.name if ctx.last_call else None
    other = max((v for i, v in kw.items() if i not in CHAT_INTENTS and i != last), default=0.0)
    if s.superlative is not None and s.list_ref and other < DECISIVE_CUE:
        return True  # "which of these costs the least?"
    if other >= STRONG_CUE:
        return False
    if s.superlative is not None:
        return True  # "and the cheapest one?"
    if last == REFINE and s.ordinal is not None:
        return True  # "not that one, the second": another pick from the list worked on
    filters = s.has_price or s.department is not None or s.exclude_purchased
    if filters and last == REFINE:
        return True  # "just the ones under $2" of a list already sorted or filtered here
    if filters and s.list_ref and ctx.last_call is not None:
        takes = TOOL_ARGS.get(ctx.last_call.name, frozenset())
        needed = ({"max_price"} if s.has_price else set()) | (
            {"department"} if s.department is not None else set()) | (
            {"exclude_purchased"} if s.exclude_purchased else set())
        return not needed <= takes
    return False


def refine_call(s: Slots, ctx: Context, catalog: CatalogMatcher) -> PlannedCall:
    """The ``refine_results`` call the message asks for (on the last list)."""
    args: dict[str, Any] = {}
    if s.sort_by is not None:
        args["sort_by"] = s.sort_by
        if s.order is not None:
            args["order"] = s.order
    elif s.superlative is not None:
        args.update(sort_by=s.superlative, order=s.order or "asc", k=1)
    if s.ordinal is not None and s.ordinal >= -1 and s.superlative is None:
        args["position"] = s.ordinal + 1 if s.ordinal >= 0 else -1
    elif s.explain and s.superlative is None and s.sort_by is None:
        args["position"] = 1
    if s.min_price is not None:
        args["min_price"] = s.min_price
    if s.max_price is not None:
        args["max_price"] = s.max_price
    if s.department is not None:
        args["department"] = catalog.original(s.department.name)
    if s.exclude_purchased:
        args["exclude_purchased"] = True
    if s.k is not None and "k" not in args and "position" not in args:
        args["k"] = s.k
    return PlannedCall(REFINE, args)
