"""The one text normaliser of Cartwise: folding, words, stems and fuzzy word similarity.

Everything that compares text (product search and name resolution, the catalogue's department
resolver, the offline planner's typo corrector, the grounding check of LLM replies) reads text
through these functions, so "Häagen-Dazs", "haagen dazs" and "HAAGEN-DAZS" are one name
everywhere. Pure Python, deterministic, no state.

* :func:`fold`: case folded, accents stripped, typographic quotes and dashes made plain;
* :func:`words` (:func:`word_spans` with their places): the words of a text: runs of letters
  and digits (any script), apostrophes inside a word dropped ("Jerry's" -> "jerrys"), ``&``
  read as "and" and ``%`` as "percent";
* :func:`normalize`: those words joined by single spaces (the comparison key of a phrase);
* :func:`stem`: a light plural / -y stemmer (a matching key, never shown);
* :func:`edit_distance`, :func:`token_similarity`, :func:`name_similarity`: typo tolerance.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

#: Typographic characters and their plain spelling.
_PLAIN = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201b": "'", "`": "'", "\u201c": '"',
                        "\u201d": '"', "\u2013": "-", "\u2014": " - ", "\u00a0": " "})
_WORD = re.compile(r"[^\W_]+(?:['\u2019\u2018\u201b`][^\W_]+)*|[%&]")
_SYMBOLS = {"&": "and", "%": "percent"}
#: Two stemmed words count as the same word when their similarity is at least this.
FUZZY_TOKEN_MIN = 0.5


def fold(text: str) -> str:
    """``text`` case folded, with accents stripped and typographic quotes and dashes made plain
    ("Café “Noir” – 2%" -> 'cafe "noir" - 2%'). Everything else is kept as it is."""
    out = text.translate(_PLAIN).casefold()
    if not out.isascii():
        out = "".join(c for c in unicodedata.normalize("NFKD", out)
                      if not unicodedata.combining(c))
    return out


def words(text: str) -> list[str]:
    """The words of ``text``, in order: folded runs of letters and digits, an apostrophe inside
    a word dropped, ``&`` as "and" and ``%`` as "percent".

    ``"Ben & Jerry's 2% Reduced-Fat Café"`` -> ``["ben", "and", "jerrys", "2", "percent",
    "reduced", "fat", "cafe"]``.
    """
    return [word for word, _, _ in word_spans(text)]


def word_spans(text: str) -> list[tuple[str, int, int]]:
    """The words of ``text`` (as :func:`words`) with their ``(start, end)`` in ``text``."""
    return [(_SYMBOLS.get(m.group()) or fold(m.group()).replace("'", ""), m.start(), m.end())
            for m in _WORD.finditer(text)]


def normalize(text: str) -> str:
    """The words of ``text`` joined by single spaces: the comparison key of a phrase."""
    return " ".join(words(text))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light English plural / -y stemmer that maps singular and plural to one key.

    ``bananas, banana -> banana``; ``berries, berry -> berri``; ``cookies, cookie -> cooki``;
    ``tomatoes -> tomato``; ``boxes -> box``. Keys are for matching only, never shown.
    """
    t = word
    if t.isdigit() or len(t) <= 3:
        return t
    if t.endswith("ies") and len(t) >= 5:
        t = t[:-3] + "i"
    elif t.endswith("es") and len(t) >= 5 and t[:-2].endswith(("sh", "ch", "x", "ss", "z", "o")):
        t = t[:-2]
    elif t.endswith("s") and not t.endswith(("ss", "us", "is")):
        t = t[:-1]
    if len(t) >= 4 and t.endswith("y"):
        t = t[:-1] + "i"
    elif len(t) >= 4 and t.endswith("ie"):
        t = t[:-1]
    return t


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Optimal string alignment distance (insert, delete, substitute, swap neighbours), or
    ``limit + 1`` as soon as it must exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


@lru_cache(maxsize=65536)
def token_trigrams(token: str) -> frozenset[str]:
    """Character trigrams of one token padded with spaces (``"pea"`` -> `` pe, pea, ea ``)."""
    padded = f" {token} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


@lru_cache(maxsize=262144)
def token_similarity(a: str, b: str) -> float:
    """How alike two stemmed words are, 0..1: 1 if equal; else the better of their trigram Dice
    coefficient and an edit similarity ``1 - 1.5 * edits / length`` (one edit, a transposition
    included, for words of 5+ letters, two for 8+), kept when it reaches
    :data:`FUZZY_TOKEN_MIN` (a likely misspelling: "choclate", "cerael"), else 0. Numbers must
    match exactly."""
    if a == b:
        return 1.0
    if a.isdigit() or b.isdigit():
        return 0.0
    ga, gb = token_trigrams(a), token_trigrams(b)
    best = 2 * len(ga & gb) / (len(ga) + len(gb))
    longest = max(len(a), len(b))
    if min(len(a), len(b)) >= 5:
        limit = 2 if longest >= 8 else 1
        d = edit_distance(a, b, limit)
        if d <= limit:
            best = max(best, 1 - 1.5 * d / longest)
    return best if best >= FUZZY_TOKEN_MIN else 0.0


def name_similarity(query_words: Sequence[str], name_words: Sequence[str]) -> float:
    """How well a query names something, 0..1 (1 = the same words, in any order); both sides
    are stemmed words.

    ``coverage`` is the mean, over the query's words, of their best :func:`token_similarity`
    with a name word; ``precision`` the same over the name's words. The result is
    ``coverage * (0.6 + 0.4 * precision)``: every query word must be matched, and names with
    fewer extra words rank higher ("bananas" -> "Banana" 1.0, "Bag of Organic Bananas" 0.73).
    """
    if not query_words or not name_words:
        return 0.0
    q = list(dict.fromkeys(query_words))
    n = list(dict.fromkeys(name_words))
    sims = [[token_similarity(a, b) for b in n] for a in q]
    coverage = sum(max(row) for row in sims) / len(q)
    precision = sum(max(sims[i][j] for i in range(len(q))) for j in range(len(n))) / len(n)
    return coverage * (0.6 + 0.4 * precision)


def name_similarities(query_words: Sequence[str],
                      names: Sequence[Sequence[str]]) -> list[float]:
    """:func:`name_similarity` of one query against many names (the same values, 0..1), each
    distinct name word compared with the query's words once."""
    q = list(dict.fromkeys(query_words))
    if not q:
        return [0.0] * len(names)
    columns: dict[str, tuple[float, ...]] = {}
    out = []
    for name in names:
        n = list(dict.fromkeys(name))
        if not n:
            out.append(0.0)
            continue
        cols = []
        for t in n:
            col = columns.get(t)
            if col is None:
                col = columns[t] = tuple(token_similarity(a, t) for a in q)
            cols.append(col)
        coverage = sum(max(c[i] for c in cols) for i in range(len(q))) / len(q)
        precision = sum(max(c) for c in cols) / len(n)
        out.append(coverage * (0.6 + 0.4 * precision))
    return out
