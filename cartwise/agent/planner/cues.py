"""Keyword and slot evidence for intents, added to the semantic similarity.

:func:`keyword_evidence` scores cue phrases per intent (typo-corrected text, so "chrun" counts as
"churn"); :func:`slot_evidence` shifts scores by what the message names (a user id favours the
user tools, a product id the product tools, ...). Both return bonuses in about -0.4..0.5 to add
to cosine similarities (0..1).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from cartwise.agent.planner.arguments import PLURAL_USERS
from cartwise.agent.planner.references import Context
from cartwise.agent.planner.slots import Slots, pattern_words
from cartwise.agent.planner.types import (
    AGGREGATE_TOOLS,
    CHAT_INTENTS,
    PRODUCT_TOOLS,
    USER_TOOLS,
)

#: Comparing several shoppers or products (which of the two is meant comes from the slots).
_COMPARE = re.compile(r"\b(?:compare\w*|comparison|difference between|differences between|"
                      r"how (?:do|does|did) .{0,40}differ|side by side|versus|vs)\b")

#: (pattern, bonus) per intent; the largest matching bonus of an intent counts.
CUES: Mapping[str, tuple[tuple[re.Pattern[str], float], ...]] = {
    "recommend_products": (
        (re.compile(r"\b(?:recommend\w*|suggest\w*|recs?|picks? for|top picks|personali[sz]ed|"
                    r"tailored|cross-?sell|upsell\w*|next (?:basket|purchase|order|buy)|buy next|"
                    r"(?:get|buy|order) next)\b"), 0.3),
        (re.compile(r"\b(?:should|would|could|might|will|may|can) (?:\w+ ){0,3}?(?:buy|get|order|"
                    r"try|purchase|like|enjoy|love|want|need|fancy|be interested|show|offer|send|"
                    r"pitch|push|promote|email|suggest|recommend)\b"), 0.22),
        (re.compile(r"\bideas? for\b|\bwhat (?:else )?(?:to|can i|should i) (?:buy|get|try)\b"),
         0.2),
    ),
    "search_products": (
        (re.compile(r"\b(?:search\w*|look(?:ing)? (?:for|up)|find|do (?:you|we) (?:have|carry|"
                    r"sell|stock|got)|have you got|got any|(?:is|are) there (?:any|some)|where "
                    r"(?:can|do) (?:i|we) (?:find|get|buy)|in stock|do you sell)\b"), 0.25),
        (re.compile(r"\b(?:i|we) (?:am |are )?(?:need|want|would like|after|looking)\b|"
                    r"^(?:need|want|looking for|searching for|after)\b"), 0.2),
        (re.compile(r"^(?:any|some|show me|show)\b"), 0.12),
    ),
    "similar_products": (
        (re.compile(r"\b(?:similar|alternatives?|substitut\w*|replacements?|instead of|comparable|"
                    r"resembl\w*|lookalike|akin to|in place of|swap (?:for|out)|equivalents?|"
                    r"dupes?|rather than|replace|(?:use|have|get|buy) instead|"
                    r"what (?:else )?(?:can|could) (?:i|we) use|out of)\b"), 0.3),
        (re.compile(r"\b(?:items?|products?|things?|stuff|something|anything|more|others?|ones|"
                    r"options|brands?)\s+(?:just |a bit |kind of |sort of )?like\b|^like\b"), 0.3),
    ),
    "frequently_bought_together": (
        (re.compile(r"\b(?:(?:bought|purchased|ordered|sold|buy|purchase|get)\w* (?:\w+ )?"
                    r"(?:together|with|alongside|along with)|goes? (?:\w+ )?(?:with|together)|"
                    r"go (?:\w+ )?(?:with|together)|pairs? (?:\w+ )?with|paired with|pairing|"
                    r"complement\w*|along ?side|along with|together with|basket (?:partners?|"
                    r"affinity|analysis)|market basket|affinity|lift|association rules?|also "
                    r"(?:buy|bought|get|purchase|order)\w*|serve with|companions?|combine\w* "
                    r"with|in the (?:same )?(?:cart|basket)|with it|add to (?:their|the) "
                    r"(?:basket|cart)|cross-?sell\w*)\b"), 0.35),
    ),
    "popular_products": (
        (re.compile(r"\b(?:popular|best ?sell\w*|top ?sell\w*|trending|most (?:bought|purchased|"
                    r"ordered|sold|common|frequent|loved|wanted)|sells? (?:the )?(?:most|best)|"
                    r"hits|crowd favou?rites?|fly off|in demand|"
                    r"top\s+(?:\d+\s+)?(?:products?|items?|sellers?|selling|sold)|"
                    r"hot items|(?:buy|bought|order|purchas|sold|sell)\w* (?:the )?most|"
                    r"favou?rites? overall|"
                    r"what is hot|hottest|hot (?:right now|products|sellers|in)|top sellers?)\b"),
         0.3),
    ),
    "similar_users": (
        (re.compile(r"\b(?:users?|customers?|shoppers?|clients?|people|others?|someone|anyone|"
                    r"who|persons?|buyers?|members?)\b(?: \w+){0,5}? (?:similar|alike|resembl\w*|"
                    r"comparable|like (?:user|customer|shopper|client|them|him|her|this|that)|"
                    r"(?:the )?same (?:taste|habits?|behaviou?r|preferences?|purchase))|shops? "
                    r"like|buys? like|behaves? like|lookalikes?|neighbou?rs?|peer group|peers|"
                    r"doppelgangers?|twins?|similar (?:users?|customers?|shoppers?|clients?|"
                    r"people|buyers?)\b"), 0.35),
        (re.compile(r"\bsimilar (?:purchase|order|buying|shopping) histor(?:y|ies)\b"), 0.45),
    ),
    "user_profile": (
        (_COMPARE, 0.3),
        (re.compile(r"\b(?:profiles?|history|habits?|overview|summary|summari[sz]e|describe|"
                    r"who is|tell me (?:\w+ ){0,4}?about|know about|spen[dt]|spending|"
                    r"how (?:much|often|many)|"
                    r"orders? (?:has|did|placed)|last (?:order|purchase|visit)|favou?rites?|"
                    r"usually (?:buy|get|order)|reorder rate|basket (?:value|size)|segment of|"
                    r"big spender|details|look up|kind of (?:shopper|customer)|stats|activity)\b"),
         0.15),
    ),
    "product_details": (
        (_COMPARE, 0.3),
        (re.compile(r"\b(?:price|prices|cost\w*|how much|(?:what|which) aisle|aisle (?:is|are)|"
                    r"which department|what department|details?|info\w*|tell me (?:\w+ )?about|"
                    r"describe|reorder\w* rate|rank\w*|popularity of|how often is|look up|how "
                    r"many (?:people|shoppers|customers) buy|price check)\b"), 0.18),
        (re.compile(r"\bhow (?:popular|expensive|pricey|cheap|often bought) (?:is|are)\b|"
                    r"\b(?:is|are) (?:the |this |that |our )?(?:\w+ ){1,3}(?:popular|expensive|"
                    r"pricey|cheap|selling well|a best ?seller|reordered|in stock)\b"), 0.35),
    ),
    "customer_segments": (
        (re.compile(r"\b(?:segment\w*|rfm|clusters?|clustering|k-?means|personas?|groups? of "
                    r"(?:customers|shoppers|users|clients)|(?:customer|shopper|client) (?:groups|"
                    r"types|base)|customer ?base|champions|hibernating|break (?:down|up)|recency|"
                    r"monetary|types of (?:customers|shoppers)|clientele)\b"), 0.4),
    ),
    "churn_risk": (
        (re.compile(r"\b(?:churn\w*|at[- ]risk|risk of (?:leaving|losing|churn\w*|lapsing)|"
                    r"leav(?:e|es|ing)|lapse|lapsing|lapsed|drift\w*|stop(?:ped|s)? (?:buying|"
                    r"shopping|ordering|coming)|win[- ]?back|attrition|about to (?:lose|leave|quit"
                    r"|go)|going to leave|inactive|still active|lose (?:them|him|her|customers)|"
                    r"losing (?:customers|shoppers|clients)|cancel\w*|defect\w*|retention risk|"
                    r"dormant|gone quiet|not ordered (?:in|for)|quit\w*|walk away|abandon us|"
                    r"disengag\w*|slipping away|"
                    r"(?:customers|shoppers|clients|users|buyers) (?:\w+ ){0,2}"
                    r"(?:losing|lose|lost))\b"), 0.4),
    ),
    "lifetime_value": (
        (re.compile(r"\b(?:lifetime value|lifetime|valuable|worth|(?:biggest|top|largest|highest)"
                    r" spenders?|spends? the most|spent the most|high[- ]value|most value|value "
                    r"tiers?|by value|projected value|future value|whales|vips?|highest "
                    r"value|(?:most|more) profitable|value of (?:user|customer|shopper|client|"
                    r"them|him|her))\b"), 0.35),
        # "revenue" alone is weaker: "which segment holds the most revenue" is about segments
        (re.compile(r"\b(?:revenue|spend(?:s|ing)? the most|money)\b"), 0.25),
    ),
    "customer_journey": (
        (re.compile(r"\b(?:first[- ]time|repeat (?:customers?|shoppers?|buyers?|purchase\w*|"
                    r"orders?)|returning|new (?:vs\.?|versus|and|or|compared to) (?:returning|"
                    r"repeat|existing|old)|one[- ]time|journey|lifecycle|life cycle|come back|"
                    r"second order|order number|between orders|basket sizes?|reorder behaviou?r|"
                    r"retention|once and never|only (?:order|buy|purchase) once|loyalty curve)\b"),
         0.3),
    ),
    "funnel_analysis": (
        (re.compile(r"\b(?:funnel|conversion|convert\w*|drop[- ]?offs?|drop (?:off|out)|"
                    r"abandon\w*|checkout|check out|payment (?:page|step)|home ?page|landing page|"
                    r"confirmation|visitors?|sessions?|bounce|site traffic|web ?site|make it to "
                    r"(?:payment|checkout))\b"), 0.4),
    ),
    "order_trends": (
        (re.compile(r"\b(?:trends?|trending over|over time|seasonal\w*|busiest|peak|(?:order|"
                    r"sales) volume|when do (?:people|customers|shoppers|users|most people) "
                    r"(?:shop|order|buy)|orders? (?:per|by|each|over|a|counts?)|(?:daily|weekly|"
                    r"monthly|hourly) (?:orders?|volume|sales)|time of (?:the )?day|day of (?:the"
                    r" )?week|weekday|shopping (?:hours|times|days)|most orders|number of orders)"
                    r"\b"), 0.3),
    ),
    "sales_summary": (
        (re.compile(r"\b(?:revenue|sales|turnover|takings|income|gmv|kpis?|key figures|"
                    r"average (?:order|basket|ticket) (?:value|size)|aov|(?:order|basket|cart) "
                    r"value|(?:value|spend) per (?:order|basket)|how much (?:did|do|does|have|has)"
                    r" (?:we|the (?:shop|store|business)|you) (?:sell|make|earn|take)|"
                    r"(?:did|do) we (?:make|earn|sell)|money (?:did|do) we (?:make|take|earn)|"
                    r"take in|sales report|new (?:vs\.? |versus |and )?returning|units sold|"
                    r"items per order)\b"), 0.3),
        (re.compile(r"\b(?:departments?|aisles?|categor(?:y|ies))\b.{0,40}\b(?:money|revenue|"
                    r"sales|sell\w*|earn\w*)\b"), 0.4),
    ),
    "purchase_history": (
        (re.compile(r"\b(?:(?<!similar )(?:purchase|order|buying|shopping) history|"
                    r"past (?:orders|purchases|baskets)|previous (?:\d+ )?orders|recent orders|"
                    r"last (?:\d+ )?(?:orders|baskets?|purchases?)|"
                    r"what (?:did|has|have) (?:\w+ ){0,3}?(?:buy|bought|"
                    r"order|ordered|get|got|purchase|purchased)(?: last time| recently| before)?|"
                    r"(?:in|of) (?:their|his|her|the) (?:last )?(?:order|basket)|last time)\b"),
         0.35),
    ),
    "cohort_retention": (
        (re.compile(r"\b(?:cohorts?|retention (?:by|per|of|curve|table|matrix)|(?:signup|"
                    r"sign-up|first[- ]order|joining) (?:month|week|date)|still (?:ordering|"
                    r"buying|active|shopping)|stick around|keep (?:buying|ordering|coming))\b"),
         0.4),
    ),
    "detect_anomalies": (
        (re.compile(r"\b(?:anomal\w*|unusual|abnormal|outliers?|spikes?|dips?|odd|strange|"
                    r"weird|unexpected|sudden (?:drop|rise|jump|fall|spike)|drops? or (?:spikes|"
                    r"rises)|out of the ordinary|alerts?)\b"), 0.4),
    ),
    "business_insights": (
        (re.compile(r"\b(?:digest|insights?|what (?:should|do) i (?:look at|check|watch)|what "
                    r"changed|what is going on|what's going on|highlights|brief(?:ing)?|"
                    r"(?:meeting|board|management) (?:update|summary|report|notes)|"
                    r"key takeaways|needs? (?:my )?attention|business (?:update|summary|review)|"
                    r"how (?:is|was) the (?:shop|store|business) doing|summari[sz]e how)\b"), 0.4),
    ),
    "greeting": (
        (re.compile(r"^(?:hi|hello|hey|howdy|greetings|yo|good (?:morning|afternoon|evening|day))"
                    r"\b(?:\W+\w+){0,3}\W*$"), 0.35),
    ),
    "help": (
        (re.compile(r"\b(?:help|what (?:can|do|could) you do|capabilit\w*|features|how (?:do|does|"
                    r"can) (?:i|this|it|you) (?:use|work|help)|what (?:can|should|could) i ask|who "
                    r"are you|what are you|commands|what (?:are you|you are) (?:able|good) (?:to|"
                    r"at)|what do you (?:know|offer|support)|your (?:skills|functions))\b"), 0.3),
    ),
    "goodbye": (
        (re.compile(r"^(?:(?:ok|okay|great|perfect|awesome|cool|nice|lovely)[, ]*)?(?:thanks?|thank"
                    r" you|thx|cheers|bye|goodbye|see (?:you|ya)|that is all|perfect|great|awesome|"
                    r"have a (?:nice|good) day)\b(?:\W+\w+){0,4}\W*$"), 0.35),
    ),
    "out_of_scope": (
        (re.compile(r"\b(?:weather|forecast|flights?|hotels?|taxi|uber|jokes?|poems?|songs?|"
                    r"music|movies?|films?|news|president|capital of|stock prices?|stock market|"
                    r"alarm|reminder|translat\w*|football|soccer|world cup|basketball|recipes?|"
                    r"homework|python|javascript|hack\w*|meaning of life|bitcoin|crypto\w*|"
                    r"horoscope|lottery|tweet|vacation|holiday trip|restaurant|doctor|lawyer|"
                    r"girlfriend|boyfriend|tell me a story|sing|dance)\b"), 0.4),
        (re.compile(r"\b(?:haiku|limerick|poem|story|essay|lyrics|write (?:me )?(?:a|an|some))\b"),
         0.5),
    ),
}


def keyword_evidence(text: str) -> dict[str, float]:
    """Per intent, the largest bonus of its cue patterns matching cleaned ``text`` (intents
    without a matching cue are absent)."""
    out: dict[str, float] = {}
    for intent, cues in CUES.items():
        best = 0.0
        for pat, bonus in cues:
            if bonus > best and pat.search(text):
                best = bonus
        if best:
            out[intent] = best
    return out


def known_words() -> set[str]:
    """The literal words of the cue patterns (for the typo corrector's vocabulary)."""
    return {w for cues in CUES.values() for pat, _ in cues for w in pattern_words(pat.pattern)}


def slot_evidence(s: Slots, ctx: Context, kw: Mapping[str, float],
                  mentions_product: bool) -> dict[str, float]:
    """Score shifts from what the message names, given the conversation ``ctx`` and the
    keyword evidence ``kw``: a user id favours the user tools, a product id or a position in a
    product list the product tools, a strategy the recommendations, a device the funnel, ...
    ``mentions_product``: the message holds catalogue words."""
    ev: dict[str, float] = {}

    def add(intents: Iterable[str], value: float) -> None:
        for i in intents:
            ev[i] = ev.get(i, 0.0) + value

    plural = PLURAL_USERS.search(s.text) is not None
    if s.user_id is not None:
        add(USER_TOOLS, 0.12)
        add(AGGREGATE_TOOLS, -0.2)
        add(PRODUCT_TOOLS + ("search_products",), -0.15)
        add(CHAT_INTENTS, -0.3)
    elif s.user_ref and ctx.last_user is not None and not plural:
        add(USER_TOOLS, 0.08)
    if s.product_id is not None or (s.ordinal is not None and ctx.products
                                    and ctx.list_kind == "products"):
        add(PRODUCT_TOOLS, 0.15)
        add(("search_products",), -0.2)
        add(("recommend_products", "similar_users", "user_profile"), -0.1)
        add(CHAT_INTENTS, -0.3)
    user_listed = s.ordinal is not None and ctx.list_kind == "users" and bool(ctx.users)
    if user_listed:
        # "the second one" after a list of shoppers is a shopper, not a product
        add(USER_TOOLS, 0.15)
        add(PRODUCT_TOOLS, -0.3)
    if s.strategy in ("als", "item_cf", "repeat", "hybrid") or s.exclude_purchased:
        add(("recommend_products",), 0.12)
    if s.device or s.sex or s.funnel_by in ("device", "sex"):
        add(("funnel_analysis",), 0.12)
    if s.trend_by:
        add(("order_trends",), 0.06)
    if mentions_product:
        add(PRODUCT_TOOLS + ("search_products", "popular_products"), 0.05)
        add(("customer_segments", "customer_journey", "funnel_analysis", "order_trends",
             "churn_risk", "lifetime_value"), -0.05)
        add(CHAT_INTENTS, -0.1)
    if s.has_price or s.k is not None or s.department is not None:
        add(CHAT_INTENTS, -0.2)
    if s.user_id is None and not user_listed and not (s.user_ref and ctx.last_user is not None):
        add(("similar_users", "user_profile"), -0.15)
        if ctx.last_user is None:
            add(("recommend_products",), -0.05)
    if kw.get("similar_products", 0) >= 0.3 or kw.get("frequently_bought_together", 0) >= 0.3:
        add(("search_products",), -0.1)
    if mentions_product and s.user_id is None and not any(i != "search_products" for i in kw):
        add(("search_products",), 0.12)  # only product words: a search
    return ev
