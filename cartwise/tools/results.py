"""What tools return: one pydantic model per kind of result, sharing one product entry
(:class:`~cartwise.catalog.Product`), one shopper entry (:class:`Shopper`) and one failure
(:class:`Failure`).

Every result has a ``kind`` and a one-line ``summary``:

* ``"products"``: a :class:`ProductList` (recommendations, search results, similar products,
  bought-together partners, best sellers); the products are under ``items``;
* ``"shoppers"``: a :class:`ShopperList` (similar shoppers, the shoppers most at risk, the
  most valuable ones, a page of shoppers); the shoppers are under ``users``;
* ``"profile"``: one shopper or one product in detail (profile, churn risk, lifetime value,
  product details);
* ``"analysis"``: a shop-wide analysis with chart series (segments, journey, funnel, trends);
* ``"failure"``: an unknown user or product, or a bad argument (never an exception).

These models are the public shape of results: the REST API's response schemas, the JSON a chat
model reads, what the planner's references and the grounding check read. They forbid unknown
fields, so a service whose output drifts from its model fails loudly (the contract tests check
every tool). Optional fields default to None, so the compact JSON a chat model reads (which
leaves nulls out, :func:`~cartwise.tools.render.for_model`) parses back into the same model.

Reading results: :func:`parse_result` turns a tool's JSON back into its model;
:func:`mentions` lists the products, user ids and other ids a result names (the grounding
check's evidence); :func:`is_failure` tells a failure, as a model or as JSON.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from cartwise.catalog import Product
from cartwise.errors import InvalidArgument, UnknownProduct, UnknownUser


class Ref(enum.Enum):
    """What an annotated field refers to (read by :func:`mentions`)."""

    USER = "a user id"
    PRODUCT_NAMES = "catalogue product names"
    ID = "another id (an order, an aisle, a department)"


UserId = Annotated[int, Ref.USER]
OptionalUserId = Annotated[int | None, Ref.USER]
OtherId = Annotated[int | None, Ref.ID]
ProductNames = Annotated[list[str], Ref.PRODUCT_NAMES]
Number = int | float
ValueUnit = Literal["currency", "items"]


class Model(BaseModel):
    """Base of every result part: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid")


class ToolResult(Model):
    """Base of every tool result: its ``kind`` and a one-line ``summary``."""

    kind: str
    summary: str


# ------------------------------------------------------------------------------ shared parts


class Chart(Model):
    """A chart a UI can draw without knowing the analysis: one series in ``y``, or several by
    name in ``series`` (each as long as ``x``)."""

    kind: Literal["bar", "line", "funnel", "scatter"]
    title: str
    x: list[str | int | float]
    x_label: str
    y_label: str
    y: list[Number | None] | None = None
    series: dict[str, list[Number | None]] | None = None


class Charted(Model):
    charts: list[Chart] = Field(default_factory=list, description="Chart series for a UI.")


class Valued(Model):
    """What values are counted in: the data's currency, or items bought when it has no
    prices (``price_note`` then says so)."""

    value_unit: ValueUnit
    prices_available: bool
    currency: str | None = Field(None, description="ISO 4217 code of the values, if known.")
    price_note: str | None = None


class Timed(Model):
    time_note: str | None = Field(None, description="What 'now' is and how orders are dated.")


class Match(Model):
    """How a product argument was matched: ``by`` id, shop code, exact name or name
    similarity, with ``confidence`` (0..1, 1 for an id, a code or an exact name) and up to three
    other candidates."""

    query: str
    confidence: float
    by: Literal["id", "code", "exact", "name"]
    alternatives: list[Product] = Field(default_factory=list)


class AboutProduct(Model):
    """A result about one catalogue product: ``product`` and how the argument matched it."""

    product: Product
    resolved: Match | None = None


class AboutShopper(Model):
    """A result about one shopper."""

    user_id: UserId


class Filters(Model):
    """The filters a product list obeys: ``department`` (the catalogue departments a name
    resolved to), a price range (inclusive, the data's currency) and "never bought"."""

    department: list[str] | None = None
    min_price: float | None = None
    max_price: float | None = None
    exclude_purchased: bool = False


# ------------------------------------------------------------------------------ product lists


class RecommendedProduct(Product):
    score: float = Field(description="Relevance, 0..1.")
    confidence: float = Field(description="How well supported, 0..1: the share of the blend "
                              "that proposed it times the evidence behind it (n / (n + 2) for "
                              "n purchases or orders); one purchase is weak evidence.")
    model: str = Field(description="The recommender that proposed it.")
    reason: str


class SearchHit(Product):
    score: float = Field(description="Match score, 0..1.")
    matched_by: Literal["id", "code", "exact", "search", "similar"] = Field(
        "search", description="How it was found: the query is its id, shop code or name, a "
        "search, or a product similar to the one the id or code names.")
    match: bool = Field(True, description="Whether the product matches the query and its "
                        "filters (False: another suggestion, only the nearest thing the "
                        "catalogue has).")


class SimilarProduct(Product):
    score: float = Field(description="Cosine similarity of the embeddings, -1..1.")


class Partner(Product):
    """A bought-together partner with its evidence (see
    :mod:`cartwise.analytics.pair_evidence`)."""

    baskets_together: int = Field(description="Baskets holding both.")
    shoppers_together: int = Field(description="Distinct shoppers who bought both in one "
                                   "basket (repeat orders of one shopper count once).")
    support: float = Field(description="Share of all baskets holding both, 0..1.")
    confidence: float = Field(description="Share of the product's baskets holding this one, "
                              "0..1.")
    base_rate: float = Field(description="Share of all baskets holding this one, 0..1: what "
                             "the confidence would be by chance.")
    lift: float = Field(description="How much more often than chance (1 = chance): "
                        "confidence / base_rate.")
    p_value: float = Field(description="One-sided hypergeometric (Fisher) test of the pair "
                           "being bought together more often than chance, 0..1.")
    q_value: float = Field(description="Benjamini-Hochberg q value over every pair tested, "
                           "0..1: the false-discovery rate at which this pair is significant.")
    score: float = Field(description="What partners are ranked by, -1..1: the 95% Wilson "
                         "lower bound of the confidence (repeat orders of one shopper counted "
                         "once) minus the base rate; high = strong and well supported.")


class BestSeller(Product):
    purchases: int
    buyers: int


P = TypeVar("P", bound=Product)


class ProductList(ToolResult, Generic[P]):
    """Products, best first, under ``items``."""

    kind: Literal["products"] = "products"
    items: list[P]


class Recommendations(ProductList[RecommendedProduct], AboutShopper):
    """``fallback``: None for personal recommendations, else why best sellers were given:
    ``"unknown_user"`` or ``"no_history"``."""

    strategy: str
    fallback: Literal["unknown_user", "no_history"] | None = None
    user_found: bool
    segment: str | None = Field(None, description="The shopper's spending segment (the same "
                                "as user_profile's: quartile of total spend).")
    orders: int = Field(0, description="The shopper's orders the recommendations learned from "
                        "(0 for best sellers).")
    filters: Filters


class SearchResults(ProductList[SearchHit]):
    """``matches``: how many of ``items`` match the query and its filters (``match``; they come
    first); the rest are other suggestions (0 = nothing matches; the items are only the
    nearest ones)."""

    query: str
    filters: Filters
    matches: int | None = Field(None, description="Items that match the query and its filters "
                                "(the rest are other suggestions).")


class SimilarProducts(ProductList[SimilarProduct], AboutProduct):
    pass


class BoughtTogether(ProductList[Partner], AboutProduct, Charted):
    """Partners, strongest and best supported first: only pairs with ``min_pair_count``
    shared baskets from ``min_pair_shoppers`` shoppers whose q value is at most ``fdr``."""

    baskets: int = Field(description="Baskets holding the product.")
    shoppers: int = Field(0, description="Distinct shoppers who bought the product.")
    support: float = Field(description="Share of all baskets holding the product.")
    n_baskets: int
    min_pair_count: int
    min_pair_shoppers: int = 1
    min_support: float
    fdr: float = Field(1.0, description="False-discovery rate a listed pair's q value meets "
                       "(1 = no significance test).")
    pairs_tested: int = Field(0, description="Pairs the false-discovery rate is counted over.")
    partners_found: int = Field(0, description="Partners that pass, also beyond those listed.")
    partners_limit: int = Field(description="Most partners kept per product (k above it "
                                "gives no more).")


class BestSellers(ProductList[BestSeller]):
    filters: Filters


# ------------------------------------------------------------------------------ shopper lists


class Shopper(Model):
    """One shopper in a list: the user id, and the RFM segment where known."""

    user_id: UserId
    segment: str | None = None


class SimilarShopper(Shopper):
    score: float = Field(description="Similarity of the purchase histories, 0..1.")
    shared_products: int
    examples: ProductNames = Field(default_factory=list)


class ChurnEntry(Shopper):
    score: float | None = Field(None, description="Churn risk, 0..1: the chance of no visit "
                                "in the churn horizon (repeat-buying model) or the usual-gap "
                                "score (fallback); the result's ``method`` says which.")
    level: Literal["low", "medium", "high", "unknown"]
    reason: str
    days_since_last_order: float | None = None
    expected_gap_days: float | None = None
    value: float | None = None
    p_active: float | None = Field(None, description="Chance the shopper is still a customer, "
                                   "0..1 (BG/NBD's P(alive) with the model).")
    visits: int | None = Field(None, description="Days with an order (0 without dates).")


class ValueEntry(Shopper):
    ltv: float | None = None
    historical: float | None = None
    projected: float | None = None
    basket_value: float | None = Field(None, description="Expected value of one future "
                                       "purchase: a visit (model) or an order (fallback).")
    orders: int
    orders_per_month: float | None = Field(None, description="Purchases per 30 days while "
                                           "active: visits (model) or orders (fallback).")
    p_active: float | None = None
    expected_orders: float | None = Field(None, description="Purchases expected in the "
                                          "horizon: visits (model) or orders (fallback).")
    visits: int | None = Field(None, description="Days with an order (0 without dates).")
    rank: int
    tier: str


class Method(Model):
    """What produced a lifetime value or churn figure: ``method`` is ``"bg_nbd+gamma_gamma"``
    (the repeat-buying model over visits) or ``"usual_gap"`` (the fallback), ``method_note``
    one sentence on what the figures mean and, for the fallback, why it was used; ``model``
    the fitted parameters (BG/NBD ``r``, ``alpha`` in days, ``a``, ``b``; Gamma-Gamma ``p``,
    ``q``, ``gamma``)."""

    method: Literal["bg_nbd+gamma_gamma", "usual_gap"] | None = Field(
        None, description="What produced the figures (the analytics always say).")
    method_note: str | None = None
    model: dict[str, dict[str, int | float]] | None = None


class ShopperRow(Shopper):
    orders: int
    value: float | None = None
    churn_level: str


S = TypeVar("S", bound=Shopper)


class ShopperList(ToolResult, Generic[S]):
    """Shoppers, best first, under ``users``."""

    kind: Literal["shoppers"] = "shoppers"
    users: list[S]


class SimilarShoppers(ShopperList[SimilarShopper], AboutShopper):
    pass


class AtRiskShoppers(ShopperList[ChurnEntry], Valued, Method, Timed, Charted):
    k: int
    candidates: int
    criteria: str
    levels: dict[str, int]


class Tier(Model):
    name: str
    users: int
    share: float
    value: float
    value_share: float
    avg_value: float | None = None


class ValuableShoppers(ShopperList[ValueEntry], Valued, Method, Timed, Charted):
    k: int
    tiers: list[Tier]
    horizon_days: int
    expected_lifetime_days: float | None = None


class ShopperPage(ShopperList[ShopperRow], Valued):
    offset: int
    limit: int
    total: int
    next_offset: int | None = None


# ------------------------------------------------------------------------------ refined lists

#: Any product entry a list holds.
ProductEntry = RecommendedProduct | SearchHit | SimilarProduct | Partner | BestSeller
#: Any shopper entry a list holds.
ShopperEntry = SimilarShopper | ChurnEntry | ValueEntry | ShopperRow


class RefineSource(Model):
    """The earlier list a refinement worked on: the ``tool`` that made it, its ``args``, how
    many entries it had, and how many lists came after it (0 = the last one)."""

    tool: str
    args: dict[str, Any] = Field(default_factory=dict)
    entries: int
    lists_ago: int


class Refined(Model):
    """What a refinement did: its ``source``, the ``operations`` in words ("sorted by price,
    lowest first", "under 2.00"), the 1-based ``position`` picked, if any, and whether it
    ``pick``-ed one entry (a position, or the first of a sort: "the cheapest") rather than
    making a new list: later references ("the second one", "sort them") keep to the list it
    was picked from."""

    source: RefineSource
    operations: list[str] = Field(default_factory=list)
    position: int | None = None
    pick: bool = False


class RefinedProducts(ProductList[ProductEntry], Refined):
    """Products of an earlier list, filtered, sorted or picked; each keeps the fields its tool
    gave (a recommendation its reason, score and model). ``user_id``: the shopper of an earlier
    recommendation list."""

    user_id: OptionalUserId = None


class RefinedShoppers(ShopperList[ShopperEntry], Refined):
    """Shoppers of an earlier list, sorted or picked."""


# ------------------------------------------------------------------------------ profiles


class Share(Model):
    """A favourite category: ``id``, ``label``, ``value`` (lines bought) and ``share``."""

    id: OtherId
    label: str
    value: int
    share: float | None = None


class SpendingSegment(Model):
    label: str | None = None
    basis: str
    quartile_bounds: list[float | None]


class Gaps(Model):
    median: float | None = None
    mean: float | None = None
    gaps: int


class LastOrder(Model):
    order_id: OtherId = None
    order_number: int
    days_ago: float | None = None
    ordered_at: str | None = None
    basket_size: int


class ChurnBrief(Model):
    score: float | None = None
    level: str
    reason: str | None = None


class RfmScores(Model):
    r: int
    f: int
    m: int
    segment: str


class ShopperProfile(ToolResult, AboutShopper, Valued, Timed, Charted):
    kind: Literal["profile"] = "profile"
    orders: int
    baskets: int
    items: int
    products_bought: int
    spend: float | None = None
    avg_item_price: float | None = None
    avg_basket_value: float | None = None
    spending_segment: SpendingSegment
    favourite_departments: list[Share]
    favourite_aisles: list[Share]
    reorder_rate: float | None = None
    days_between_orders: Gaps
    last_order: LastOrder
    churn_risk: ChurnBrief
    rfm: RfmScores
    lifetime_value: float | None = None


class ProductDetails(ToolResult, AboutProduct, Charted):
    kind: Literal["profile"] = "profile"
    buyers: int
    purchases: int
    units: int
    reorder_rate: float | None = None
    revenue: float | None = None
    rank: int | None = Field(None, description="Best-seller rank, 1 = most purchases.")
    of_products: int
    price_note: str | None = None


class ShopperChurn(ToolResult, ChurnEntry, AboutShopper, Valued, Method, Timed):
    kind: Literal["profile"] = "profile"
    own_median_gap_days: float | None = None
    gaps: int
    population_gap_days: float | None = None
    away_ratio: float | None = None
    orders: int


class ShopperValue(ToolResult, ValueEntry, AboutShopper, Valued, Method, Timed):
    kind: Literal["profile"] = "profile"
    horizon_days: int
    expected_lifetime_days: float | None = None


# ------------------------------------------------------------------------------ analyses


class Analysis(ToolResult, Charted):
    kind: Literal["analysis"] = "analysis"


class Labelled(Model):
    label: str
    value: Number | None = None


class Segment(Model):
    name: str
    description: str
    users: int
    share: float
    share_interval: list[float] | None = Field(
        None, description="95% Wilson interval of the share, [low, high].")
    value: float
    value_share: float
    avg_recency_days: float | None = None
    avg_frequency: float | None = None
    avg_monetary: float | None = None


class Cluster(Model):
    cluster: int
    name: str
    users: int
    share: float
    value: float
    value_share: float
    median_recency_days: float | None = None
    median_frequency: float | None = None
    median_monetary: float | None = None
    main_segment: str | None = None
    main_segment_share: float | None = None


class RfmBasis(Model):
    scores: str
    frequency: str
    monetary: str


class KMeans(Model):
    k: int
    silhouette_by_k: dict[str, float]
    features: str
    reason: str | None = None


class CustomerSegments(Analysis, Valued, Timed):
    n_users: int
    rfm: RfmBasis
    segments: list[Segment]
    kmeans: KMeans
    clusters: list[Cluster]


class ShopperCounts(Model):
    total: int
    one_order: int
    repeat: int
    repeat_share: float | None = None


class OrderCounts(Model):
    total: int
    first_orders: int
    repeat_orders: int


class Distribution(Model):
    mean: float | None = None
    median: float | None = None
    histogram: list[Labelled]


class BasketSizes(Distribution):
    orders: int
    first_order_mean: float | None = None
    repeat_order_mean: float | None = None


class ReorderCurve(Model):
    x: list[int]
    y: list[float]
    overall: float | None = None


class GapDistribution(Distribution):
    gaps: int
    within_a_week_share: float | None = None


class CustomerJourney(Analysis, Timed):
    shoppers: ShopperCounts
    orders: OrderCounts
    orders_per_shopper: Distribution
    retention: list[Labelled]
    basket_size: BasketSizes
    reorder_by_order_number: ReorderCurve
    days_between_orders: GapDistribution


class Significance(Model):
    """A test of whether two groups or periods really differ (see
    :mod:`cartwise.analytics.inference`): ``p_value`` 0..1 (None when it cannot be tested),
    ``significant`` at the 5% level, the ``test`` used; for two shares also the ``difference``
    and its 95% interval ``low`` / ``high``."""

    p_value: float | None = None
    significant: bool
    test: str
    difference: float | None = None
    low: float | None = None
    high: float | None = None
    rate_ratio: float | None = None
    groups: int | None = None


class FunnelStep(Model):
    step: str
    label: str
    users: int
    conversion_from_previous: float | None = None
    drop_off_users: int | None = None
    drop_off_rate: float | None = None
    conversion_from_start: float | None = None


class FunnelGroup(Model):
    group: str
    users: list[int]
    conversion_from_previous: list[float | None]
    overall_conversion: float | None = None
    conversion_interval: list[float] | None = Field(
        None, description="95% Wilson interval of the overall conversion, [low, high].")


class GroupComparison(Significance):
    """The best against the worst group (``difference`` = best - worst overall conversion),
    and ``all_groups``: the groups tested together."""

    best: str
    worst: str
    all_groups: Significance


class FunnelFilters(Model):
    device: str | None = None
    sex: str | None = None


class FunnelAnalysis(Analysis):
    """The funnel; ``available`` is False (and everything else empty) when the data has no
    funnel tables."""

    available: bool
    filters: FunnelFilters | None = None
    by: str | None = None
    visitors: int | None = None
    steps: list[FunnelStep] = Field(default_factory=list)
    overall_conversion: float | None = None
    groups: list[FunnelGroup] = Field(default_factory=list)
    comparison: GroupComparison | None = None


class Peak(Model):
    label: str | int
    orders: int
    share_of_orders: float | None = None


class Window(Model):
    start: str | int = Field(alias="from")
    to: str | int

    model_config = ConfigDict(extra="forbid", populate_by_name=True,
                              serialize_by_alias=True)


class TrendSeries(Model):
    x: list[str | int]
    orders: list[int]
    items: list[int]
    revenue: list[float] | None = None
    items_per_order: list[float | None]


class OrderTrends(Analysis, Valued, Timed):
    by: str
    orders: int
    items: int
    revenue: float | None = None
    peak: Peak | None = None
    window: Window | None = None
    series: TrendSeries


# ------------------------------------------------------------------------------ sales


class SalesFigures(Model):
    """One period's or group's figures: revenue and average order value in the data's currency
    (None without prices), orders, units, items per order, distinct shoppers and, for periods,
    new (first order ever in it) and returning shoppers."""

    revenue: float | None = None
    orders: int
    aov: float | None = Field(None, description="Average order value: revenue / orders.")
    units: int
    items_per_order: float | None = None
    shoppers: int
    new_shoppers: int | None = None
    returning_shoppers: int | None = None


class SalesRow(SalesFigures):
    label: str
    share_of_revenue: float | None = Field(None, description="Share of the window's revenue.")


class GroupChange(Model):
    """One group's revenue (or units) in the compared period and the one before."""

    label: str
    metric: Literal["revenue", "units"]
    current: float
    before: float
    change: float | None = Field(None, description="Relative change, 0.12 = +12%.")
    difference: float | None = None


class YearAgo(Model):
    period: str
    figures: SalesFigures
    change: dict[str, float | None]
    tests: dict[str, Significance] = Field(default_factory=dict)


class SalesComparison(Model):
    """The latest complete ``unit`` (``period``) against the one before (``previous``) and,
    when the data reaches back, a year earlier; ``change`` holds relative changes (0.12 =
    +12%) by figure, ``tests`` whether each change is more than noise; ``groups`` the
    per-group changes of a grouping."""

    unit: str
    period: str
    previous: str
    current: SalesFigures
    before: SalesFigures
    change: dict[str, float | None]
    tests: dict[str, Significance] = Field(default_factory=dict)
    year_ago: YearAgo | None = None
    groups: list[GroupChange] | None = None


class SalesSummary(Analysis, Valued, Timed):
    by: str
    start: str | None = None
    end: str | None = None
    orders_in_window: int
    window: Window | None = None
    rows: list[SalesRow]
    totals: SalesFigures
    compare: SalesComparison | None = None
    compare_note: str | None = None


class HistoryItem(Product):
    quantity: int
    unit_price: float | None = None
    line_value: float | None = None


class PastOrder(Model):
    order_id: OtherId
    order_number: int
    ordered_at: str | None = Field(None, description="When (None without a calendar).")
    days_ago: float | None = Field(None, description="Days before now (or the snapshot).")
    value: float | None = None
    units: int
    items: list[HistoryItem]


class PurchaseHistory(ToolResult, AboutShopper, Valued, Timed):
    kind: Literal["profile"] = "profile"
    total_orders: int
    orders: list[PastOrder] = Field(description="The most recent orders, newest first.")


class CohortRow(Model):
    label: str = Field(description="The cohort's first-order period.")
    size: int
    values: list[float | None] = Field(description=(
        "Per period since the first order: the share of the cohort still ordering, or the "
        "revenue kept (vs period 0); None when not observed yet."))
    amounts: list[float | None]


class CohortMatrix(Model):
    x: list[int]
    y: list[str]
    z: list[list[float | None]]
    x_label: str
    y_label: str


class CohortRetention(Analysis, Valued, Timed):
    by: str
    metric: Literal["shoppers", "revenue"]
    periods: int
    cohorts: list[CohortRow]
    average: list[float | None]
    partial_last: bool
    last_period: str
    matrix: CohortMatrix


class Mover(Model):
    name: str
    value: float | None = None
    expected: float | None = None
    difference: float | None = None


class ProductMover(Product):
    value: float | None = None
    expected: float | None = None
    difference: float | None = None


class AnomalyEntry(Model):
    label: str
    value: float | None = None
    expected: float | None = None
    low: float | None = None
    high: float | None = None
    deviation: float | None = None
    score: float | None = Field(None, description="Deviation in robust standard deviations.")
    direction: Literal["spike", "dip"]
    change: float | None = Field(None, description="Deviation / expected.")
    departments: list[Mover] = Field(default_factory=list)
    products: list[ProductMover] = Field(default_factory=list)


class AnomalySeries(Model):
    x: list[str]
    y: list[float | None]
    expected: list[float | None]
    low: list[float | None]
    high: list[float | None]


class DetectedAnomalies(Analysis, Valued, Timed):
    metric: Literal["orders", "revenue", "shoppers", "aov"]
    by: Literal["day", "week"]
    k: int
    threshold: float
    method: str
    n_periods: int
    window: Window | None = None
    anomalies: list[AnomalyEntry]
    series: AnomalySeries


class InsightPoint(Model):
    """One fact of a digest and the tool call it comes from."""

    topic: str
    text: str
    tool: str
    args: dict[str, Any] = Field(default_factory=dict)
    figures: dict[str, Any] = Field(default_factory=dict)
    products: list[Product] = Field(default_factory=list, description="Products it names.")
    users: list[Shopper] = Field(default_factory=list, description="Shoppers it names.")


class BusinessInsights(Analysis, Timed):
    period: Literal["week", "month"]
    period_label: str | None = None
    points: list[InsightPoint]


# ------------------------------------------------------------------------------ failures


class Failure(ToolResult):
    """A call that could not answer: ``error_type`` ``not_found`` (an unknown ``user_id`` or
    ``product``: ``subject`` says which, ``closest`` names the nearest catalogue names) or
    ``invalid_argument`` (``argument`` named, with the ``value`` given and what is
    ``allowed``); ``error`` is the plain message."""

    kind: Literal["failure"] = "failure"
    error_type: Literal["not_found", "invalid_argument"]
    error: str
    found: bool | None = Field(None, description="False for not_found.")
    subject: Literal["user", "product"] | None = None
    user_id: OptionalUserId = None
    product: str | None = None
    closest: ProductNames = Field(default_factory=list)
    argument: str | None = None
    value: Any = None
    allowed: list[Any] | str | None = None
    problems: int | None = None


def not_found_user(exc: UnknownUser) -> Failure:
    return Failure(error_type="not_found", found=False, subject="user",
                   user_id=_int_or_none(exc.user_id), error=f"user {exc.user_id} not found",
                   summary=f"User {exc.user_id} is not in the shop's data.")


def not_found_product(exc: UnknownProduct) -> Failure:
    closest = [str(c) for c in exc.closest]
    hint = f" Closest names: {', '.join(closest)}." if closest else ""
    return Failure(error_type="not_found", found=False, subject="product",
                   product=str(exc.product), closest=closest,
                   error=f"product {str(exc.product)!r} not found",
                   summary=f"No product in the catalogue matches {str(exc.product)!r}.{hint}")


def invalid_argument(exc: InvalidArgument) -> Failure:
    return Failure(error_type="invalid_argument", argument=exc.argument,
                   value=_jsonable(exc.value), allowed=exc.allowed, error=str(exc),
                   summary=f"{str(exc)[:1].upper()}{str(exc)[1:]}.")


def invalid_arguments(exc: ValidationError) -> Failure:
    """The first problem of a pydantic validation error, named by its argument."""
    first = exc.errors()[0]
    loc = ".".join(str(x) for x in first.get("loc", ())) or "arguments"
    msg = str(first.get("msg", "invalid value"))
    if first.get("type") == "extra_forbidden":
        msg = "not an argument of this tool"
    value = first.get("input") if first.get("type") != "missing" else None
    return Failure(error_type="invalid_argument", argument=loc, value=_jsonable(value),
                   error=f"{loc}: {msg}", problems=len(exc.errors()),
                   summary=f"Invalid {loc}: {msg}.")


def failure_of(exc: UnknownUser | UnknownProduct | InvalidArgument) -> Failure:
    """The failure result of a project error a tool may raise."""
    if isinstance(exc, UnknownUser):
        return not_found_user(exc)
    if isinstance(exc, UnknownProduct):
        return not_found_product(exc)
    return invalid_argument(exc)


def is_failure(result: ToolResult | Mapping[str, Any] | None) -> bool:
    """Whether a tool result (a model, or its JSON as a dict) is a :class:`Failure`."""
    if isinstance(result, ToolResult):
        return isinstance(result, Failure)
    return isinstance(result, Mapping) and result.get("kind") == "failure"


def _int_or_none(value: object) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


def _jsonable(value: object) -> object:
    import json

    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return str(value)
    return value


# ------------------------------------------------------------------------------ reading


_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def adapter(result_type: Any) -> TypeAdapter[Any]:
    """A (cached) validator of ``result_type`` (a result model, or a union of result models of
    different kinds) or a :class:`Failure`, told apart by ``kind``."""
    hit = _ADAPTERS.get(result_type)
    if hit is None:
        members = (*getattr(result_type, "__args__", (result_type,)), Failure)
        kinds = [m.model_fields["kind"].default for m in members]
        if len(set(kinds)) != len(kinds):
            raise TypeError(f"result models of one tool need distinct kinds: {kinds}")
        union: Any = members[0]
        for m in members[1:]:
            union = union | m
        hit = _ADAPTERS[result_type] = TypeAdapter(Annotated[union, Field(discriminator="kind")])
    return hit


def parse_result(result_type: Any, data: object) -> ToolResult | None:
    """``data`` (a tool's JSON, parsed) as ``result_type`` or a :class:`Failure`; None when it
    is neither (a result of another version, or no result at all)."""
    if not isinstance(data, Mapping):
        return None
    try:
        out = adapter(result_type).validate_python(data)
    except ValidationError:
        return None
    return out if isinstance(out, ToolResult) else None


@dataclass
class Mentions:
    """What a result names: ``products`` (id -> name), extra ``product_names`` (names without
    an entry, such as closest matches), ``user_ids`` and ``other_ids`` (orders, aisles,
    departments)."""

    products: dict[int, str] = field(default_factory=dict)
    product_names: set[str] = field(default_factory=set)
    user_ids: set[int] = field(default_factory=set)
    other_ids: set[int] = field(default_factory=set)


def mentions(result: BaseModel, into: Mentions | None = None) -> Mentions:
    """Every product entry, product name, user id and other id anywhere in ``result``, read
    from its fields' types: :class:`~cartwise.catalog.Product` entries, and fields annotated
    :data:`UserId`, :data:`ProductNames` or :data:`OtherId`."""
    out = into if into is not None else Mentions()
    for node in _models(result):
        if isinstance(node, Product):
            out.products[node.product_id] = node.name
        for name, info in type(node).model_fields.items():
            refs = [m for m in info.metadata if isinstance(m, Ref)]
            if not refs:
                continue
            value = getattr(node, name)
            if refs[0] is Ref.USER and isinstance(value, int):
                out.user_ids.add(value)
            elif refs[0] is Ref.ID and isinstance(value, int):
                out.other_ids.add(value)
            elif refs[0] is Ref.PRODUCT_NAMES and isinstance(value, list):
                out.product_names.update(v for v in value if isinstance(v, str))
    return out


def _models(node: object) -> Iterator[BaseModel]:
    """``node`` and every model inside it (fields, lists and dicts at any depth)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, BaseModel):
            yield item
            stack.extend(getattr(item, name) for name in type(item).model_fields)
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
