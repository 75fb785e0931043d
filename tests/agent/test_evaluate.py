"""The evaluation's matching rules: every key of ``../shared/eval/README.md``."""

from __future__ import annotations

from typing import Any

import pytest

from cartwise.agent.evaluate import EvalReport, TurnResult, reply_prices, turn_passes

RECS = ("recommend_products", {"user_id": 42, "k": 5})
PROFILE = ("user_profile", {"user_id": 42})


@pytest.mark.parametrize(("expect", "calls", "ok"), [
    ({"tool": "recommend_products", "args": {"user_id": 42}}, [RECS], True),
    ({"tool": "recommend_products", "args": {"user_id": 7}}, [RECS], False),
    ({"tool": None}, [], True),
    ({"tool": None}, [RECS], False),
    ({"all": [{"tool": "user_profile", "args": {"user_id": 42}},
              {"tool": "recommend_products"}]}, [PROFILE, RECS], True),
    ({"all": [{"tool": "user_profile"}, {"tool": "recommend_products"}]}, [PROFILE], False),
    ({"any_of": [{"tool": "churn_risk"}, {"tool": "user_profile"}]}, [PROFILE], True),
    ({"any_of": [{"tool": "churn_risk"}, {"tool": None}]}, [PROFILE], False),
    ({"tool_in": [None, "purchase_history"]}, [], True),
    ({"tool_in": [None, "purchase_history"]}, [RECS], False),
    ({"tool_in": ["user_profile"]}, [], False),
    ({"tool_in": ["user_profile", "recommend_products"]}, [PROFILE, RECS], True),
])
def test_call_rules(expect: dict[str, Any], calls: list, ok: bool) -> None:
    assert turn_passes(expect, calls, "") is ok


def test_reply_rules() -> None:
    assert turn_passes({"reply_contains_any": ["CAN'T", "cannot"]}, [], "I can't do that")
    assert not turn_passes({"reply_lacks_all": ["cancelled"]}, [], "Order cancelled.")
    assert turn_passes({"reply_lacks_all": ["cancelled"]}, [], "I can't cancel orders.")


def test_price_rules() -> None:
    assert reply_prices("1. A ($1,234.50) 2. B ($0.99) and $ 3") == [1234.5, 0.99, 3.0]
    listed = "1. A ($3.10)\n2. B ($1.25)\n3. C ($2.00)"
    assert turn_passes({"cheapest_of_previous": True}, [], "The cheapest is B ($1.25).", listed)
    assert not turn_passes({"cheapest_of_previous": True}, [], "C ($2.00) is cheapest.", listed)
    assert not turn_passes({"cheapest_of_previous": True}, [], listed, listed)  # not fewer
    assert turn_passes({"reply_prices_at_most": 2}, [], "B ($1.25), C ($2.00)")
    assert not turn_passes({"reply_prices_at_most": 2}, [], "A ($3.10)")
    assert not turn_passes({"reply_prices_at_most": 2}, [], "no prices here")
    assert turn_passes({"reply_prices_sorted": "asc"}, [], "$1.25, $2.00, $3.10")
    assert not turn_passes({"reply_prices_sorted": "asc"}, [], listed)
    assert not turn_passes({"reply_prices_sorted": "asc"}, [], "only $1.00")


def test_scores_by_category() -> None:
    report = EvalReport([TurnResult(case, 0, "u", {}, [], "", ok) for case, ok in (
        ("act-01", True), ("act-02", False), ("multi-01", True), ("solo", True))])
    assert report.by_category() == {"act": (1, 2), "multi": (1, 1), "solo": (1, 1)}
    assert report.to_dict()["categories"]["act"] == {"passed": 1, "turns": 2}
