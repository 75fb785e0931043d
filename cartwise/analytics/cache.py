"""Finished aggregate results by call key: computed once, shared, thread-safe.

A call key names the call and its arguments (:func:`result_key`: ``"order_trends(by=week)"``);
the analytics stage stores its precomputed results under the same keys, so a
:class:`ResultCache` built from them serves exactly what the build computed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from cartwise.analytics.funnel import FunnelTables
from cartwise.analytics.results import jsonable


def result_key(name: str, **kwargs: object) -> str:
    """The key of a call: its name and its arguments sorted by name."""
    args = ",".join(f"{k}={v}" for k, v in sorted(kwargs.items()))
    return f"{name}({args})"


class ResultCache:
    """Results by key; ``fixed`` ones (precomputed) survive :meth:`clear`.

    Results are JSON-able dicts (made so by :func:`~cartwise.analytics.results.jsonable`), shared
    between callers: copy before changing one.
    """

    def __init__(self, fixed: Mapping[str, dict[str, Any]] | None = None) -> None:
        self._fixed = dict(fixed or {})
        self._results = dict(self._fixed)
        self._lock = threading.Lock()

    def get(self, key: str, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """The result under ``key``, computed (outside the lock) when it is not there yet."""
        hit = self._results.get(key)
        if hit is None:
            value = jsonable(compute())
            with self._lock:
                hit = self._results.setdefault(key, value)
        return hit

    def lookup(self, key: str) -> dict[str, Any] | None:
        """The result under ``key``, None when it is not there."""
        return self._results.get(key)

    def clear(self) -> None:
        """Forget what was computed; keep the fixed results."""
        with self._lock:
            self._results = dict(self._fixed)

    def results(self) -> dict[str, dict[str, Any]]:
        """Every result held, by key (a new dict)."""
        return dict(self._results)

    def funnel(self, tables: FunnelTables | None, device: str | None, sex: str | None,
               by: str | None) -> dict[str, Any]:
        """The funnel analysis of ``tables`` for these arguments, held under its call key (so a
        precomputed one is served as it is)."""
        assert tables is not None, "no funnel tables: check has_funnel() first"
        return self.get(result_key("funnel_analysis", device=device, sex=sex, by=by),
                        lambda: tables.analysis(device, sex, by))
