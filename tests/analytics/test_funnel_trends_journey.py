"""The funnel (on the real Kaggle tables), order trends and the customer journey."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from cartwise.analytics import Analytics
from cartwise.analytics.funnel import funnel_analysis, funnel_frame
from cartwise.data.schema import CanonicalData
from cartwise.errors import InvalidArgument
from tests.analytics.factories import canonical


@pytest.fixture(scope="module")
def frame(funnel_tables: tuple) -> pd.DataFrame:
    return funnel_frame(*funnel_tables)


def test_real_funnel_numbers(frame: pd.DataFrame) -> None:
    out = funnel_analysis(frame)
    assert [s["users"] for s in out["steps"]] == [90_400, 45_200, 6_030, 452]
    assert out["overall_conversion"] == pytest.approx(452 / 90_400)  # 0.5%
    assert round(100 * out["overall_conversion"], 1) == 0.5
    search, payment, confirm = out["steps"][1:]
    assert search["conversion_from_previous"] == pytest.approx(0.5)
    assert payment["conversion_from_previous"] == pytest.approx(6_030 / 45_200)
    assert payment["drop_off_users"] == 45_200 - 6_030
    assert confirm["drop_off_rate"] == pytest.approx(1 - 452 / 6_030)
    assert "0.5% overall" in out["summary"] and "90,400" in out["summary"]
    assert out["charts"][0]["kind"] == "funnel" and out["charts"][0]["y"] == [90_400, 45_200,
                                                                             6_030, 452]


def test_real_funnel_filters_and_splits(frame: pd.DataFrame) -> None:
    by_device = funnel_analysis(frame, by="device")
    groups = {g["group"]: g for g in by_device["groups"]}
    assert set(groups) == {"Desktop", "Mobile"}
    assert [sum(g["users"][i] for g in groups.values()) for i in range(4)] == [90_400, 45_200,
                                                                               6_030, 452]
    mobile = funnel_analysis(frame, device="mobile")  # case-insensitive
    assert mobile["filters"]["device"] == "Mobile"
    assert mobile["steps"][0]["users"] == groups["Mobile"]["users"][0]
    both = funnel_analysis(frame, device="Desktop", sex="female")
    assert both["steps"][0]["users"] < groups["Desktop"]["users"][0]
    monthly = funnel_analysis(frame, by="month")
    assert [g["group"] for g in monthly["groups"]] == ["2015-01", "2015-02", "2015-03", "2015-04"]
    assert sum(g["users"][0] for g in monthly["groups"]) == 90_400
    weekly = funnel_analysis(frame, by="week")
    assert len(weekly["groups"]) >= 17 and weekly["charts"][1]["kind"] == "line"
    with pytest.raises(InvalidArgument, match=r"device='tablet'.*Desktop, Mobile"):
        funnel_analysis(frame, device="tablet")
    with pytest.raises(InvalidArgument, match="by='year'"):
        funnel_analysis(frame, by="year")


def test_funnel_through_the_service(funnel_tables: tuple) -> None:
    data = canonical([[1]], times=["2024-01-01"])
    a = Analytics.on_demand(dataclasses.replace(data, funnel_users=funnel_tables[0],
                                      funnel_events=funnel_tables[1]))
    assert a.funnel_analysis(sex="Male")["filters"]["sex"] == "Male"
    assert a.funnel_analysis()["steps"][3]["users"] == 452
    none = Analytics.on_demand(data).funnel_analysis()
    assert none["available"] is False and "no funnel tables" in none["summary"]


def test_order_trends_by_day_of_week_and_hour() -> None:
    data = canonical([[1], [1, 2], [2], [1]], users=[1, 1, 2, 2], dow=[0, 0, 3, 6],
                     hour=[9, 9, 14, 23], gaps=[None, 7.0, None, 3.0])
    a = Analytics.on_demand(data)
    dow = a.order_trends()  # no calendar: day of week by default
    assert dow["by"] == "dow" and dow["series"]["x"][0] == "Sunday"
    assert dow["series"]["orders"] == [2, 0, 0, 1, 0, 0, 1]
    assert dow["series"]["items"] == [3, 0, 0, 1, 0, 0, 1]
    assert "busiest Sunday (50.0%)" in dow["summary"]
    assert dow["value_unit"] == "items" and "price_note" in dow
    hour = a.order_trends("HOUR")
    assert hour["series"]["orders"][9] == 2 and len(hour["series"]["x"]) == 24
    with pytest.raises(InvalidArgument, match="no calendar"):
        a.order_trends("week")
    with pytest.raises(InvalidArgument, match=r"by='year'.*dow, hour, day, week, month"):
        a.order_trends("year")


def test_order_trends_by_calendar() -> None:
    times = ["2024-01-01 10:00", "2024-01-02 11:00", "2024-01-20 09:00", "2024-03-05 08:00"]
    a = Analytics.on_demand(canonical([[1], [1, 2], [2], [1]], users=[1, 1, 2, 2], times=times,
                            prices={1: 2.0, 2: 3.0}))
    month = a.order_trends("month")
    assert month["series"]["x"] == ["2024-01", "2024-02", "2024-03"]
    assert month["series"]["orders"] == [3, 0, 1]  # the empty month stays, as zero
    assert month["series"]["revenue"] == [2 + 5 + 3, 0, 2]
    week = a.order_trends()  # timestamps: weeks by default, labelled by their Monday
    assert week["by"] == "week" and week["series"]["x"][0] == "2024-01-01"
    assert sum(week["series"]["orders"]) == 4
    day = a.order_trends("day")
    assert len(day["series"]["x"]) == 65 and day["charts"][0]["kind"] == "line"
    assert week["peak"] == {"label": "2024-01-01", "orders": 2, "share_of_orders": 0.5}
    # Mon Jan 1, Tue Jan 2, Sat Jan 20, Tue Mar 5 (0 = Sunday)
    assert a.order_trends("dow")["series"]["orders"] == [0, 1, 2, 0, 0, 0, 1]


def test_daily_trends_keep_the_last_year() -> None:
    times = ["2022-01-01 09:00", "2023-06-01 09:00", "2024-03-01 09:00", "2024-03-01 12:00"]
    data = canonical([[1]] * 4, users=[1, 1, 1, 2], times=times)
    out = Analytics.on_demand(data).order_trends("day")
    assert len(out["series"]["x"]) == 366 and out["window"]["to"] == "2024-03-01"
    assert out["window"]["from"] == "2023-03-02"
    assert out["orders"] == 3 and out["series"]["orders"][-1] == 2


def test_customer_journey_by_hand() -> None:
    # user 1: orders of 2, 1 and 2 products (reorders: 0/2, 1/1, 1/2); user 2: one order of 3
    data = canonical([[1, 2], [1], [1, 3], [4, 5, 6]], users=[1, 1, 1, 2],
                     gaps=[None, 3.0, 10.0, None])
    out = Analytics.on_demand(data).customer_journey()
    assert out["shoppers"] == {"total": 2, "one_order": 1, "repeat": 1, "repeat_share": 0.5}
    assert out["orders"] == {"total": 4, "first_orders": 2, "repeat_orders": 2}
    assert out["basket_size"]["mean"] == pytest.approx(2.0)
    assert out["basket_size"]["first_order_mean"] == pytest.approx(2.5)
    assert out["reorder_by_order_number"]["x"] == [1, 2, 3]
    assert out["reorder_by_order_number"]["y"] == pytest.approx([0.0, 1.0, 0.5])
    assert out["days_between_orders"]["median"] == pytest.approx(6.5)
    hist = {h["label"]: h["value"] for h in out["days_between_orders"]["histogram"]}
    assert hist["3"] == 1 and hist["10"] == 1 and "30+" in hist  # Instacart-like: capped at 30
    assert [c["kind"] for c in out["charts"]] == ["bar", "line", "bar", "line", "bar"]
    assert "50.0% came back" in out["summary"]


def test_journey_on_generated_data(demo_data: CanonicalData) -> None:
    out = Analytics.on_demand(demo_data).customer_journey()
    rates = out["reorder_by_order_number"]["y"]
    assert rates[0] == 0 and rates[9] > 0.5  # reorders grow with the relationship
    assert 6 <= out["basket_size"]["mean"] <= 14
    assert out["days_between_orders"]["histogram"][-1]["label"] == "60+"  # real timestamps
