"""The Analytics service contract: JSON-able results, summaries, errors, edge cases."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from cartwise.analytics import Analytics
from cartwise.analytics.results import NO_PRICES
from cartwise.data.schema import CanonicalData
from cartwise.errors import InvalidArgument, NotFoundError, UnknownProduct, UnknownUser
from tests.analytics.factories import canonical

TIMES = ["2024-01-01", "2024-01-08", "2024-01-15", "2024-02-01", "2024-02-10", "2024-03-01"]


def _priced() -> CanonicalData:
    # user 7 has a single order; product 99 is in the catalogue but nobody bought it
    return canonical([[1, 2], [1, 3], [1, 2, 3], [2], [2, 3], [4]], users=[5, 5, 5, 6, 6, 7],
                     times=TIMES, prices={1: 1.5, 2: 2.0, 3: 4.0, 4: 10.0},
                     quantities=[[2, 1], [1, 1], [1, 1, 1], [3], [1, 1], [1]],
                     extra_products=[99])


def _calls(a: Analytics) -> dict[str, Callable[[], dict[str, Any]]]:
    user = int(a.catalog.user_ids[0])
    return {
        "frequently_bought_together": lambda: a.frequently_bought_together(1),
        "user_profile": lambda: a.user_profile(user),
        "product_details": lambda: a.product_details(1),
        "customer_segments": a.customer_segments,
        "churn_risk one": lambda: a.churn_risk(user),
        "churn_risk list": lambda: a.churn_risk(k=3),
        "lifetime_value one": lambda: a.lifetime_value(user),
        "lifetime_value list": lambda: a.lifetime_value(k=3),
        "customer_journey": a.customer_journey,
        "funnel_analysis": a.funnel_analysis,
        "order_trends": a.order_trends,
    }


@pytest.mark.parametrize("make", [_priced, lambda: canonical([[1, 2], [2]], users=[1, 2])])
def test_every_result_is_json_with_a_one_line_summary(make: Callable[[], CanonicalData]) -> None:
    a = Analytics.on_demand(make())
    for name, call in _calls(a).items():
        out = call()
        text = json.dumps(out, allow_nan=False)  # no NaN, no numpy types
        assert json.loads(text) == out, name
        assert isinstance(out["summary"], str) and out["summary"], name
        assert "\n" not in out["summary"] and len(out["summary"]) < 400, name
        for c in out.get("charts", []):
            assert c["kind"] in ("bar", "line", "funnel", "scatter"), name
            ys = c["series"].values() if "series" in c else [c["y"]]
            assert all(len(y) == len(c["x"]) for y in ys), name


def test_user_profile_by_hand() -> None:
    a = Analytics.on_demand(_priced())
    p = a.user_profile(5)
    assert (p["orders"], p["items"], p["products_bought"]) == (3, 8, 7)
    assert p["spend"] == pytest.approx(2 * 1.5 + 2 + 1.5 + 4 + 1.5 + 2 + 4)
    assert p["avg_item_price"] == pytest.approx(p["spend"] / 8, abs=0.01)
    assert p["avg_basket_value"] == pytest.approx(18 / 3)
    assert p["reorder_rate"] == pytest.approx(4 / 7, abs=1e-4)  # 1 on order 2; 1, 2, 3 on 3
    assert p["days_between_orders"] == {"median": 7.0, "mean": 7.0, "gaps": 2}
    assert p["last_order"]["ordered_at"] == "2024-01-15T00:00:00"
    assert p["last_order"]["days_ago"] == pytest.approx(46.0)  # now = Mar 1, last order
    assert p["favourite_departments"][0]["label"] in ("dept 1", "dept 2")
    assert sum(d["value"] for d in p["favourite_departments"]) == 7
    assert p["spending_segment"]["label"] == "high"  # the biggest spender of three
    assert p["churn_risk"]["level"] in ("low", "medium", "high")
    assert p["rfm"]["segment"]


def test_user_with_one_order() -> None:
    a = Analytics.on_demand(_priced())
    p = a.user_profile(7)
    assert p["orders"] == 1 and p["days_between_orders"]["gaps"] == 0
    assert p["days_between_orders"]["median"] is None
    assert p["last_order"]["days_ago"] == 0.0
    churn = a.churn_risk(7)
    assert churn["gaps"] == 0 and "too few orders" in churn["reason"]
    assert a.lifetime_value(7)["historical"] == pytest.approx(10.0)


def test_product_details_and_a_product_nobody_bought() -> None:
    a = Analytics.on_demand(_priced())
    p = a.product_details(2)
    assert (p["purchases"], p["buyers"], p["units"]) == (4, 2, 6)
    assert p["reorder_rate"] == pytest.approx(0.5)  # user 5's and user 6's second purchases
    assert p["rank"] == 1 and p["of_products"] == 5  # 4 purchases: the best seller
    assert p["revenue"] == pytest.approx(6 * 2.0) and p["product"]["price"] == 2.0
    # products 1 and 3 are both bought 3 times: they share rank 2; product 4 comes 4th
    assert [a.product_details(i)["rank"] for i in (1, 3, 4)] == [2, 2, 4]
    nobody = a.product_details(99)
    assert nobody["purchases"] == 0 and nobody["buyers"] == 0
    assert nobody["rank"] is None and nobody["reorder_rate"] is None
    assert "nobody has bought it yet" in nobody["summary"]


def test_no_prices_means_items_never_invented_money() -> None:
    a = Analytics.on_demand(canonical([[1, 2], [2], [1]], users=[1, 1, 2], gaps=[None, 5.0, None]))
    p = a.user_profile(1)
    assert p["spend"] is None and p["avg_item_price"] is None
    assert p["value_unit"] == "items" and p["price_note"] == NO_PRICES
    assert p["spending_segment"]["basis"] == "items bought"
    assert a.lifetime_value(1)["historical"] == 3  # items
    assert a.customer_segments()["rfm"]["monetary"] == "items bought"
    assert a.product_details(1)["product"]["price"] is None
    assert a.product_details(1)["revenue"] is None


def test_unknown_ids_and_bad_arguments() -> None:
    a = Analytics.on_demand(_priced())
    with pytest.raises(UnknownUser, match="user 12345 not found"):
        a.user_profile(12345)
    with pytest.raises(UnknownUser):
        a.churn_risk(12345)
    with pytest.raises(UnknownUser):
        a.lifetime_value(12345)
    with pytest.raises(UnknownProduct):
        a.product_details(555)
    with pytest.raises(UnknownProduct):
        a.frequently_bought_together(555)
    assert issubclass(UnknownUser, NotFoundError)
    assert a.user_profile("5")["user_id"] == 5  # ids typed as text are fine
    with pytest.raises(InvalidArgument, match="product_id='bananas'.*integer id"):
        a.frequently_bought_together("bananas")
    for bad in (0, 101, "3", 2.5, True):
        with pytest.raises(InvalidArgument, match="k="):
            a.churn_risk(k=bad)
    with pytest.raises(InvalidArgument, match="k="):
        a.frequently_bought_together(1, k=0)
    with pytest.raises(InvalidArgument) as exc:
        a.order_trends("quarter")
    assert exc.value.argument == "by" and "week" in exc.value.allowed


def test_aggregate_results_are_cached() -> None:
    a = Analytics.on_demand(_priced())
    first = a.customer_segments()
    assert a.customer_segments() == first
    assert a.customer_segments()["segments"] is first["segments"]  # computed once
    first["summary"] = "changed by a caller"
    assert a.customer_segments()["summary"] != "changed by a caller"
    assert a.order_trends("week") == a.order_trends("week")


def _no_prices() -> CanonicalData:
    return canonical([[1, 2], [2], [1]], users=[1, 1, 2], gaps=[None, 5.0, None])


def _no_funnel() -> CanonicalData:
    return canonical([[1]], times=["2024-01-01"])


@pytest.mark.parametrize("make", [_priced, _no_prices, _no_funnel, "demo"])
def test_every_result_validates_against_its_model(make: Any, request: pytest.FixtureRequest
                                                  ) -> None:
    """Each result is its tool's model (``kind`` and ``resolved`` left to the tool layer), on
    priced data, data without prices, data without funnel tables, and the demo data (funnel,
    timestamps, prices)."""
    from cartwise.tools import results as m

    data = request.getfixturevalue("demo_data") if make == "demo" else make()
    a = Analytics.on_demand(data)
    user, product = int(a.catalog.user_ids[0]), int(a.catalog.ids[0])
    calendar = data.has_timestamps
    checks: list[tuple[type[m.ToolResult], dict[str, Any]]] = [
        (m.BoughtTogether, a.frequently_bought_together(product)),
        (m.ProductDetails, a.product_details(product)),
        (m.ShopperProfile, a.user_profile(user)),
        (m.ShopperChurn, a.churn_risk(user)),
        (m.AtRiskShoppers, a.churn_risk(k=3)),
        (m.ShopperValue, a.lifetime_value(user)),
        (m.ValuableShoppers, a.lifetime_value(k=3)),
        (m.CustomerSegments, a.customer_segments()),
        (m.CustomerJourney, a.customer_journey()),
        (m.FunnelAnalysis, a.funnel_analysis()),
        (m.FunnelAnalysis, a.funnel_analysis(by="device")),
        (m.ShopperPage, a.list_users()),
        *[(m.OrderTrends, a.order_trends(by))
          for by in ("dow", "hour", *(("day", "week", "month") if calendar else ()))],
    ]
    if make == _priced:
        checks.append((m.ProductDetails, a.product_details(99)))  # nobody bought it
        checks.append((m.BoughtTogether, a.frequently_bought_together(99)))
    for model, out in checks:
        assert "kind" not in out and "resolved" not in out, model.__name__
        parsed = model.model_validate(out)  # unknown or missing fields fail here
        assert parsed.summary == out["summary"], model.__name__
    assert (a.funnel_analysis()["available"] is True) == (make == "demo")
