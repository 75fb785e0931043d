"""Product text, a small tokenizer, sparse lexical vectors and name similarity.

Everything here is pure Python, deterministic across processes and machines (token ids are CRC-32
hashes, not Python's salted ``hash``), and shared by the index builder and the query side, so a
document and a query are always tokenised the same way.

Two sparse vectors are stored per product, both scored by Qdrant with its IDF modifier (so the
IDF statistics follow the catalogue as products come and go, and no document vector has to be
recomputed when another product changes):

* ``words``: BM25-style term weights of the name's tokens (saturated term frequency with length
  normalisation), plus a smaller fixed weight for the aisle, department and description tokens.
  Queries weigh each distinct token 1.0.
* ``grams``: character trigrams of the name's tokens (``" banana "`` -> ``" ba", "ban", ...``),
  weighted ``1/sqrt(n_grams)``; they match misspelt words ("choclate", "banan") that neither the
  word vector nor MiniLM's word pieces match.
"""

from __future__ import annotations

import math
import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

#: Bump when the product text, the tokenizer or the sparse weights change: the index is rebuilt.
TEXT_VERSION = 1

#: Words that carry no product meaning in queries or names ("the organic avocado").
STOPWORDS = frozenset({
    "a", "an", "the", "of", "and", "or", "with", "for", "in", "on", "to", "at", "by", "from",
    "some", "any", "my", "our", "your", "me", "i", "please", "can", "you", "want", "need",
    "find", "show", "get", "buy", "looking",
})

_TOKEN = re.compile(r"[a-z0-9]+")

# BM25 parameters of the name field; the average name length is fixed (not measured on the
# catalogue) so that one product's weights never depend on the others.
BM25_K1 = 1.2
BM25_B = 0.75
NAME_AVG_TOKENS = 4.5
#: Weight of an aisle / department / description token relative to a name token at tf = 1.
CONTEXT_WEIGHT = 0.3
#: Two tokens count as the same word when their trigram Dice similarity is at least this.
FUZZY_TOKEN_MIN = 0.5


@dataclass(frozen=True)
class SparseVector:
    """A sparse vector: sorted unique ``indices`` (unsigned 32-bit) and their ``values``."""

    indices: tuple[int, ...]
    values: tuple[float, ...]

    def __len__(self) -> int:
        return len(self.indices)


def normalize(text: str) -> str:
    """Lower-case ASCII words separated by single spaces ("Häagen-Dazs 2%" -> "haagen dazs 2")."""
    if text.isascii():
        folded = text.lower()
    else:
        folded = unicodedata.normalize("NFKD", text)
        folded = "".join(c for c in folded if not unicodedata.combining(c)).lower()
        folded = folded.replace("\u2019", "")
    return " ".join(_TOKEN.findall(folded.replace("'", "")))


@lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """A light English plural / -y stemmer that maps singular and plural to one key.

    ``bananas, banana -> banana``; ``berries, berry -> berri``; ``cookies, cookie -> cooki``;
    ``tomatoes -> tomato``; ``boxes -> box``. Keys are for matching only, never shown.
    """
    t = token
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


def tokens(text: str) -> list[str]:
    """Stemmed content tokens of ``text`` in order (stopwords dropped; repeats kept)."""
    return [stem(t) for t in normalize(text).split() if t not in STOPWORDS]


def name_key(text: str) -> str:
    """The key two names share when they differ only in case, accents, plurals or fillers.

    ``"The Organic Avocados" -> "organic avocado"``; used for exact-name look-ups.
    """
    return " ".join(tokens(text))


def product_text(name: str, aisle: str, department: str, description: str | None = None) -> str:
    """The text embedded for a product: its name, aisle and department, and its description.

    ``"Banana (fresh fruits, produce)"``; a description, where the data has one, follows after
    a colon. Changing this format changes every embedding: bump :data:`TEXT_VERSION`.
    """
    text = f"{name.strip()} ({aisle}, {department})"
    if description and description.strip():
        text += f": {description.strip()}"
    return text


@lru_cache(maxsize=262144)
def _token_id(token: str) -> int:
    return zlib.crc32(token.encode("utf-8"))


@lru_cache(maxsize=65536)
def token_trigrams(token: str) -> frozenset[str]:
    """Character trigrams of one token padded with spaces (``"pea"`` -> `` pe, pea, ea ``)."""
    padded = f" {token} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def trigrams(words: Iterable[str]) -> set[str]:
    """The union of the padded trigrams of ``words``."""
    out: set[str] = set()
    for w in words:
        out |= token_trigrams(w)
    return out


def _sparse(weights: dict[int, float]) -> SparseVector:
    items = sorted(weights.items())
    return SparseVector(tuple(i for i, _ in items), tuple(float(v) for _, v in items))


def words_document(
    name: str, aisle: str, department: str, description: str | None = None
) -> SparseVector:
    """The ``words`` vector of a product (term weights; Qdrant multiplies in the IDF)."""
    return document_vectors(name, aisle, department, description)[0]


@lru_cache(maxsize=4096)
def _context_tokens(aisle: str, department: str) -> frozenset[str]:
    return frozenset(tokens(f"{aisle} {department}"))


def document_vectors(
    name: str, aisle: str, department: str, description: str | None = None
) -> tuple[SparseVector, SparseVector]:
    """The ``words`` and ``grams`` vectors of a product, tokenising its name once."""
    name_tokens = tokens(name)
    counts = Counter(name_tokens)
    norm = BM25_K1 * (1 - BM25_B + BM25_B * len(name_tokens) / NAME_AVG_TOKENS)
    weights: dict[int, float] = {}
    for tok, tf in counts.items():
        weights[_token_id(tok)] = tf * (BM25_K1 + 1) / (tf + norm)
    context = _context_tokens(aisle, department)
    if description:
        context = context | set(tokens(description))
    for tok in context:
        tid = _token_id(tok)
        weights[tid] = weights.get(tid, 0.0) + CONTEXT_WEIGHT
    return _sparse(weights), _grams_vector(counts)


def _grams_vector(name_tokens: Iterable[str]) -> SparseVector:
    grams = trigrams(name_tokens)
    if not grams:
        return SparseVector((), ())
    w = 1.0 / math.sqrt(len(grams))
    return _sparse({_token_id(g): w for g in grams})


def words_query(query: str) -> SparseVector:
    """The ``words`` vector of a query: each distinct token weighs 1.0."""
    return _sparse({_token_id(t): 1.0 for t in tokens(query)})


def grams_document(name: str) -> SparseVector:
    """The ``grams`` vector of a product name: its trigrams, each ``1/sqrt(n_trigrams)``."""
    return _grams_vector(tokens(name))


def grams_query(query: str) -> SparseVector:
    """The ``grams`` vector of a query: each distinct trigram weighs 1.0."""
    return _sparse({_token_id(g): 1.0 for g in trigrams(tokens(query))})


@lru_cache(maxsize=262144)
def token_similarity(a: str, b: str) -> float:
    """How alike two stemmed tokens are, 0..1: 1 if equal; else the better of their trigram Dice
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


def name_similarity(query_tokens: Sequence[str], name_tokens: Sequence[str]) -> float:
    """How well a query names a product, 0..1 (1 = the same words, in any order).

    ``coverage`` is the mean, over the query's tokens, of their best :func:`token_similarity`
    with a name token; ``precision`` the same over the name's tokens. The result is
    ``coverage * (0.6 + 0.4 * precision)``: every query word must be matched, and names with
    fewer extra words rank higher ("bananas" -> "Banana" 1.0, "Bag of Organic Bananas" 0.73).
    """
    if not query_tokens or not name_tokens:
        return 0.0
    q = list(dict.fromkeys(query_tokens))
    n = list(dict.fromkeys(name_tokens))
    sims = [[token_similarity(a, b) for b in n] for a in q]
    coverage = sum(max(row) for row in sims) / len(q)
    precision = sum(max(sims[i][j] for i in range(len(q))) for j in range(len(n))) / len(n)
    return coverage * (0.6 + 0.4 * precision)
