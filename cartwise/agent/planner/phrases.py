"""Product phrases: the search text of a search request and the product a product question is
about, taken from what slot extraction left of the message (``Slots.rest``).

"find me some organic almond milk" -> "organic almond milk"; "what is frequently bought together
with pasta sauce?" -> "pasta sauce"; "things like greek yogurt but cheaper" -> "greek yogurt".
"""

from __future__ import annotations

import re

from cartwise.agent.planner.text import word_set

#: Words dropped from the ends of a phrase (requests, politeness, vague nouns, price words).
FILLER = word_set("""
a an the some any anything something stuff thing things product products item items kind kinds
type types sort sorts of for to me us i we you my our your is are am be was were it its this
that these those there here please pls can could would will should do does did have has had got
get give show list search searching find finding look looking lookup seek seeking need needs
want wanted wants like would'd buy buying purchase order ordering sell sells selling carry stock
stocked available store shop catalogue catalog in on at with and or also now just only maybe
really perhaps hi hello hey ok okay so then well good nice great best few several more other
others options option help tell about what which where who how whats up out cheap cheaper
cheapest inexpensive affordable budget priced price prices pricing bargain bargains sale right
today currently please thanks thank yeah yes let see same one ones similar recommend
recommendations suggest suggestions
""")

#: Words that are part of asking about a product, not of its name.
PRODUCT_CUE_WORDS = word_set("""
similar like alike alternative alternatives substitute substitutes replacement replacements
instead comparable resembling resemble resembles bought buy buys buying purchased purchase
purchases ordered order orders together frequently often usually commonly typically goes go
going well nicely pairs pair paired pairing people customers shoppers users everyone folks also
what details detail price prices cost costs aisle department info information more tell about
show give find get complementary complement complements basket baskets affinity lift partners
market analysis how much popular popularity rank ranked reorder reordered rate does do describe
options brands cheaper but other others things stuff items products item product anything
something else close akin swap replace lookalike get alongside along with sold sell sells
combined combine companions companion serve served add added cart who which is are the
compare compared comparing comparison versus vs difference differences between differ
""")

#: Request words that mark the start of a search phrase.
_SEARCH_LEAD = re.compile(
    r"^.*?\b(?:search(?:ing)? (?:the (?:catalogue|catalog|store|shop) )?for|search|look(?:ing)? "
    r"(?:up|for)|find(?: me| us)?|do (?:you|we) (?:have|carry|sell|stock)|got|have you got|is "
    r"there|are there|where (?:can|do) (?:i|we) (?:find|get|buy)|i (?:am )?(?:need|want|would "
    r"like)(?: to (?:buy|get|find|order))?|show(?: me| us)?|list|any|get(?: me)?|after|"
    r"looking for)\b\s*")

#: Where a product phrase starts, strongest first.
_ANCHORS = (
    r"(?:frequently|often|usually|commonly|typically)? ?(?:bought|purchased|ordered|sold|"
    r"go(?:es)?|paired|pairs?|sells?) (?:\w+ )?(?:together )?(?:with|alongside|along with)",
    r"together with|along with|alongside|goes? (?:\w+ )?with|go (?:\w+ )?with|pairs? (?:\w+ )?"
    r"with|similar to|similar|like|alternatives? (?:to|for)|substitutes? (?:to|for|of)|"
    r"replacements? (?:to|for|of)|instead of|rather than|comparable to|close to|resembling|"
    r"resembles?|akin to|in place of|swap for|replace|compared to|versus|vs",
    r"with|about|on|regarding|called|named",
    r"for|of|to|than|is|are",
)
#: Where a product phrase ends.
_CUT = re.compile(
    r"\b(?:but|which|that (?:is|are|costs?)|please|then|and (?:then|also|show|tell|what)|"
    r"in (?:my|the|our) (?:basket|cart)|for (?:me|us|user|customer|shopper|them|him|her)|"
    r"instead|though|as well|too|in stock|do you|you (?:have|sell|carry)|is in|are in|cost|"
    r"costs|sell|sells|rank|ranked|popular|reordered|what (?:could|can|should|would|else)|"
    r"in\s*$)\b|[?!.,;]")


def _strip_ends(words: list[str], filler: frozenset[str] = FILLER) -> list[str]:
    i, j = 0, len(words)
    while i < j and words[i] in filler:
        i += 1
    while j > i and words[j - 1] in filler:
        j -= 1
    return words[i:j]


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9][a-z0-9'%-]*", text)


def tidy(phrase: str) -> str:
    """``phrase`` without filler at either end and with single spaces ("" when nothing is
    left)."""
    return " ".join(_strip_ends(_words(phrase)))


def search_query(rest: str) -> str:
    """The search text of a search request: what follows the request words ("find me some",
    "do you have", "i'm looking for"), without filler at the ends; "" if nothing is left."""
    text = re.sub(r"\s+", " ", rest).strip()
    m = _SEARCH_LEAD.match(text)
    body = text[m.end():] if m and m.end() < len(text) else text
    body = re.split(r"[?!;]|\bfor (?:user|customer|shopper)\b|\bplease\b", body)[0]
    q = tidy(body)
    if not q:
        q = tidy(text)
    return q


def product_phrase(rest: str, cue_words: frozenset[str] = frozenset()) -> str:
    """The product a product question names: the words after the strongest anchor ("similar
    to", "bought with", "about", "for", ...) up to a clause break, without filler; if no anchor
    leaves anything, the message's words minus ``cue_words`` and filler."""
    text = re.sub(r"\s+", " ", rest).strip()
    for group in _ANCHORS:
        for m in re.finditer(rf"\b(?:{group})\b", text):
            tail = text[m.end():]
            cut = _CUT.search(tail)
            if cut:
                tail = tail[:cut.start()]
            phrase = tidy(tail)
            if phrase and not set(phrase.split()) <= cue_words:
                return _drop_cues(phrase, cue_words)
    words = [w for w in _words(re.split(r"[?!;]", text)[0]) if w not in cue_words]
    return " ".join(_strip_ends(words))


def _drop_cues(phrase: str, cue_words: frozenset[str]) -> str:
    kept = _strip_ends(phrase.split(), FILLER | cue_words)
    return " ".join(kept) or phrase
