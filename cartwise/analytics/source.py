"""What :class:`~cartwise.analytics.service.Analytics` reads its numbers from: one small protocol.

Two implementations: :class:`~cartwise.analytics.reader.PrecomputedReader` serves the build's
analytics stage (lookups), :class:`~cartwise.analytics.calculator.Calculator` computes from the
canonical tables on demand (and is what the build runs to fill the stage). Both give the same
answers, so the service never asks which one it has.

Id spaces: a *product row* is the position in the catalogue (the products table sorted by
``product_id``, see :mod:`cartwise.catalog`); a *user row* the position among the sorted shopper
ids (:meth:`~cartwise.catalog.Catalog.user_row`). A source's :meth:`~AnalyticsSource.product_ids`
and :meth:`~AnalyticsSource.user_ids` say which ids its rows are, so the service can check that
they are the catalogue's. Values are in the data's currency, or in items bought when the data has
no prices (:meth:`~AnalyticsSource.has_prices`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from cartwise.analytics.params import AnalyticsParams

if TYPE_CHECKING:
    from cartwise.analytics.ledger import Ledger
    from cartwise.catalog import Catalog


@dataclass(frozen=True)
class Favourites:
    """A shopper's top departments and aisles by lines bought, best first.

    Attributes:
        department_ids, department_counts: the data's department ids and lines bought in each.
        aisle_ids, aisle_counts: the same for aisles. Ids may be -1 (none) with count 0.
    """

    department_ids: list[int]
    department_counts: list[int]
    aisle_ids: list[int]
    aisle_counts: list[int]


@dataclass(frozen=True)
class PartnerRows:
    """One product's bought-together partners, best (highest score) first, with their evidence
    (see :mod:`cartwise.analytics.pair_evidence`).

    Attributes:
        rows: int product rows of the partners.
        together: baskets holding both the product and each partner.
        baskets: baskets holding each partner.
        anchor_baskets: baskets holding the product itself.
        n_baskets: baskets in the data (orders with at least one line).
        min_count: the shared-basket floor a pair needed.
        shoppers: distinct shoppers who bought the product and each partner in one basket.
        p_value: one-sided hypergeometric p value of each pair, 0..1.
        q_value: Benjamini-Hochberg q value of each pair over ``n_tests`` pairs, 0..1.
        score: the ranking score of each partner, -1..1 (Wilson lower bound of the
            confidence minus the partner's base rate).
        anchor_shoppers: distinct shoppers who bought the product.
        min_shoppers: the shopper floor a pair needed.
        fdr: the false-discovery rate a pair's q value had to meet (1 = no significance test).
        n_tests: pairs tested over the whole data.
        with_baskets: partners of the product sharing >= ``min_count`` baskets.
        with_shoppers: of those, partners with >= ``min_shoppers`` shoppers.
        significant: of those, partners with ``q <= fdr`` (all of them, not only ``rows``).
    """

    rows: np.ndarray
    together: np.ndarray
    baskets: np.ndarray
    anchor_baskets: int
    n_baskets: int
    min_count: int
    shoppers: np.ndarray
    p_value: np.ndarray
    q_value: np.ndarray
    score: np.ndarray
    anchor_shoppers: int
    min_shoppers: int
    fdr: float
    n_tests: int
    with_baskets: int
    with_shoppers: int
    significant: int


class AnalyticsSource(Protocol):
    """The analytics' numbers, by row (see the module docstring for the id spaces).

    Aggregate results (segments, journey, trends, funnel) are finished JSON-able dicts, computed
    once and shared: callers must copy before changing them. Unknown ids are the caller's to
    check (through the catalogue); a source raises :class:`~cartwise.errors.StoreError` when it
    cannot answer from what it holds (a stage without a piece it should have).
    """

    @property
    def params(self) -> AnalyticsParams:
        """The parameters the numbers were (or are) computed with."""
        ...

    def product_ids(self) -> np.ndarray:
        """int64 product id of each product row (the catalogue's ids, ascending)."""
        ...

    def user_ids(self) -> np.ndarray:
        """int64 user id of each user row (ascending)."""
        ...

    def shopper_columns(self) -> Mapping[str, np.ndarray]:
        """The shopper table as arrays by user row (the columns of
        :func:`~cartwise.analytics.precomputed.shopper_table`)."""
        ...

    def population(self) -> Mapping[str, Any]:
        """Population facts: ``time_kind``, ``time_note``, ``has_prices``, ``value_unit``,
        ``pop_gap`` (days), ``spending_bounds``, ``tau_days``, ``risk_value_floor``,
        ``risk_candidates``, ``n_users``, ``churn_levels``, ``clv`` (how lifetime value and
        churn were produced: method, fallback reason, fitted BG/NBD and Gamma-Gamma
        parameters; :attr:`~cartwise.analytics.value_churn.ValueChurn.facts`), ... (see
        :func:`~cartwise.analytics.precomputed.shopper_table`)."""
        ...

    def favourites(self, user_row: int) -> Favourites:
        """The favourite departments and aisles of one shopper."""
        ...

    def product_stats(self, row: int) -> Mapping[str, Any]:
        """One product's statistics (the columns of
        :func:`~cartwise.analytics.stats.product_stats`)."""
        ...

    def partners(self, row: int, k: int) -> PartnerRows:
        """The ``k`` best bought-together partners of one product (``k`` already checked and
        at most ``params.top_partners``)."""
        ...

    def customer_segments(self) -> dict[str, Any]:
        """The RFM segments and K-means clusters result (see
        :func:`~cartwise.analytics.segments.customer_segments`)."""
        ...

    def customer_journey(self) -> dict[str, Any]:
        """The customer journey result (see
        :func:`~cartwise.analytics.journey.customer_journey`)."""
        ...

    def order_trends(self, by: str) -> dict[str, Any]:
        """The order trends by ``by`` (already checked against :meth:`has_calendar`)."""
        ...

    def has_funnel(self) -> bool:
        """Whether the data has funnel tables."""
        ...

    def funnel_analysis(self, device: str | None, sex: str | None,
                        by: str | None) -> dict[str, Any]:
        """The funnel result (only when :meth:`has_funnel`).

        Raises:
            InvalidArgument: an unknown device, sex or ``by``.
        """
        ...

    def ledger(self) -> Ledger:
        """The order ledger (every order and its lines; see :mod:`cartwise.analytics.ledger`)
        for the sales analyses."""
        ...

    def result(self, key: str, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """The aggregate result under ``key`` (a
        :func:`~cartwise.analytics.cache.result_key`): the precomputed one, or ``compute()``
        run once and kept."""
        ...

    def has_prices(self) -> bool:
        """Whether the data has prices (else values are items bought)."""
        ...

    def has_calendar(self) -> bool:
        """Whether orders have real timestamps (else the snapshot assumption holds)."""
        ...

    def has_order_times(self) -> bool:
        """Whether orders have times at all: False for baskets without an orders table, whose
        day of week and hour are placeholders (and which have no calendar either)."""
        ...

    def clear_cache(self) -> None:
        """Forget aggregate results computed since construction (precomputed ones stay)."""
        ...


def catalog_mismatch(source: AnalyticsSource, catalog: Catalog) -> str | None:
    """What of ``source`` is not the catalogue's: ``"products"`` (its product rows are other
    ids), ``"shoppers"`` (its user rows), or None when both are the catalogue's rows."""
    if not np.array_equal(source.product_ids(), catalog.ids):
        return "products"
    if not np.array_equal(source.user_ids(), catalog.user_ids):
        return "shoppers"
    return None
