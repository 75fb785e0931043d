"""What Cartwise will not do, as data: requests to act (it reads the shop's data and changes
nothing) and questions about figures no tool gives. The planner asks :func:`refusal` first;
the reply (with the closest thing Cartwise can do) is composed by
:func:`~cartwise.agent.planner.compose.refusal_reply`.

Each rule is a pattern over cleaned text (:func:`~cartwise.agent.planner.text.clean`), what it
is about in words, and which tool comes closest ("offer"): to grow the policy, add rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cartwise.agent.planner.slots import pattern_words

#: Lead-ins before an imperative: "please", "can you", "go ahead and", ...
_LEAD = (r"^(?:(?:ok(?:ay)?|so|now|then|hey|hi|please|pls|just|quickly|kindly|go ahead and|"
         r"(?:can|could|would|will) you(?: please)?|i (?:want|need|would like) (?:you )?to|"
         r"i(?: would|'d) like to|let us|let me|help me|you should|we need to|we want to|"
         r"try to|make sure to|i want|i need)[\s,]+)*")

#: (pattern, what it is about, offer) for requests to act. Offers name a tool.
ACTIONS: tuple[tuple[re.Pattern[str], str, str], ...] = tuple(
    (re.compile(_LEAD + pattern), about, offer) for pattern, about, offer in (
        (r"(?:delete|remove|erase|purge|wipe|deactivate|ban|block|suspend|merge|anonymi[sz]e)"
         r"\b(?!.*\b(?:filters?|limits?|caps?)\b)", "change or delete shoppers "
         "or products", "user_profile"),
        (r"(?:e-?mail|mail|message|text|sms|call|phone|ping|notify|contact|dm|tweet|post to|"
         r"write to|send)\b", "send emails or messages", "recommend_products"),
        (r"(?:add|put|drop|throw|move|save)\b.{0,40}\b(?:to|in|into) (?:my|the|their|his|her|a|"
         r"our) (?:cart|basket|trolley|wish ?list|list|order)", "change carts or orders",
         "product_details"),
        (r"(?:place|submit|create|make|book|schedule|reorder) (?:an? |the |new )?(?:order|"
         r"purchase|delivery|pickup|subscription)", "place orders", "recommend_products"),
        (r"(?:order|buy|purchase|pay for|get me)\b(?!.*\bby\b)(?! (?:trends?|volume|counts?|"
         r"history|numbers?|patterns?|sizes?|frequency|values?|analysis|dates?|times?|data|"
         r"again|what|which|how|most|more|together|with|along)\b)", "buy or order anything",
         "search_products"),
        (r"(?:cancel|refund|reimburse|void|charge|bill|invoice)\b|return (?:an? |the |my |"
         r"their |this |that )?(?:order|purchase|item|parcel)s?\b",
         "cancel, refund or charge orders", "user_profile"),
        (r"(?:change|update|edit|modify|set|raise|lower|increase|decrease|cut|drop|reduce|"
         r"adjust|discount|mark (?:down|up)|rename|reprice|restock|replenish)\b"
         r"(?!.*\b(?:filters?|limits?|caps?|k|budget)\b).{0,40}"
         r"\b(?:price|prices|cost|stock|inventory|quantity|name|label|status|tier|segment|"
         r"details|profile|address|email|discount|to \$ ?\d)", "change prices, stock or records",
         "product_details"),
        (r"(?:restock|replenish|reorder stock|top up|stock up)\b", "change stock levels",
         "popular_products"),
        (r"(?:give|offer|send|issue|apply|create|generate|make)\b.{0,30}\b(?:discount|coupon|"
         r"voucher|promo(?:tion)?(?: code)?|code|gift card|credit|points|refund)",
         "give discounts or coupons", "recommend_products"),
        (r"(?:mark|flag|tag|label|assign|move|promote|demote|upgrade|downgrade)\b.{0,30}"
         r"\b(?:users?|customers?|shoppers?|clients?|as)\b", "change shoppers' records",
         "user_profile"),
    ))

#: (pattern, the figure in words, offer) for questions no tool answers yet.
UNANSWERABLE: tuple[tuple[re.Pattern[str], str, str], ...] = tuple(
    (re.compile(pattern), about, offer) for pattern, about, offer in (
        (r"\b(?:profit\w*|margins?|gross margin|net income|ebitda|earnings|cost of goods|cogs|"
         r"markup)\b", "profit or margins (the data has sale prices, not costs)", "sales_summary"),
        (r"\b(?:stock levels?|in stock|out of stock|stock-?outs?|inventory|warehouse|on hand|"
         r"how many (?:\w+ )?(?:are )?left|units left|supplier\w*|suppliers?|vendors?)\b",
         "stock or suppliers (the data has sales, not inventory)", "search_products"),
        (r"\b(?:shipping|deliver(?:y|ies)|delivery times?|couriers?|late orders|fulfil\w*|"
         r"returns? rate|refund rate|complaints?|reviews|ratings|star ratings?|nps|"
         r"customer satisfaction)\b", "deliveries, returns or reviews", "customer_journey"),
        (r"\b(?:ad spend|advertising|marketing (?:spend|budget|campaigns?)|campaigns?|"
         r"cac|acquisition cost|cost per (?:click|acquisition)|roas|roi)\b",
         "marketing costs or campaigns", "funnel_analysis"),
    ))


@dataclass(frozen=True)
class Refusal:
    """Why a message gets no tool call: ``kind`` ``"act"`` (a request to change something) or
    ``"unanswerable"`` (a figure no tool gives), what it is ``about`` in words, and the tool
    that comes closest (``offer``)."""

    kind: str
    about: str
    offer: str


def known_words() -> set[str]:
    """The literal words of the rules (for the typo corrector's vocabulary)."""
    return {w for rules in (ACTIONS, UNANSWERABLE) for p, _, _ in rules
            for w in pattern_words(p.pattern)}


def refusal(text: str) -> Refusal | None:
    """The refusal a cleaned message calls for, None if it is a question Cartwise can take."""
    for pattern, about, offer in ACTIONS:
        if pattern.search(text):
            return Refusal("act", about, offer)
    for pattern, about, offer in UNANSWERABLE:
        if pattern.search(text):
            return Refusal("unanswerable", about, offer)
    return None
