"""Product search, similar products, name resolution and look-ups: :class:`ProductSearch`.

Results are :class:`ProductHit` objects whose :meth:`~ProductHit.to_dict` is JSON-able. Ids are the
shop's product ids. Scores are documented per method; all are "higher is better".
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cartwise.errors import InvalidArgument, UnknownProduct
from cartwise.retrieval.embedder import Embedder
from cartwise.retrieval.text import (
    grams_query,
    name_key,
    name_similarity,
    normalize,
    tokens,
    words_query,
)
from cartwise.retrieval.vectorstore import HybridQuery, SearchFilter, VectorStore, rrf_max

log = logging.getLogger(__name__)

#: Largest ``k`` a call accepts (as the other services).
MAX_K = 100

# an id, negative ones included (no product has one; "-1" must not fuzzy-match "Banana 1 lb")
_ID_QUERY = re.compile(r"^\s*(?:product\s*(?:id)?\s*|id\s*|#\s*)?(-?\d{1,18})\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ProductHit:
    """One product in a result.

    ``price`` is in the data's currency, None where the data has none; ``popularity`` is the
    number of order lines of the product in the data (0 without orders); ``score`` is 0..1 unless
    a method says otherwise; ``match`` says why the product is here: ``"id"`` or ``"exact"``
    (the query is its id or its name), ``"search"`` (hybrid search), ``"similar"``
    (recommendation by example), ``"name"`` (name resolution).
    """

    id: int
    name: str
    aisle: str
    department: str
    price: float | None
    popularity: int
    score: float
    match: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Resolution:
    """A name resolved to a catalogue product: ``product`` with ``confidence`` (0..1, 1 = its id
    or exact name) and up to four ``alternatives`` (their ``score`` is their own confidence)."""

    product: ProductHit
    confidence: float
    alternatives: list[ProductHit] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"product": self.product.to_dict(), "confidence": self.confidence,
                "alternatives": [a.to_dict() for a in self.alternatives]}


class ProductSearch:
    """Search, similar products, name resolution and look-ups over one product index.

    Args:
        store: the vector store holding the index.
        embedder: the embedder the index was built with (queries are embedded with it).
        catalog: the catalogue frame the index was built from (:func:`~cartwise.retrieval.index.
            prepare_catalog`): names, departments, prices and popularity for results, exact-name
            and id look-ups, and the department list.
        threshold: name resolution below this confidence (0..1) raises :class:`UnknownProduct`.
        candidates: hits each retriever (dense, words, grams) passes to the fusion.
        weights: RRF weights of the dense, words and grams retrievers.
        rrf_k: the RRF rank constant (smaller = the top ranks of each list count more).
        name_weight: weight (0..1) of the query/name similarity in the final search score; the
            rest is the fused RRF score normalised to 0..1.
    """

    def __init__(
        self,
        store: VectorStore,
        embedder: Embedder,
        catalog: pd.DataFrame,
        *,
        threshold: float = 0.6,
        candidates: int = 50,
        weights: tuple[float, float, float] = (1.0, 1.0, 1.0),
        rrf_k: int = 10,
        name_weight: float = 0.5,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.threshold = threshold
        self.candidates = candidates
        self.weights = weights
        self.rrf_k = rrf_k
        self.name_weight = name_weight
        cat = catalog.reset_index(drop=True)
        self._ids = cat["product_id"].to_numpy(dtype=np.int64)
        self._row = {int(pid): i for i, pid in enumerate(self._ids)}
        self._names = cat["name"].astype(str).tolist()
        self._aisles = cat["aisle"].astype(str).tolist()
        self._depts = cat["department"].astype(str).tolist()
        self._prices = [None if pd.isna(p) else float(p) for p in cat["price"].tolist()]
        self._pop = cat["popularity"].to_numpy(dtype=np.int64)
        self._has_prices = any(p is not None for p in self._prices)
        self._name_tokens = [tokens(n) for n in self._names]
        exact: dict[str, list[int]] = {}
        for i, toks in enumerate(self._name_tokens):
            exact.setdefault(" ".join(toks), []).append(i)
        for rows in exact.values():
            rows.sort(key=lambda r: (-self._pop[r], self._ids[r]))
        self._exact = exact
        self.departments: list[str] = sorted(set(self._depts))

    def close(self) -> None:
        self.store.close()

    def __len__(self) -> int:
        return len(self._ids)

    # --- helpers -----------------------------------------------------------------------------

    def _hit(self, row: int, score: float, match: str) -> ProductHit:
        return ProductHit(
            id=int(self._ids[row]),
            name=self._names[row],
            aisle=self._aisles[row],
            department=self._depts[row],
            price=self._prices[row],
            popularity=int(self._pop[row]),
            score=round(float(score), 4),
            match=match,
        )

    def _id_row(self, text: str) -> int | None:
        m = _ID_QUERY.match(text)
        return self._row.get(int(m.group(1))) if m else None

    def resolve_department(self, department: str) -> tuple[str, ...]:
        """The catalogue departments a (partial, any-case) department name means.

        ``"Dairy"`` -> ``("dairy eggs",)``; ``"goods"`` -> ``("canned goods", "dry goods pasta")``.

        Raises:
            InvalidArgument: nothing matches (the message lists the departments).
        """
        wanted = normalize(department)
        exact = [d for d in self.departments if normalize(d) == wanted]
        if exact:
            return tuple(exact)
        q = tokens(department)
        found = [d for d in self.departments
                 if wanted and (wanted in normalize(d) or (q and set(q) <= set(tokens(d))))]
        if not found and q:
            scored = [(name_similarity(q, tokens(d)), d) for d in self.departments]
            best = max(scored)
            found = [best[1]] if best[0] >= 0.5 else []
        if not found:
            raise InvalidArgument("department", department, self.departments)
        return tuple(found)

    def _filter(self, department: str | None, min_price: float | None,
                max_price: float | None, exclude: Sequence[int] = ()) -> SearchFilter:
        depts = self.resolve_department(department) if department and department.strip() else ()
        for name, v in (("min_price", min_price), ("max_price", max_price)):
            if v is not None and (not np.isfinite(v) or v < 0):
                raise InvalidArgument(name, v, "a price >= 0")
        if min_price is not None and max_price is not None and min_price > max_price:
            raise InvalidArgument("min_price", min_price, f"at most max_price ({max_price})")
        if (min_price is not None or max_price is not None) and not self._has_prices:
            raise InvalidArgument("max_price" if max_price is not None else "min_price",
                                  max_price if max_price is not None else min_price,
                                  "no price filter", "this shop's data has no prices to filter on")
        return SearchFilter(departments=depts, min_price=min_price, max_price=max_price,
                            exclude_ids=tuple(int(i) for i in exclude))

    def _accepts(self, row: int, flt: SearchFilter) -> bool:
        return (flt.accepts(self._depts[row], self._prices[row])
                and int(self._ids[row]) not in flt.exclude_ids)

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
        out = []
        for h in self.store.hybrid(q, limit=limit, flt=flt):
            row = self._row.get(h.id)
            if row is not None:  # an index point the catalogue lacks: not served
                out.append((row, min(h.score / top, 1.0)))
        return out

    # --- the API -----------------------------------------------------------------------------

    def search(self, query: str, k: int = 5, department: str | None = None,
               min_price: float | None = None, max_price: float | None = None) -> list[ProductHit]:
        """The ``k`` products that best match ``query``, optionally within a department and a
        price range (inclusive, the data's currency; products without a price fail a price bound).

        Ranking: the product whose id the query is, or whose name it is (up to case, plurals and
        filler words), comes first (score 1.0, ``match`` ``"id"``/``"exact"``); for an id, its
        most similar products follow. Then hybrid candidates (dense MiniLM + BM25 words +
        name trigrams, fused by RRF in Qdrant) ordered by ``(1 - name_weight) * fused +
        name_weight * name similarity``, both 0..1, so near-exact names rise to the top and
        misspellings still match. An empty query returns nothing.

        Raises:
            InvalidArgument: ``k`` is not 1..100, ``department`` matches no department, a price
                bound is negative, ``min_price > max_price``, or a price bound is given for data
                without prices.
        """
        query = query.strip()
        k = _check_k(k)
        flt = self._filter(department, min_price, max_price)
        if not query:
            return []
        id_row = self._id_row(query)
        if id_row is not None:
            first = [self._hit(id_row, 1.0, "id")] if self._accepts(id_row, flt) else []
            rest = self.similar([int(self._ids[id_row])], k=k - len(first), department=department,
                                min_price=min_price, max_price=max_price) if k > len(first) else []
            return first + rest
        pinned = [r for r in self._exact.get(name_key(query), []) if self._accepts(r, flt)][:k]
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
                department: str | None = None, min_price: float | None = None,
                max_price: float | None = None) -> list[ProductHit]:
        """Products like the ``positive_ids`` and unlike the ``negative_ids`` ("like X but not
        Y"), by Qdrant's best-score recommendation on the product embeddings; the examples
        themselves are left out. ``score``: cosine similarity to the closest positive example
        (-1..1; negative when a product is closer to a negative example).

        Raises:
            UnknownProduct: an id is not in the catalogue.
            InvalidArgument: as for :meth:`search`.
        """
        k = _check_k(k)
        for pid in (*positive_ids, *negative_ids):
            if int(pid) not in self._row:
                raise UnknownProduct(pid)
        flt = self._filter(department, min_price, max_price)
        if not positive_ids:
            return []
        hits = self.store.recommend([int(i) for i in positive_ids],
                                    [int(i) for i in negative_ids], limit=int(k), flt=flt)
        return [self._hit(self._row[h.id], h.score, "similar") for h in hits if h.id in self._row]

    def resolve(self, text: str) -> Resolution:
        """The catalogue product ``text`` names: an id ("24852", "#24852"), a name ("bananas",
        "the organic avocado") or a misspelt name ("banan").

        Confidence is 1.0 for an id or an exact name (the most popular product wins when names
        repeat), else the query/name similarity (0..1) of the best hybrid candidate; ties go to
        the more popular product.

        Raises:
            UnknownProduct: the best confidence is below ``threshold``; ``closest`` names the
                nearest catalogue names.
        """
        text = text.strip()
        if not text:
            raise UnknownProduct(text)
        id_row = self._id_row(text)
        if id_row is not None:
            return Resolution(self._hit(id_row, 1.0, "id"), 1.0)
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
            closest = [self._names[r] for r in ranked[:3]]
            raise UnknownProduct(text, closest=closest)
        best = ranked[0]
        conf = cands[best][0]
        alternatives = [self._hit(r, cands[r][0], "name") for r in ranked[1:5]]
        return Resolution(self._hit(best, conf, "exact" if best in exact else "name"),
                          round(conf, 4), alternatives)

    def get(self, product_id: int | str) -> ProductHit:
        """The catalogue entry of ``product_id`` (``score`` 1.0).

        Raises:
            UnknownProduct: no such product.
        """
        try:
            row = self._row.get(int(product_id))
        except (TypeError, ValueError):
            row = None
        if row is None:
            raise UnknownProduct(product_id)
        return self._hit(row, 1.0, "id")


def _check_k(k: int) -> int:
    if not isinstance(k, int | np.integer) or not 1 <= int(k) <= MAX_K:
        raise InvalidArgument("k", k, f"a whole number from 1 to {MAX_K}")
    return int(k)
