"""The model registry: names -> classes and settings, and fitting them all."""

from __future__ import annotations

import logging
import time
from typing import Any

from cartwise.recsys.als import ALSParams, ALSRecommender
from cartwise.recsys.base import Recommender
from cartwise.recsys.interactions import Interactions
from cartwise.recsys.itemcf import ItemCFParams, ItemCFRecommender
from cartwise.recsys.popularity import PopularityParams, PopularityRecommender
from cartwise.recsys.repeat import RepeatParams, RepeatRecommender

log = logging.getLogger(__name__)

MODELS: dict[str, tuple[type[Recommender], type]] = {
    "als": (ALSRecommender, ALSParams),
    "item_cf": (ItemCFRecommender, ItemCFParams),
    "popularity": (PopularityRecommender, PopularityParams),
    "repeat": (RepeatRecommender, RepeatParams),
}


def make_model(name: str, params: dict[str, Any] | None = None) -> Recommender:
    """An unfitted model ``name`` with ``params`` (fields of its params dataclass)."""
    cls, params_cls = MODELS[name]
    return cls(params_cls(**(params or {})))  # type: ignore[call-arg]


def fit_models(x: Interactions, params: dict[str, dict[str, Any]] | None = None,
               timings: dict[str, float] | None = None) -> dict[str, Recommender]:
    """Fit every registered model on ``x``; ``timings`` (if given) gets seconds per model."""
    params = params or {}
    out = {}
    for name in MODELS:
        t0 = time.perf_counter()
        out[name] = make_model(name, params.get(name)).fit(x)
        took = time.perf_counter() - t0
        if timings is not None:
            timings[name] = took
        log.info("fitted %s on %d users x %d items in %.1f s", name, x.n_users, x.n_items, took)
    return out
