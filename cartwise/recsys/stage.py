"""The "recsys" build stage: interactions, fitted models, hybrid weights, saved as ``.npz``.

Artifacts (all arrays loaded with ``allow_pickle=False``)::

    recsys/
      manifest.json        format version, data hash, settings, weights, timings
      interactions.npz     the user x item statistics (ids included)
      model_<name>.npz     each model's fitted arrays

The repeat model's coefficients, the hybrid weights and the repurchase-cycle tolerance are chosen
on the validation split (each user's second-to-last basket); weights and tolerance can be fixed by
settings.

Loading: :func:`load_recsys` (the stage over the store's one catalogue) is the one way to get
the :class:`~cartwise.recsys.service.Recommenders` of a store.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from cartwise.catalog import Catalog
from cartwise.config import Settings
from cartwise.data.stage import STAGE as DATA_STAGE
from cartwise.data.stage import load_data
from cartwise.errors import ConfigError, StoreError
from cartwise.recsys.base import Recommender
from cartwise.recsys.engine import Engine
from cartwise.recsys.evaluate import HYBRID_MODELS, Tuned, tune
from cartwise.recsys.interactions import Interactions, build_interactions
from cartwise.recsys.models import MODELS, fit_models
from cartwise.recsys.rerank import CYCLE_TOLERANCES, DEFAULT_CYCLE_TOLERANCE, TuningConfig
from cartwise.recsys.service import Recommenders
from cartwise.stages import STAGE_FORMATS
from cartwise.store import READ_ERRORS, StageResult, Store

log = logging.getLogger(__name__)

STAGE = "recsys"
#: Bump when the artifact files or their meaning change. 2: the interactions no longer hold
#: departments (filters go through the catalogue). 3: the cycle rule is switched by its own
#: ``cycle_rule`` knob, the tolerance is always > 0; confidence weighs the evidence. (Bumped in
#: :data:`cartwise.stages.STAGE_FORMATS`.)
FORMAT_VERSION = STAGE_FORMATS[STAGE]


@dataclass(frozen=True)
class RecsysConfig:
    """Model settings and serving knobs. None means "choose on the validation split":
    ``weights`` and ``cycle_tolerance``; the repeat model's coefficients are always fitted there.
    """

    params: dict[str, dict[str, Any]]
    weights: dict[str, float] | None
    tuning: TuningConfig
    cycle_tolerance: float | None = None
    seed: int = 42

    def to_dict(self) -> dict[str, Any]:
        return {"params": self.params, "weights": self.weights, "tuning": self.tuning.to_dict(),
                "cycle_tolerance": self.cycle_tolerance, "seed": self.seed}

    def resolved(self, tuned: Tuned) -> RecsysConfig:
        """This config with the chosen values filled in."""
        params = {**self.params, "repeat": tuned.repeat}
        return replace(self, params=params, weights=tuned.weights,
                       tuning=replace(self.tuning, cycle_tolerance=tuned.cycle_tolerance),
                       cycle_tolerance=tuned.cycle_tolerance)


def parse_weights(text: str | None) -> dict[str, float] | None:
    """Parse ``"als=0.4,item_cf=0.4,popularity=0.2"`` into weights scaled to sum to 1.

    Raises:
        ConfigError: a part is not NAME=WEIGHT with a known model and a weight >= 0.
    """
    if not text:
        return None
    out: dict[str, float] = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        name = name.strip()
        try:
            weight = float(value)
        except ValueError:
            weight = -1.0
        if not sep or name not in HYBRID_MODELS or weight < 0:
            raise ConfigError(f"hybrid_weights: expected NAME=WEIGHT with NAME in "
                              f"{', '.join(HYBRID_MODELS)} and WEIGHT >= 0, got {part!r}")
        out[name] = weight
    total = sum(out.values())
    if total <= 0:
        raise ConfigError("hybrid_weights: the weights must not all be zero")
    return {name: w / total for name, w in out.items()}


def recsys_config(s: Settings) -> RecsysConfig:
    """The recommender configuration from settings."""
    return RecsysConfig(
        params={
            "als": {"factors": s.als_factors, "regularization": s.als_regularization,
                    "alpha": s.als_alpha, "iterations": s.als_iterations,
                    "spend_weight": s.als_spend_weight, "quantity_weight": s.als_quantity_weight,
                    "seed": s.demo_seed},
            "item_cf": {"neighbours": s.itemcf_neighbours, "spend_weight": s.itemcf_spend_weight},
            "popularity": {"half_life_days": s.popularity_half_life_days},
            "repeat": {},
        },
        weights=parse_weights(s.hybrid_weights),
        tuning=TuningConfig(
            pool=s.rec_pool, cycle_rule=s.rec_cycle_rule,
            cycle_tolerance=s.rec_cycle_tolerance or DEFAULT_CYCLE_TOLERANCE,
            budget_tolerance=s.rec_budget_tolerance,
            over_budget_weight=s.rec_over_budget_weight, upsell=s.rec_upsell,
            confidence_prior=s.rec_confidence_prior,
        ),
        cycle_tolerance=s.rec_cycle_tolerance,
        seed=s.demo_seed,
    )


def build_recsys_stage(store: Store, config: RecsysConfig, force: bool = False
                       ) -> StageResult:
    """Fit every model on the store's data stage and publish them, unless up to date.

    The caller holds ``store.lock()``. The input hash is the data stage's hash plus the config.
    """
    t0 = time.perf_counter()
    data_manifest = store.manifest(DATA_STAGE)
    if data_manifest is None:
        raise StoreError(f"the store {store.root} has no data stage: build it first")
    digest = json.dumps({"data": data_manifest.get("input_hash"), "format": FORMAT_VERSION,
                         "config": config.to_dict()}, sort_keys=True)
    current = store.manifest(STAGE)
    if not force and current is not None and current.get("input_key") == digest:
        log.info("recsys stage is up to date")
        return _result(current, False, time.perf_counter() - t0)

    data = load_data(store, tables=("products", "orders", "order_lines", "users"))
    timings: dict[str, float] = {}
    t = time.perf_counter()
    tuned = tune(
        data, config.params, config.tuning, weights=config.weights,
        tolerances=CYCLE_TOLERANCES if config.cycle_tolerance is None else
        (config.cycle_tolerance,),
        seed=config.seed,
    )
    final = config.resolved(tuned)
    timings["tune"] = time.perf_counter() - t
    t = time.perf_counter()
    x = build_interactions(data)
    timings["interactions"] = time.perf_counter() - t
    models = fit_models(x, final.params, timings)
    manifest = {
        "format_version": FORMAT_VERSION,
        "input_key": digest,
        "config": final.to_dict(),
        "weights": final.weights,
        "validation": {"ndcg@10": round(tuned.ndcg, 6), "users": tuned.users},
        "shape": {"users": x.n_users, "items": x.n_items, "pairs": int(x.counts.nnz)},
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
    }
    with store.write_stage(STAGE, manifest) as tmp:
        save_artifacts(tmp, x, models)
    return _result(store.manifest(STAGE) or manifest, True, time.perf_counter() - t0, timings)


def _result(m: dict[str, Any], rebuilt: bool, seconds: float,
            timings: dict[str, float] | None = None) -> StageResult:
    validation = m.get("validation", {})
    tuning = m.get("config", {}).get("tuning", {})
    cycle = (f"cycle tolerance {tuning.get('cycle_tolerance')}" if tuning.get("cycle_rule", True)
             else "cycle rule off (setting)")
    if validation.get("users"):
        details = [f"hybrid weights {m.get('weights')}, {cycle}: chosen on the validation split "
                   f"(NDCG@10 {validation.get('ndcg@10')} over {validation.get('users')} users)"]
    else:  # e.g. baskets without order histories: every shopper has one order
        details = [f"hybrid weights {m.get('weights')}, {cycle}: defaults, not tuned (no "
                   "validation split: no shopper has an earlier basket to hold back)"]
    return StageResult(STAGE, rebuilt, m, seconds, dict(m.get("shape", {})), details,
                       timings or {})


#: The user x item statistics, ids included.
INTERACTIONS_FILE = "interactions.npz"


def model_file(name: str) -> str:
    """The file of the fitted arrays of model ``name`` (``model_als.npz``, ...)."""
    return f"model_{name}.npz"


def save_artifacts(folder: Path, x: Interactions, models: dict[str, Recommender]) -> None:
    """Write the interactions and every model's arrays into ``folder``."""
    np.savez(folder / INTERACTIONS_FILE, **x.arrays())
    for name, model in models.items():
        np.savez(folder / model_file(name), **model.arrays())


def load_recsys(store: Store, catalog: Catalog, tuning: TuningConfig | None = None
                ) -> Recommenders:
    """The :class:`~cartwise.recsys.service.Recommenders` of the store's recsys stage, over
    ``catalog`` (the store's one catalogue, :func:`cartwise.catalog.load_catalog`).

    Args:
        tuning: serving knobs to use instead of the ones chosen at build time.

    Raises:
        StoreError: no recsys stage, another format version, arrays that do not fit together,
            or a stage built from another catalogue than ``catalog`` (rebuild it).
    """
    x, models, manifest = _load_artifacts(store)
    stored = TuningConfig(**manifest["config"]["tuning"])
    engine = Engine(x, models, manifest["weights"], tuning or stored)
    return Recommenders(catalog, x, engine)


def _load_artifacts(store: Store) -> tuple[Interactions, dict[str, Recommender], dict[str, Any]]:
    """Interactions, models and manifest of the store's recsys stage.

    Raises:
        StoreError: no recsys stage, another format version, or arrays that do not fit together.
    """
    folder, manifest = store.open_stage(STAGE, FORMAT_VERSION)
    try:
        params = manifest["config"]["params"]
    except (KeyError, TypeError) as exc:
        raise StoreError(f"the recsys stage in {folder} has a manifest without the models' "
                         f"parameters ({exc}): rebuild it with `cartwise build --force`") from exc
    name = INTERACTIONS_FILE
    try:
        with np.load(folder / name, allow_pickle=False) as z:
            x = Interactions.from_arrays({k: z[k] for k in z.files})
        models: dict[str, Recommender] = {}
        for model, (cls, _) in MODELS.items():
            name = model_file(model)
            with np.load(folder / name, allow_pickle=False) as z:
                models[model] = cls.from_arrays({k: z[k] for k in z.files}, params[model])
    except READ_ERRORS as exc:
        raise store.file_error(STAGE, name, exc) from exc
    _check_shapes(x, models, folder)
    return x, models, manifest


def _check_shapes(x: Interactions, models: dict[str, Recommender], folder: Path) -> None:
    als = models["als"]
    item_cf = models["item_cf"]
    problems = []
    if getattr(als, "user_factors", np.empty((0,))).shape[0] != x.n_users:
        problems.append("ALS user factors do not match the users")
    if getattr(als, "item_factors", np.empty((0,))).shape[0] != x.n_items:
        problems.append("ALS item factors do not match the items")
    if getattr(item_cf, "similarity", None) is None or item_cf.similarity.shape != (
            x.n_items, x.n_items):
        problems.append("item-CF similarity does not match the items")
    if problems:
        raise StoreError(f"the recsys stage in {folder} is inconsistent: {'; '.join(problems)}")
