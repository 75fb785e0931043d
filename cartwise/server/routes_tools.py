"""REST over the same tools the agent uses: recommendations, products, users, analytics.

Routes call :func:`~cartwise.tools.registry.run_tool`, so they validate and answer exactly as
the tools do, and their response schemas are the tools' result models
(:mod:`cartwise.tools.results`); a not-found result is a 404 (``{"detail": Failure}``) and an
invalid argument a 422 naming it. Results with chart series also carry ``chart_specs``: the
same charts as Vega-Lite v5 specs (:mod:`cartwise.tools.charts`), for any client to draw.
"""

from __future__ import annotations

import time
from typing import Any, Literal, cast

from fastapi import APIRouter, Query, Response

from cartwise.errors import UnknownUser
from cartwise.server.deps import ServicesDep
from cartwise.server.errors import not_found, raise_for_result
from cartwise.server.metrics import record_tool_call
from cartwise.services import Services
from cartwise.tools import results as r
from cartwise.tools.charts import attach_chart_specs, with_chart_specs
from cartwise.tools.registry import run_tool
from cartwise.tools.schemas import (
    AnomalyMetric,
    FunnelBy,
    RecommendArgs,
    SalesBy,
    Strategy,
    TrendBy,
)

router = APIRouter()

_NOT_FOUND = {404: {"model": r.Failure, "description": "Unknown user or product "
                                                        "(the body's detail)."}}


def _result(services: Services, name: str, where: str = "query", **args: Any
            ) -> r.ToolResult:
    """Tool ``name``'s result (None arguments left out) with its chart specs, if charted; the
    call is counted and timed in the app's metrics."""
    t0 = time.perf_counter()
    result = run_tool(services, name, {k: v for k, v in args.items() if v is not None})
    record_tool_call(name, time.perf_counter() - t0, result)
    return attach_chart_specs(name, raise_for_result(result, where))


def _respond(result: r.ToolResult) -> Response:
    """``result`` as the route's JSON response, written by its own model.

    The result already is a validated instance of the route's response model (the tool's
    result model, or :func:`~cartwise.tools.charts.with_chart_specs` of it), so the JSON is
    the same as FastAPI's; FastAPI would first validate it again, in a worker thread for a sync
    route (one more thread hand-off per request)."""
    return Response(result.model_dump_json(by_alias=True), media_type="application/json")


def _tool(services: Services, name: str, where: str = "query", **args: Any) -> Any:
    """The response of tool ``name`` (see :func:`_result` and :func:`_respond`)."""
    return _respond(_result(services, name, where, **args))


def _charted(*models: type[r.ToolResult]) -> Any:
    """The response model of a route answering one of ``models``: each charted one with its
    ``chart_specs`` field (:func:`~cartwise.tools.charts.with_chart_specs`)."""
    out = [with_chart_specs(m) if issubclass(m, r.Charted) else m for m in models]
    union: Any = out[0]
    for m in out[1:]:
        union = union | m
    return union


def _recommend(services: Services, args: dict[str, Any], where: str) -> Any:
    result = cast(r.Recommendations, _result(services, "recommend_products", where, **args))
    if not result.user_found:
        raise not_found(r.not_found_user(UnknownUser(args["user_id"])))
    return _respond(result)


@router.get("/recommendations/{user_id}", tags=["recommendations"], responses=_NOT_FOUND)
def recommendations(user_id: int, services: ServicesDep, k: int = 5,
                    strategy: Strategy = "hybrid", department: str | None = None,
                    min_price: float | None = None, max_price: float | None = None,
                    exclude_purchased: bool = False) -> r.Recommendations:
    """Personalised recommendations for a known shopper (404 for an unknown one)."""
    return _recommend(services, {"user_id": user_id, "k": k, "strategy": strategy,
                                 "department": department, "min_price": min_price,
                                 "max_price": max_price,
                                 "exclude_purchased": exclude_purchased}, "query")


@router.post("/recommendations", tags=["recommendations"], responses=_NOT_FOUND)
def recommendations_post(body: RecommendArgs, services: ServicesDep) -> r.Recommendations:
    """The same as ``GET /recommendations/{user_id}`` with the arguments in the body."""
    return _recommend(services, body.model_dump(), "body")


@router.get("/products/search", tags=["products"])
def search_products(services: ServicesDep, q: str = Query(description="What to look for."),
                    k: int = 5, department: str | None = None, min_price: float | None = None,
                    max_price: float | None = None) -> r.SearchResults:
    """Semantic product search."""
    return _tool(services, "search_products", query=q, k=k, department=department,
                 min_price=min_price, max_price=max_price)


@router.get("/products/popular", tags=["products"])
def popular_products(services: ServicesDep, k: int = 10, department: str | None = None
                     ) -> r.BestSellers:
    """Best sellers, overall or in one department."""
    return _tool(services, "popular_products", k=k, department=department)


@router.get("/products/{product_id}", tags=["products"], responses=_NOT_FOUND,
            response_model=_charted(r.ProductDetails))
def product_details(product_id: int, services: ServicesDep) -> r.ProductDetails:
    """A product's details (404 for an unknown id)."""
    return _tool(services, "product_details", product=str(product_id))


@router.get("/products/{product_id}/similar", tags=["products"], responses=_NOT_FOUND)
def similar_products(product_id: int, services: ServicesDep, k: int = 5) -> r.SimilarProducts:
    """Products like this one."""
    return _tool(services, "similar_products", product=str(product_id), k=k)


@router.get("/products/{product_id}/bought-together", tags=["products"], responses=_NOT_FOUND,
            response_model=_charted(r.BoughtTogether))
def bought_together(product_id: int, services: ServicesDep, k: int = 5) -> r.BoughtTogether:
    """Products most often in the same basket, with support, confidence and lift."""
    return _tool(services, "frequently_bought_together", product=str(product_id), k=k)


@router.get("/users", tags=["users"])
def users(services: ServicesDep, offset: int = 0, limit: int = 50) -> r.ShopperPage:
    """A page of shoppers in id order, with orders, value, segment and churn level."""
    return r.ShopperPage.model_validate(services.analytics.list_users(offset, limit))


@router.get("/users/{user_id}/profile", tags=["users"], responses=_NOT_FOUND,
            response_model=_charted(r.ShopperProfile))
def user_profile(user_id: int, services: ServicesDep) -> r.ShopperProfile:
    """A shopper's profile (404 for an unknown user)."""
    return _tool(services, "user_profile", user_id=user_id)


@router.get("/users/{user_id}/similar", tags=["users"], responses=_NOT_FOUND)
def similar_users(user_id: int, services: ServicesDep, k: int = 5) -> r.SimilarShoppers:
    """Shoppers with similar purchase histories."""
    return _tool(services, "similar_users", user_id=user_id, k=k)


@router.get("/analytics/segments", tags=["analytics"],
            response_model=_charted(r.CustomerSegments))
def segments(services: ServicesDep) -> r.CustomerSegments:
    """RFM segments and K-means clusters."""
    return _tool(services, "customer_segments")


@router.get("/analytics/churn", tags=["analytics"], responses=_NOT_FOUND,
            response_model=_charted(r.ShopperChurn, r.AtRiskShoppers))
def churn(services: ServicesDep, user_id: int | None = None, k: int = 10
          ) -> r.ShopperChurn | r.AtRiskShoppers:
    """One shopper's churn risk, or the k valuable shoppers most at risk."""
    return _tool(services, "churn_risk", user_id=user_id, k=k)


@router.get("/analytics/ltv", tags=["analytics"], responses=_NOT_FOUND,
            response_model=_charted(r.ShopperValue, r.ValuableShoppers))
def ltv(services: ServicesDep, user_id: int | None = None, k: int = 10
        ) -> r.ShopperValue | r.ValuableShoppers:
    """One shopper's lifetime value, or the k most valuable and the value tiers."""
    return _tool(services, "lifetime_value", user_id=user_id, k=k)


@router.get("/analytics/journey", tags=["analytics"],
            response_model=_charted(r.CustomerJourney))
def journey(services: ServicesDep) -> r.CustomerJourney:
    """First-time vs repeat shoppers, basket sizes, reorders, days between orders."""
    return _tool(services, "customer_journey")


@router.get("/analytics/funnel", tags=["analytics"],
            response_model=_charted(r.FunnelAnalysis))
def funnel(services: ServicesDep, device: str | None = None, sex: str | None = None,
           by: FunnelBy | None = None) -> r.FunnelAnalysis:
    """The conversion funnel, filtered and/or split."""
    return _tool(services, "funnel_analysis", device=device, sex=sex, by=by)


@router.get("/analytics/trends", tags=["analytics"],
            response_model=_charted(r.OrderTrends))
def trends(services: ServicesDep, by: TrendBy | None = None) -> r.OrderTrends:
    """Order volume by day of week, hour, day, week or month."""
    return _tool(services, "order_trends", by=by)


@router.get("/analytics/sales", tags=["analytics"],
            response_model=_charted(r.SalesSummary))
def sales(services: ServicesDep, by: SalesBy | None = None,
          start: str | None = Query(None, description="First day (ISO date)."),
          end: str | None = Query(None, description="Last day (ISO date), inclusive."),
          compare: bool = True) -> r.SalesSummary:
    """Revenue, orders, average order value, units and shoppers per period or group, with the
    latest complete period against the one before and a year earlier."""
    return _tool(services, "sales_summary", by=by, start=start, end=end, compare=compare)


@router.get("/users/{user_id}/orders", tags=["users"], responses=_NOT_FOUND)
def purchase_history(user_id: int, services: ServicesDep, orders: int = 5
                     ) -> r.PurchaseHistory:
    """A shopper's most recent orders, newest first, with items and prices (404 for an
    unknown user)."""
    return _tool(services, "purchase_history", user_id=user_id, orders=orders)


@router.get("/analytics/cohorts", tags=["analytics"],
            response_model=_charted(r.CohortRetention))
def cohorts(services: ServicesDep, by: Literal["month", "week"] = "month", periods: int = 12,
            metric: Literal["shoppers", "revenue"] = "shoppers") -> r.CohortRetention:
    """Retention of the shoppers by the month or week of their first order."""
    return _tool(services, "cohort_retention", by=by, periods=periods, metric=metric)


@router.get("/analytics/anomalies", tags=["analytics"],
            response_model=_charted(r.DetectedAnomalies))
def anomalies(services: ServicesDep, metric: AnomalyMetric = "orders",
              by: Literal["day", "week"] = "day", k: int = 10) -> r.DetectedAnomalies:
    """Unusual days or weeks, with the expected range and what moved in them."""
    return _tool(services, "detect_anomalies", metric=metric, by=by, k=k)


@router.get("/analytics/insights", tags=["analytics"],
            response_model=_charted(r.BusinessInsights))
def insights(services: ServicesDep, period: Literal["week", "month"] = "week"
             ) -> r.BusinessInsights:
    """A digest of the latest week or month: what changed and what to look at."""
    return _tool(services, "business_insights", period=period)
