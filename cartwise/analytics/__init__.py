"""Shopper analytics: pure functions over the canonical tables, and the service that serves them.

Modules, one job each: :mod:`~cartwise.analytics.clock` (what "now" is, per-order times),
:mod:`~cartwise.analytics.index` (ids to rows), :mod:`~cartwise.analytics.stats` (per-shopper and
per-product statistics), :mod:`~cartwise.analytics.affinity` (frequently bought together),
:mod:`~cartwise.analytics.segments` (RFM, named segments, K-means),
:mod:`~cartwise.analytics.churn`, :mod:`~cartwise.analytics.ltv`,
:mod:`~cartwise.analytics.journey`, :mod:`~cartwise.analytics.funnel`,
:mod:`~cartwise.analytics.trends`, :mod:`~cartwise.analytics.profile` (result assembly),
:mod:`~cartwise.analytics.precomputed` and :mod:`~cartwise.analytics.stage` (the build stage),
:mod:`~cartwise.analytics.service` (:class:`Analytics`, one method per tool).
"""

from cartwise.analytics.params import AnalyticsParams
from cartwise.analytics.service import Analytics
from cartwise.analytics.stage import build_analytics_stage, open_analytics

__all__ = ["Analytics", "AnalyticsParams", "build_analytics_stage", "open_analytics"]
