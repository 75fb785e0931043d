"""RFM, churn and lifetime value on the real Online Retail II log (real prices, returns netted)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cartwise.analytics import Analytics, Calculator
from cartwise.analytics.segments import SEGMENT_NAMES
from cartwise.data.schema import CanonicalData
from cartwise.errors import UnknownUser
from tests.analytics.conftest import RETAIL_2009
from tests.conftest import SHARED_DATA

NOW = pd.Timestamp("2010-12-09 14:55:00")  # the last invoice of the 2009-10 sheet


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    """The raw CSV, product lines of known customers only (the loader's cleaning rules 2-4)."""
    from cartwise.data.transactions import NON_PRODUCT_CODES

    df = pd.read_csv(SHARED_DATA / RETAIL_2009)
    df = df[df["Customer ID"].notna()]
    code = df["StockCode"].astype(str).str.strip().str.upper()
    df = df[code.str.contains(r"\d") & ~code.isin(NON_PRODUCT_CODES) & (df["Price"] > 0)].copy()
    df["value"] = df["Quantity"] * df["Price"]
    df["InvoiceDate"] = pd.to_datetime(df["InvoiceDate"])
    return df


def test_monetary_is_real_spend_with_returns_netted(retail: Analytics,
                                                    retail_calculator: Calculator,
                                                    retail_data: CanonicalData,
                                                    raw: pd.DataFrame) -> None:
    users = retail_calculator.users.set_index("user_id")
    lines = retail_data.order_lines
    assert users["monetary"].sum() == pytest.approx(
        float((lines["quantity"] * lines["unit_price"].astype(float)).sum()), rel=1e-9)
    # 12356: three invoices, no returns: spend straight from the raw file
    mine = raw[raw["Customer ID"] == 12356]
    assert users.loc[12356, "monetary"] == pytest.approx(mine["value"].sum(), abs=0.01)
    assert users.loc[12356, "n_orders"] == mine["Invoice"].nunique() == 3
    # 12589: 30 returned lines, netted against earlier purchases: 4 invoices, one emptied
    theirs = raw[raw["Customer ID"] == 12589]
    assert (theirs["Quantity"] < 0).sum() == 30
    assert users.loc[12589, "monetary"] == pytest.approx(theirs["value"].sum(), abs=0.01)
    assert users.loc[12589, "n_orders"] == 3
    assert (users["monetary"] > 0).all()
    # 12773 returned everything they bought: not a shopper any more
    with pytest.raises(UnknownUser):
        retail.user_profile(12773)


def test_rfm_on_the_retail_log(retail: Analytics, retail_calculator: Calculator,
                               raw: pd.DataFrame) -> None:
    users = retail_calculator.users.set_index("user_id")
    last = raw[raw["Quantity"] > 0].groupby("Customer ID")["InvoiceDate"].max()
    assert users.loc[12356, "recency_days"] == pytest.approx(
        (NOW - last.loc[12356]).total_seconds() / 86400)
    assert retail_calculator.context["now"] == NOW.isoformat()
    out = retail.customer_segments()
    assert out["n_users"] == 150 and out["value_unit"] == "currency"
    assert sum(s["users"] for s in out["segments"]) == 150
    assert sum(s["value"] for s in out["segments"]) == pytest.approx(users["monetary"].sum())
    seg = {s["name"]: s for s in out["segments"]}
    # the Champions are few and hold far more than their share of the value
    assert seg["Champions"]["value_share"] > 3 * seg["Champions"]["share"]
    assert seg["Champions"]["avg_recency_days"] < seg["Lost"]["avg_recency_days"]
    # the biggest customer (72 orders) is a Champion with top scores
    top = users["monetary"].idxmax()
    assert (users.loc[top, "r"], users.loc[top, "f"], users.loc[top, "m"]) == (5, 5, 5)
    assert SEGMENT_NAMES[users.loc[top, "segment"]] == "Champions"
    assert 2 <= out["kmeans"]["k"] <= 6 and len(out["clusters"]) == out["kmeans"]["k"]
    assert sum(c["users"] for c in out["clusters"]) == 150
    values = [c["median_monetary"] for c in out["clusters"]]
    assert out["clusters"][0]["value"] == max(c["value"] for c in out["clusters"])
    assert all(v is not None for v in values)


def test_churn_on_the_retail_log(retail: Analytics, retail_calculator: Calculator) -> None:
    users = retail_calculator.users
    assert retail_calculator.context["clv"]["method"] == "bg_nbd+gamma_gamma"
    score = users["churn_score"].to_numpy()
    assert np.nanmin(score) >= 0 and np.nanmax(score) <= 1
    # among one-visit shoppers the score is the chance of no visit: it grows with the absence
    one = users[users["visits"] == 1].sort_values("recency_days")
    assert len(one) > 20 and np.all(np.diff(one["churn_score"].to_numpy()) >= -1e-12)
    top = retail.churn_risk(k=10)
    assert len(top["users"]) == 10
    scores = [u["score"] for u in top["users"]]
    assert scores == sorted(scores, reverse=True)
    floor = np.quantile(users["monetary"], 0.5)
    by_id = users.set_index("user_id")
    for u in top["users"]:  # valuable, and not yet lost
        assert by_id.loc[u["user_id"], "monetary"] >= floor
        assert by_id.loc[u["user_id"], "away_ratio"] <= 6.0
        assert u["segment"] != "Lost"
    lapsed = retail.churn_risk(int(users.loc[users["churn_score"].idxmax(), "user_id"]))
    assert lapsed["level"] in ("medium", "high") and "days ago" in lapsed["reason"]
    assert "chance of no visit" in lapsed["reason"]
    # 14646 splits its trips into invoices: 72 orders on 46 days, judged on its visits
    big = retail.churn_risk(14646)
    assert big["visits"] == 46 and big["orders"] == 72 and big["level"] == "low"
    assert "46 visits (72 orders)" in big["reason"]


def test_lifetime_value_on_the_retail_log(retail: Analytics,
                                          retail_calculator: Calculator) -> None:
    users = retail_calculator.users
    assert (users["ltv"] >= users["monetary"] - 1e-9).all()
    assert np.isfinite(users["ltv"]).all()
    top = retail.lifetime_value(k=5)
    assert [u["rank"] for u in top["users"]] == [1, 2, 3, 4, 5]
    assert top["users"][0]["user_id"] == int(users.loc[users["monetary"].idxmax(), "user_id"])
    tiers = {t["name"]: t for t in top["tiers"]}
    assert tiers["Top 10%"]["users"] == 15
    assert tiers["Top 10%"]["value_share"] > 0.4  # the long tail of a wholesale log
    one = retail.lifetime_value(12356)
    assert one["ltv"] == pytest.approx(one["historical"] + one["projected"], abs=0.02)
    assert one["horizon_days"] == 365 and one["value_unit"] == "currency"
