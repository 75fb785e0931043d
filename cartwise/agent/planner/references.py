"""What the conversation so far says: the last tool call, the last listed products or users, the
last product and user talked about. References in a new message ("the second one", "it",
"them") are resolved against it.

Tool results are read as data only: ids and lists are taken from their JSON structure (keys such
as ``product_id``, ``user_id``, ``items``), never from free text, so a product name can never
steer the planner.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cartwise.agent.planner.types import PlannedCall, Turn

log = logging.getLogger(__name__)

#: Keys that usually hold the product list of a result, tried first.
LIST_KEYS = ("items", "products", "results", "recommendations", "partners", "similar", "hits",
             "matches", "alternatives")
_USER_IN_TEXT = re.compile(
    r"\b(?:user|customer|shopper|client|member|buyer|account)s?(?:'s)?\s*(?:id|number|no\.?|#)?"
    r"\s*[:#=]?\s*(\d{1,12})\b", re.IGNORECASE)


def _product_id(obj: dict[str, Any]) -> Any:
    pid = obj.get("product_id")
    if pid is None and ("name" in obj or "product_name" in obj):
        pid = obj.get("id")
    return pid


def is_product(obj: object) -> bool:
    """Whether ``obj`` looks like a product: a dict with a ``product_id`` (or an ``id`` next to a
    ``name`` / ``product_name``)."""
    return isinstance(obj, dict) and _product_id(obj) is not None


def product_name(obj: dict[str, Any]) -> str | None:
    """A product's display name (``name``, ``product_name`` or ``title``)."""
    for key in ("name", "product_name", "title"):
        value = obj.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return None


def find_product_list(result: object, depth: int = 0) -> list[dict[str, Any]] | None:
    """The first list of product-like objects in ``result``, searched breadth-first with the
    usual list keys (:data:`LIST_KEYS`) first; None if there is none."""
    if depth > 6:
        return None
    if isinstance(result, list):
        if result and all(is_product(x) for x in result[:3]):
            return [x for x in result if is_product(x)]
        for x in result[:20]:
            found = find_product_list(x, depth + 1)
            if found:
                return found
        return None
    if not isinstance(result, dict):
        return None
    keys = [k for k in LIST_KEYS if k in result] + [k for k in result if k not in LIST_KEYS]
    for key in keys:
        value = result[key]
        if isinstance(value, list) and value and all(is_product(x) for x in value[:3]):
            return [x for x in value if is_product(x)]
    for key in keys:
        value = result[key]
        if isinstance(value, (dict, list)):
            found = find_product_list(value, depth + 1)
            if found:
                return found
    return None


def find_user_list(result: object) -> list[int] | None:
    """The user ids of a result's ``users`` list (objects with a ``user_id``), if any."""
    if isinstance(result, dict):
        users = result.get("users")
        if isinstance(users, list) and users and isinstance(users[0], dict):
            ids = [u.get("user_id") for u in users if isinstance(u, dict)]
            return [int(i) for i in ids if isinstance(i, int) or (isinstance(i, str)
                                                                  and i.isdigit())]
    return None


def parse_result(text: str) -> Any:
    """A tool turn's JSON result (None when it is not JSON)."""
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None


@dataclass
class Context:
    """The conversation's state for planning.

    ``last_call``: the most recent tool call. ``products``: the most recent list of products
    (result objects, in order). ``users``: the most recent list of user ids. ``list_kind``:
    which of the two came last (``"products"``, ``"users"`` or None). ``last_product``: the id
    (as a string) of the single product talked about last, ``last_product_text``: the product
    argument of the last product call as the user wrote it. ``last_user``: the user mentioned
    last (by the user, a call's arguments or a single-user result).
    """

    last_call: PlannedCall | None = None
    products: list[dict[str, Any]] = field(default_factory=list)
    users: list[int] = field(default_factory=list)
    list_kind: str | None = None
    last_product: str | None = None
    last_product_text: str | None = None
    last_user: int | None = None
    last_user_text: str = ""

    def product_at(self, ordinal: int) -> dict[str, Any] | None:
        """The listed product at 0-based ``ordinal`` (-1 = last, -3 = cheapest, -4 = dearest)."""
        items = self.products
        if not items:
            return None
        if ordinal in (-3, -4):
            priced = [x for x in items if isinstance(x.get("price"), (int, float))]
            if not priced:
                return None
            pick = min if ordinal == -3 else max
            return pick(priced, key=lambda x: float(x["price"]))
        if ordinal == -1:
            return items[-1]
        return items[ordinal] if 0 <= ordinal < len(items) else None

    def product_id_at(self, ordinal: int) -> str | None:
        """The id (as a string) of the listed product at ``ordinal`` (see :meth:`product_at`)."""
        item = self.product_at(ordinal)
        return str(_product_id(item)) if item is not None else None


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
    for turn in history:
        if turn.role == "user":
            ctx.last_user_text = turn.text
            ids = ids_of(turn.text or "")
            if ids:
                ctx.last_user = ids[0]
            continue
        if turn.role != "tool" or not turn.tool_name:
            continue
        args = dict(turn.tool_args or {})
        ctx.last_call = PlannedCall(turn.tool_name, args)
        uid = args.get("user_id")
        if isinstance(uid, int) or (isinstance(uid, str) and uid.isdigit()):
            ctx.last_user = int(uid)
        if args.get("product") is not None:
            ctx.last_product_text = str(args["product"])
            ctx.last_product = None
        result = parse_result(turn.text)
        if not isinstance(result, (dict, list)):
            continue
        if isinstance(result, dict):
            one = result.get("user_id")
            if isinstance(one, int) and not isinstance(one, bool):
                ctx.last_user = one
            anchor = result.get("product")
            if is_product(anchor):
                ctx.last_product = str(_product_id(anchor))
            elif is_product(result):
                ctx.last_product = str(_product_id(result))
        products = find_product_list(result)
        users = find_user_list(result)
        if products:
            ctx.products = products
            ctx.list_kind = "products"
        elif users:
            ctx.users = users
            ctx.list_kind = "users"
    return ctx
