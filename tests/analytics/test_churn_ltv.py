"""The clock, churn risk and lifetime value, on hand-made histories."""

from __future__ import annotations

import numpy as np
import pytest

from cartwise.analytics import Analytics, AnalyticsParams
from cartwise.analytics.churn import (
    churn_level,
    churn_reason,
    churn_score,
    expected_gap,
    population_gap,
)
from cartwise.analytics.clock import build_timeline
from cartwise.analytics.index import build_index
from cartwise.analytics.ltv import TIERS, active_days, expected_lifetime, ltv_table, value_tier
from tests.analytics.factories import canonical

# user 1: orders every 10 days, last one on Mar 1; user 2: one order on Jan 1; user 3 orders
# every 10 days, last one on Mar 31 (= now, the last order in the data)
TIMES = ["2024-02-10", "2024-02-20", "2024-03-01", "2024-01-01", "2024-03-11", "2024-03-21",
         "2024-03-31"]
USERS = [1, 1, 1, 2, 3, 3, 3]


def _data():
    return canonical([[1, 2], [1], [2, 3], [3], [1], [1, 2], [2]], users=USERS, times=TIMES,
                     prices={1: 1.0, 2: 2.0, 3: 5.0})


def test_timeline_with_timestamps() -> None:
    data = _data()
    tl = build_timeline(data.orders, build_index(data))
    assert tl.kind == "timestamps" and str(tl.now) == "2024-03-31 00:00:00"
    assert tl.user_recency.tolist() == [30.0, 90.0, 0.0]
    assert tl.user_tenure.tolist() == [50.0, 90.0, 20.0]
    assert tl.user_span.tolist() == [20.0, 0.0, 20.0]
    assert tl.history_gap.sum() == 4  # every gap counts: 2 + 0 + 2


def test_timeline_snapshot_assumption() -> None:
    # Instacart-like: no dates; user 1 gaps 7 then 14, user 2 one gap of 30 (capped)
    data = canonical([[1], [1], [1], [2], [2]], users=[1, 1, 1, 2, 2],
                     gaps=[None, 7.0, 14.0, None, 30.0])
    tl = build_timeline(data.orders, build_index(data))
    assert tl.kind == "snapshot" and tl.now is None and "snapshot" in tl.note
    assert tl.order_age.tolist() == [21.0, 14.0, 0.0, 30.0, 0.0]
    assert tl.user_recency.tolist() == [14.0, 30.0]  # the gap the snapshot order closed
    assert tl.user_tenure.tolist() == [21.0, 30.0]
    # the snapshot gaps are not part of the shoppers' usual rhythm
    assert tl.history_gap.tolist() == [False, True, False, False, False]


def test_timeline_with_orders_out_of_user_order() -> None:
    # orders interleaved across users: user 2's orders come first and last
    data = canonical([[1], [1], [1], [2], [2]], users=[2, 1, 1, 2, 2],
                     gaps=[None, None, 7.0, 5.0, 9.0])
    tl = build_timeline(data.orders, build_index(data))
    assert tl.user_recency.tolist() == [7.0, 9.0]
    assert tl.order_age.tolist() == [14.0, 7.0, 0.0, 9.0, 0.0]
    assert tl.user_last.tolist() == [2, 4] and tl.user_first.tolist() == [1, 0]


def test_churn_score_is_monotonic_in_days_away() -> None:
    days = np.linspace(0, 200, 401)
    s = churn_score(days, np.full(len(days), 10.0), mid_ratio=2.0)
    assert s[0] == 0 and np.all(np.diff(s) > 0) and s[-1] < 1
    assert churn_score(np.array([20.0]), np.array([10.0]), 2.0)[0] == pytest.approx(0.5)
    assert churn_score(np.array([10.0]), np.array([10.0]), 2.0)[0] == pytest.approx(1 / 9)
    assert churn_level(np.array([0.1, 0.5, 0.9, np.nan]), 0.4, 0.7).tolist() == [0, 1, 2, -1]


def test_expected_gap_blends_own_and_population() -> None:
    exp = expected_gap(np.array([np.nan, 10.0, 10.0, 0.0]), np.array([0, 2, 98, 5]), 30.0, 2.0)
    assert exp[0] == 30.0  # one order: the population's
    assert exp[1] == pytest.approx(0.5 * 10 + 0.5 * 30)
    assert exp[2] == pytest.approx(0.98 * 10 + 0.02 * 30)
    assert exp[3] >= 1.0  # at least a day
    assert np.isnan(expected_gap(np.array([np.nan]), np.array([0]), np.nan, 2.0)[0])
    assert population_gap(np.array([np.nan, 4.0, 10.0, 30.0])) == 10.0


def test_churn_risk_results() -> None:
    a = Analytics.on_demand(_data(), params=AnalyticsParams(churn_prior_gaps=0.0))
    one = a.churn_risk(1)  # away 30 days with a 10-day rhythm: 3x
    assert one["away_ratio"] == pytest.approx(3.0)
    assert one["score"] == pytest.approx(27 / 35, abs=1e-3) and one["level"] == "high"
    assert "30 days ago" in one["reason"] and "3.0x" in one["reason"]
    assert a.churn_risk(3)["score"] == 0 and a.churn_risk(3)["level"] == "low"
    single = a.churn_risk(2)  # one order: judged against the typical shopper (10 days)
    assert single["expected_gap_days"] == 10.0 and "too few orders" in single["reason"]
    top = a.churn_risk(k=5)
    assert top["k"] == 5 and top["levels"] == {"low": 1, "medium": 0, "high": 2}
    # values 11, 5 and 6: the median (6) keeps users 1 and 3; user 2 is lost (9x away) anyway
    assert [u["user_id"] for u in top["users"]] == [1, 3]
    assert all("\n" not in x["reason"] for x in top["users"])


def test_lifetime_value_pieces() -> None:
    assert expected_lifetime(np.array([10.0, 20.0]), np.array([5.0, 5.0]),
                             np.array([False, True])) == pytest.approx(40.0)
    assert expected_lifetime(np.array([10.0]), np.array([5.0]), np.array([False])) == np.inf
    assert active_days(np.array([1.0, 0.5]), np.inf, 365).tolist() == [365.0, 182.5]
    assert active_days(np.array([1.0]), 100.0, 365)[0] == pytest.approx(100 * (1 - np.exp(-3.65)))
    t = ltv_table(np.array([100.0, 50.0]), np.array([4, 1]), np.array([10.0, np.nan]),
                  np.array([0.0, np.nan]), np.inf, 30)
    # 25 per basket, one order per 10 days, active all 30 days -> 3 orders -> 75
    assert t["projected"][0] == pytest.approx(75.0) and t["ltv"][0] == pytest.approx(175.0)
    assert np.isnan(t["projected"][1]) and t["ltv"][1] == 50.0  # no rhythm: history only
    tiers = value_tier(np.arange(100.0))
    assert np.bincount(tiers).tolist() == [round(s * 100) for _, s in TIERS]
    assert tiers[99] == 0 and tiers[0] == 3  # the most valuable are in the top tier


def test_lifetime_value_results() -> None:
    a = Analytics.on_demand(_data())
    one = a.lifetime_value(1)
    assert one["historical"] == pytest.approx(1 + 2 + 1 + 2 + 5)
    assert one["ltv"] == pytest.approx(one["historical"] + one["projected"])
    assert one["projected"] >= 0 and 0 <= one["p_active"] <= 1
    top = a.lifetime_value(k=2)
    assert [u["rank"] for u in top["users"]] == [1, 2]
    assert top["users"][0]["ltv"] >= top["users"][1]["ltv"]
    assert sum(t["users"] for t in top["tiers"]) == 3
    assert sum(t["value_share"] for t in top["tiers"]) == pytest.approx(1.0)
    assert top["value_unit"] == "currency"


def test_churn_reason_without_dates_is_honest_about_single_orders() -> None:
    # Instacart snapshots (and anonymous baskets) carry no dates: a shopper with one order has
    # no gap at all, which must not read as "0 days between their last two orders".
    one = churn_reason(0.0, 12.0, float("nan"), 0, 12.0, snapshot=True)
    assert "between their last two orders" not in one and "single order" in one
    two = churn_reason(9.0, 12.0, 9.0, 1, 12.0, snapshot=True)
    assert two.startswith("9 days between their last two orders")
