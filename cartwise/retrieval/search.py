"""Product search, similar products and name resolution: :class:`ProductSearch`.

Results carry the one product entry, :class:`~cartwise.catalog.Product`, taken from the one
catalogue (:class:`~cartwise.catalog.Catalog`); the vector store only finds product ids. Ids are
the shop's product ids (the index's point ids); a *row* is a catalogue row. Wherever a product id
or a name is accepted, so is the shop's own product code (``sku``, Online Retail's StockCode).
Scores are documented per method; all are "higher is better". Loading from a store:
:func:`cartwise.retrieval.stage.load_retrieval`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from cartwise.catalog import Catalog, Product, ProductFilter, check_k
from cartwise.errors import UnknownProduct
from cartwise.retrieval.embedder import Embedder
from cartwise.retrieval.text import grams_query, name_key, tokens, words_query
from cartwise.retrieval.vectorstore import HybridQuery, SearchFilter, VectorStore, rrf_max
from cartwise.text import name_similarity

log = logging.getLogger(__name__)

# an id, negative ones included (no product has one; "-1" must not fuzzy-match "Banana 1 lb")
_ID_QUERY = re.compile(r"^\s*(?:product\s*(?:id)?\s*|id\s*|#\s*)?(-?\d{1,18})\s*$", re.IGNORECASE)
# a shop code with a prefix: "code 85099B", "SKU: 85099B", "stock code 85099B", "#85099B"
_CODE_QUERY = re.compile(r"^\s*(?:(?:product\s*|stock\s*|item\s*)?(?:code|sku)\s*[:#]?|#)\s*"
                         r"(\S+)\s*$", re.IGNORECASE)

#: Why a product is in a search result.
HitMatch = Literal["id", "code", "exact", "search", "similar"]
#: How a text was resolved to a product.
ResolvedBy = Literal["id", "code", "exact", "name"]


@dataclass(frozen=True)
class ProductHit:
    """One product in a result.

    ``score`` is 0..1 unless a method says otherwise; ``match`` says why the product is here:
    ``"id"``, ``"code"`` or ``"exact"`` (the query is its id, its shop code or its name),
    ``"search"`` (hybrid search), ``"similar"`` (recommendation by example). ``popularity`` is
    the number of order lines of the product in the data (0 without orders).
    """

    product: Product
    score: float
    match: HitMatch
    popularity: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: ``{"product": {...}, "score", "match", "popularity"}``."""
        return {"product": self.product.model_dump(), "score": self.score, "match": self.match,
                "popularity": self.popularity}


@dataclass(frozen=True)
class Resolution:
    """A text resolved to a catalogue product: ``product`` with ``confidence`` (0..1, 1 for an
    id, a shop code or an exact name), how it matched (``by``), and up to four
    ``alternatives``, best first, with their own confidences in ``alternative_confidences``."""

    product: Product
    confidence: float
    by: ResolvedBy
    alternatives: list[Product] = field(default_factory=list)
    alternative_confidences: list[float] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"product": self.product.model_dump(), "confidence": self.confidence,
                "by": self.by, "alternatives": [
                    {**a.model_dump(), "confidence": c}
                    for a, c in zip(self.alternatives, self.alternative_confidences,
                                    strict=True)]}


class ProductSearch:
    """Search, similar products and name resolution over one product index.

    Args:
        store: the vector store holding the index (point ids are product ids).
        embedder: the embedder the index was built with (queries are embedded with it).
        catalog: the shop's one catalogue: product entries, filters, ids and codes.
        popularity: order lines per product, by catalogue row (``len(catalog)`` integers; the
            ``popularity`` column of the index's catalogue frame).
        threshold: name resolution below this confidence (0..1) raises :class:`UnknownProduct`.
        candidates: hits each retriever (dense, words, grams) passes to the fusion.
        weights: RRF weights of the dense, words and grams retrievers.
        rrf_k: the RRF rank constant (smaller = the top ranks of each list count more).
        name_weight: weight (0..1) of the query/name similarity in the final search score; the
            rest is the fused RRF score normalised to 0..1.

    Raises:
        ValueError: ``popularity`` does not have one entry per catalogue row.
    """

    def __init__(
        self,
        store: VectorStore,
        embedder: Embedder,
        catalog: Catalog,
        popularity: np.ndarray | Sequence[int],
        *,
        threshold: float = 0.6,
        candidates: int = 50,
        weights: tuple[float, float, float] = (1.0, 1.0, 1.0),
        rrf_k: int = 10,
        name_weight: float = 0.5,
    ) -> None:
        pop = np.asarray(popularity, dtype=np.int64)
        if pop.shape != (len(catalog),):
            raise ValueError(f"popularity has {pop.shape} entries, the catalogue "
                             f"{len(catalog)} rows")
        self.store = store
        self.embedder = embedder
        self.catalog = catalog
        self.threshold = threshold
        self.candidates = candidates
        self.weights = weights
        self.rrf_k = rrf_k
        self.name_weight = name_weight
        self._pop = pop
        self._name_tokens = [tokens(str(n)) for n in catalog.names]
        exact: dict[str, list[int]] = {}
        for i, toks in enumerate(self._name_tokens):
            exact.setdefault(" ".join(toks), []).append(i)
        for rows in exact.values():
            rows.sort(key=lambda r: (-self._pop[r], self.catalog.ids[r]))
        self._exact = exact

    def close(self) -> None:
        self.store.close()

    def __len__(self) -> int:
        return len(self.catalog)

    def popularity(self, product_id: object) -> int:
        """Order lines of ``product_id`` in the data (0 when never ordered).

        Raises:
            UnknownProduct: no such product.
        """
        row = self.catalog.row(product_id)
        if row is None:
            raise UnknownProduct(product_id)
        return int(self._pop[row])

    # --- helpers -----------------------------------------------------------------------------

    def _hit(self, row: int, score: float, match: HitMatch) -> ProductHit:
        return ProductHit(self.catalog.product(row), round(float(score), 4), match,
                          int(self._pop[row]))

    def _key_row(self, text: str) -> tuple[int, Literal["id", "code"]] | None:
        """The row ``text`` names by product id (first) or shop code, with which; else None."""
        m = _ID_QUERY.match(text)
        if m:
            row = self.catalog.row(int(m.group(1)))
            if row is not None:
                return row, "id"
        candidates = [text]
        prefixed = _CODE_QUERY.match(text)
        if prefixed:
            candidates.append(prefixed.group(1))
        for code in candidates:
            row = self.catalog.code_row(code)
            if row is not None:
                return row, "code"
        return None

    @staticmethod
    def _search_filter(where: ProductFilter, exclude: Sequence[int] = ()) -> SearchFilter:
        """The vector store's filter for a (checked) product filter."""
        return SearchFilter(departments=tuple(where.departments or ()),
                            min_price=where.min_price, max_price=where.max_price,
                            exclude_ids=tuple(int(i) for i in exclude))

    def _fused(self, query: str, flt: SearchFilter | None, limit: int) -> list[tuple[int, float]]:
        """Hybrid candidates as (row, fused score normalised to 0..1), best first."""
        q = HybridQuery(
            dense=self.embedder.encode_query(query),
            words=words_query(query),
            grams=grams_query(query),
            weights=self.weights,
            candidates=max(self.candidates, limit),
            rrf_k=self.rrf_k,
        )
        used = [self.weights[0]]
        used += [w for v, w in ((q.words, self.weights[1]), (q.grams, self.weights[2]))
                 if len(v) and w > 0]
        top = rrf_max(self.rrf_k, used)
        hits = self.store.hybrid(q, limit=limit, flt=flt)
        rows = self.catalog.rows([h.id for h in hits])
        # an index point the catalogue lacks (row -1) is not served
        return [(int(r), min(h.score / top, 1.0)) for h, r in zip(hits, rows, strict=True)
                if r >= 0]

    # --- the API -----------------------------------------------------------------------------

    def search(self, query: str, k: int = 5, where: ProductFilter | None = None
               ) -> list[ProductHit]:
        """The ``k`` products that best match ``query``, within ``where`` (a checked filter
        from :meth:`Catalog.product_filter <cartwise.catalog.Catalog.product_filter>`: any of
        its departments, an inclusive price range in the data's currency; products without a
        price fail a price bound).

        Ranking: the product whose id or shop code the query is, or whose name it is (up to
        case, plurals and filler words), comes first (score 1.0, ``match`` ``"id"``, ``"code"``
        or ``"exact"``); for an id or a code, its most similar products follow. Then hybrid
        candidates (dense MiniLM + BM25 words + name trigrams, fused by RRF in Qdrant) ordered
        by ``(1 - name_weight) * fused + name_weight * name similarity``, both 0..1, so
        near-exact names rise to the top and misspellings still match. An empty query returns
        nothing.

        Raises:
            InvalidArgument: ``k`` is not 1..100.
        """
        query = query.strip()
        k = check_k(k)
        where = where or ProductFilter()
        flt = self._search_filter(where)
        if not query:
            return []
        key = self._key_row(query)
        if key is not None:
            row, how = key
            first = [self._hit(row, 1.0, how)] if self.catalog.accepts(row, where) else []
            rest = self.similar([int(self.catalog.ids[row])], k=k - len(first),
                                where=where) if k > len(first) else []
            return first + rest
        pinned = [r for r in self._exact.get(name_key(query), [])
                  if self.catalog.accepts(r, where)][:k]
        out = [self._hit(r, 1.0, "exact") for r in pinned]
        if len(out) >= k:
            return out
        q_tokens = tokens(query)
        nw = self.name_weight
        scored = []
        for rank, (row, fused) in enumerate(self._fused(query, flt, self.candidates)):
            if row in pinned:
                continue
            sim = name_similarity(q_tokens, self._name_tokens[row])
            scored.append(((1 - nw) * fused + nw * sim, -rank, row))
        scored.sort(reverse=True)
        out += [self._hit(row, s, "search") for s, _, row in scored[: k - len(out)]]
        return out

    def similar(self, positive_ids: Sequence[int], negative_ids: Sequence[int] = (), k: int = 5,
                where: ProductFilter | None = None) -> list[ProductHit]:
        """Products like the ``positive_ids`` and unlike the ``negative_ids`` ("like X but not
        Y"), within ``where``, by Qdrant's best-score recommendation on the product embeddings;
        the examples themselves are left out. ``score``: cosine similarity to the closest
        positive example (-1..1; negative when a product is closer to a negative example).

        Raises:
            UnknownProduct: an id is not in the catalogue.
            InvalidArgument: ``k`` is not 1..100.
        """
        k = check_k(k)
        for pid in (*positive_ids, *negative_ids):
            if self.catalog.row(pid) is None:
                raise UnknownProduct(pid)
        flt = self._search_filter(where or ProductFilter())
        if not positive_ids:
            return []
        hits = self.store.recommend([int(i) for i in positive_ids],
                                    [int(i) for i in negative_ids], limit=int(k), flt=flt)
        rows = self.catalog.rows([h.id for h in hits])
        return [self._hit(int(r), h.score, "similar") for h, r in zip(hits, rows, strict=True)
                if r >= 0]

    def resolve(self, text: str) -> Resolution:
        """The catalogue product ``text`` names: an id ("24852", "#24852"), the shop's code
        ("85099B", any case; "code 85099B"), a name ("bananas", "the organic avocado") or a
        misspelt name ("banan"). A whole number is a product id first, then a code.

        Confidence is 1.0 for an id, a code or an exact name (the most popular product wins
        when names repeat), else the query/name similarity (0..1) of the best hybrid candidate;
        ties go to the more popular product.

        Raises:
            UnknownProduct: the best confidence is below ``threshold``, or the text is a number
                that is neither a product id nor a code (no names are offered for it);
                ``closest`` names the nearest catalogue names.
        """
        text = text.strip()
        if not text:
            raise UnknownProduct(text)
        key = self._key_row(text)
        if key is not None:
            return Resolution(self.catalog.product(key[0]), 1.0, key[1])
        exact = self._exact.get(name_key(text), [])
        if not exact and _ID_QUERY.match(text):  # an id that is not in the catalogue: names
            raise UnknownProduct(text)           # "close" to a number would mislead
        q_tokens = tokens(text)
        cands: dict[int, tuple[float, int, int]] = {}
        for rank, (row, _) in enumerate(self._fused(text, None, self.candidates)):
            sim = name_similarity(q_tokens, self._name_tokens[row])
            cands[row] = (sim, int(self._pop[row]), -rank)
        for row in exact:
            cands[row] = (1.0, int(self._pop[row]), 1)
        ranked = sorted(cands, key=lambda r: cands[r], reverse=True)
        if not ranked or cands[ranked[0]][0] < self.threshold:
            closest = [str(self.catalog.names[r]) for r in ranked[:3]]
            raise UnknownProduct(text, closest=closest)
        best = ranked[0]
        others = ranked[1:5]
        return Resolution(self.catalog.product(best), round(cands[best][0], 4),
                          "exact" if best in exact else "name",
                          [self.catalog.product(r) for r in others],
                          [round(cands[r][0], 4) for r in others])
