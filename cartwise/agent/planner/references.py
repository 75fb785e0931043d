"""What the conversation so far says: the last tool call, the last listed products or users, the
last product and user talked about. References in a new message ("the second one", "it",
"them") are resolved against it.

Tool results are read as data only, through their typed models (:mod:`cartwise.tools.results`):
a product list's ``items``, a shopper list's ``users``, the ``product`` or ``user_id`` a result
is about; never from free text, so a product name can never steer the planner. A tool turn
whose text is not a result of its tool (another version's, or no JSON) is ignored.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cartwise.agent.planner.types import REFINE, PlannedCall, Turn
from cartwise.catalog import Product
from cartwise.tools.registry import parse_tool_result
from cartwise.tools.results import (
    AboutProduct,
    AboutShopper,
    ProductList,
    Refined,
    ShopperList,
    ToolResult,
)

log = logging.getLogger(__name__)

_USER_IN_TEXT = re.compile(
    r"\b(?:user|customer|shopper|client|member|buyer|account)s?(?:'s)?\s*(?:id|number|no\.?|#)?"
    r"\s*[:#=]?\s*(\d{1,12})\b", re.IGNORECASE)


def read_result(turn: Turn) -> ToolResult | None:
    """A tool turn's result as its tool's model (or a Failure); None when it is not one."""
    try:
        data = json.loads(turn.text)
    except (TypeError, ValueError):
        return None
    return parse_tool_result(turn.tool_name, data)


@dataclass
class Context:
    """The conversation's state for planning.

    ``last_call``: the most recent tool call; ``last_request`` the calls of the last message
    that asked for tools other than ``refine_results`` (several for "profile and churn risk of
    user 3"; what a correction such as "sorry, I meant user 21" re-runs). ``products``: the most
    recent list of products (entries, in order); ``previous_products`` the list before it (what
    a correction such as "not that one, the second" refers to). ``users``: the most recent list
    of user ids.
    ``list_kind``: which of the two came last (``"products"``, ``"users"`` or None).
    ``last_product``: the id (as a string) of the single product talked about last,
    ``last_product_text``: the product argument of the last product call as the user wrote it.
    ``last_user``: the user mentioned last (by the user, a call's arguments or a result about
    one shopper). ``pending``: the tools the last assistant turn asked the user to choose
    between (a clarifying question), ``asked`` the user message it asked about.
    """

    last_call: PlannedCall | None = None
    last_request: tuple[PlannedCall, ...] = ()
    products: list[Product] = field(default_factory=list)
    previous_products: list[Product] = field(default_factory=list)
    users: list[int] = field(default_factory=list)
    list_kind: str | None = None
    last_product: str | None = None
    last_product_text: str | None = None
    last_user: int | None = None
    last_user_text: str = ""
    pending: tuple[str, ...] = ()
    asked: str = ""

    def product_at(self, ordinal: int, previous: bool = False) -> Product | None:
        """The listed product at 0-based ``ordinal`` (-1 = last, -3 = cheapest, -4 = dearest)
        of the last list (``previous``: of the list before it)."""
        items = self.previous_products if previous else self.products
        if not items:
            return None
        if ordinal in (-3, -4):
            priced = [x for x in items if x.price is not None]
            if not priced:
                return None
            pick = min if ordinal == -3 else max
            return pick(priced, key=lambda x: float(x.price or 0.0))
        if ordinal == -1:
            return items[-1]
        return items[ordinal] if 0 <= ordinal < len(items) else None

    def product_id_at(self, ordinal: int, previous: bool = False) -> str | None:
        """The id (as a string) of the listed product at ``ordinal`` (see :meth:`product_at`)."""
        item = self.product_at(ordinal, previous)
        return str(item.product_id) if item is not None else None


def _user_ids_in(text: str) -> list[int]:
    return [int(m.group(1)) for m in _USER_IN_TEXT.finditer(text)]


def read_context(history: Sequence[Turn],
                 user_ids_of: Callable[[str], list[int]] | None = None) -> Context:
    """The planning state of ``history`` (oldest turn first).

    ``user_ids_of`` finds the user ids a user message names (default: a plain pattern for
    "user 42", "customer #7"); the planner passes its typo-tolerant slot extractor.
    """
    ids_of = user_ids_of or _user_ids_in
    ctx = Context()
    new_message = True
    for turn in history:
        if turn.role == "assistant":
            ctx.pending, ctx.asked = turn.options, ctx.last_user_text if turn.options else ""
            continue
        ctx.pending = ()
        if turn.role == "user":
            new_message = True
            ctx.last_user_text = turn.text
            ids = ids_of(turn.text or "")
            if ids:
                ctx.last_user = ids[0]
            continue
        if turn.role != "tool" or not turn.tool_name:
            continue
        args = dict(turn.tool_args or {})
        ctx.last_call = PlannedCall(turn.tool_name, args)
        if turn.tool_name != REFINE:
            ctx.last_request = (() if new_message else ctx.last_request) + (ctx.last_call,)
            new_message = False
        uid = args.get("user_id")
        if isinstance(uid, int) or (isinstance(uid, str) and uid.isdigit()):
            ctx.last_user = int(uid)
        if args.get("product") is not None:
            ctx.last_product_text = str(args["product"])
            ctx.last_product = None
        result = read_result(turn)
        if isinstance(result, AboutShopper):
            ctx.last_user = result.user_id
        if isinstance(result, AboutProduct):
            ctx.last_product = str(result.product.product_id)
        if isinstance(result, Refined) and result.pick:
            continue  # one entry picked from the list: references keep to that list
        if isinstance(result, ProductList) and result.items:
            ctx.previous_products = ctx.products
            ctx.products = list(result.items)
            ctx.list_kind = "products"
        elif isinstance(result, ShopperList) and result.users:
            ctx.users = [u.user_id for u in result.users]
            ctx.list_kind = "users"
    return ctx
