"""Building the model store: every stage, in order, each rebuilt only when its inputs change.

The one entry point for `cartwise build`, the run command and (later) the server's retrain. A stage
is a function ``(store, settings, force) -> StageOutcome``; stages that depend on the data read it
from the store's data stage, so each can be rebuilt on its own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cartwise.config import Settings
from cartwise.data.load import resolve_source
from cartwise.data.stage import build_data_stage, read_report
from cartwise.store import Store

log = logging.getLogger(__name__)


@dataclass
class StageOutcome:
    """What one stage did: rebuilt or up to date, how long it took, and a summary to show."""

    name: str
    rebuilt: bool
    seconds: float
    summary: dict[str, Any] = field(default_factory=dict)
    details: list[str] = field(default_factory=list)


@dataclass
class BuildOutcome:
    """Every stage's outcome, in build order."""

    stages: list[StageOutcome]
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
    source = resolve_source(settings.data_path, settings.layout, settings.funnel_dir, column_map)
    store = Store(settings.store_path)
    outcomes = []
    with store.lock():
        result = build_data_stage(store, source, force=force)
        details = []
        if result.rebuilt:
            report = read_report(store)
            details += [f"removed {n:,} lines: {rule}" for rule, n in report.removed.items()]
            details += [f"note: {note}" for note in report.notes]
        outcomes.append(StageOutcome("data", result.rebuilt, result.seconds,
                                     dict(result.manifest.get("tables", {})), details))
        outcomes.append(_recsys(store, settings, force))
    return BuildOutcome(outcomes, time.perf_counter() - t0)


def _recsys(store: Store, settings: Settings, force: bool) -> StageOutcome:
    from cartwise.recsys.stage import build_recsys_stage, recsys_config

    result = build_recsys_stage(store, recsys_config(settings), force=force)
    m = result.manifest
    cfg = m.get("config", {})
    details = [f"hybrid weights: {m.get('weights')}; cycle tolerance "
               f"{cfg.get('cycle_tolerance')}",
               f"validation NDCG@10 {m.get('validation', {}).get('ndcg@10')} over "
               f"{m.get('validation', {}).get('users')} users"]
    return StageOutcome("recsys", result.rebuilt, result.seconds, dict(m.get("shape", {})),
                        details)
