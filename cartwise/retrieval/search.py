"""Product search, similar products and name resolution: :class:`ProductSearch`.

Results carry the one product entry, :class:`~cartwise.catalog.Product`, taken from the one
catalogue (:class:`~cartwise.catalog.Catalog`); the vector store only finds product ids. Ids are
the shop's product ids (the index's point ids); a *row* is a catalogue row. Wherever a product id
or a name is accepted, so is the shop's own product code (``sku``, Online Retail's StockCode).
Scores are documented per method; all are "higher is better". Loading from a store:
:func:`cartwise.retrieval.stage.load_retrieval`.

Search ranks a pool of hybrid candidates with :func:`cartwise.retrieval.rerank.rerank`
(agreement of the pool by aisle, or in embedding space when the catalogue has no aisles, and the
dense similarity, on top of the fused and name scores) and marks each hit ``close`` when it
matches the query closely (:func:`cartwise.retrieval.rerank.close_matches`) and ``match`` when
it is what the query asks for: when some product within the filters holds every word of the
query (in its name, aisle or department: "gluten free pasta" -> Gluten Free Penne Pasta), only
those match and the rest of the list are other suggestions (Penne Pasta); otherwise (a
descriptive request, "something spicy for tacos") the close hits match. A search whose hits
all fail ``match`` found nothing that matches, and says so rather than passing the nearest
items off as matches.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from cartwise.catalog import Catalog, Product, ProductFilter, check_k
from cartwise.errors import UnknownProduct
from cartwise.retrieval.embedder import Embedder
from cartwise.retrieval.rerank import (
    RerankWeights,
    close_matches,
    display_score,
    group_centroids,
    group_prior,
    rerank,
)
from cartwise.retrieval.text import grams_query, name_key, tokens, words_query
from cartwise.retrieval.vectorstore import HybridQuery, SearchFilter, VectorStore, rrf_max
from cartwise.text import name_similarities, name_similarity, token_similarity

log = logging.getLogger(__name__)

# an id, negative ones included (no product has one; "-1" must not fuzzy-match "Banana 1 lb")
_ID_QUERY = re.compile(r"^\s*(?:product\s*(?:id)?\s*|id\s*|#\s*)?(-?\d{1,18})\s*$", re.IGNORECASE)
# a shop code with a prefix: "code 85099B", "SKU: 85099B", "stock code 85099B", "#85099B"
_CODE_QUERY = re.compile(r"^\s*(?:(?:product\s*|stock\s*|item\s*)?(?:code|sku)\s*[:#]?|#)\s*"
                         r"(\S+)\s*$", re.IGNORECASE)

#: Why a product is in a search result.
HitMatch = Literal["id", "code", "exact", "search", "similar"]
#: A query word is in a product's words when their similarity is at least this (a typo or a
#: plural, not just a similar-looking word: "cerael" ~ "cereal" 0.75, "free" ~ "freeze" 0.6).
WORD_MATCH_MIN = 0.75
#: How a text was resolved to a product.
ResolvedBy = Literal["id", "code", "exact", "name"]


@dataclass(frozen=True)
class ProductHit:
    """One product in a result.

    ``score`` is 0..1 unless a method says otherwise; ``matched_by`` says why the product is
    here:
    ``"id"``, ``"code"`` or ``"exact"`` (the query is its id, its shop code or its name),
    ``"search"`` (hybrid search), ``"similar"`` (recommendation by example). ``popularity`` is
    the number of order lines of the product in the data (0 without orders). ``close``: the
    product is near what the query names or means (an id, code or exact-name match, or a
    search hit that passes :func:`~cartwise.retrieval.rerank.close_matches`); False for a search
    hit that is only the nearest thing the catalogue has, and for the similar products that
    follow an id or code. ``match``: the product is what the query asks for (see the module
    docstring); False for another suggestion. A hit that matches is always close.
    """

    product: Product
    score: float
    matched_by: HitMatch
    popularity: int = 0
    close: bool = True
    match: bool = True

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: ``{"product": {...}, "score", "matched_by", "popularity", "close",
        "match"}``."""
        return {"product": self.product.model_dump(), "score": self.score,
                "matched_by": self.matched_by, "popularity": self.popularity,
                "close": self.close, "match": self.match}


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
        name_weight: weight (0..1) of the query/name similarity in the base search score; the
            rest is the fused RRF score normalised to 0..1.
        reranking: how search re-ranks its candidate pool and what counts as a close match
            (default :class:`~cartwise.retrieval.rerank.RerankWeights` with ``name_weight``);
            weights with nothing but the base score reproduce the ranking without re-ranking.
        pool: fused candidates re-ranked per search (at least ``k``).
        vectors: the products' dense vectors by catalogue row, shape ``(len(catalog), dim)``
            (any float dtype; a memory map is fine), for re-ranking, close matches and the
            aisles' centroids (computed here, in one pass over the vectors); None = ask the
            store for the candidates' vectors with each search (slower; no aisle term).

    Raises:
        ValueError: ``popularity`` or ``vectors`` does not have one entry per catalogue row.
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
        reranking: RerankWeights | None = None,
        pool: int = 100,
        vectors: np.ndarray | None = None,
    ) -> None:
        pop = np.asarray(popularity, dtype=np.int64)
        if pop.shape != (len(catalog),):
            raise ValueError(f"popularity has {pop.shape} entries, the catalogue "
                             f"{len(catalog)} rows")
        if vectors is not None and len(vectors) != len(catalog):
            raise ValueError(f"vectors has {len(vectors)} rows, the catalogue {len(catalog)}")
        self._vectors = vectors
        self.store = store
        self.embedder = embedder
        self.catalog = catalog
        self.threshold = threshold
        self.candidates = candidates
        self.weights = weights
        self.rrf_k = rrf_k
        self.name_weight = name_weight
        self.reranking = reranking or RerankWeights(name_weight=name_weight)
        self.pool = pool
        self._pop = pop
        # consensus by aisle when the catalogue has aisles, else in embedding space
        codes, uniques = pd.factorize(pd.Series(catalog.aisles, dtype=object))
        self._groups: np.ndarray | None = (np.asarray(codes, dtype=np.int64)
                                           if len(uniques) > 1 and (codes >= 0).all() else None)
        # the aisles' centroids (for how close a descriptive query is to each aisle)
        self._centroids: np.ndarray | None = (
            group_centroids(vectors, self._groups, len(uniques))
            if self._groups is not None and vectors is not None else None)
        self._name_tokens = [tokens(str(n)) for n in catalog.names]
        exact: dict[str, list[int]] = {}
        for i, toks in enumerate(self._name_tokens):
            exact.setdefault(" ".join(toks), []).append(i)
        for rows in exact.values():
            rows.sort(key=lambda r: (-self._pop[r], self.catalog.ids[r]))
        self._exact = exact
        self._place_tokens: dict[tuple[str, str], list[str]] = {}

    def close(self) -> None:
        self.store.close()

    @property
    def aisle_centroids(self) -> np.ndarray | None:
        """The unit-norm centroid of each aisle's product vectors ``(aisles, dim)``, in the
        order the catalogue's aisles first appear; None without aisles or product vectors."""
        return self._centroids

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

    def _hit(self, row: int, score: float, by: HitMatch, close: bool = True,
             match: bool | None = None) -> ProductHit:
        return ProductHit(self.catalog.product(row), round(float(score), 4), by,
                          int(self._pop[row]), bool(close), bool(close if match is None else match))

    def _holds_words(self, query_tokens: Sequence[str], row: int) -> bool:
        """Whether every word of the query is in the product's name, aisle or department
        (typos and plurals tolerated, :data:`WORD_MATCH_MIN`); False for a query without
        words."""
        if not query_tokens:
            return False
        place = (str(self.catalog.aisles[row]), str(self.catalog.departments[row]))
        context = self._place_tokens.get(place)
        if context is None:
            context = self._place_tokens[place] = tokens(" ".join(place))
        own = [*self._name_tokens[row], *context]
        return all(any(token_similarity(q, t) >= WORD_MATCH_MIN for t in own)
                   for q in query_tokens)

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
        rows, fused, _, _ = self._candidates(query, flt, limit, with_vectors=False)
        return list(zip(rows.tolist(), fused.tolist(), strict=True))

    def _candidates(self, query: str, flt: SearchFilter | None, limit: int, *,
                    with_vectors: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None,
                                                 np.ndarray]:
        """Hybrid candidates, best first: catalogue rows, fused scores normalised to 0..1, their
        dense vectors ``(n, dim)`` (None unless asked for, or when the store returns none) and
        the query's vector."""
        qv = self.embedder.encode_query(query)
        q = HybridQuery(
            dense=qv,
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
        hits = self.store.hybrid(q, limit=limit, flt=flt, with_vectors=with_vectors)
        rows = np.asarray(self.catalog.rows([h.id for h in hits]), dtype=np.int64)
        keep = rows >= 0  # an index point the catalogue lacks (row -1) is not served
        kept = [h for h, k in zip(hits, keep, strict=True) if k]
        fused = np.minimum(np.array([h.score for h in kept], dtype=np.float64) / top, 1.0)
        vectors = None
        if with_vectors and kept and all(h.vector is not None for h in kept):
            vectors = np.vstack([h.vector for h in kept]).astype(np.float32, copy=False)
        return rows[keep], fused, vectors, qv

    # --- the API -----------------------------------------------------------------------------

    def search(self, query: str, k: int = 5, where: ProductFilter | None = None
               ) -> list[ProductHit]:
        """The ``k`` products that best match ``query``, within ``where`` (a checked filter
        from :meth:`Catalog.product_filter <cartwise.catalog.Catalog.product_filter>`: any of
        its departments, an inclusive price range in the data's currency; products without a
        price fail a price bound).

        Ranking: the product whose id or shop code the query is, or whose name it is (up to
        case, plurals and filler words), comes first (score 1.0, ``match`` ``"id"``, ``"code"``
        or ``"exact"``); for an id or a code, its most similar products follow (not ``close``).
        Then a pool of ``pool`` hybrid candidates (dense MiniLM + BM25 words + name trigrams,
        fused by RRF in Qdrant) re-ranked by :func:`~cartwise.retrieval.rerank.rerank`: the
        base score ``(1 - name_weight) * fused + name_weight * name similarity`` (so near-exact
        names rise to the top and misspellings still match) plus the dense similarity, the
        pool's agreement on the product's aisle (popular products weighing more) and, for a
        descriptive query, how close the query is to the product's aisle as a whole (the
        centroid of its products' embeddings). ``score`` is the re-ranking score mapped to
        0..1 (:func:`~cartwise.retrieval.rerank.display_score`); ``close`` says whether the hit
        matches the query closely, ``match`` whether it is what the query asks for (see the
        module docstring; when the query's words pick products out, those come first). An
        empty query returns nothing.

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
            return first + [dataclasses.replace(h, close=False, match=False) for h in rest]
        pinned = [r for r in self._exact.get(name_key(query), [])
                  if self.catalog.accepts(r, where)][:k]
        out = [self._hit(r, 1.0, "exact") for r in pinned]
        if len(out) >= k:
            return out
        w = self.reranking
        rows, fused, vectors, qv = self._candidates(query, flt, max(self.pool, k),
                                                    with_vectors=self._vectors is None)
        keep = ~np.isin(rows, pinned)
        rows, fused = rows[keep], fused[keep]
        if self._vectors is not None:
            vectors = np.asarray(self._vectors[rows], dtype=np.float32)
        elif vectors is not None:
            vectors = vectors[keep]
        if not len(rows):
            return out
        q_tokens = tokens(query)
        sims = np.array(name_similarities(q_tokens, [self._name_tokens[r] for r in rows]))
        dense = (vectors @ np.asarray(qv, dtype=np.float32) if vectors is not None
                 else np.zeros(len(rows)))
        groups = self._groups[rows] if self._groups is not None else None
        aisle = None
        if w.aisle_weight and self._centroids is not None and groups is not None:
            aisle = group_prior(self._centroids, qv, w.aisle_temperature)[groups]
        score = rerank(fused, sims, dense, w, vectors=vectors, groups=groups,
                       popularity=self._pop[rows], aisle=aisle)
        shown = display_score(score, w) if w.active else score
        close = (close_matches(dense, sims, w) if vectors is not None
                 else sims >= w.close_name)
        # what matches: the products holding every query word when the filters leave any
        # (an exact name counts; they are listed first), else (a descriptive request) the
        # close ones, in the ranking's order
        holds = np.array([self._holds_words(q_tokens, int(r)) for r in rows], dtype=bool)
        literal = bool(pinned) or bool(holds.any())
        match = holds & close if literal else close
        order = np.lexsort((-score, ~match)) if literal else np.argsort(-score, kind="stable")
        order = order[: k - len(out)]
        out += [self._hit(int(rows[i]), shown[i], "search", bool(close[i]), bool(match[i]))
                for i in order]
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
