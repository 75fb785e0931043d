"""Sales summaries, purchase histories and cohorts: every figure recomputed independently with
pandas group-bys over the canonical tables (never through the ledger)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cartwise.analytics import Analytics
from cartwise.catalog import Catalog
from cartwise.data.instacart import load_instacart
from cartwise.data.schema import CanonicalData
from cartwise.errors import InvalidArgument, UnknownUser
from tests.analytics.factories import canonical


@pytest.fixture(scope="module")
def demo_data(demo_dir: Path) -> CanonicalData:
    return load_instacart(demo_dir)


@pytest.fixture(scope="module")
def demo(demo_data: CanonicalData) -> Analytics:
    return Analytics.on_demand(demo_data)


def _lines(data: CanonicalData) -> pd.DataFrame:
    """Every line with its order's user and time, its value and its product's groups."""
    lines = data.order_lines.merge(data.orders[["order_id", "user_id", "ordered_at",
                                                "order_number"]], on="order_id")
    lines = lines.merge(data.products[["product_id", "price", "department", "aisle"]],
                        on="product_id")
    unit = lines["unit_price"].astype("float64").fillna(lines["price"].astype("float64"))
    lines["value"] = lines["quantity"] * unit
    return lines


def _orders(data: CanonicalData) -> pd.DataFrame:
    """Orders with at least one line: value, units and whether it is the shopper's first."""
    lines = _lines(data)
    per = lines.groupby("order_id").agg(value=("value", "sum"), units=("quantity", "sum"))
    orders = data.orders.merge(per, left_on="order_id", right_index=True)
    first = data.orders.sort_values(["user_id", "order_number"]).groupby("user_id").head(1)
    orders["first"] = orders["order_id"].isin(first["order_id"])
    return orders


def test_monthly_figures_match_a_direct_computation(demo: Analytics,
                                                    demo_data: CanonicalData) -> None:
    res = demo.sales.sales_summary(by="month")
    orders = _orders(demo_data)
    orders["month"] = orders["ordered_at"].dt.strftime("%Y-%m")
    want = orders.groupby("month").agg(revenue=("value", "sum"), orders=("order_id", "size"),
                                       units=("units", "sum"), shoppers=("user_id", "nunique"),
                                       new=("first", "sum"))
    got = {row["label"]: row for row in res["rows"]}
    assert set(want.index) <= set(got)
    for month, w in want.iterrows():
        g = got[month]
        assert g["revenue"] == pytest.approx(w["revenue"], abs=0.006)
        assert (g["orders"], g["units"], g["shoppers"], g["new_shoppers"]) == (
            w["orders"], w["units"], w["shoppers"], w["new"])
        assert g["returning_shoppers"] == w["shoppers"] - w["new"]
        assert g["aov"] == pytest.approx(w["revenue"] / w["orders"], abs=0.006)
    assert res["totals"]["revenue"] == pytest.approx(orders["value"].sum(), abs=0.01)
    assert res["totals"]["shoppers"] == orders["user_id"].nunique()
    assert res["value_unit"] == "currency" and res["currency"] == demo.catalog.currency
    assert res["summary"].startswith(f"{res['compare']['period']}: revenue $")


def test_the_comparison_takes_the_latest_complete_month(demo: Analytics,
                                                        demo_data: CanonicalData) -> None:
    res = demo.sales.sales_summary(by="month")
    orders = _orders(demo_data)
    last = orders["ordered_at"].max()
    latest = last.to_period("M")
    if last.normalize() < latest.end_time.normalize():
        latest -= 1  # the data stops before the month's last day
    monthly = orders.groupby(orders["ordered_at"].dt.to_period("M"))["value"].sum()
    cmp_ = res["compare"]
    assert cmp_["period"] == str(latest) and cmp_["previous"] == str(latest - 1)
    assert cmp_["current"]["revenue"] == pytest.approx(monthly[latest], abs=0.006)
    change = monthly[latest] / monthly[latest - 1] - 1
    assert cmp_["change"]["revenue"] == pytest.approx(change, abs=1e-4)
    ago = latest - 12
    if ago in monthly.index:
        assert cmp_["year_ago"]["period"] == str(ago)
        assert cmp_["year_ago"]["figures"]["revenue"] == pytest.approx(monthly[ago], abs=0.006)
    assert demo.sales.sales_summary(by="month", compare=False)["compare"] is None


def test_department_figures_count_the_orders_and_shoppers_that_bought_in_them(
        demo: Analytics, demo_data: CanonicalData) -> None:
    res = demo.sales.sales_summary(by="department")
    lines = _lines(demo_data)
    want = lines.groupby("department").agg(revenue=("value", "sum"),
                                           orders=("order_id", "nunique"),
                                           shoppers=("user_id", "nunique"),
                                           units=("quantity", "sum"))
    rows = res["rows"]
    assert [r["revenue"] for r in rows] == sorted((r["revenue"] for r in rows), reverse=True)
    for row in rows:
        w = want.loc[row["label"]]
        assert row["revenue"] == pytest.approx(w["revenue"], abs=0.006)
        assert (row["orders"], row["shoppers"], row["units"]) == (w["orders"], w["shoppers"],
                                                                  w["units"])
        assert row["new_shoppers"] is None
    assert sum(r["share_of_revenue"] for r in rows) == pytest.approx(1.0, abs=1e-3)
    groups = res["compare"]["groups"]
    assert groups and abs(groups[0]["difference"]) >= abs(groups[-1]["difference"])


def test_day_of_week_and_a_window(demo: Analytics, demo_data: CanonicalData) -> None:
    orders = _orders(demo_data)
    start, end = "2025-03-01", "2025-03-31"
    res = demo.sales.sales_summary(by="dow", start=start, end=end)
    inside = orders[(orders["ordered_at"] >= start) & (orders["ordered_at"] < "2025-04-01")]
    want = inside.groupby("order_dow")["order_id"].size()
    got = [row["orders"] for row in res["rows"]]
    assert got == [int(want.get(d, 0)) for d in range(7)]
    assert res["rows"][0]["label"] == "Sunday"
    assert res["totals"]["orders"] == len(inside)
    assert res["window"] == {"from": "2025-03-01", "to": "2025-03-31"}


def test_an_empty_window_says_so(demo: Analytics) -> None:
    res = demo.sales.sales_summary(by="week", start="1990-01-01", end="1990-02-01")
    assert res["totals"]["orders"] == 0 and res["rows"] == []
    assert res["compare"] is None and "no orders" in res["compare_note"]
    assert res["summary"] == "No orders in this window."


@pytest.mark.parametrize(("kwargs", "argument"), [
    ({"by": "year"}, "by"),
    ({"start": "2025-13-01"}, "start"),
    ({"start": "2025-03-10", "end": "2025-03-01"}, "end"),
])
def test_bad_arguments_name_the_argument(demo: Analytics, kwargs: dict, argument: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        demo.sales.sales_summary(**kwargs)
    assert err.value.argument == argument


def test_data_without_prices_counts_units_and_says_revenue_needs_prices() -> None:
    data = canonical([[1, 2], [2], [1, 3, 3]], users=[1, 1, 2],
                     times=["2024-01-05 10:00", "2024-02-07 11:00", "2024-02-09 12:00"])
    res = Analytics.on_demand(data).sales.sales_summary(by="month")
    assert res["prices_available"] is False and res["value_unit"] == "items"
    assert [(r["label"], r["orders"], r["revenue"]) for r in res["rows"]] == [
        ("2024-01", 1, None), ("2024-02", 2, None)]
    assert "revenue needs prices" in res["summary"]
    assert res["totals"]["aov"] is None


def test_data_without_a_calendar_has_groups_only() -> None:
    data = canonical([[1, 2], [2], [1, 3]], users=[1, 1, 2], gaps=[None, 7, None],
                     prices={1: 2.0, 2: 3.0, 3: 4.0}, dow=[1, 2, 2])
    sales = Analytics.on_demand(data).sales
    res = sales.sales_summary()
    assert res["by"] == "department" and res["compare"] is None
    assert "no calendar" in res["compare_note"]
    # products 1 and 3 are in dept 2, product 2 in dept 1
    assert {r["label"]: r["revenue"] for r in res["rows"]} == {"dept 2": 8.0, "dept 1": 6.0}
    assert [r["orders"] for r in sales.sales_summary(by="dow")["rows"]][1:3] == [1, 2]
    for kwargs, argument in (({"by": "month"}, "by"), ({"start": "2024-01-01"}, "start")):
        with pytest.raises(InvalidArgument) as err:
            sales.sales_summary(**kwargs)
        assert err.value.argument == argument


def test_purchase_history_lists_the_latest_orders_newest_first(
        demo: Analytics, demo_data: CanonicalData) -> None:
    user = int(demo_data.orders["user_id"].value_counts().index[0])
    res = demo.sales.purchase_history(user, 3)
    lines = _lines(demo_data)
    mine = lines[lines["user_id"] == user]
    order_ids = (mine.drop_duplicates("order_id").sort_values("order_number", ascending=False)
                 ["order_id"].tolist())
    assert [o["order_id"] for o in res["orders"]] == order_ids[:3]
    assert res["total_orders"] == len(order_ids)
    newest = res["orders"][0]
    want = mine[mine["order_id"] == order_ids[0]]
    assert sorted((i["product_id"], i["quantity"]) for i in newest["items"]) == sorted(
        zip(want["product_id"].tolist(), want["quantity"].tolist(), strict=True))
    assert newest["value"] == pytest.approx(want["value"].sum(), abs=0.006)
    assert newest["ordered_at"].startswith(str(want["ordered_at"].iloc[0].date()))
    assert all(i["name"] and i["line_value"] is not None for i in newest["items"])
    assert res["summary"].startswith(f"User {user}'s last order on ")


def test_purchase_history_errors_and_snapshot_days() -> None:
    data = canonical([[1, 2], [2], [3]], users=[1, 1, 2], gaps=[None, 6, None])
    sales = Analytics.on_demand(data).sales
    res = sales.purchase_history(1, 5)
    assert [o["days_ago"] for o in res["orders"]] == [0.0, 6.0]
    assert all(o["ordered_at"] is None and o["value"] is None for o in res["orders"])
    assert "at the snapshot" in res["summary"]
    with pytest.raises(UnknownUser):
        sales.purchase_history(999, 5)
    with pytest.raises(InvalidArgument) as err:
        sales.purchase_history(1, 0)
    assert err.value.argument == "orders"


def test_cohort_retention_matches_a_direct_computation(demo: Analytics,
                                                       demo_data: CanonicalData) -> None:
    res = demo.sales.cohort_retention(by="month", periods=6)
    orders = _orders(demo_data)
    month = orders["ordered_at"].dt.to_period("M")
    orders["m"] = month.apply(lambda p: p.ordinal)
    orders["cohort"] = orders.groupby("user_id")["m"].transform("min")
    last = int(orders["m"].max())
    assert res["last_period"] == str(pd.Period(ordinal=last, freq="M"))
    assert len(res["cohorts"]) == 6
    for i, row in enumerate(res["cohorts"]):
        c = last - 5 + i
        members = orders[orders["cohort"] == c]
        size = members["user_id"].nunique()
        assert row["size"] == size and row["label"] == str(pd.Period(ordinal=c, freq="M"))
        for j in range(6):
            if c + j > last:
                assert row["values"][j] is None
                continue
            active = members[members["m"] == c + j]["user_id"].nunique()
            assert row["values"][j] == pytest.approx(active / size, abs=1e-4)
    assert res["cohorts"][-1]["values"][0] == 1.0
    assert res["matrix"]["z"] == [row["values"] for row in res["cohorts"]]
    revenue = demo.sales.cohort_retention(by="month", periods=6, metric="revenue")
    first = revenue["cohorts"][0]
    members = orders[orders["cohort"] == last - 5]
    kept = members[members["m"] == last - 4]["value"].sum() / members[
        members["m"] == last - 5]["value"].sum()
    assert first["values"][1] == pytest.approx(kept, abs=1e-4)


def test_cohort_arguments() -> None:
    snapshot = canonical([[1], [2]], users=[1, 2], gaps=[None, None])
    with pytest.raises(InvalidArgument):
        Analytics.on_demand(snapshot).sales.cohort_retention()
    dated = canonical([[1], [2]], users=[1, 2], times=["2024-01-05", "2024-02-05"])
    sales = Analytics.on_demand(dated).sales
    for kwargs, argument in (({"periods": 25}, "periods"), ({"metric": "revenue"}, "metric"),
                             ({"by": "year"}, "by")):
        with pytest.raises(InvalidArgument) as err:
            sales.cohort_retention(**kwargs)
        assert err.value.argument == argument
    assert len(sales.cohort_retention(by="week", periods=52)["cohorts"]) == 52


def test_online_retail_monthly_revenue_to_the_penny(retail: Analytics,
                                                    retail_data: CanonicalData) -> None:
    lines = retail_data.order_lines.merge(retail_data.orders[["order_id", "ordered_at"]],
                                          on="order_id")
    lines["value"] = lines["quantity"] * lines["unit_price"].astype("float64")
    want = lines.groupby(lines["ordered_at"].dt.strftime("%Y-%m"))["value"].sum()
    got = {r["label"]: r["revenue"] for r in retail.sales.sales_summary(by="month")["rows"]}
    assert len(want) >= 12
    for month, value in want.items():
        assert abs(got[month] - value) < 0.005, month
    assert np.isclose(sum(got.values()), want.sum(), atol=0.05)
    # this extract holds the customers outside the UK (France 40%, ...): no home country, so
    # no currency is guessed; the shop's own currency is set (CARTWISE_CURRENCY=GBP)
    assert retail_data.currency is None
    pounds = Analytics(retail.source, Catalog.from_data(retail_data, "GBP"))
    summary = pounds.sales.sales_summary(by="month")
    assert summary["currency"] == "GBP" and "£" in summary["summary"]
    assert "$" not in summary["summary"]


def _daily_shop(days: int = 140, spike_day: int = 100, seed: int = 5) -> CanonicalData:
    """Orders every day with a weekday rhythm, and one day when product 7 sells 4x."""
    rng = np.random.default_rng(seed)
    baskets, users, times = [], [], []
    start = pd.Timestamp("2024-01-01")
    for d in range(days):
        day = start + pd.Timedelta(days=d)
        n = 20 + 6 * (day.day_of_week >= 5) + int(rng.integers(0, 3))
        if d == spike_day:
            n *= 4
        for i in range(n):
            basket = [7] if d == spike_day else [int(rng.integers(1, 7))]
            baskets.append(basket)
            users.append(int(rng.integers(1, 60)))
            times.append(str(day + pd.Timedelta(hours=9, minutes=i)))
    prices = {p: float(p) for p in range(1, 8)}
    return canonical(baskets, users=users, times=times, prices=prices)


def test_a_planted_spike_is_found_with_what_moved() -> None:
    shop = Analytics.on_demand(_daily_shop())
    res = shop.sales.detect_anomalies(metric="orders", by="day", k=3)
    top = res["anomalies"][0]
    assert top["label"] == "2024-04-10" and top["direction"] == "spike"  # day 100
    assert top["value"] > top["high"] and top["expected"] < top["value"] / 2
    assert top["products"][0]["product_id"] == 7
    assert top["departments"][0]["name"] == "dept 2"  # product 7 is in dept 2
    assert len(res["series"]["x"]) == 140 and res["window"]["from"] == "2024-01-01"
    assert "2024-04-10 spike" in res["summary"]
    with pytest.raises(InvalidArgument):
        shop.sales.detect_anomalies(metric="profit")


def test_a_partial_last_week_is_no_anomaly() -> None:
    shop = Analytics.on_demand(_daily_shop(days=141, spike_day=30))  # ends on a Monday
    res = shop.sales.detect_anomalies(metric="orders", by="week", k=20)
    assert res["series"]["x"][-1] == "2024-05-13"  # the last full week
    assert all(a["label"] != "2024-05-20" for a in res["anomalies"])


def test_the_digest_on_online_retail_is_in_pounds(retail: Analytics,
                                                  retail_data: CanonicalData) -> None:
    pounds = Analytics(retail.source, Catalog.from_data(retail_data, "GBP"))
    digest = pounds.business_insights("month")
    topics = [p["topic"] for p in digest["points"]]
    assert topics[0] == "sales" and "products" in topics and "churn" in topics
    assert digest["period_label"] == "2010-11"  # the last complete month of 2009-10's log
    assert "£" in digest["points"][0]["text"] and "$" not in digest["summary"]
    for p in digest["points"]:
        assert p["tool"] in ("sales_summary", "detect_anomalies", "churn_risk",
                             "customer_segments", "funnel_analysis")


def test_without_prices_anomalies_and_the_digest_count_orders_and_units() -> None:
    data = _daily_shop()
    data.order_lines["unit_price"] = np.nan
    data.products["price"] = np.nan
    shop = Analytics.on_demand(data)
    assert not shop.source.has_prices()
    with pytest.raises(InvalidArgument) as err:
        shop.sales.detect_anomalies(metric="revenue")
    assert err.value.argument == "metric" and "no prices" in str(err.value)
    assert shop.sales.detect_anomalies(metric="orders")["anomalies"][0]["label"] == "2024-04-10"
    digest = shop.business_insights("week")
    sales_point = digest["points"][0]
    assert sales_point["topic"] == "sales" and "orders" in sales_point["text"]
    assert "$" not in digest["summary"]
    with pytest.raises(InvalidArgument):
        shop.sales.cohort_retention(metric="revenue")
