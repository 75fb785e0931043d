"""Product text, a small tokenizer, sparse lexical vectors and name similarity.

Everything here is pure Python, deterministic across processes and machines (token ids are CRC-32
hashes, not Python's salted ``hash``), and shared by the index builder and the query side, so a
document and a query are always tokenised the same way. Words, stems and fuzzy similarity are
the project's one text normaliser, :mod:`cartwise.text`.

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
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from cartwise.data.transactions import UNKNOWN as UNKNOWN_CATEGORY
from cartwise.text import stem, token_trigrams, words

#: Bump when the product text, the tokenizer or the sparse weights change: the index is rebuilt.
TEXT_VERSION = 3

#: Words that carry no product meaning in queries or names ("the organic avocado").
STOPWORDS = frozenset({
    "a", "an", "the", "of", "and", "or", "with", "for", "in", "on", "to", "at", "by", "from",
    "some", "any", "my", "our", "your", "me", "i", "please", "can", "you", "want", "need",
    "find", "show", "get", "buy", "looking",
})

# BM25 parameters of the name field; the average name length is fixed (not measured on the
# catalogue) so that one product's weights never depend on the others.
BM25_K1 = 1.2
BM25_B = 0.75
NAME_AVG_TOKENS = 4.5
#: Weight of an aisle / department / description token relative to a name token at tf = 1.
CONTEXT_WEIGHT = 0.3


@dataclass(frozen=True)
class SparseVector:
    """A sparse vector: sorted unique ``indices`` (unsigned 32-bit) and their ``values``."""

    indices: tuple[int, ...]
    values: tuple[float, ...]

    def __len__(self) -> int:
        return len(self.indices)


def tokens(text: str) -> list[str]:
    """Stemmed content words of ``text`` in order (stopwords dropped; repeats kept)."""
    return [stem(t) for t in words(text) if t not in STOPWORDS]


def name_key(text: str) -> str:
    """The key two names share when they differ only in case, accents, plurals or fillers.

    ``"The Organic Avocados" -> "organic avocado"``; used for exact-name look-ups.
    """
    return " ".join(tokens(text))


def product_text(name: str, aisle: str, department: str, description: str | None = None) -> str:
    """The text embedded for a product: its name, aisle and department, and its description.

    ``"Banana (fresh fruits, produce)"``; a description, where the data has one, follows after
    a colon. An aisle or department that is empty or the loaders' placeholder for "no category"
    (``"unknown"``, :data:`cartwise.data.transactions.UNKNOWN`: every product of a transaction
    log) is left out: the same words
    on every product only pull all embeddings together (``"WHITE HANGING HEART T-LIGHT
    HOLDER"``, not ``"... (unknown, unknown)"``). Changing this format changes every embedding:
    bump :data:`TEXT_VERSION`.
    """
    context = [c.strip() for c in (aisle, department)
               if c and c.strip() and c.strip().lower() != UNKNOWN_CATEGORY]
    text = name.strip() + (f" ({', '.join(context)})" if context else "")
    if description and description.strip():
        text += f": {description.strip()}"
    return text


@lru_cache(maxsize=262144)
def _token_id(token: str) -> int:
    return zlib.crc32(token.encode("utf-8"))


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
