"""The model store's stages: their names in build order and the format version each is written
in. The one place these are defined: each stage module reads its own entry (its
``FORMAT_VERSION``), and :func:`~cartwise.services.build_services` checks a store against them at
start without importing the stage modules (which import pandas, SciPy, implicit, ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cartwise.store import Store

#: Stage name -> format version, in build order. Bump a stage's version when its files or their
#: meaning change (each stage module says what each version changed); stores written in another
#: version must be rebuilt.
STAGE_FORMATS: dict[str, int] = {
    "data": 2,
    "recsys": 3,
    "analytics": 4,
    "retrieval": 2,
}

#: The stages, in build order.
STAGES: tuple[str, ...] = tuple(STAGE_FORMATS)


def is_built(store: Store) -> bool:
    """Whether every stage of ``store`` has been built (its manifest is there)."""
    return all(store.has_stage(name) for name in STAGES)
