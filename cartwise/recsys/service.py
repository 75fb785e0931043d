"""The recommendation service: external ids in, JSON-able recommendations out.

:class:`Recommenders` wraps the fitted models (:class:`~cartwise.recsys.engine.Engine`) with the
catalogue, argument checks, filters, cold start and human reasons. It is what the tools and the
REST API call; it never raises for an unknown or history-less user (it falls back to best sellers,
flagged), and raises :class:`UnknownProduct` / :class:`UnknownUser` / :class:`InvalidArgument`
where a look-up or an argument is wrong.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cartwise.data.stage import read_data
from cartwise.errors import InvalidArgument, UnknownProduct, UnknownUser
from cartwise.recsys.engine import STRATEGIES, Engine, Ranked
from cartwise.recsys.interactions import Interactions
from cartwise.recsys.itemcf import ItemCFRecommender
from cartwise.recsys.popularity import PopularityRecommender
from cartwise.recsys.rerank import TuningConfig, cycle_info, spending_segment
from cartwise.recsys.stage import load_artifacts
from cartwise.store import Store

log = logging.getLogger(__name__)

MAX_K = 100


@dataclass
class Recommendation:
    """One recommended product. ``relevance`` and ``confidence`` are in 0..1 (see Engine)."""

    product_id: int
    name: str
    department: str
    aisle: str
    price: float | None
    relevance: float
    confidence: float
    model: str
    reason: str


@dataclass
class RecommendationList:
    """A user's recommendations. ``fallback`` is None for personal results, else why best sellers
    were given instead: ``"unknown_user"`` or ``"no_history"``."""

    user_id: int
    strategy: str
    items: list[Recommendation]
    fallback: str | None = None
    filters: dict[str, Any] = field(default_factory=dict)
    segment: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Recommenders:
    """Recommendations, similar items and similar users over one fitted store.

    Args:
        x: the interactions the models were fitted on.
        engine: the fitted models, weights and tuning.
        products: the canonical products table (names, aisles, departments, prices).
        known_users: every user id in the data (with or without purchases).
    """

    def __init__(self, x: Interactions, engine: Engine, products: pd.DataFrame,
                 known_users: np.ndarray) -> None:
        self.x = x
        self.engine = engine
        p = products.set_index("product_id").reindex(x.item_ids)
        self._names = p["product_name"].astype(str).to_numpy()
        self._aisles = p["aisle"].astype(str).to_numpy()
        self._departments = p["department"].astype(str).to_numpy()
        self._known_users = np.sort(np.asarray(known_users, np.int64))
        avg = x.user_avg_price[np.isfinite(x.user_avg_price)]
        self._quartiles = np.quantile(avg, [0.25, 0.5, 0.75]) if len(avg) else np.array([])
        self._dept_names = sorted(set(self._departments))

    @classmethod
    def from_store(cls, store: Store, tuning: TuningConfig | None = None) -> Recommenders:
        """Load the recsys stage (and the products and users of the data stage)."""
        x, models, manifest = load_artifacts(store)
        data = read_data(store, tables=("products", "users"))
        stored = TuningConfig(**manifest["config"]["tuning"])
        engine = Engine(x, models, manifest["weights"], tuning or stored)
        return cls(x, engine, data.products, data.users["user_id"].to_numpy())

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
        department: str | None = None,
        min_price: float | None = None,
        max_price: float | None = None,
        exclude_purchased: bool = False,
    ) -> RecommendationList:
        """Top ``k`` products for ``user_id`` with ``strategy`` and the given filters.

        Prices are in the data's currency. An unknown user, or one without purchases, gets best
        sellers (respecting the filters) with ``fallback`` set.

        Raises:
            InvalidArgument: k outside 1..100, an unknown strategy or department, a negative or
                inverted price range, or a price filter on data without prices.
        """
        k = _check_k(k)
        if strategy not in STRATEGIES:
            raise InvalidArgument("strategy", strategy, STRATEGIES)
        dept = self.resolve_department(department)
        self._check_prices(min_price, max_price)
        filters = {"department": dept, "min_price": min_price, "max_price": max_price,
                   "exclude_purchased": exclude_purchased}
        row = self.x.user_row(int(user_id))
        allowed = self._allowed(row, dept, min_price, max_price, exclude_purchased)
        if row is None:
            known = _contains(self._known_users, int(user_id))
            ranked = self.engine.rank(-1, k, "popularity", allowed, use_rerank=False)
            return RecommendationList(
                int(user_id), strategy, self._items(ranked, -1),
                fallback="no_history" if known else "unknown_user", filters=filters,
            )
        ranked = self.engine.rank(row, k, strategy, allowed)
        return RecommendationList(
            int(user_id), strategy, self._items(ranked, row), filters=filters,
            segment=spending_segment(self.x.user_avg_price[row], self._quartiles),
        )

    def similar_items(self, product_id: int, k: int = 5, strategy: str = "item_cf"
                      ) -> list[dict[str, Any]]:
        """Products bought by the same shoppers as ``product_id`` (item-CF; ALS factors with
        ``strategy="als"``), best first, each with a similarity score in 0..1.

        Raises:
            UnknownProduct: the id is not in the catalogue.
        """
        k = _check_k(k)
        col = self.x.item_row(int(product_id))
        if col is None:
            raise UnknownProduct(product_id)
        model = self.engine.models[strategy]
        if not model.has_item_similarity:
            raise InvalidArgument("strategy", strategy, ["item_cf", "als"])
        idx, scores = model.similar_items(col, k)
        return [self._product(int(i)) | {"score": round(float(np.clip(s, 0, 1)), 4),
                                         "model": strategy,
                                         "reason": f"bought by the same shoppers as "
                                                   f"{self._names[col]}"}
                for i, s in zip(idx, scores, strict=True) if s > 0]

    def similar_users(self, user_id: int, k: int = 5) -> list[dict[str, Any]]:
        """Shoppers whose purchase histories are most like ``user_id``'s (cosine of ALS user
        factors, 0..1), with how many products they share.

        Raises:
            UnknownUser: the user is not in the data. A user without purchases gets ``[]``.
        """
        k = _check_k(k)
        row = self.x.user_row(int(user_id))
        if row is None:
            if _contains(self._known_users, int(user_id)):
                return []
            raise UnknownUser(user_id)
        idx, scores = self.engine.models["als"].similar_users(row, k)
        mine = set(self.x.user_items(row)[0].tolist())
        out = []
        for r, s in zip(idx, scores, strict=True):
            theirs = self.x.user_items(int(r))[0]
            shared = [int(i) for i in theirs if int(i) in mine]
            out.append({"user_id": int(self.x.user_ids[r]),
                        "score": round(float(np.clip(s, 0, 1)), 4),
                        "shared_products": len(shared),
                        "examples": [self._names[i] for i in shared[:3]]})
        return out

    def popular(self, k: int = 10, department: str | None = None) -> list[dict[str, Any]]:
        """Best sellers (by purchases), optionally in one department."""
        k = _check_k(k)
        dept = self.resolve_department(department)
        allowed = self._allowed(None, dept, None, None, False)
        ranked = self.engine.rank(-1, k, "popularity", allowed, use_rerank=False)
        pop = self.engine.models["popularity"]
        assert isinstance(pop, PopularityRecommender)
        return [self._product(int(i)) | {"purchases": int(pop.purchases[i]),
                                         "buyers": int(pop.buyers[i])} for i in ranked.items]

    def resolve_department(self, department: str | None) -> str | None:
        """The catalogue department meant by ``department`` (case-insensitive; a unique part of
        a name is enough: "dairy" -> "dairy eggs"), or None for no filter.

        Raises:
            InvalidArgument: nothing or several departments match.
        """
        if department is None or not str(department).strip():
            return None
        want = str(department).strip().lower()
        by_lower = {d.lower(): d for d in self._dept_names}
        if want in by_lower:
            return by_lower[want]
        hits = [d for d in self._dept_names if want in d.lower() or d.lower() in want]
        if len(hits) == 1:
            return hits[0]
        raise InvalidArgument("department", department, self._dept_names,
                              "it matches several departments" if hits else None)

    # ---------------------------------------------------------------- helpers
    def _check_prices(self, lo: float | None, hi: float | None) -> None:
        for name, v in (("min_price", lo), ("max_price", hi)):
            if v is not None and (not np.isfinite(v) or v < 0):
                raise InvalidArgument(name, v, "a price >= 0")
        if lo is not None and hi is not None and lo > hi:
            raise InvalidArgument("min_price", lo, f"at most max_price ({hi})")
        if (lo is not None or hi is not None) and not self.x.has_prices:
            raise InvalidArgument("max_price" if hi is not None else "min_price",
                                  hi if hi is not None else lo, "no price filter",
                                  "this shop's data has no prices to filter on")

    def _allowed(self, row: int | None, dept: str | None, lo: float | None, hi: float | None,
                 exclude_purchased: bool) -> np.ndarray | None:
        mask = np.ones(self.x.n_items, bool)
        if dept is not None:
            mask &= self.x.item_department == self.x.departments.index(dept)
        price = self.x.item_price
        if lo is not None:
            mask &= np.isfinite(price) & (price >= lo)
        if hi is not None:
            mask &= np.isfinite(price) & (price <= hi)
        if exclude_purchased and row is not None:
            mask[self.x.user_items(row)[0]] = False
        return None if mask.all() else mask

    def _product(self, col: int) -> dict[str, Any]:
        price = self.x.item_price[col]
        return {"product_id": int(self.x.item_ids[col]), "name": self._names[col],
                "department": self._departments[col], "aisle": self._aisles[col],
                "price": round(float(price), 2) if np.isfinite(price) else None}

    def _items(self, ranked: Ranked, row: int) -> list[Recommendation]:
        reasons = self._reasons(ranked, row)
        return [
            Recommendation(**self._product(int(i)), relevance=round(float(r), 4),
                           confidence=round(float(c), 4), model=m, reason=why)
            for i, r, c, m, why in zip(ranked.items, ranked.relevance, ranked.confidence,
                                       ranked.model, reasons, strict=True)
        ]

    def _reasons(self, ranked: Ranked, row: int) -> list[str]:
        items = ranked.items
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
                out.append(f"bought {n} times" + (f", usually every {every:.0f} days"
                                                  if np.isfinite(every) and every >= 1 else ""))
            elif model == "item_cf" and contrib[j] >= 0:
                out.append(f"often bought by shoppers who buy {self._names[contrib[j]]}")
            elif model == "als":
                out.append("popular with shoppers whose baskets look like yours")
            else:
                where = f"in {self._departments[i].title()}" if rank is None else (
                    f"#{int(rank[i])} best seller overall")
                out.append(f"popular: {where}")
        return out


def _check_k(k: int) -> int:
    if not isinstance(k, int | np.integer) or not 1 <= int(k) <= MAX_K:
        raise InvalidArgument("k", k, f"a whole number from 1 to {MAX_K}")
    return int(k)


def _contains(sorted_ids: np.ndarray, key: int) -> bool:
    i = int(np.searchsorted(sorted_ids, key))
    return i < len(sorted_ids) and int(sorted_ids[i]) == key
