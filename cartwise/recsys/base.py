"""The recommender interface every model implements.

Shapes and id spaces: models see only matrix space. ``score`` returns one float32 score per item
column of the :class:`~cartwise.recsys.interactions.Interactions` they were fitted on (higher is
better; comparable within one call, not across models -- the hybrid normalises them).
``similar_items`` / ``similar_users`` return ``(rows, scores)`` best first, never the query itself.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict
from typing import Any, ClassVar, Self

import numpy as np

from cartwise.recsys.interactions import Interactions


class Recommender(ABC):
    """Base class: ``fit`` on interactions, then ``score`` / ``similar_*``; ``arrays`` to save."""

    #: Strategy name used in tool arguments and artifacts.
    name: ClassVar[str]
    #: Whether :meth:`similar_users` is supported.
    has_user_similarity: ClassVar[bool] = False
    #: Whether :meth:`similar_items` is supported.
    has_item_similarity: ClassVar[bool] = False

    #: The model's settings: a frozen dataclass.
    params: Any

    def params_dict(self) -> dict[str, object]:
        """The settings as a JSON-able dict (stored in the manifest)."""
        return asdict(self.params)

    @abstractmethod
    def fit(self, x: Interactions) -> Self:
        """Learn from ``x``; returns self."""

    @abstractmethod
    def score(self, x: Interactions, row: int) -> np.ndarray:
        """Scores of every item for user ``row`` of ``x``: shape (n_items,), float32."""

    def similar_items(self, item: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``n`` items most like item column ``item``, best first (``item`` excluded)."""
        raise NotImplementedError(f"{self.name} has no item similarity")

    def similar_users(self, row: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``n`` users most like user ``row``, best first (``row`` excluded)."""
        raise NotImplementedError(f"{self.name} has no user similarity")

    @abstractmethod
    def arrays(self) -> dict[str, np.ndarray]:
        """The fitted state as plain arrays (saved with ``np.savez``, loaded without pickle)."""

    @classmethod
    @abstractmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], params: dict[str, object]) -> Self:
        """Rebuild a fitted model from :meth:`arrays` and the constructor ``params``."""


def top_n(scores: np.ndarray, n: int, exclude: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Indices and values of the ``n`` largest finite ``scores``, best first, ties by index."""
    s = scores.astype(np.float32, copy=True)
    if exclude is not None:
        s[exclude] = -np.inf
    finite = np.isfinite(s)
    n = min(n, int(finite.sum()))
    if n <= 0:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    part = np.argpartition(-s, n - 1)[:n] if n < len(s) else np.arange(len(s))
    order = np.lexsort((part, -s[part]))
    idx = part[order]
    return idx.astype(np.int64), s[idx]
