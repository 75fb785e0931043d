"""Text clean-up before intent and slot recognition: normalisation, chat slang, number words and
typo correction against a known vocabulary (a small Damerau-Levenshtein distance, no extra
dependency).

The cleaned text is lowercase, keeps digits and the signs that carry meaning (``$ # % - . ?``),
spells number words as digits where they count something ("ten suggestions" -> "10 suggestions")
and has obvious typos of known words fixed ("chrun" -> "churn", "custmer" -> "customer").
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from cartwise.text import edit_distance, fold

#: Chat spellings and contractions -> plain words (whole words only).
SLANG: dict[str, str] = {
    "u": "you", "ur": "your", "r": "are", "pls": "please", "plz": "please", "thx": "thanks",
    "ty": "thank you", "wat": "what", "wht": "what", "whats": "what is", "what's": "what is",
    "shud": "should", "shld": "should", "cud": "could", "wud": "would", "hw": "how",
    "usr": "user", "cust": "customer", "cx": "customer", "rec": "recommendation",
    "recs": "recommendations", "reco": "recommendation", "recos": "recommendations",
    "prod": "product", "prods": "products", "info": "information", "abt": "about",
    "b4": "before", "gimme": "give me", "wanna": "want to",
    "gonna": "going to", "im": "i am", "i'm": "i am", "ive": "i have", "i've": "i have",
    "dont": "do not", "don't": "do not", "doesnt": "does not", "doesn't": "does not",
    "didnt": "did not", "didn't": "did not", "havent": "have not", "haven't": "have not",
    "hasnt": "has not", "hasn't": "has not", "hadnt": "had not", "hadn't": "had not",
    "isnt": "is not", "isn't": "is not", "arent": "are not", "aren't": "are not",
    "wont": "will not", "won't": "will not", "cant": "cannot", "can't": "cannot",
    "theyve": "they have", "they've": "they have", "theyre": "they are", "they're": "they are",
    "theyd": "they would", "they'd": "they would", "youre": "you are", "you're": "you are",
    "we're": "we are", "we've": "we have", "weve": "we have",
    "you've": "you have", "i'd": "i would", "i'll": "i will", "we'll": "we will",
    "there's": "there is", "here's": "here is", "what're": "what are", "who're": "who are",
    "whos": "who is", "who's": "who is", "wheres": "where is", "where's": "where is",
    "hows": "how is", "how's": "how is", "thats": "that is", "that's": "that is",
    "it's": "it is", "lets": "let us", "let's": "let us",
    "yoghurt": "yogurt", "yoghurts": "yogurts", "favorite": "favourite",
    "favorites": "favourites", "bestsellers": "best sellers", "bestseller": "best seller",
    "bestselling": "best selling", "ltv": "lifetime value", "clv": "lifetime value",
    "cltv": "lifetime value", "thru": "through", "tho": "though", "gr8": "great",
    "hii": "hi", "hiya": "hi", "heya": "hey",
}

#: Number words (cardinals) -> values.
NUMBER_WORDS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}

#: Nouns after a number that make it a count or an amount ("one product", "one dollar"): only
#: then is "one" a number (not in "the second one", "that one").
_ONE_NOUNS = (r"products?|items?|suggestions?|recommendations?|picks?|things?|ideas?|options?|"
              r"results?|customers?|users?|shoppers?|clients?|dollars?|bucks?|euros?|pounds?|"
              r"more|best|top")

_WORD = re.compile(r"[a-z][a-z']*")


def normalize(text: str) -> str:
    """``text`` folded (:func:`cartwise.text.fold`: lower case, no accents, plain quotes and
    dashes) with ``&`` spelled ``and``, euro and pound signs read as the price sign ``$`` and
    white space collapsed; the punctuation slots need (``$ # % - . ?``) is kept."""
    t = fold(text).replace("&", " and ").replace("\u20ac", "$").replace("\u00a3", "$")
    return re.sub(r"\s+", " ", t).strip()


def expand_slang(text: str) -> str:
    """Replace whole-word chat spellings and contractions (:data:`SLANG`) in normalised text."""
    return _WORD.sub(lambda m: SLANG.get(m.group(0), m.group(0)), text)


def numberize(text: str) -> str:
    """Spell number words as digits: "ten" -> "10", "twenty five" -> "25", "a dozen" -> "12",
    "a couple of" -> "2", "a few" -> "3"; "one" only before a counted noun or after "make it"."""
    t = re.sub(r"\bhalf a dozen\b", "6", text)
    t = re.sub(r"\ba dozen\b|\bdozen\b", "12", t)
    t = re.sub(r"\ba couple of\b|\ba couple\b|\bcouple of\b", "2", t)
    t = re.sub(r"\ba few\b", "3", t)

    def tens(m: re.Match[str]) -> str:
        return str(_TENS[m.group(1)] + NUMBER_WORDS[m.group(2)])

    t = re.sub(r"\b(twenty|thirty|forty|fifty)[ -](one|two|three|four|five|six|seven|eight|"
               r"nine)\b", tens, t)
    t = re.sub(rf"\bone(?=\s+(?:{_ONE_NOUNS})\b)", "1", t)
    t = re.sub(r"\b(make it|just|only|top) one\b", r"\1 1", t)
    words = "|".join(w for w in NUMBER_WORDS if w != "one")
    return re.sub(rf"\b({words})\b", lambda m: str(NUMBER_WORDS[m.group(1)]), t)


def allowed_typos(word: str) -> int:
    """How many edits a word of this length may carry and still be recognised: none below five
    letters, one up to seven, two from eight."""
    n = len(word)
    return 0 if n < 5 else (1 if n < 8 else 2)


class Corrector:
    """Fixes typos of known words.

    A word is left alone when it is known (or the plural of a known word), shorter than five
    letters, or has no known word
    within :func:`allowed_typos` edits sharing its first letter; otherwise it becomes the
    closest known word (ties: the more frequent one, then alphabetical). Results are cached.

    Args:
        words: the vocabulary typos are corrected to (intent examples, slot words, catalogue
            categories); repeated words count as more frequent.
        protected: further known words that are never corrected but are no correction target
            (product-name words: "pears" stays "pears" rather than becoming "peers", and a typo
            in a product name is left to the catalogue's own fuzzy search).
    """

    def __init__(self, words: Iterable[str], protected: Iterable[str] = ()) -> None:
        counts: dict[str, int] = defaultdict(int)
        for w in words:
            if w.isalpha():
                counts[w] += 1
        self._counts = dict(counts)
        self._protected = frozenset(protected)
        self._by_first: dict[str, list[str]] = defaultdict(list)
        for w in sorted(self._counts):
            self._by_first[w[0]].append(w)
        self._cache: dict[str, str] = {}

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._known(word)

    def _known(self, word: str) -> bool:
        if word in self._counts or word in self._protected:
            return True
        # the plural of a known word is known ("cereals", "berries", "tomatoes")
        stems = [word[:-1]] if word.endswith("s") else []
        if word.endswith("es"):
            stems.append(word[:-2])
        if word.endswith("ies"):
            stems.append(word[:-3] + "y")
        return any(st in self._counts or st in self._protected for st in stems)

    def word(self, word: str) -> str:
        """The known word ``word`` most likely means (``word`` itself when unsure)."""
        if not word.isalpha() or self._known(word):
            return word
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        limit = allowed_typos(word)
        best, best_key = word, (limit + 1, 0, "")
        if limit:
            for cand in self._by_first.get(word[0], ()):
                if abs(len(cand) - len(word)) > limit or len(cand) < 4:
                    continue
                d = edit_distance(word, cand, limit)
                key = (d, -self._counts[cand], cand)
                if d <= limit and key < best_key:
                    best, best_key = cand, key
        if len(self._cache) < 50_000:
            self._cache[word] = best
        return best

    def text(self, text: str) -> str:
        """``text`` with every word passed through :meth:`word`."""
        return re.sub(r"[a-z]+", lambda m: self.word(m.group(0)), text)


def clean(text: str, corrector: Corrector | None = None) -> str:
    """The full clean-up: :func:`normalize`, :func:`expand_slang`, typo correction, then
    :func:`numberize` (number words are known words, so "fiften" becomes "15")."""
    t = expand_slang(normalize(text))
    if corrector is not None:
        t = corrector.text(t)
    return numberize(t)


def word_set(text: str) -> frozenset[str]:
    """The white-space separated words of ``text`` (for word lists written as text)."""
    return frozenset(text.split())
