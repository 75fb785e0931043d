"""The tool catalogue: one function per tool over :class:`~cartwise.services.Services`, the
registry :data:`TOOLS` (name, argument model, result model, function) and :func:`run_tool`, the
one way to call a tool by name with raw arguments.

Each tool's docstring is its model-facing description. Tools are thin: their arguments are
validated by the argument model (:mod:`.schemas`), product names and department names are
resolved by the catalogue, the service answers, and the tool returns its typed result
(:mod:`.results`) with a one-line ``summary``. Failures come back as results, never as
exceptions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from cartwise.catalog import Product, ProductFilter
from cartwise.errors import InvalidArgument, UnknownProduct, UnknownUser
from cartwise.services import Services
from cartwise.tools import results as r
from cartwise.tools import schemas as s
from cartwise.tools.render import filters_text

log = logging.getLogger(__name__)


def _names(items: Sequence[Product], n: int = 3) -> str:
    names = [x.name for x in items[:n]]
    more = f" and {len(items) - n} more" if len(items) > n else ""
    return ", ".join(names) + more


def _filters(flt: ProductFilter, exclude_purchased: bool = False) -> r.Filters:
    return r.Filters(department=list(flt.departments) if flt.departments else None,
                     min_price=flt.min_price, max_price=flt.max_price,
                     exclude_purchased=exclude_purchased)


def _entry(entry_type: type[r.P], product: Product, **metrics: Any) -> r.P:
    """``product`` as the entry type ``entry_type`` with its ``metrics``."""
    return entry_type(**dict(product), **metrics)


def resolve_product(services: Services, text: str) -> tuple[Product, r.Match]:
    """The catalogue product ``text`` names (an id, the shop's code or a name, typos tolerated)
    and how it was matched.

    Raises:
        UnknownProduct: nothing in the catalogue is close enough.
    """
    res = services.search.resolve(text)
    match = r.Match(query=text, confidence=res.confidence, by=res.by,
                    alternatives=list(res.alternatives[:3]))
    return res.product, match


# ------------------------------------------------------------------------------ the tools


def recommend_products(services: Services, a: s.RecommendArgs) -> r.Recommendations:
    """Personalised product recommendations for a known shopper (user_id), best first, each
    with a reason. Strategy: hybrid (default), als, item_cf, popularity or repeat. Optional
    filters: department, min_price / max_price, exclude_purchased (only never-bought products).
    An unknown user gets best sellers with fallback = "unknown_user"."""
    flt = services.catalog.product_filter(a.department, a.min_price, a.max_price)
    rec = services.recommenders.recommend(a.user_id, a.k, a.strategy, flt, a.exclude_purchased)
    items = [_entry(r.RecommendedProduct, i.product, score=i.relevance,
                    confidence=i.confidence, model=i.model, reason=i.reason) for i in rec.items]
    where = filters_text(flt.departments, flt.min_price, flt.max_price, a.exclude_purchased)
    if rec.fallback == "unknown_user":
        summary = (f"User {a.user_id} is not in the shop's data, so these are best sellers"
                   f"{where}: {_names(items)}.")
    elif rec.fallback:
        summary = (f"User {a.user_id} has no purchases yet, so these are best sellers{where}: "
                   f"{_names(items)}.")
    elif not items:
        summary = f"No products for user {a.user_id} pass the filters{where}."
    else:
        summary = (f"{len(items)} {a.strategy} recommendations for user {a.user_id}{where}: "
                   f"{_names(items)}.")
    return r.Recommendations(user_id=a.user_id, strategy=rec.strategy, fallback=rec.fallback,
                             user_found=rec.fallback != "unknown_user", segment=rec.segment,
                             filters=_filters(flt, a.exclude_purchased), items=items,
                             summary=summary)


def search_products(services: Services, a: s.SearchArgs) -> r.SearchResults:
    """Semantic product search over the catalogue: products matching a plain-words query
    (names, kinds, uses: "gluten free pasta", "something spicy for tacos"), best first, with
    optional department and price range."""
    flt = services.catalog.product_filter(a.department, a.min_price, a.max_price)
    hits = services.search.search(a.query, a.k, flt)
    items = [_entry(r.SearchHit, h.product, score=round(h.score, 4), match=h.match)
             for h in hits]
    where = filters_text(flt.departments, flt.min_price, flt.max_price)
    summary = (f"{len(items)} products match {a.query!r}{where}: {_names(items)}." if items
               else f"No product matches {a.query!r}{where}.")
    return r.SearchResults(query=a.query, filters=_filters(flt), items=items, summary=summary)


def similar_products(services: Services, a: s.ProductListArgs) -> r.SimilarProducts:
    """Products like a given product (name or id): the closest in meaning and kind, by their
    embeddings in the product index."""
    product, match = resolve_product(services, a.product)
    hits = services.search.similar([product.product_id], k=a.k)
    items = [_entry(r.SimilarProduct, h.product, score=round(h.score, 4)) for h in hits]
    summary = (f"Products like {product.name}: {_names(items)}." if items
               else f"No products like {product.name} found.")
    return r.SimilarProducts(product=product, resolved=match, items=items, summary=summary)


def frequently_bought_together(services: Services, a: s.ProductListArgs) -> r.BoughtTogether:
    """Products most often in the same basket as a given product (name or id), by lift, with
    support, confidence and lift for each pair."""
    product, match = resolve_product(services, a.product)
    out = services.analytics.frequently_bought_together(product.product_id, a.k)
    return r.BoughtTogether.model_validate({**out, "resolved": match})


def popular_products(services: Services, a: s.PopularArgs) -> r.BestSellers:
    """The best sellers (by purchases), overall or in one department."""
    flt = services.catalog.product_filter(a.department)
    rows = services.recommenders.popular(a.k, flt)
    items = [_entry(r.BestSeller, p.product, purchases=p.purchases, buyers=p.buyers)
             for p in rows]
    where = f" in {' or '.join(flt.departments)}" if flt.departments else ""
    return r.BestSellers(filters=_filters(flt), items=items,
                         summary=f"Top {len(items)} best sellers{where}: {_names(items)}.")


def similar_users(services: Services, a: s.UserListArgs) -> r.SimilarShoppers:
    """Shoppers whose purchase histories are most like a given shopper's (user_id), with how
    many products they share."""
    users = [r.SimilarShopper(user_id=u.user_id, score=u.score,
                              shared_products=u.shared_products, examples=list(u.examples))
             for u in services.recommenders.similar_users(a.user_id, a.k)]
    head = ", ".join(f"user {u.user_id}" for u in users[:3])
    summary = (f"Shoppers most like user {a.user_id}: {head}." if users
               else f"User {a.user_id} has no purchases yet, so no similar shoppers.")
    return r.SimilarShoppers(user_id=a.user_id, users=users, summary=summary)


def user_profile(services: Services, a: s.UserArgs) -> r.ShopperProfile:
    """A shopper's profile: orders, items, spend, spending segment, favourite departments and
    aisles, reorder rate, days between orders, last order, churn risk."""
    return r.ShopperProfile.model_validate(services.analytics.user_profile(a.user_id))


def product_details(services: Services, a: s.ProductArgs) -> r.ProductDetails:
    """A product's (name or id) price, aisle, department, buyers, purchases, reorder rate and
    popularity rank."""
    product, match = resolve_product(services, a.product)
    out = services.analytics.product_details(product.product_id)
    return r.ProductDetails.model_validate({**out, "resolved": match})


def customer_segments(services: Services, a: s.NoArgs) -> r.CustomerSegments:
    """RFM segments of all shoppers (Champions, Loyal, At Risk, ...) and K-means clusters, each
    with size, share and value."""
    return r.CustomerSegments.model_validate(services.analytics.customer_segments())


def churn_risk(services: Services, a: s.OptionalUserArgs) -> r.ShopperChurn | r.AtRiskShoppers:
    """Churn risk (0..1 with level and reason) of one shopper (user_id), or, without user_id,
    the k valuable shoppers most at risk."""
    out = services.analytics.churn_risk(a.user_id, a.k)
    return (r.ShopperChurn if a.user_id is not None else r.AtRiskShoppers).model_validate(out)


def lifetime_value(services: Services, a: s.OptionalUserArgs
                   ) -> r.ShopperValue | r.ValuableShoppers:
    """Lifetime value (history plus projection) of one shopper (user_id), or, without user_id,
    the k most valuable shoppers and the value tiers."""
    out = services.analytics.lifetime_value(a.user_id, a.k)
    return (r.ShopperValue if a.user_id is not None else r.ValuableShoppers).model_validate(out)


def customer_journey(services: Services, a: s.NoArgs) -> r.CustomerJourney:
    """First-time vs repeat shoppers, basket sizes, reorder rate by order number and days
    between orders."""
    return r.CustomerJourney.model_validate(services.analytics.customer_journey())


def funnel_analysis(services: Services, a: s.FunnelArgs) -> r.FunnelAnalysis:
    """The conversion funnel (home -> search -> payment -> confirmation): shoppers per step,
    conversion and drop-off, optionally only one device or sex, or split by device, sex, week or
    month."""
    return r.FunnelAnalysis.model_validate(
        services.analytics.funnel_analysis(a.device, a.sex, a.by))


def order_trends(services: Services, a: s.TrendArgs) -> r.OrderTrends:
    """Order volume (orders, items, revenue) by day of the week (dow), hour, day, week or
    month."""
    return r.OrderTrends.model_validate(services.analytics.order_trends(a.by))


# ------------------------------------------------------------------------------ the registry


@dataclass(frozen=True)
class ToolSpec:
    """One tool: its catalogue ``name``, argument model, ``result`` type (a result model, or a
    union of models of different kinds), function and model-facing ``description``."""

    name: str
    args: type[s.ToolArgs]
    result: Any
    fn: Callable[[Services, Any], r.ToolResult]

    @property
    def description(self) -> str:
        return " ".join((self.fn.__doc__ or self.name).split())

    @property
    def arguments(self) -> frozenset[str]:
        """The names of the tool's arguments."""
        return frozenset(self.args.model_fields)

    def parse(self, data: object) -> r.ToolResult | None:
        """A JSON result of this tool as its model (or a Failure); None if it is neither."""
        return r.parse_result(self.result, data)


TOOLS: dict[str, ToolSpec] = {spec.name: spec for spec in (
    ToolSpec("recommend_products", s.RecommendArgs, r.Recommendations, recommend_products),
    ToolSpec("search_products", s.SearchArgs, r.SearchResults, search_products),
    ToolSpec("similar_products", s.ProductListArgs, r.SimilarProducts, similar_products),
    ToolSpec("frequently_bought_together", s.ProductListArgs, r.BoughtTogether,
             frequently_bought_together),
    ToolSpec("popular_products", s.PopularArgs, r.BestSellers, popular_products),
    ToolSpec("similar_users", s.UserListArgs, r.SimilarShoppers, similar_users),
    ToolSpec("user_profile", s.UserArgs, r.ShopperProfile, user_profile),
    ToolSpec("product_details", s.ProductArgs, r.ProductDetails, product_details),
    ToolSpec("customer_segments", s.NoArgs, r.CustomerSegments, customer_segments),
    ToolSpec("churn_risk", s.OptionalUserArgs, r.ShopperChurn | r.AtRiskShoppers, churn_risk),
    ToolSpec("lifetime_value", s.OptionalUserArgs, r.ShopperValue | r.ValuableShoppers,
             lifetime_value),
    ToolSpec("customer_journey", s.NoArgs, r.CustomerJourney, customer_journey),
    ToolSpec("funnel_analysis", s.FunnelArgs, r.FunnelAnalysis, funnel_analysis),
    ToolSpec("order_trends", s.TrendArgs, r.OrderTrends, order_trends),
)}


def tool_spec(name: str) -> ToolSpec:
    """The tool called ``name``.

    Raises:
        InvalidArgument: no such tool (the message lists the tools).
    """
    spec = TOOLS.get(name)
    if spec is None:
        raise InvalidArgument("tool", name, sorted(TOOLS))
    return spec


def parse_tool_result(name: str | None, data: object) -> r.ToolResult | None:
    """The JSON result of tool ``name`` as its model (or a Failure); None for an unknown tool
    or a result of another shape."""
    spec = TOOLS.get(name or "")
    return spec.parse(data) if spec is not None else None


def run_tool(services: Services, name: str, args: Mapping[str, Any] | s.ToolArgs | None = None
             ) -> r.ToolResult:
    """Call tool ``name`` with ``args`` (raw, e.g. from a chat model or a request, or already
    validated) and return its typed result; unknown users and products and bad arguments come
    back as :class:`~cartwise.tools.results.Failure` results, never as exceptions.

    Raises:
        InvalidArgument: ``name`` is not a tool of the catalogue.
    """
    spec = tool_spec(name)
    try:
        parsed = args if isinstance(args, spec.args) else spec.args.model_validate(
            dict(args or {}))
    except ValidationError as exc:
        return r.invalid_arguments(exc)
    try:
        return spec.fn(services, parsed)
    except (UnknownUser, UnknownProduct, InvalidArgument) as exc:
        return r.failure_of(exc)
