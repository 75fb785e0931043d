"""The planner's data types: what it knows about the shop, the conversation it reads and the plan
it returns.

Tool names and argument names are the tool catalogue of the design guide (a public contract),
read from the tool registry (:data:`cartwise.tools.registry.TOOLS`), never written twice. What
the planner knows about the shop is the catalogue's :class:`~cartwise.catalog.Vocabulary`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from cartwise.tools.registry import TOOLS

#: The tools of the catalogue, in the guide's order (derived from the tool registry).
TOOL_NAMES: tuple[str, ...] = tuple(TOOLS)

#: The tool that works on an earlier list of the conversation (sort, filter, pick, explain).
REFINE = "refine_results"

#: Intents answered without a tool.
CHAT_INTENTS: tuple[str, ...] = ("greeting", "help", "goodbye", "out_of_scope")

#: Every intent the planner recognises: one per tool plus the conversational ones.
INTENTS: tuple[str, ...] = TOOL_NAMES + CHAT_INTENTS

#: The arguments each tool accepts (the catalogue's names, from its argument models).
TOOL_ARGS: Mapping[str, frozenset[str]] = {name: spec.arguments for name, spec in TOOLS.items()}

#: Tools about one shopper (or, for churn and value, the top shoppers): they take a user id.
USER_TOOLS: tuple[str, ...] = tuple(n for n in TOOL_NAMES if "user_id" in TOOL_ARGS[n])
#: Tools about one product: they take a product.
PRODUCT_TOOLS: tuple[str, ...] = tuple(n for n in TOOL_NAMES if "product" in TOOL_ARGS[n])
#: Tools over the whole shop: no shopper, product or search text.
AGGREGATE_TOOLS: tuple[str, ...] = tuple(
    n for n in TOOL_NAMES if not TOOL_ARGS[n] & {"user_id", "product", "query"})


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
    ``tool_name`` and ``tool_args``. An assistant turn that asked the user to choose between
    tools (a clarifying question) carries them as ``options``.
    """

    role: Literal["user", "assistant", "tool"]
    text: str
    tool_name: str | None = None
    tool_args: dict[str, Any] | None = None
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    """What to do with one user message: tool ``calls`` (usually one) or a direct ``reply``.

    Exactly one of the two is non-empty. ``intent`` is the recognised intent (a tool name or one
    of :data:`CHAT_INTENTS`), ``confidence`` in 0..1, ``follow_up`` whether the call continues the
    previous one (its arguments inherited), ``scores`` the best intents' scores and ``notes``
    short remarks (which slots were found, which references resolved) for tracing; ``options``
    the tools a clarifying question asks the user to choose between.
    """

    intent: str
    confidence: float
    calls: tuple[PlannedCall, ...] = ()
    reply: str | None = None
    follow_up: bool = False
    scores: Mapping[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    options: tuple[str, ...] = ()

    @property
    def is_reply(self) -> bool:
        """Whether the plan answers directly, without a tool."""
        return not self.calls
