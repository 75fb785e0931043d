"""The recommendation service: external ids in, typed recommendations out.

:class:`Recommenders` wraps the fitted models (:class:`~cartwise.recsys.engine.Engine`) with the
one product catalogue (:class:`~cartwise.catalog.Catalog`: product entries, shoppers, filters),
cold start and human reasons. It is what the tools and the REST API call; it never raises for an
unknown or history-less user (it falls back to best sellers, flagged), and raises
:class:`UnknownProduct` / :class:`UnknownUser` / :class:`InvalidArgument` where a look-up or an
argument is wrong.

Id spaces: callers speak external ids (``product_id``, ``user_id``); the models speak item
columns and user rows of :class:`~cartwise.recsys.interactions.Interactions`. Item column ``i``
is catalogue row ``i`` (both are the products sorted by id; checked when the service is built).
Loading from a store: :func:`cartwise.recsys.stage.load_recsys`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from cartwise.catalog import Catalog, Product, ProductFilter, check_k
from cartwise.errors import InvalidArgument, StoreError, UnknownProduct, UnknownUser
from cartwise.formatting import plural, times
from cartwise.recsys.engine import STRATEGIES, Engine, Ranked
from cartwise.recsys.interactions import Interactions
from cartwise.recsys.itemcf import ItemCFRecommender
from cartwise.recsys.popularity import PopularityRecommender
from cartwise.recsys.rerank import TuningConfig, cycle_info

log = logging.getLogger(__name__)

#: Why a user got best sellers instead of personal recommendations.
Fallback = Literal["unknown_user", "no_history"]


@dataclass(frozen=True)
class Recommendation:
    """One recommended product.

    ``relevance``: the final blended, re-ranked score, 0..1; ``confidence``: how well
    supported it is, 0..1: the share of blend weight whose models proposed the product times the
    evidence behind it (see :class:`~cartwise.recsys.engine.Ranked`);
    ``model``: the strategy contributing most; ``reason``: one human sentence.
    """

    product: Product
    relevance: float
    confidence: float
    model: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"product": self.product.model_dump(), "relevance": self.relevance,
                "confidence": self.confidence, "model": self.model, "reason": self.reason}


@dataclass(frozen=True)
class RecommendationList:
    """A user's recommendations, best first.

    ``fallback`` is None for personal results, else why best sellers were given instead:
    ``"unknown_user"`` (the id is not one of the shop's shoppers) or ``"no_history"`` (a
    shopper without purchases). ``where`` and ``exclude_purchased`` are the filters the items
    obey; ``orders`` is the number of the shopper's orders the models learned from (0 for a
    fallback). The shopper's spending segment is the analytics' (one definition, added by the
    tool).
    """

    user_id: int
    strategy: str
    items: list[Recommendation]
    fallback: Fallback | None = None
    where: ProductFilter = field(default_factory=ProductFilter)
    exclude_purchased: bool = False
    orders: int = 0

    def to_dict(self) -> dict[str, Any]:
        w = self.where
        return {"user_id": self.user_id, "strategy": self.strategy,
                "items": [i.to_dict() for i in self.items], "fallback": self.fallback,
                "where": {"departments": list(w.departments) if w.departments else None,
                          "min_price": w.min_price, "max_price": w.max_price},
                "exclude_purchased": self.exclude_purchased, "orders": self.orders}


@dataclass(frozen=True)
class SimilarItem:
    """A product bought by the same shoppers as another: ``score`` is the model's similarity,
    0..1; ``model`` ``"item_cf"`` or ``"als"``."""

    product: Product
    score: float
    model: str
    reason: str


@dataclass(frozen=True)
class SimilarUser:
    """A shopper with a similar history: ``score`` is the cosine of ALS user factors, 0..1;
    ``shared_products`` how many products both bought; ``examples`` up to three of their
    names."""

    user_id: int
    score: float
    shared_products: int
    examples: list[str]


@dataclass(frozen=True)
class BestSeller:
    """A best seller: ``purchases`` (orders containing it) and distinct ``buyers``."""

    product: Product
    purchases: int
    buyers: int


class Recommenders:
    """Recommendations, similar items and users, and best sellers over one fitted store.

    Args:
        catalog: the shop's catalogue; its rows must be the item columns of ``x``.
        x: the interactions the models were fitted on.
        engine: the fitted models, weights and tuning (over ``x``).

    Raises:
        StoreError: ``x``'s items are not the catalogue's products (a recsys stage built from
            another data stage: rebuild it).
    """

    def __init__(self, catalog: Catalog, x: Interactions, engine: Engine) -> None:
        if not np.array_equal(x.item_ids, catalog.ids):
            raise StoreError(
                f"the recommenders were built for {x.n_items:,} products, the catalogue has "
                f"{len(catalog):,} other or differently ordered ones: rebuild the store with "
                "`cartwise build --force`")
        self.catalog = catalog
        self.x = x
        self.engine = engine

    # ---------------------------------------------------------------- public API
    @property
    def tuning(self) -> TuningConfig:
        """The serving knobs in force (read-only)."""
        return self.engine.tuning

    @property
    def weights(self) -> dict[str, float]:
        """The hybrid's weights (summing to 1)."""
        return dict(self.engine.weights)

    def recommend(
        self,
        user_id: int,
        k: int = 5,
        strategy: str = "hybrid",
        where: ProductFilter | None = None,
        exclude_purchased: bool = False,
    ) -> RecommendationList:
        """Top ``k`` products for ``user_id`` with ``strategy``, within ``where`` (a checked
        filter from :meth:`Catalog.product_filter <cartwise.catalog.Catalog.product_filter>`:
        departments, prices in the data's currency) and, with ``exclude_purchased``, only
        products the user never bought.

        An unknown user, or one without purchases, gets best sellers (within the filters) with
        ``fallback`` set.

        Raises:
            InvalidArgument: ``k`` outside 1..100 or an unknown ``strategy``.
        """
        k = check_k(k)
        if strategy not in STRATEGIES:
            raise InvalidArgument("strategy", strategy, STRATEGIES)
        where = where or ProductFilter()
        row = self.x.user_row(int(user_id))
        allowed = self._allowed(row, where, exclude_purchased)
        if row is None:
            known = self.catalog.has_user(int(user_id))
            ranked = self.engine.rank(-1, k, "popularity", allowed, use_rerank=False)
            return RecommendationList(
                int(user_id), strategy, self._items(ranked, -1),
                fallback="no_history" if known else "unknown_user", where=where,
                exclude_purchased=exclude_purchased,
            )
        ranked = self.engine.rank(row, k, strategy, allowed)
        return RecommendationList(
            int(user_id), strategy, self._items(ranked, row), where=where,
            exclude_purchased=exclude_purchased, orders=int(self.x.user_orders[row]),
        )

    def purchased(self, user_id: int) -> frozenset[int]:
        """The product ids ``user_id`` ever bought (empty for a shopper without purchases or an
        unknown one)."""
        row = self.x.user_row(int(user_id))
        if row is None:
            return frozenset()
        return frozenset(int(i) for i in self.catalog.ids[self.x.user_items(row)[0]])

    def similar_items(self, product_id: int, k: int = 5, strategy: str = "item_cf"
                      ) -> list[SimilarItem]:
        """Products bought by the same shoppers as ``product_id`` (item-CF; ALS factors with
        ``strategy="als"``), best first, each with a similarity score in 0..1.

        Raises:
            UnknownProduct: the id is not in the catalogue.
            InvalidArgument: ``k`` outside 1..100, or a strategy without item similarity.
        """
        k = check_k(k)
        col = self.catalog.row(product_id)
        if col is None:
            raise UnknownProduct(product_id)
        model = self.engine.models.get(strategy)
        if model is None or not model.has_item_similarity:
            raise InvalidArgument("strategy", strategy, ["item_cf", "als"])
        idx, scores = model.similar_items(col, k)
        reason = f"bought by the same shoppers as {self.catalog.names[col]}"
        return [SimilarItem(self.catalog.product(int(i)), round(float(np.clip(s, 0, 1)), 4),
                            strategy, reason)
                for i, s in zip(idx, scores, strict=True) if s > 0]

    def similar_users(self, user_id: int, k: int = 5) -> list[SimilarUser]:
        """Shoppers whose purchase histories are most like ``user_id``'s (cosine of ALS user
        factors, 0..1), best first, with how many products they share.

        Raises:
            UnknownUser: the id is not one of the shop's shoppers. A shopper without purchases
                gets ``[]``.
            InvalidArgument: ``k`` outside 1..100.
        """
        k = check_k(k)
        row = self.x.user_row(int(user_id))
        if row is None:
            if self.catalog.has_user(int(user_id)):
                return []
            raise UnknownUser(user_id)
        idx, scores = self.engine.models["als"].similar_users(row, k)
        mine = set(self.x.user_items(row)[0].tolist())
        out = []
        for r, s in zip(idx, scores, strict=True):
            theirs = self.x.user_items(int(r))[0]
            shared = [int(i) for i in theirs if int(i) in mine]
            out.append(SimilarUser(int(self.x.user_ids[r]), round(float(np.clip(s, 0, 1)), 4),
                                   len(shared), [str(self.catalog.names[i]) for i in shared[:3]]))
        return out

    def popular(self, k: int = 10, where: ProductFilter | None = None) -> list[BestSeller]:
        """Best sellers (by purchases, best first), optionally within ``where`` (one or several
        departments, a price range).

        Raises:
            InvalidArgument: ``k`` outside 1..100.
        """
        k = check_k(k)
        allowed = self._allowed(None, where or ProductFilter(), False)
        ranked = self.engine.rank(-1, k, "popularity", allowed, use_rerank=False)
        pop = self.engine.models["popularity"]
        assert isinstance(pop, PopularityRecommender)
        return [BestSeller(self.catalog.product(int(i)), int(pop.purchases[i]),
                           int(pop.buyers[i])) for i in ranked.items]

    # ---------------------------------------------------------------- helpers
    def _allowed(self, row: int | None, where: ProductFilter, exclude_purchased: bool
                 ) -> np.ndarray | None:
        """Bool mask over item columns of what may be recommended; None = everything."""
        mask = self.catalog.mask(where)
        if exclude_purchased and row is not None:
            mask = np.ones(self.x.n_items, bool) if mask is None else mask.copy()
            mask[self.x.user_items(row)[0]] = False
        return None if mask is None or mask.all() else mask

    def _items(self, ranked: Ranked, row: int) -> list[Recommendation]:
        reasons = self._reasons(ranked, row)
        return [
            Recommendation(self.catalog.product(int(i)), relevance=round(float(r), 4),
                           confidence=round(float(c), 4), model=m, reason=why)
            for i, r, c, m, why in zip(ranked.items, ranked.relevance, ranked.confidence,
                                       ranked.model, reasons, strict=True)
        ]

    def _reasons(self, ranked: Ranked, row: int) -> list[str]:
        items = ranked.items
        names = self.catalog.names
        if row < 0:
            counts = np.zeros(len(items))
            interval = np.full(len(items), np.nan)
        else:
            counts, interval, _ = cycle_info(self.x, row, items)
        contrib = np.full(len(items), -1)
        item_cf = self.engine.models.get("item_cf")
        from_cf = np.array([m == "item_cf" for m in ranked.model], bool)
        if row >= 0 and from_cf.any() and isinstance(item_cf, ItemCFRecommender):
            contrib[from_cf] = item_cf.contributors(self.x, row, items[from_cf])
        pop = self.engine.models["popularity"]
        rank = pop.rank() if isinstance(pop, PopularityRecommender) else None
        out = []
        for j, (i, model) in enumerate(zip(items, ranked.model, strict=True)):
            n = int(counts[j])
            if model == "repeat" or (n >= 2 and model != "popularity"):
                every = interval[j]
                days = round(every) if np.isfinite(every) and every >= 1 else 0
                out.append(f"bought {times(n)}" + (
                    "" if not days else ", usually every day" if days == 1
                    else f", usually every {plural(days, 'day')}"))
            elif model == "item_cf" and contrib[j] >= 0:
                out.append(f"often bought by shoppers who buy {names[contrib[j]]}")
            elif model == "als":
                out.append("popular with shoppers whose baskets look like yours")
            else:
                where = (f"in {self.catalog.departments[i].title()}" if rank is None
                         else f"#{int(rank[i])} best seller overall")
                out.append(f"popular: {where}")
        return out
