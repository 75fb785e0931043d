"""Shopper analytics: pure functions over the canonical tables, and the service that serves them.

:class:`Analytics` is the one interface the tools call (one method per analytics tool). It
assembles results from an :class:`AnalyticsSource` and the :class:`~cartwise.catalog.Catalog`:
a :class:`PrecomputedReader` over the analytics stage (:func:`load_analytics`), or a
:class:`Calculator` computing on demand from the canonical tables (:meth:`Analytics.on_demand`;
the build runs the same calculator, :func:`build_analytics_stage`). Ids in results are external
ids; values are in the data's currency, or in items bought when it has no prices.

Modules, one job each: :mod:`~cartwise.analytics.clock` (what "now" is, per-order times),
:mod:`~cartwise.analytics.index` (ids to rows), :mod:`~cartwise.analytics.stats` (per-shopper and
per-product statistics), :mod:`~cartwise.analytics.affinity` (frequently bought together),
:mod:`~cartwise.analytics.segments` (RFM, named segments, K-means),
:mod:`~cartwise.analytics.visits` (same-day orders as one visit), :mod:`~cartwise.analytics.clv`
(BG/NBD and Gamma-Gamma), :mod:`~cartwise.analytics.value_churn` (lifetime value and churn per
shopper: the model or the usual-gap fallback of :mod:`~cartwise.analytics.churn` and
:mod:`~cartwise.analytics.ltv`), :mod:`~cartwise.analytics.clv_eval` (their evaluation),
:mod:`~cartwise.analytics.journey`, :mod:`~cartwise.analytics.funnel`,
:mod:`~cartwise.analytics.trends`, :mod:`~cartwise.analytics.profile` (profile and product
results), :mod:`~cartwise.analytics.results` (JSON values, charts, formatting),
:mod:`~cartwise.analytics.cache` (results by call key), :mod:`~cartwise.analytics.source` (the
source protocol), :mod:`~cartwise.analytics.calculator` (on demand),
:mod:`~cartwise.analytics.precomputed` and :mod:`~cartwise.analytics.reader` (the stage's
contents and serving them), :mod:`~cartwise.analytics.stage` (build and load the stage),
:mod:`~cartwise.analytics.service` (:class:`Analytics`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cartwise.analytics.calculator import Calculator
    from cartwise.analytics.params import AnalyticsParams
    from cartwise.analytics.precomputed import Precomputed
    from cartwise.analytics.reader import PrecomputedReader
    from cartwise.analytics.service import Analytics
    from cartwise.analytics.source import AnalyticsSource
    from cartwise.analytics.stage import build_analytics_stage, load_analytics

#: Where each public name lives: imported on first use (PEP 562), so importing one light module
#: of the package (``results``, ``params``) does not import SciPy and statsmodels with the rest.
_EXPORTS = {
    "Analytics": "service",
    "AnalyticsParams": "params",
    "AnalyticsSource": "source",
    "Calculator": "calculator",
    "Precomputed": "precomputed",
    "PrecomputedReader": "reader",
    "build_analytics_stage": "stage",
    "load_analytics": "stage",
}

__all__ = [
    "Analytics",
    "AnalyticsParams",
    "AnalyticsSource",
    "Calculator",
    "Precomputed",
    "PrecomputedReader",
    "build_analytics_stage",
    "load_analytics",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
