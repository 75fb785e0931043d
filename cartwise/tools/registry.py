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
from cartwise.formatting import plural
from cartwise.services import Services
from cartwise.tools import results as r
from cartwise.tools import schemas as s
from cartwise.tools.memory import ResultMemory, StoredList
from cartwise.tools.render import filters_text

log = logging.getLogger(__name__)


def _names(items: Sequence[Product], n: int = 3) -> str:
    names = [x.name for x in items[:n]]
    more = f" and {len(items) - n} more" if len(items) > n else ""
    return ", ".join(names) + more


def _top(n: int, word: str) -> str:
    """``"Top 5 best sellers"``, or ``"The best seller"`` for one."""
    return f"The {word}" if n == 1 else f"Top {plural(n, word)}"


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
    where = filters_text(flt.departments, flt.min_price, flt.max_price, a.exclude_purchased,
                         services.catalog.currency)
    if rec.fallback == "unknown_user":
        summary = (f"User {a.user_id} is not in the shop's data, so these are best sellers"
                   f"{where}: {_names(items)}.")
    elif rec.fallback:
        summary = (f"User {a.user_id} has no purchases yet, so these are best sellers{where}: "
                   f"{_names(items)}.")
    elif not items:
        summary = f"No products for user {a.user_id} pass the filters{where}."
    else:
        summary = (f"{plural(len(items), f'{a.strategy} recommendation')} for user "
                   f"{a.user_id}{where}: {_names(items)}.")
        if rec.orders == 1:
            summary += (" They rest on a single order, so they are weak evidence of what this "
                        "shopper will buy next.")
    segment = None if rec.fallback else services.analytics.spending_segment(a.user_id)
    return r.Recommendations(user_id=a.user_id, strategy=rec.strategy, fallback=rec.fallback,
                             user_found=rec.fallback != "unknown_user", segment=segment,
                             orders=rec.orders,
                             filters=_filters(flt, a.exclude_purchased), items=items,
                             summary=summary)


def search_products(services: Services, a: s.SearchArgs) -> r.SearchResults:
    """Semantic product search over the catalogue: products matching a plain-words query
    (names, kinds, uses: "gluten free pasta", "something spicy for tacos"), best first, with
    optional department and price range. Each item says whether it matches the query and its
    filters (``match``; matches come first) or is another suggestion; ``matches`` counts the
    matches."""
    flt = services.catalog.product_filter(a.department, a.min_price, a.max_price)
    hits = services.search.search(a.query, a.k, flt)
    hits = [h for h in hits if h.match] + [h for h in hits if not h.match]
    items = [_entry(r.SearchHit, h.product, score=round(h.score, 4), matched_by=h.matched_by,
                    match=h.match) for h in hits]
    matched = [it for it in items if it.match]
    others = [it for it in items if not it.match]
    where = filters_text(flt.departments, flt.min_price, flt.max_price,
                         currency=services.catalog.currency)
    if not items:
        summary = f"No product matches {a.query!r}{where}."
    elif not matched:
        summary = (f"No product matches {a.query!r}{where}; "
                   f"{plural(len(others), 'other suggestion')}, the nearest: {_names(others)}.")
    else:
        verb = "matches" if len(matched) == 1 else "match"
        summary = (f"{plural(len(matched), 'product')} {verb} {a.query!r}{where}: "
                   f"{_names(matched)}")
        summary += (f"; {plural(len(others), 'other suggestion')}: {_names(others)}."
                    if others else ".")
    return r.SearchResults(query=a.query, filters=_filters(flt), items=items, summary=summary,
                           matches=len(matched))


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
    """Products bought together with a given product (name or id), strongest and best
    supported first: only significant pairs bought by enough shoppers, each with its shared
    baskets, shoppers, confidence, lift and q value."""
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
                         summary=f"{_top(len(items), 'best seller')}{where}: "
                                 f"{_names(items)}.")


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


def sales_summary(services: Services, a: s.SalesArgs) -> r.SalesSummary:
    """Revenue, orders, average order value, units, items per order and shoppers (new and
    returning) per day, week, month, day of week, hour, department or aisle, optionally between
    start and end (ISO dates), with the latest complete period compared with the one before and
    a year earlier."""
    return r.SalesSummary.model_validate(services.analytics.sales.sales_summary(
        a.by, a.start, a.end, a.compare))


def purchase_history(services: Services, a: s.HistoryArgs) -> r.PurchaseHistory:
    """A shopper's most recent orders, newest first: date, items with quantities and prices,
    order value."""
    return r.PurchaseHistory.model_validate(services.analytics.sales.purchase_history(
        a.user_id, a.orders))


def cohort_retention(services: Services, a: s.CohortArgs) -> r.CohortRetention:
    """Shoppers grouped by the month or week of their first order, and the share still
    ordering (or the revenue kept) in each period since; cohort sizes and a matrix."""
    return r.CohortRetention.model_validate(services.analytics.sales.cohort_retention(
        a.by, a.periods, a.metric))


def detect_anomalies(services: Services, a: s.AnomalyArgs) -> r.DetectedAnomalies:
    """Days or weeks whose orders, revenue, shoppers or average order value are far from what
    the series leads one to expect (weekday pattern and trend taken into account), with the
    expected value and range and the departments and products that moved most."""
    return r.DetectedAnomalies.model_validate(services.analytics.sales.detect_anomalies(
        a.metric, a.by, a.k))


def business_insights(services: Services, a: s.InsightsArgs) -> r.BusinessInsights:
    """A short digest of the latest week or month: sales against the period before, unusual
    days, products and departments that rose or fell most, valuable shoppers at risk, segment
    moves and the funnel's largest drop; each point names the tool result it comes from."""
    return r.BusinessInsights.model_validate(services.analytics.business_insights(a.period))


def order_trends(services: Services, a: s.TrendArgs) -> r.OrderTrends:
    """Order volume (orders, items, revenue) by day of the week (dow), hour, day, week or
    month."""
    return r.OrderTrends.model_validate(services.analytics.order_trends(a.by))


def _source_words(stored: StoredList) -> str:
    """The earlier list in words: "recommendations for user 42", "search results for 'tea'"."""
    result, args = stored.result, stored.args
    if isinstance(result, r.Refined):
        return "products" if isinstance(result, r.ProductList) else "shoppers"
    if isinstance(result, r.Recommendations):
        return f"recommendations for user {result.user_id}"
    if isinstance(result, r.SearchResults):
        return f"search results for {result.query!r}"
    if isinstance(result, r.SimilarProducts):
        return f"products like {result.product.name}"
    if isinstance(result, r.BoughtTogether):
        return f"products bought with {result.product.name}"
    if isinstance(result, r.BestSellers):
        return "best sellers"
    if isinstance(result, r.SimilarShoppers):
        return f"shoppers like user {result.user_id}"
    if isinstance(result, r.AtRiskShoppers):
        return "shoppers most at risk"
    if isinstance(result, r.ValuableShoppers):
        return "most valuable shoppers"
    return f"results of {stored.tool}{' ' + str(dict(args)) if args else ''}"


def _score(entry: Any) -> float | None:
    """An entry's own score: its score, else a pair's lift, else its purchases."""
    for name in ("score", "lift", "purchases"):
        value = getattr(entry, name, None)
        if isinstance(value, int | float):
            return float(value)
    return None


def _value(entry: Any) -> float | None:
    value = getattr(entry, "ltv", None) if isinstance(entry, r.ValueEntry) else getattr(
        entry, "value", None)
    return float(value) if isinstance(value, int | float) else None


def _sorted(entries: list[Any], key: Callable[[Any], Any], descending: bool) -> list[Any]:
    """``entries`` sorted by ``key``, entries without a value last (the sort is stable)."""
    known = [e for e in entries if key(e) is not None]
    return sorted(known, key=key, reverse=descending) + [e for e in entries if key(e) is None]


def refine_results(services: Services, a: s.RefineArgs, memory: ResultMemory
                   ) -> r.RefinedProducts | r.RefinedShoppers:
    """Work on a list an earlier tool returned in this conversation (the last one by default),
    from the stored results, without running the tool again: filter (price range, department,
    never bought), sort (by price, score, name, popularity or value, asc or desc), pick one
    position (to explain it: a recommendation keeps its reason, score and model) or keep the
    first k. "Which of those is cheapest?" is sort_by=price, order=asc, k=1."""
    stored, back = memory.find(a.source)
    entries = stored.entries
    products = isinstance(stored.result, r.ProductList)
    ops: list[str] = []
    catalog = services.catalog
    user_id = getattr(stored.result, "user_id", None) if products else None
    if products:
        flt = catalog.product_filter(a.department, a.min_price, a.max_price)
        if not flt.is_empty:
            entries = [e for e in entries
                       if (row := catalog.row(e.product_id)) is not None
                       and catalog.accepts(row, flt)]
            ops.append(filters_text(flt.departments, flt.min_price, flt.max_price,
                                    currency=catalog.currency).strip(" ()"))
        if a.exclude_purchased:
            if user_id is None:
                raise InvalidArgument("exclude_purchased", True,
                                      "a list of recommendations for one shopper")
            bought = services.recommenders.purchased(user_id)
            entries = [e for e in entries if e.product_id not in bought]
            ops.append(f"not bought before by user {user_id}")
    else:
        for name, value in (("min_price", a.min_price), ("max_price", a.max_price),
                            ("department", a.department)):
            if value is not None:
                raise InvalidArgument(name, value, "no filter", "the list holds shoppers, "
                                      "not products")
        if a.exclude_purchased:
            raise InvalidArgument("exclude_purchased", True, "a list of products")
    if a.sort_by is not None:
        keys: dict[str, Callable[[Any], Any]] = (
            {"price": lambda e: e.price, "score": _score, "name": lambda e: e.name.lower(),
             "popularity": lambda e: services.search.popularity(e.product_id)} if products
            else {"score": _score, "value": _value})
        if a.sort_by not in keys:
            raise InvalidArgument("sort_by", a.sort_by, sorted(keys))
        descending = a.order == "desc" if a.order else a.sort_by not in ("price", "name")
        entries = _sorted(entries, keys[a.sort_by], descending)
        ops.append(f"sorted by {a.sort_by}, {'highest' if descending else 'lowest'} first"
                   if a.sort_by != "name" else f"sorted by name{', Z-A' if descending else ''}")
    if a.position is not None:
        index = a.position - 1 if a.position > 0 else len(entries) - 1
        if not 0 <= index < len(entries):
            raise InvalidArgument("position", a.position, f"1 to {len(entries)} (or -1)",
                                  f"the list has {len(entries)} entries")
        entries = [entries[index]]
        ops.append(f"item {a.position if a.position > 0 else len(stored.entries)}")
    elif a.k is not None:
        entries = entries[:a.k]
    source = r.RefineSource(tool=stored.tool, args=dict(stored.args),
                            entries=len(stored.entries), lists_ago=back)
    what = _source_words(stored)
    how = f" ({'; '.join(ops)})" if ops else ""
    if not entries:
        summary = f"None of the {len(stored.entries)} {what} is left{how}."
    elif a.position is not None and products:
        e = entries[0]
        reason = getattr(e, "reason", None)
        summary = (f"Item {a.position} of the {what}: {e.name}"
                   + (f", suggested because {reason}" if reason else "") + ".")
    else:
        names = ", ".join(_label(e) for e in entries[:3])
        more = f" and {len(entries) - 3} more" if len(entries) > 3 else ""
        summary = f"{len(entries)} of the {len(stored.entries)} {what}{how}: {names}{more}."
    position = a.position if a.position is None or a.position > 0 else len(stored.entries)
    pick = a.position is not None or a.k == 1
    if products:
        return r.RefinedProducts(source=source, operations=ops, position=position, pick=pick,
                                 user_id=user_id, items=entries, summary=summary)
    return r.RefinedShoppers(source=source, operations=ops, position=position, pick=pick,
                             users=entries, summary=summary)


def _label(entry: Any) -> str:
    return entry.name if isinstance(entry, Product) else f"user {entry.user_id}"


# ------------------------------------------------------------------------------ the registry


@dataclass(frozen=True)
class ToolSpec:
    """One tool: its catalogue ``name``, argument model, ``result`` type (a result model, or a
    union of models of different kinds), function and model-facing ``description``;
    ``uses_memory``: the function also takes the conversation's
    :class:`~cartwise.tools.memory.ResultMemory` (``refine_results``)."""

    name: str
    args: type[s.ToolArgs]
    result: Any
    fn: Callable[..., r.ToolResult]
    uses_memory: bool = False

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
    ToolSpec("sales_summary", s.SalesArgs, r.SalesSummary, sales_summary),
    ToolSpec("purchase_history", s.HistoryArgs, r.PurchaseHistory, purchase_history),
    ToolSpec("cohort_retention", s.CohortArgs, r.CohortRetention, cohort_retention),
    ToolSpec("detect_anomalies", s.AnomalyArgs, r.DetectedAnomalies, detect_anomalies),
    ToolSpec("business_insights", s.InsightsArgs, r.BusinessInsights, business_insights),
    ToolSpec("refine_results", s.RefineArgs, r.RefinedProducts | r.RefinedShoppers,
             refine_results, uses_memory=True),
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


def run_tool(services: Services, name: str, args: Mapping[str, Any] | s.ToolArgs | None = None,
             memory: ResultMemory | None = None) -> r.ToolResult:
    """Call tool ``name`` with ``args`` (raw, e.g. from a chat model or a request, or already
    validated) and return its typed result; unknown users and products and bad arguments come
    back as :class:`~cartwise.tools.results.Failure` results, never as exceptions. ``memory``:
    the conversation's earlier lists, for the tools that work on them (none outside a
    conversation).

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
        if spec.uses_memory:
            return spec.fn(services, parsed, memory or ResultMemory())
        return spec.fn(services, parsed)
    except (UnknownUser, UnknownProduct, InvalidArgument) as exc:
        return r.failure_of(exc)
