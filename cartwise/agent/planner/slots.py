"""Slot extraction: the arguments a message states, independent of the intent.

:func:`extract` reads cleaned text (:func:`cartwise.agent.planner.text.clean`) and returns a
:class:`Slots` with user ids, counts, prices, strategy, department, "never bought", product ids,
references to earlier results ("the second one", "them"), funnel and trend splits. Every span it
used is blanked in ``Slots.rest`` (same length as the text), so phrase extraction
(:mod:`cartwise.agent.planner.phrases`) sees only what is left.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cartwise.agent.planner.mentions import CatalogMatcher, Mention
from cartwise.agent.planner.sales_slots import MONTH_WORDS, PATTERNS, SalesSlots, extract_sales

USER_WORDS = (r"(?:users?|customers?|shoppers?|clients?|members?|buyers?|consumers?|accounts?|"
              r"persons?|patrons?|subscribers?)")
_USER_ID = re.compile(
    rf"\b{USER_WORDS}(?:'s)?\s*(?:id|number|num|no\.?|nr|n°)?\s*[:#=]?\s*(-?\d{{1,12}})\b")
#: Several shoppers at once: "users 8 and 9", "customers 3, 4 and 5", "user 5 vs user 6".
_USER_LIST = re.compile(
    rf"\b{USER_WORDS}\s*(?:ids?|numbers?)?\s*#?\s*(\d{{1,12}})((?:\s*(?:,|and|&|or|vs\.?|versus|"
    rf"to|with)\s*(?:(?:the )?{USER_WORDS}\s*)?#?\s*\d{{1,12}}\b)+)")
_BARE_ID = re.compile(r"(?:\bid\s*[:#=]?\s*|#\s*)(\d{1,12})\b")
_PRODUCT_ID = re.compile(
    r"\b(product|item|sku|article|upc|result|option|pick|number|entry|no\.?)s?\s*(?:id|number|num|"
    r"no\.?|#)?\s*[:#=]?\s*(\d{1,9})\b")

NUM = r"(\d+(?:[.,]\d{1,2})?)"
_PRE = r"(?:\$\s*)?"
_CUR = r"(?:\$|dollars?|bucks?|usd|euros?|eur|pounds?|quid)"
_POST = rf"(?:\s*{_CUR})?"
#: After a number, these make it a count, not a price.
_NOT_PRICE = (r"\s*(?:%|percent|items?|products?|orders?|days?|weeks?|months?|years?|hours?|"
              r"customers?|users?|shoppers?|times|visits?|suggestions?|recommendations?|things|"
              r"results?|picks?|ideas?|people)\b")
_MAX_WORDS = (r"under|below|less than|less then|cheaper than|cheaper then|lower than|no more than|"
              r"not more than|max(?:imum)? price(?: of)?|beneath|not over|no higher than|"
              r"priced under|budget(?: of| is)?|<=?")
#: These need a currency sign or a price word ("up to 5" may be a count).
_MAX_WEAK = r"up to|within|at most|max(?:imum)?(?: of)?|tops|no more than"
_MIN_STRONG = (r"over|above|pricier than|more expensive than|min(?:imum)?(?: price)?(?: of)?|"
               r"no less than|not less than|>=?|costlier than")
_MIN_WEAK = r"more than|at least|greater than|higher than|starting at|upwards of|from"
_PRICE_CONTEXT = re.compile(r"\b(?:price[sd]?|pricing|cost(?:s|ing)?|expensive|pricey|cheap\w*|"
                            r"budget|afford\w*|spend)\b")

_CHEAP = re.compile(r"\b(?:cheap|cheaper|cheapest|inexpensive|affordable|budget|low[- ]cost|"
                    r"low[- ]priced|bargains?|economical|on sale|less expensive|lower priced)\b")
_PRICE_CLEAR = re.compile(r"\b(?:any price|no price (?:limit|filter|cap)|(?:remove|drop|clear|"
                          r"without|ignore) (?:the )?(?:price )?(?:filter|limit|cap)s?|"
                          r"regardless of price|price does not matter|all prices|any budget)\b")

_STRATEGIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("als", re.compile(r"\b(?:als|alternating least squares?|matrix factori[sz]ation|latent "
                       r"factors?|factori[sz]ation|mf)\b")),
    ("item_cf", re.compile(r"\b(?:item[- ]?based|item[- ]?cf|itemcf|item[- ]to[- ]item|"
                           r"item[- ]item|collaborative(?: filtering)?|collab filtering|cf|"
                           r"neighbou?rhood(?: model)?|knn)\b")),
    ("repeat", re.compile(r"\b(?:(?:buy|bought|purchase|purchased|order|ordered|get|got|reorder)"
                          r"\w* (?:\w+ )?again|reorders?|re-order\w*|reordering|rebuy\w*|"
                          r"repeat(?: purchases?| buys?| model)?|repurchase\w*|re-purchase\w*|"
                          r"(?:their|his|her|my) usuals?|replenish\w*|restock\w*|running low|"
                          r"run out)\b")),
    ("popularity", re.compile(r"\b(?:popularity|popular|best sellers?|best selling|top sellers?|"
                              r"top selling|trending|bestsellers?)\b")),
    ("hybrid", re.compile(r"\b(?:hybrid|blend(?:ed)?|default (?:model|strategy)|combined|"
                          r"ensemble)\b")),
)

_EXCLUDE = re.compile(
    r"\b(?:never (?:\w+ )?(?:bought|purchased|ordered|tried|had|got|buys?)|"
    r"(?:has|have|had|did|do|does) not (?:\w+ )?(?:bought|purchased|ordered|tried|had|buy|try|"
    r"order|purchase)(?: before| yet)?|not (?:yet |already )?(?:bought|purchased|ordered|tried)|"
    r"something new|anything new|new to (?:them|him|her|me|the user|the customer|the shopper)|"
    r"new (?:products?|items?|things|stuff|picks|ideas|suggestions)|untried|unseen|"
    r"(?:exclud\w*|without|skip\w*|no|minus|filter out|leave out|not) (?:\w+ ){0,2}?(?:past|"
    r"previous|prior|earlier|already|their|his|her)(?: \w+)? (?:purchases|buys|orders|items|"
    r"bought|purchased)|discover\w*|something different|different from (?:what|their)|"
    r"(?:try|tried) (?:something|anything) (?:new|different))\b")

_ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3,
             "4th": 3, "fifth": 4, "5th": 4, "sixth": 5, "6th": 5, "seventh": 6, "7th": 6,
             "eighth": 7, "8th": 7, "ninth": 8, "9th": 8, "tenth": 9, "10th": 9, "last": -1,
             "top": 0, "final": -1, "next": -2}
_ORD = "|".join(k for k in _ORDINALS if k not in ("next", "top"))
_ORDINAL_NOUN = re.compile(
    rf"\b(?:the\s+|that\s+|this\s+)?({_ORD})\s+(?:one|item|product|result|option|pick|"
    r"suggestion|recommendation|thing|entry|match|hit|listed|on the list|in the list|from the "
    r"list)\b|\bthe (top) (?:one|item|result|pick|match|hit)\b")
_ORDINAL_BARE = re.compile(rf"\bthe\s+({_ORD})\b(?!\s*-)(?=\s*(?:$|[?.!,;]|of (?:those|these|"
                           r"them|the list)|please|then|and|but|instead|too|one))")
_CHEAPEST = re.compile(r"\bthe (cheapest|least expensive|lowest priced|most expensive|priciest|"
                       r"pricier|dearest) (?:one|item|product|option)?\b")

#: Sorting a list: "sort them by price", "lowest price first", "from cheapest to dearest".
_SORT_KEYS = (("price", r"price[sd]?|cost|cheap\w*|expensive|pric(?:ey|ier|iest)|dear\w*"),
              ("popularity", r"popular\w*|best sell\w*|sales|purchases|bought most"),
              ("name", r"name|alphabet\w*|a-z|a to z|letter"),
              ("score", r"score|relevance|relevant|match|rating|similarity|lift|confidence|rank"),
              ("value", r"value|spend\w*|ltv|worth|revenue|risk"))
_SORT = re.compile(r"\b(?:sort|order|rank|arrange|re-?order|list|put|organi[sz]e)\w*\b"
                   r"(?:\s+(?:them|these|those|it|this|the (?:list|results?|items?|products?|ones|"
                   r"shoppers|users|customers)|by|in|from|with))*")
_ASC = re.compile(r"\b(?:ascending|asc|lowest (?:\w+ )?first|cheapest (?:\w+ )?first|low to high|"
                  r"from (?:the )?(?:cheapest|lowest|least)|a to z|a-z|alphabetical\w*|smallest "
                  r"first|least (?:\w+ )?first|increasing|rising)\b")
_DESC = re.compile(r"\b(?:descending|desc|highest (?:\w+ )?first|(?:most|priciest|dearest|"
                   r"biggest|largest|best|top) (?:\w+ )?first|high to low|from (?:the )?(?:most|"
                   r"highest|priciest|dearest)|z to a|z-a|decreasing|falling)\b")
_SUPERLATIVE = re.compile(
    r"\b(?:(cheapest|least expensive|lowest[- ]priced|most affordable|costs? (?:the )?least|"
    r"least costly|lowest (?:price|cost))|(most expensive|priciest|dearest|highest[- ]priced|"
    r"most costly|costs? (?:the )?most|highest (?:price|cost))|(most popular|best[- ]selling|"
    r"(?:sold|bought) (?:the )?most)|(best match\w*|highest (?:score|scored|rated|ranked)|"
    r"most (?:relevant|similar))|"
    r"(most valuable|highest value|biggest spender|most at risk|riskiest))\b")
_EXPLAIN = re.compile(
    r"\bwhy\b.{0,40}\b(?:suggest\w*|recommend\w*|pick\w*|chose|choose|chosen|show\w*|list\w*|"
    r"includ\w*|there|on the list|in the list|top)\b|\b(?:explain|reasons?|reasoning|what makes"
    r"|how come)\b")
_LIST_REF = re.compile(r"\b(?:of|among|from|out of|in) (?:those|these|them|the list|that list|"
                       r"the results|the ones|the above|your list)\b|\b(?:those|these|them|the "
                       r"ones|the list|the results|which one|which ones|the above)\b")

_USER_REF = re.compile(
    r"\b(?:them|they|their|theirs|themselves|he|she|him|her|his|hers|"
    r"(?:this|that|the same|same) (?:user|customer|shopper|person|client|guy|lady|buyer))\b")
_PRODUCT_PRONOUN = re.compile(r"^(?:it|that|this|that one|this one|those|these|them|they|same|"
                              r"the same|the same one|one|that product|this product|that item|"
                              r"this item|those ones|these ones|these items|those items|the "
                              r"product|the item)$")

_DEVICE = (("mobile", re.compile(r"\b(?:mobile|phones?|smartphones?|iphones?|android|apps?|"
                                 r"cell ?phones?|tablets?)\b")),
           ("desktop", re.compile(r"\b(?:desktops?|computers?|pcs?|laptops?|web ?browsers?|"
                                  r"browsers?)\b")))
_SEX = (("female", re.compile(r"\b(?:women|woman|female|females|ladies|lady|girls)\b")),
        ("male", re.compile(r"\b(?:men|man|male|males|guys|gentlemen)\b")))
_SPLIT = (r"(?:by|per|across|for each|each|split(?:ted)? by|broken down by|breakdown by|vs\.?|"
          r"versus)")
_BY_DEVICE = re.compile(rf"\b(?:{_SPLIT} (?:the )?(?:device|platform)s?|devices|device (?:split|"
                        r"breakdown|comparison)|(?:mobile|phone) (?:vs\.?|versus|and|or|against) "
                        r"(?:desktop|computer|web)|(?:desktop|computer|web) (?:vs\.?|versus|and|or"
                        r"|against) (?:mobile|phone|app)|compare (?:the )?devices)\b")
_BY_SEX = re.compile(rf"\b(?:{_SPLIT} (?:sex|gender)|(?:sex|gender) (?:split|breakdown|"
                     r"comparison|differences?)|genders|(?:men|male|males) (?:vs\.?|versus|and|or"
                     r"|against) (?:women|female|females)|(?:women|female|females) (?:vs\.?|versus"
                     r"|and|or|against) (?:men|male|males))\b")

_TRENDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("dow", re.compile(r"\b(?:days? of (?:the )?week|week ?days?|which day|what day|weekends?|"
                       r"dow|mondays?|tuesdays?|wednesdays?|thursdays?|fridays?|saturdays?|"
                       r"sundays?|day[- ]of[- ]week)\b")),
    ("hour", re.compile(r"\b(?:times? of (?:the )?day|hours?|hourly|what time|which time|"
                        r"during the day|in the (?:morning|evening|afternoon)|at night|o'?clock|"
                        r"time[- ]of[- ]day)\b")),
    ("month", re.compile(r"\b(?:monthly|months?|month over month|seasonal\w*)\b")),
    ("week", re.compile(r"\b(?:weekly|weeks?|week over week|week by week)\b")),
    ("day", re.compile(r"\b(?:daily|per day|each day|by day|day by day|every day|a day|"
                       r"day[- ]by[- ]day|by date|per date)\b")),
)

_COUNT_NOUNS = (r"products?|items?|suggestions?|recommendations?|recs|picks?|things?|ideas?|"
                r"options?|results?|customers?|users?|shoppers?|clients?|people|sellers?|"
                r"best ?sellers?|kinds?|types?|brands?|matches|alternatives?|ones|more|buyers?|"
                r"risks?|names|entries|choices|partners?|others|varieties|flavou?rs?|"
                r"substitutes?|spenders?|accounts|groceries|lookalikes?|neighbou?rs?")
_K_BEFORE = re.compile(r"\b(?:top|best|first|make it|make that|give me|show me|show|list|get|"
                       r"only|just|recommend|suggest|find|pick|return|display|"
                       r"limit(?: it)?(?: to)?|up to|at most|change (?:it |k )?to|k ?=?|another)"
                       r"\s+(\d{1,3})\b")
_K_AFTER = re.compile(rf"\b(\d{{1,3}})\s+(?:[a-z-]+\s+){{0,2}}?(?:{_COUNT_NOUNS})\b")
_K_ONLY = re.compile(r"\b(\d{1,3})\s+(?:only|please|of them|will do|is enough|max)\b")
_K_MOST = re.compile(r"\b(\d{1,3})\s+(?:most|best|top|highest|biggest|largest|cheapest|least|"
                     r"leading|main)\b")

_FOLLOW = re.compile(r"^(?:and|also|now|ok|okay|so|then|what about|how about|same|instead|but|"
                     r"only|just|make it|make that|again|what if|plus|same for|the same|do the "
                     r"same|repeat|redo|try)\b|\b(?:instead|as well|too|the same|same thing|same "
                     r"but|same with|same for|again|this time)\b")


@dataclass
class Slots:
    """What a message states. Unset fields are None (or False / empty).

    ``user_id``: the first user id ("user 42", "customer #7", "shopper no. 3", "id 5").
    ``k``: a count 1..100 ("3 products", "top 5", "make it 10"). ``min_price`` / ``max_price``:
    prices in the data's currency. ``cheap``: price words without a number ("cheaper ones").
    ``price_clear``: the message drops price limits ("any price"). ``strategy``: hybrid, als,
    item_cf, popularity or repeat. ``exclude_purchased``: True for "never bought". ``department``
    / ``aisle``: catalogue mentions. ``product_id``: an id as a string ("24852").
    ``ordinal``: a 0-based position in the last listed products (-1 = last; -3 = cheapest, -4 =
    most expensive). ``user_ref`` / product pronouns: references to an earlier user or product.
    ``device`` / ``sex`` / ``funnel_by``: funnel filters and split. ``trend_by``: order-trend
    split. ``bare_numbers``: numbers used by nothing else; ``loose_number``: the one number of a
    short message ("10 please", "and for 15?"), ``loose_is_user`` when a preposition leads it.
    ``sort_by`` / ``order``: a list sorted ("sort them by price", "lowest first");
    ``superlative``: one extreme asked for ("cheapest" -> "price", "most popular" ->
    "popularity", "most valuable" -> "value", "best match" -> "score", with ``order``);
    ``explain``: a why question ("why did you suggest the first one?"); ``list_ref``: words
    pointing at an earlier list ("of those", "these", "the ones"). ``sales``: dates, figures,
    groupings and counts of a merchant's question
    (:mod:`~cartwise.agent.planner.sales_slots`).
    ``cue_text``: the text without the numbers, prices and references used (for keyword cues:
    "any price" is no question about a price). ``follow_marker``: words that continue
    the previous request ("and for ...", "instead", "make it"). ``rest``: the text with every used
    span blanked.
    """

    text: str
    user_id: int | None = None
    user_ids: list[int] = field(default_factory=list)
    k: int | None = None
    min_price: float | None = None
    max_price: float | None = None
    cheap: bool = False
    price_clear: bool = False
    strategy: str | None = None
    exclude_purchased: bool = False
    department: Mention | None = None
    aisle: Mention | None = None
    product_id: str | None = None
    ordinal: int | None = None
    user_ref: bool = False
    device: str | None = None
    sex: str | None = None
    funnel_by: str | None = None
    trend_by: str | None = None
    bare_numbers: list[int] = field(default_factory=list)
    loose_number: int | None = None
    loose_is_user: bool = False
    sort_by: str | None = None
    order: str | None = None
    superlative: str | None = None
    explain: bool = False
    list_ref: bool = False
    sales: SalesSlots = field(default_factory=SalesSlots)
    cue_text: str = ""
    follow_marker: bool = False
    rest: str = ""

    def blank(self, start: int, end: int) -> None:
        """Mark ``text[start:end]`` as used."""
        self.rest = self.rest[:start] + " " * (end - start) + self.rest[end:]

    @property
    def has_price(self) -> bool:
        return self.min_price is not None or self.max_price is not None


def _num(text: str) -> float:
    return float(text.replace(",", "."))


def _not_price_after(text: str, end: int) -> bool:
    return re.match(_NOT_PRICE, text[end:]) is not None


def _prices(s: Slots, has_currency_context: bool) -> None:
    rest = s.rest
    ranges = (
        rf"\bbetween\s+{_PRE}{NUM}{_POST}\s*(?:and|to|-)\s*{_PRE}{NUM}{_POST}",
        rf"(?:\bfrom\s+)?\$\s*{NUM}\s*(?:-|to|and)\s*\$?\s*{NUM}{_POST}",
        rf"\b{NUM}\s*(?:-|to)\s*{NUM}\s*{_CUR}",
        rf"\bfrom\s+{NUM}\s+to\s+{NUM}\b",
        rf"\b{NUM}\s*(?:-|to)\s*{NUM}\b(?=\s*(?:price|range|priced))",
    )
    for i, pat in enumerate(ranges):
        m = re.search(pat, rest)
        if m and (i != 3 or has_currency_context) and not _not_price_after(rest, m.end()):
            lo, hi = sorted((_num(m.group(1)), _num(m.group(2))))
            s.min_price, s.max_price = lo, hi
            s.blank(m.start(), m.end())
            return
    m = re.search(rf"(?<!\w)(?:{_MAX_WORDS})\s*(?:a\s+)?{_PRE}{NUM}{_POST}", s.rest)
    weak_max = re.search(rf"(?<!\w)(?:{_MAX_WEAK})\s*({_PRE}){NUM}({_POST})", s.rest)
    if m and not _not_price_after(s.rest, m.end()):
        s.max_price = _num(m.group(1))
        s.blank(m.start(), m.end())
    elif weak_max and not _not_price_after(s.rest, weak_max.end()) and (
            weak_max.group(1).strip() or weak_max.group(3).strip() or has_currency_context):
        s.max_price = _num(weak_max.group(2))
        s.blank(weak_max.start(), weak_max.end())
    else:
        m = re.search(rf"{_PRE}\b{NUM}{_POST}\s+(?:or less|or under|or cheaper|or below|and "
                      r"under|and below|max(?:imum)?|tops|at most|or lower)\b", s.rest)
        if m:
            s.max_price = _num(m.group(1))
            s.blank(m.start(), m.end())
    m = re.search(rf"(?<!\w)(?:{_MIN_STRONG})\s*{_PRE}{NUM}{_POST}", s.rest)
    weak = re.search(rf"\b(?:{_MIN_WEAK})\s*({_PRE}){NUM}({_POST})", s.rest)
    if m and not _not_price_after(s.rest, m.end()):
        s.min_price = _num(m.group(1))
        s.blank(m.start(), m.end())
    elif weak and not _not_price_after(s.rest, weak.end()) and (
            weak.group(1).strip() or weak.group(3).strip() or has_currency_context):
        s.min_price = _num(weak.group(2))
        s.blank(weak.start(), weak.end())
    else:
        m = re.search(rf"(\$\s*)?\b{NUM}({_POST})\s*(?:or more|and up|and above|and over|plus|"
                      r"\+|or above|or higher)", s.rest)
        if m and (m.group(1) or m.group(3).strip() or has_currency_context):
            s.min_price = _num(m.group(2))
            s.blank(m.start(), m.end())
    if not s.has_price:
        m = re.search(rf"(?:\$\s*{NUM}\b|\b{NUM}\s*{_CUR}(?!\w))", s.rest)
        if m and re.search(r"\b(?:cost(?:s|ing)?|priced|price|for|at)\s*$",
                           s.rest[:m.start()]) is None:
            # a lone amount ("5 bucks") reads as a ceiling
            s.max_price = _num(m.group(1) or m.group(2))
            s.blank(m.start(), m.end())
    if s.min_price is not None and s.max_price is not None and s.min_price > s.max_price:
        s.min_price, s.max_price = s.max_price, s.min_price


def _count(s: Slots) -> None:
    for pat in (_K_BEFORE, _K_AFTER, _K_MOST, _K_ONLY):
        m = pat.search(s.rest)
        if m:
            value = int(m.group(1))
            # an explicit k outside 1..100 ("k = 0", "top 500") is kept, so the tool says it
            # is invalid rather than the planner changing it silently
            if 1 <= value <= 100 or pat is _K_BEFORE:
                s.k = value
                s.blank(m.start(1), m.end(1))
                return


def _list_operations(s: Slots, text: str) -> None:
    """Sorting, extremes, why questions and list references (see :class:`Slots`)."""
    s.list_ref = _LIST_REF.search(text) is not None
    s.explain = _EXPLAIN.search(text) is not None
    m = _SUPERLATIVE.search(text)
    if m:
        key, order = [("price", "asc"), ("price", "desc"), ("popularity", "desc"),
                      ("score", "desc"), ("value", "desc")][next(
                          i for i, g in enumerate(m.groups()) if g)]
        s.superlative, s.order = key, order
    sort = _SORT.search(text)
    tail = text[sort.end():] if sort else text
    if sort or _ASC.search(text) or _DESC.search(text):
        for key, words in _SORT_KEYS:
            if re.search(rf"\b(?:{words})", tail if sort else text):
                s.sort_by = key
                break
        if sort is None and s.sort_by is None:
            return
        if _DESC.search(text):
            s.order = "desc"
        elif _ASC.search(text):
            s.order = "asc"
        if s.sort_by is None and s.order is not None:
            s.sort_by = "price" if re.search(r"cheap|expensive|pric|dear|cost", text) else None


def extract(text: str, catalog: CatalogMatcher | None = None, list_len: int = 0,
            has_prices: bool = True) -> Slots:
    """The slots of cleaned ``text``.

    Args:
        text: the message after :func:`~cartwise.agent.planner.text.clean`.
        catalog: finds departments and aisles (None: none are looked for).
        list_len: how many products the last tool result listed, so "item 2" / "number 2" / "#2"
            can mean its second product rather than product id 2.
        has_prices: without prices in the data, price phrases are not turned into filters.
    """
    s = Slots(text=text, rest=text)
    s.sales, spans = extract_sales(text)  # dates and order counts are not ids nor k
    for start, end in spans:
        s.blank(start, end)
    # product ids and list positions first: "item 3" is not user 3 nor a count
    for m in _PRODUCT_ID.finditer(text):
        word, value = m.group(1), int(m.group(2))
        if re.search(rf"\b{USER_WORDS}(?:'s)?\s*$", text[:m.start()]):
            continue  # "customer number 5"
        if word in ("result", "option", "pick", "number", "entry", "no", "no.") or (
                word == "item" and list_len and value <= list_len):
            if list_len and 1 <= value <= list_len:
                s.ordinal = value - 1
                s.blank(m.start(), m.end())
            continue
        if s.product_id is None:
            s.product_id = str(value)
            s.blank(m.start(), m.end())
    for m in _USER_LIST.finditer(s.rest):
        s.user_ids += [int(m.group(1))] + [int(n) for n in re.findall(r"\d+", m.group(2))]
        s.blank(m.start(), m.end())
    for m in _USER_ID.finditer(s.rest):
        s.user_ids.append(int(m.group(1)))
        s.blank(m.start(1), m.end(1))
    s.user_ids = list(dict.fromkeys(s.user_ids))
    if not s.user_ids:
        for m in _BARE_ID.finditer(s.rest):
            if list_len and m.group(0).startswith("#") and int(m.group(1)) <= list_len:
                s.ordinal = int(m.group(1)) - 1
            else:
                s.user_ids.append(int(m.group(1)))
            s.blank(m.start(), m.end())
    s.user_id = s.user_ids[0] if s.user_ids else None

    if has_prices:
        _prices(s, _PRICE_CONTEXT.search(text) is not None)
    s.cheap = _CHEAP.search(text) is not None
    m = _PRICE_CLEAR.search(s.rest)
    if m:
        s.price_clear = True
        s.blank(m.start(), m.end())
    _count(s)

    for name, pat in _STRATEGIES:
        if pat.search(text):
            s.strategy = name
            break
    s.exclude_purchased = _EXCLUDE.search(text) is not None

    m = _ORDINAL_NOUN.search(s.rest) or _ORDINAL_BARE.search(s.rest)
    if m and s.ordinal is None:
        s.ordinal = _ORDINALS[next(g for g in m.groups() if g)]
        s.blank(m.start(), m.end())
    m = _CHEAPEST.search(s.rest)
    if m and s.ordinal is None and list_len:
        s.ordinal = -3 if m.group(1) in ("cheapest", "least expensive", "lowest priced") else -4
        s.blank(m.start(), m.end())
    s.user_ref = _USER_REF.search(text) is not None
    _list_operations(s, text)

    if catalog is not None:
        s.department = catalog.department(s.rest)
        s.aisle = catalog.aisle(s.rest)

    devices = {v for v, pat in _DEVICE if pat.search(text)}
    sexes = {v for v, pat in _SEX if pat.search(text)}
    if _BY_DEVICE.search(text) or len(devices) > 1:
        s.funnel_by = "device"
    elif _BY_SEX.search(text) or len(sexes) > 1:
        s.funnel_by = "sex"
    else:
        for value, pat in _DEVICE:
            if pat.search(text):
                s.device = value
                break
        for value, pat in _SEX:
            if pat.search(text):
                s.sex = value
                break
    for value, pat in _TRENDS:
        if pat.search(text):
            s.trend_by = value
            break
    if s.funnel_by is None and s.trend_by in ("week", "month") and re.search(
            r"\b(?:weekly|monthly|by (?:week|month)|per (?:week|month)|each (?:week|month)|"
            r"(?:week|month) (?:over|by) (?:week|month))\b", text):
        s.funnel_by = s.trend_by

    s.bare_numbers = [int(n) for n in re.findall(r"(?<![\w.$])(\d{1,12})(?![\w.]|\s*%)", s.rest)]
    if len(s.bare_numbers) == 1 and len(text.split()) <= 5:
        # "10 please" (a count) or "and for 15?" (a user, after a user's result)
        s.loose_number = s.bare_numbers[0]
        s.loose_is_user = re.search(r"\b(?:for|to|and|about|with|of|on)\s+#?\d", s.rest) is not None
    s.follow_marker = _FOLLOW.search(text) is not None
    s.cue_text = re.sub(r"\s+", " ", s.rest).strip()
    return s


def is_product_pronoun(phrase: str) -> bool:
    """Whether a product phrase is only a pronoun ("it", "that one", "those")."""
    return _PRODUCT_PRONOUN.match(phrase.strip()) is not None


#: A whole literal word of a pattern (not a fragment such as "behaviou" of "behaviou?r").
_LITERAL = r"(?<![\])?a-z])[a-z]{3,}(?![a-z?(\[\\{])"


def pattern_words(source: str) -> set[str]:
    """The whole literal words (3+ letters) of a regular expression's source."""
    source = re.sub(r"\\[a-zA-Z]", " ", source)
    return {w for variant in (source.replace("s?", ""), source.replace("s?", "s"))
            for w in re.findall(_LITERAL, variant)}


def known_words() -> set[str]:
    """The literal words of this module's patterns (for the typo corrector's vocabulary)."""
    patterns = [_USER_ID, _PRODUCT_ID, _PRICE_CONTEXT, _CHEAP, _PRICE_CLEAR, _EXCLUDE,
                _ORDINAL_NOUN, _CHEAPEST, _USER_REF, _BY_DEVICE, _BY_SEX, _K_BEFORE, _K_AFTER,
                _K_MOST, _K_ONLY, _FOLLOW]
    patterns += [p for _, p in _STRATEGIES] + [p for _, p in _DEVICE] + [p for _, p in _SEX]
    patterns += [p for _, p in _TRENDS] + list(PATTERNS)
    sources = [p.pattern for p in patterns] + [USER_WORDS, _MAX_WORDS, _MAX_WEAK, _MIN_STRONG,
                                               _MIN_WEAK, _CUR, _NOT_PRICE, _COUNT_NOUNS]
    return {w for src in sources for w in pattern_words(src)} | set(MONTH_WORDS)
