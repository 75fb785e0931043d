"""The recommendation service over a built store: filters, cold start, reasons, knobs."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from cartwise.errors import InvalidArgument, UnknownProduct, UnknownUser
from cartwise.recsys.engine import STRATEGIES
from cartwise.recsys.rerank import SEGMENTS
from cartwise.recsys.service import Recommenders
from cartwise.store import Store


@pytest.fixture(scope="module")
def recs(demo_store: Store) -> Recommenders:
    return Recommenders.from_store(demo_store)


def _bought(recs: Recommenders, user_id: int) -> set[int]:
    row = recs.x.user_row(user_id)
    assert row is not None
    return set(recs.x.item_ids[recs.x.user_items(row)[0]].tolist())


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_every_strategy_gives_k_distinct_products(recs: Recommenders, strategy: str) -> None:
    result = recs.recommend(7, k=8, strategy=strategy)
    ids = [r.product_id for r in result.items]
    assert len(ids) == 8 and len(set(ids)) == 8
    assert result.fallback is None
    for r in result.items:
        assert 0 <= r.relevance <= 1 and 0 <= r.confidence <= 1
        assert r.model in STRATEGIES and r.reason
        assert r.name and r.department and r.price is not None
    rel = [r.relevance for r in result.items if r.model != "popularity" or strategy == "popularity"]
    assert rel == sorted(rel, reverse=True)
    assert result.segment in SEGMENTS


def test_department_and_price_filters(recs: Recommenders) -> None:
    dept = recs.recommend(7, k=5).items[0].department
    result = recs.recommend(7, k=5, department=dept.split()[0].upper(), max_price=4.0,
                            min_price=1.0)
    assert result.filters["department"] == dept
    assert result.items
    for r in result.items:
        assert r.department == dept
        assert r.price is not None and 1.0 <= r.price <= 4.0


def test_exclude_purchased_never_returns_bought_items(recs: Recommenders) -> None:
    for user in (3, 7, 42, 100):
        result = recs.recommend(user, k=10, exclude_purchased=True)
        assert len(result.items) == 10
        assert not {r.product_id for r in result.items} & _bought(recs, user)


def test_repeat_reasons_speak_of_history(recs: Recommenders) -> None:
    result = recs.recommend(7, k=5, strategy="repeat")
    assert any(r.reason.startswith("bought ") and " times" in r.reason for r in result.items)


def test_item_cf_reason_names_a_bought_product(recs: Recommenders) -> None:
    result = recs.recommend(7, k=5, strategy="item_cf", exclude_purchased=True)
    names = set(recs._names)
    reasons = [r.reason for r in result.items if r.reason.startswith("often bought")]
    assert reasons
    assert all(r.split("who buy ", 1)[1] in names for r in reasons)


def test_unknown_user_gets_flagged_best_sellers(recs: Recommenders) -> None:
    result = recs.recommend(987654321, k=5)
    assert result.fallback == "unknown_user"
    assert len(result.items) == 5
    assert all(r.model == "popularity" for r in result.items)
    assert [r.product_id for r in result.items] == [p["product_id"] for p in recs.popular(5)]


def test_history_less_user_is_not_unknown(recs: Recommenders) -> None:
    known = np.append(recs._known_users, 5_000_000)
    fresh = Recommenders(recs.x, recs.engine, _products(recs), known)
    assert fresh.recommend(5_000_000, k=3).fallback == "no_history"
    assert fresh.similar_users(5_000_000) == []
    with pytest.raises(UnknownUser):
        fresh.similar_users(5_000_001)


def _products(recs: Recommenders):
    import pandas as pd

    return pd.DataFrame({"product_id": recs.x.item_ids, "product_name": recs._names,
                         "aisle": recs._aisles, "department": recs._departments,
                         "price": recs.x.item_price})


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [({"k": 0}, "k"), ({"k": 101}, "k"), ({"strategy": "magic"}, "strategy"),
     ({"department": "spaceships"}, "department"), ({"max_price": -1.0}, "max_price"),
     ({"min_price": 5.0, "max_price": 2.0}, "min_price")],
)
def test_bad_arguments_name_the_argument(recs: Recommenders, kwargs: dict, argument: str
                                         ) -> None:
    with pytest.raises(InvalidArgument) as info:
        recs.recommend(7, **kwargs)
    assert info.value.argument == argument


def test_similar_items_and_unknown_product(recs: Recommenders) -> None:
    pid = recs.popular(1)[0]["product_id"]
    sims = recs.similar_items(pid, k=5)
    assert 0 < len(sims) <= 5 and pid not in {s["product_id"] for s in sims}
    assert all(0 < s["score"] <= 1 for s in sims)
    assert len(recs.similar_items(pid, k=3, strategy="als")) == 3
    with pytest.raises(UnknownProduct):
        recs.similar_items(99_999_999)


def test_similar_users_share_products(recs: Recommenders) -> None:
    users = recs.similar_users(7, k=4)
    assert len(users) == 4 and 7 not in {u["user_id"] for u in users}
    assert all(u["shared_products"] >= 0 for u in users)


def test_popular_per_department(recs: Recommenders) -> None:
    top = recs.popular(5, department="produce")
    assert top and all(p["department"] == "produce" for p in top)
    assert [p["purchases"] for p in top] == sorted((p["purchases"] for p in top), reverse=True)


def test_budget_knob_demotes_new_pricey_items(recs: Recommenders) -> None:
    strict = Recommenders(recs.x, _engine_with(recs, over_budget_weight=0.0,
                                                budget_tolerance=1.0),
                          _products(recs), recs._known_users)
    row = recs.x.user_row(7)
    avg = recs.x.user_avg_price[row]
    result = strict.recommend(7, k=10, exclude_purchased=True)
    assert all(r.price is not None and r.price <= avg + 1e-6 for r in result.items
               if r.model != "popularity")


def test_upsell_knob_raises_prices(recs: Recommenders) -> None:
    plain = Recommenders(recs.x, _engine_with(recs), _products(recs),
                         recs._known_users).recommend(7, k=10, exclude_purchased=True)
    up = Recommenders(recs.x, _engine_with(recs, upsell=5.0), _products(recs),
                      recs._known_users).recommend(7, k=10, exclude_purchased=True)
    mean = lambda rs: np.mean([r.price for r in rs.items])  # noqa: E731
    assert mean(up) > mean(plain)


def test_cycle_knob_skips_items_not_due(recs: Recommenders) -> None:
    from cartwise.recsys.rerank import cycle_info

    strict = Recommenders(recs.x, _engine_with(recs, cycle_tolerance=100.0,
                                                min_purchases_for_cycle=2),
                          _products(recs), recs._known_users)
    result = strict.recommend(7, k=10, strategy="repeat")
    assert result.items
    row = recs.x.user_row(7)
    cols = np.array([recs.x.item_row(r.product_id) for r in result.items])
    counts, interval, since = cycle_info(recs.x, row, cols)
    due = since + recs.x.user_gap[row]
    regular = counts >= 2
    assert not np.any(regular & (due < 100.0 * interval))


def _engine_with(recs: Recommenders, **knobs: float):
    """The store's models with other knobs, blending ALS and popularity (which suggest new
    items, where the budget and upsell knobs act)."""
    from cartwise.recsys.engine import Engine

    return Engine(recs.x, recs.engine.models, {"als": 0.5, "popularity": 0.5},
                  replace(recs.tuning, **knobs))


def test_tuning_is_read_only(recs: Recommenders) -> None:
    with pytest.raises(AttributeError):
        recs.tuning.pool = 5  # type: ignore[misc]
    assert recs.tuning.to_dict()["pool"] == 200
    assert sum(recs.weights.values()) == pytest.approx(1.0)
