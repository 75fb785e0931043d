"""The one place where Cartwise's parts are wired together.

``build_services(settings)`` opens the built store and loads, once, everything the tools need:
the catalogue first (products, departments, shoppers), then the recommenders, the analytics and
the product search (Qdrant over the product embeddings), each over that one catalogue. Front
ends and the agent receive the :class:`Services`; nothing is loaded at import.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from cartwise.catalog import Catalog, load_catalog
from cartwise.config import Settings
from cartwise.store import Store

if TYPE_CHECKING:  # the stages load lazily: importing this module stays cheap (the tools,
    # and through them the planner, import it)
    from cartwise.analytics.service import Analytics
    from cartwise.recsys.service import Recommenders
    from cartwise.retrieval.search import ProductSearch

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class Services:
    """The loaded parts of one built store.

    Attributes:
        settings: the settings they were loaded with.
        store: the model store.
        catalog: the one product catalogue (ids, entries, departments, prices, shoppers).
        recommenders: recommendations, similar items and users, best sellers.
        search: semantic product search, similar products, name resolution.
        analytics: the shopper analytics (served from the precomputed stage).
        load_seconds: seconds each part took to load.
        manifests: each stage's manifest as it was when the parts were loaded (what is served,
            read once: operational routes report from it without touching the disk).
    """

    settings: Settings
    store: Store
    catalog: Catalog
    recommenders: Recommenders
    search: ProductSearch
    analytics: Analytics
    load_seconds: dict[str, float] = field(default_factory=dict)
    manifests: dict[str, dict[str, Any]] = field(default_factory=dict)

    def close(self) -> None:
        """Release the product index (the other parts hold only memory)."""
        self.search.close()


def build_services(settings: Settings, store: Store | None = None) -> Services:
    """Load the parts of the store at ``settings.store_path`` (or ``store``).

    Raises:
        StoreError: a stage is missing, incompatible, or built from another catalogue (run
            ``cartwise build``).
    """
    from cartwise.analytics.stage import load_analytics
    from cartwise.build import STAGES
    from cartwise.recsys.stage import load_recsys
    from cartwise.retrieval.stage import load_retrieval

    store = store or Store(settings.store_path)
    seconds: dict[str, float] = {}

    def timed(name: str, load: Callable[[], T]) -> T:
        t0 = time.perf_counter()
        out = load()
        seconds[name] = round(time.perf_counter() - t0, 3)
        return out

    catalog = timed("catalog", lambda: load_catalog(store, settings.currency))
    recommenders = timed("recommenders", lambda: load_recsys(store, catalog))
    analytics = timed("analytics", lambda: load_analytics(store, catalog))
    search = timed("search", lambda: load_retrieval(store, settings, catalog))
    manifests = {name: store.manifest(name) or {} for name in STAGES}
    log.info("services loaded from %s (%s)", store.root,
             ", ".join(f"{k} {v:.2f} s" for k, v in seconds.items()))
    return Services(settings, store, catalog, recommenders, search, analytics, seconds,
                    manifests)
