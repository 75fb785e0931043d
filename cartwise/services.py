"""The one place where Cartwise's parts are wired together.

``build_services(settings)`` opens the built store and loads, once, everything the tools need:
the recommenders, the product search (Qdrant over the product embeddings), the analytics and the
catalogue. Front ends and the agent receive the :class:`Services`; nothing is loaded at import.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from cartwise.config import Settings
from cartwise.data.stage import read_data
from cartwise.store import Store

if TYPE_CHECKING:
    from cartwise.agent.planner import CatalogVocabulary
    from cartwise.analytics.service import Analytics
    from cartwise.recsys.service import Recommenders
    from cartwise.retrieval.search import ProductSearch

log = logging.getLogger(__name__)


@dataclass
class Services:
    """The loaded parts of one built store.

    Attributes:
        settings: the settings they were loaded with.
        store: the model store.
        recommenders: recommendations, similar items and users, best sellers.
        search: semantic product search, similar products, name resolution.
        analytics: the shopper analytics (served from the precomputed stage).
        products: the catalogue (``product_id``, ``product_name``, ``aisle``, ``department``,
            ``price`` in the data's currency or NaN), in the data stage's order.
        load_seconds: seconds each part took to load.
    """

    settings: Settings
    store: Store
    recommenders: Recommenders
    search: ProductSearch
    analytics: Analytics
    products: pd.DataFrame
    load_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def has_prices(self) -> bool:
        """Whether the catalogue has prices."""
        return bool(self.products["price"].notna().any())

    def vocabulary(self) -> CatalogVocabulary:
        """What the offline planner needs to know about the shop: departments, aisles (with
        their departments), product names and whether there are prices."""
        from cartwise.agent.planner import CatalogVocabulary

        p = self.products
        pairs = p[["aisle", "department"]].drop_duplicates("aisle")
        return CatalogVocabulary(
            departments=sorted(p["department"].astype(str).unique().tolist()),
            aisles=sorted(p["aisle"].astype(str).unique().tolist()),
            product_names=p["product_name"].astype(str).tolist(),
            has_prices=self.has_prices,
            aisle_departments=dict(zip(pairs["aisle"].astype(str), pairs["department"].astype(str),
                                       strict=True)),
        )

    def close(self) -> None:
        """Release the product index (the other parts hold only memory)."""
        self.search.close()


def build_services(settings: Settings, store: Store | None = None) -> Services:
    """Load the parts of the store at ``settings.store_path`` (or ``store``).

    Raises:
        StoreError: a stage is missing or incompatible (run ``cartwise build``).
    """
    from cartwise.analytics.service import Analytics
    from cartwise.recsys.service import Recommenders
    from cartwise.retrieval.stage import open_product_search

    store = store or Store(settings.store_path)
    seconds: dict[str, float] = {}

    def timed(name: str, load):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        out = load()
        seconds[name] = round(time.perf_counter() - t0, 3)
        return out

    products = timed("catalog", lambda: read_data(store, tables=("products",)).products)
    recommenders = timed("recommenders", lambda: Recommenders.from_store(store))
    analytics = timed("analytics", lambda: Analytics.from_store(store))
    search = timed("search", lambda: open_product_search(store, settings))
    log.info("services loaded from %s (%s)", store.root,
             ", ".join(f"{k} {v:.2f} s" for k, v in seconds.items()))
    return Services(settings, store, recommenders, search, analytics, products, seconds)
