"""Building the model store: every stage, in order, each rebuilt only when its inputs change.

The one entry point for `cartwise build`, the run command and (later) the server's retrain. Each
stage returns a :class:`~cartwise.store.StageResult`; stages after "data" read the store's data
stage, so each can be rebuilt on its own and is skipped when its inputs did not change.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cartwise import stages
from cartwise.analytics.stage import build_analytics_stage
from cartwise.config import Settings
from cartwise.data.load import resolve_source
from cartwise.data.stage import build_data_stage
from cartwise.recsys.stage import build_recsys_stage, recsys_config
from cartwise.retrieval.stage import build_retrieval_stage
from cartwise.stages import is_built as is_built
from cartwise.store import StageResult, Store

log = logging.getLogger(__name__)

#: The store's stages, in build order (:data:`cartwise.stages.STAGES`; each stage module names
#: its own and reads its format version there).
STAGES: tuple[str, ...] = stages.STAGES


@dataclass
class BuildOutcome:
    """Every stage's outcome, in build order."""

    stages: list[StageResult]
    seconds: float


def generate_demo_data(settings: Settings, progress: bool = False) -> dict[str, Any]:
    """Generate the demo data set described by ``settings`` into ``settings.data_path``.

    Returns the generator's report as a dict.
    """
    from cartwise.data.generate import generate_demo

    report = generate_demo(
        settings.data_path,
        users=settings.demo_users,
        products=settings.demo_products,
        seed=settings.demo_seed,
        catalog_dir=settings.demo_catalog,
        progress=progress,
    )
    return report.to_dict()


def ensure_demo_data(settings: Settings) -> bool:
    """Generate the demo data set into the default data folder if it is missing.

    Only the default folder (``HOME/demo``) is ever generated: a data folder the user named and
    that does not exist is an error, not something to invent. Returns True if it generated.
    """
    if settings.data_path.exists() or settings.data_path != settings.home / "demo":
        return False
    log.info("no data at %s: generating the demo data set", settings.data_path)
    generate_demo_data(settings)
    return True


def build_store(
    settings: Settings, column_map: Mapping[str, str] | None = None, force: bool = False
) -> BuildOutcome:
    """Build every stage of the store at ``settings.store_path`` from ``settings.data_path``.

    Holds the store's build lock throughout; a failure in any stage leaves that stage (and every
    later one) at its last good version.
    """
    t0 = time.perf_counter()
    ensure_demo_data(settings)
    source = resolve_source(settings.data_path, settings.layout, settings.funnel_dir, column_map,
                            settings.catalog_dir)
    store = Store(settings.store_path)
    with store.lock():
        outcomes = [build_data_stage(store, source, force=force)]
        outcomes.append(build_recsys_stage(store, recsys_config(settings), force=force))
        outcomes.append(build_analytics_stage(store, settings, force=force))
        outcomes.append(build_retrieval_stage(store, settings, force=force))
    return BuildOutcome(outcomes, time.perf_counter() - t0)
