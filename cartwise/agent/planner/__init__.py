"""The embedded offline planner: intent recognition, slot filling, conversation following and
replies built from tool results, with no network.

Use::

    planner = Planner(Vocabulary(departments, aisles, product_names))  # cartwise.catalog
    plan = planner.plan(history, "what should user 42 buy next?")
    # plan.calls -> (PlannedCall("recommend_products", {"user_id": 42}),) or plan.reply
    text = planner.compose(history, message, plan.calls, results)

Importing this package is cheap: the sentence model loads on first use.
"""

from cartwise.agent.planner.encoder import FakeEncoder, QueryEmbedderEncoder, SentenceEncoder
from cartwise.agent.planner.planner import Planner
from cartwise.agent.planner.types import (
    CHAT_INTENTS,
    INTENTS,
    TOOL_ARGS,
    TOOL_NAMES,
    Plan,
    PlannedCall,
    Turn,
)

__all__ = [
    "CHAT_INTENTS",
    "INTENTS",
    "TOOL_ARGS",
    "TOOL_NAMES",
    "FakeEncoder",
    "Plan",
    "PlannedCall",
    "Planner",
    "QueryEmbedderEncoder",
    "SentenceEncoder",
    "Turn",
]
