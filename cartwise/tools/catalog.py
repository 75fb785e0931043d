"""The tool catalogue: one function per tool over :class:`~cartwise.services.Services`, and
:func:`run_tool`, the one way to call a tool by name with raw arguments.

Each tool's docstring is its model-facing description. Tools are thin: they validate the
arguments (:mod:`.schemas`), resolve product names to catalogue products, call the service and
add a one-line ``summary``. Failures come back as results (:mod:`.results`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from cartwise.errors import InvalidArgument, UnknownProduct, UnknownUser
from cartwise.services import Services
from cartwise.tools import schemas as s
from cartwise.tools.results import (
    filters_text,
    invalid_argument,
    invalid_arguments,
    not_found_product,
    not_found_user,
    product_entry,
)

log = logging.getLogger(__name__)

Result = dict[str, Any]


def _names(items: list[Mapping[str, Any]], n: int = 3) -> str:
    names = [str(x.get("name") or x.get("product_name")) for x in items[:n]]
    more = f" and {len(items) - n} more" if len(items) > n else ""
    return ", ".join(names) + more


def resolve_product(services: Services, text: str) -> tuple[Result, Result]:
    """The catalogue product ``text`` names (an id or a name, typos tolerated).

    Returns:
        ``(product, match)``: the product entry and how it was matched (``query``,
        ``confidence`` 0..1 with 1 for an id or exact name, up to three ``alternatives``).

    Raises:
        UnknownProduct: nothing in the catalogue is close enough.
    """
    res = services.search.resolve(text)
    hit = res.product
    product = product_entry(hit.id, hit.name, hit.aisle, hit.department, hit.price)
    match = {"query": text, "confidence": res.confidence, "by": hit.match,
             "alternatives": [{"product_id": a.id, "name": a.name}
                              for a in res.alternatives[:3]]}
    return product, match


# ------------------------------------------------------------------------------ the tools


def recommend_products(services: Services, a: s.RecommendArgs) -> Result:
    """Personalised product recommendations for a known shopper (user_id), best first, each
    with a reason. Strategy: hybrid (default), als, item_cf, popularity or repeat. Optional
    filters: department, min_price / max_price, exclude_purchased (only never-bought products).
    An unknown user gets best sellers with fallback = "unknown_user"."""
    rec = services.recommenders.recommend(a.user_id, a.k, a.strategy, a.department, a.min_price,
                                          a.max_price, a.exclude_purchased)
    out = rec.to_dict()
    items = [product_entry(i["product_id"], i["name"], i["aisle"], i["department"], i["price"],
                           score=i["relevance"], confidence=i["confidence"], model=i["model"],
                           reason=i["reason"]) for i in out.pop("items")]
    f = out["filters"]
    where = filters_text(f["department"], f["min_price"], f["max_price"],
                          f["exclude_purchased"])
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
    return {**out, "user_found": rec.fallback != "unknown_user", "items": items,
            "summary": summary}


def search_products(services: Services, a: s.SearchArgs) -> Result:
    """Semantic product search over the catalogue: products matching a plain-words query
    (names, kinds, uses: "gluten free pasta", "something spicy for tacos"), best first, with
    optional department and price range."""
    hits = services.search.search(a.query, a.k, a.department, a.min_price, a.max_price)
    items = [product_entry(h.id, h.name, h.aisle, h.department, h.price, score=round(h.score, 4),
                           match=h.match) for h in hits]
    dept = (", ".join(services.search.resolve_department(a.department)) if a.department
            else None)
    where = filters_text(dept, a.min_price, a.max_price)
    summary = (f"{len(items)} products match {a.query!r}{where}: {_names(items)}." if items
               else f"No product matches {a.query!r}{where}.")
    return {"query": a.query, "filters": {"department": dept, "min_price": a.min_price,
                                          "max_price": a.max_price},
            "results": items, "summary": summary}


def similar_products(services: Services, a: s.ProductListArgs) -> Result:
    """Products like a given product (name or id): the closest in meaning and kind, by their
    embeddings in the product index."""
    product, match = resolve_product(services, a.product)
    hits = services.search.similar([product["product_id"]], k=a.k)
    items = [product_entry(h.id, h.name, h.aisle, h.department, h.price,
                           score=round(h.score, 4)) for h in hits]
    summary = (f"Products like {product['name']}: {_names(items)}." if items
               else f"No products like {product['name']} found.")
    return {"product": product, "resolved": match, "similar": items, "summary": summary}


def frequently_bought_together(services: Services, a: s.ProductListArgs) -> Result:
    """Products most often in the same basket as a given product (name or id), by lift, with
    support, confidence and lift for each pair."""
    product, match = resolve_product(services, a.product)
    out = services.analytics.frequently_bought_together(product["product_id"], a.k)
    return {**out, "resolved": match}


def popular_products(services: Services, a: s.PopularArgs) -> Result:
    """The best sellers (by purchases), overall or in one department."""
    dept = services.recommenders.resolve_department(a.department)
    rows = services.recommenders.popular(a.k, dept)
    items = [product_entry(r["product_id"], r["name"], r["aisle"], r["department"], r["price"],
                           purchases=r["purchases"], buyers=r["buyers"]) for r in rows]
    where = f" in {dept}" if dept else ""
    return {"department": dept, "items": items,
            "summary": f"Top {len(items)} best sellers{where}: {_names(items)}."}


def similar_users(services: Services, a: s.UserListArgs) -> Result:
    """Shoppers whose purchase histories are most like a given shopper's (user_id), with how
    many products they share."""
    users = services.recommenders.similar_users(a.user_id, a.k)
    head = ", ".join(f"user {u['user_id']}" for u in users[:3])
    summary = (f"Shoppers most like user {a.user_id}: {head}." if users
               else f"User {a.user_id} has no purchases yet, so no similar shoppers.")
    return {"user_id": a.user_id, "users": users, "summary": summary}


def user_profile(services: Services, a: s.UserArgs) -> Result:
    """A shopper's profile: orders, items, spend, spending segment, favourite departments and
    aisles, reorder rate, days between orders, last order, churn risk."""
    return services.analytics.user_profile(a.user_id)


def product_details(services: Services, a: s.ProductArgs) -> Result:
    """A product's (name or id) price, aisle, department, buyers, purchases, reorder rate and
    popularity rank."""
    product, match = resolve_product(services, a.product)
    out = services.analytics.product_details(product["product_id"])
    return {**out, "resolved": match}


def customer_segments(services: Services, a: s.NoArgs) -> Result:
    """RFM segments of all shoppers (Champions, Loyal, At Risk, ...) and K-means clusters, each
    with size, share and value."""
    return services.analytics.customer_segments()


def churn_risk(services: Services, a: s.OptionalUserArgs) -> Result:
    """Churn risk (0..1 with level and reason) of one shopper (user_id), or, without user_id,
    the k valuable shoppers most at risk."""
    return services.analytics.churn_risk(a.user_id, a.k)


def lifetime_value(services: Services, a: s.OptionalUserArgs) -> Result:
    """Lifetime value (history plus projection) of one shopper (user_id), or, without user_id,
    the k most valuable shoppers and the value tiers."""
    return services.analytics.lifetime_value(a.user_id, a.k)


def customer_journey(services: Services, a: s.NoArgs) -> Result:
    """First-time vs repeat shoppers, basket sizes, reorder rate by order number and days
    between orders."""
    return services.analytics.customer_journey()


def funnel_analysis(services: Services, a: s.FunnelArgs) -> Result:
    """The conversion funnel (home -> search -> payment -> confirmation): shoppers per step,
    conversion and drop-off, optionally only one device or sex, or split by device, sex, week or
    month."""
    return services.analytics.funnel_analysis(a.device, a.sex, a.by)


def order_trends(services: Services, a: s.TrendArgs) -> Result:
    """Order volume (orders, items, revenue) by day of the week (dow), hour, day, week or
    month."""
    return services.analytics.order_trends(a.by)


# ------------------------------------------------------------------------------ the registry


@dataclass(frozen=True)
class ToolSpec:
    """One tool: its catalogue ``name``, argument model, function and model-facing
    ``description``."""

    name: str
    args: type[s.ToolArgs]
    fn: Callable[[Services, Any], Result]

    @property
    def description(self) -> str:
        return " ".join((self.fn.__doc__ or self.name).split())


TOOLS: dict[str, ToolSpec] = {spec.name: spec for spec in (
    ToolSpec("recommend_products", s.RecommendArgs, recommend_products),
    ToolSpec("search_products", s.SearchArgs, search_products),
    ToolSpec("similar_products", s.ProductListArgs, similar_products),
    ToolSpec("frequently_bought_together", s.ProductListArgs, frequently_bought_together),
    ToolSpec("popular_products", s.PopularArgs, popular_products),
    ToolSpec("similar_users", s.UserListArgs, similar_users),
    ToolSpec("user_profile", s.UserArgs, user_profile),
    ToolSpec("product_details", s.ProductArgs, product_details),
    ToolSpec("customer_segments", s.NoArgs, customer_segments),
    ToolSpec("churn_risk", s.OptionalUserArgs, churn_risk),
    ToolSpec("lifetime_value", s.OptionalUserArgs, lifetime_value),
    ToolSpec("customer_journey", s.NoArgs, customer_journey),
    ToolSpec("funnel_analysis", s.FunnelArgs, funnel_analysis),
    ToolSpec("order_trends", s.TrendArgs, order_trends),
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


def run_tool(services: Services, name: str, args: Mapping[str, Any] | s.ToolArgs | None = None
             ) -> Result:
    """Call tool ``name`` with ``args`` (raw, e.g. from a chat model or a request, or already
    validated) and return its result; unknown users and products and bad arguments come back
    as structured failure results (see :mod:`.results`), never as exceptions.

    Raises:
        InvalidArgument: ``name`` is not a tool of the catalogue.
    """
    spec = tool_spec(name)
    try:
        parsed = args if isinstance(args, spec.args) else spec.args.model_validate(
            dict(args or {}))
        return spec.fn(services, parsed)
    except ValidationError as exc:
        return invalid_arguments(exc)
    except UnknownUser as exc:
        return not_found_user(exc)
    except UnknownProduct as exc:
        return not_found_product(exc)
    except InvalidArgument as exc:
        return invalid_argument(exc)
