"""The planner's data types: what it knows about the shop, the conversation it reads and the plan
it returns.

Tool names and argument names are the tool catalogue of the design guide (a public contract):
``recommend_products``, ``search_products``, ... with ``user_id``, ``k``, ``product``, ...
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

#: The tools of the catalogue, in the guide's order.
TOOL_NAMES: tuple[str, ...] = (
    "recommend_products",
    "search_products",
    "similar_products",
    "frequently_bought_together",
    "popular_products",
    "similar_users",
    "user_profile",
    "product_details",
    "customer_segments",
    "churn_risk",
    "lifetime_value",
    "customer_journey",
    "funnel_analysis",
    "order_trends",
)

#: Intents answered without a tool.
CHAT_INTENTS: tuple[str, ...] = ("greeting", "help", "goodbye", "out_of_scope")

#: Every intent the planner recognises: one per tool plus the conversational ones.
INTENTS: tuple[str, ...] = TOOL_NAMES + CHAT_INTENTS

#: Tools about one shopper (or, for churn and value, the top shoppers).
USER_TOOLS: tuple[str, ...] = ("recommend_products", "similar_users", "user_profile",
                               "churn_risk", "lifetime_value")
#: Tools about one product.
PRODUCT_TOOLS: tuple[str, ...] = ("similar_products", "frequently_bought_together",
                                  "product_details")
#: Tools over the whole shop.
AGGREGATE_TOOLS: tuple[str, ...] = ("popular_products", "customer_segments",
                                    "customer_journey", "funnel_analysis", "order_trends")

#: The arguments each tool accepts (the catalogue's names).
TOOL_ARGS: Mapping[str, frozenset[str]] = {
    "recommend_products": frozenset({"user_id", "k", "strategy", "department", "min_price",
                                     "max_price", "exclude_purchased"}),
    "search_products": frozenset({"query", "k", "department", "min_price", "max_price"}),
    "similar_products": frozenset({"product", "k"}),
    "frequently_bought_together": frozenset({"product", "k"}),
    "popular_products": frozenset({"k", "department"}),
    "similar_users": frozenset({"user_id", "k"}),
    "user_profile": frozenset({"user_id"}),
    "product_details": frozenset({"product"}),
    "customer_segments": frozenset(),
    "churn_risk": frozenset({"user_id", "k"}),
    "lifetime_value": frozenset({"user_id", "k"}),
    "customer_journey": frozenset(),
    "funnel_analysis": frozenset({"device", "sex", "by"}),
    "order_trends": frozenset({"by"}),
}


@dataclass(frozen=True)
class CatalogVocabulary:
    """What the planner knows about the shop, given at construction.

    Args:
        departments: the catalogue's department names ("produce", "dairy eggs", ...).
        aisles: the catalogue's aisle names ("fresh fruits", "yogurt", ...).
        product_names: product names (optional): their words help to tell product mentions
            from other words and to correct typos in them.
        has_prices: whether the data has prices (without them, price filters are not planned).
        aisle_departments: optional map aisle name -> department name; lets "user 5's yogurts"
            filter recommendations by the yogurt aisle's department.
    """

    departments: Sequence[str]
    aisles: Sequence[str]
    product_names: Sequence[str] = ()
    has_prices: bool = True
    aisle_departments: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PlannedCall:
    """One tool call: ``name`` is a catalogue tool, ``args`` its arguments (JSON-able values;
    ``user_id`` and ``k`` are ints, prices floats, ``product`` a name or an id as a string)."""

    name: str
    args: dict[str, Any]


@dataclass(frozen=True)
class Turn:
    """One message of the conversation so far.

    ``role`` is ``"user"``, ``"assistant"`` or ``"tool"``. A tool turn's ``text`` is the tool's
    JSON result (a JSON object as text; other text is tolerated and ignored), with the call's
    ``tool_name`` and ``tool_args``.
    """

    role: Literal["user", "assistant", "tool"]
    text: str
    tool_name: str | None = None
    tool_args: dict[str, Any] | None = None


@dataclass(frozen=True)
class Plan:
    """What to do with one user message: tool ``calls`` (usually one) or a direct ``reply``.

    Exactly one of the two is non-empty. ``intent`` is the recognised intent (a tool name or one
    of :data:`CHAT_INTENTS`), ``confidence`` in 0..1, ``follow_up`` whether the call continues the
    previous one (its arguments inherited), ``scores`` the best intents' scores and ``notes``
    short remarks (which slots were found, which references resolved) for tracing.
    """

    intent: str
    confidence: float
    calls: tuple[PlannedCall, ...] = ()
    reply: str | None = None
    follow_up: bool = False
    scores: Mapping[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def is_reply(self) -> bool:
        """Whether the plan answers directly, without a tool."""
        return not self.calls
