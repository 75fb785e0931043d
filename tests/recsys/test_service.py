"""The recommendation service over a built store: filters, cold start, reasons, knobs."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from cartwise.catalog import Catalog, load_catalog
from cartwise.errors import InvalidArgument, StoreError, UnknownProduct, UnknownUser
from cartwise.recsys.engine import STRATEGIES, Engine
from cartwise.recsys.service import Recommenders
from cartwise.recsys.stage import load_recsys
from cartwise.store import Store


@pytest.fixture(scope="module")
def recs(demo_store: Store) -> Recommenders:
    return load_recsys(demo_store, load_catalog(demo_store))


def _bought(recs: Recommenders, user_id: int) -> set[int]:
    row = recs.x.user_row(user_id)
    assert row is not None
    return set(recs.x.item_ids[recs.x.user_items(row)[0]].tolist())


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_every_strategy_gives_k_distinct_products(recs: Recommenders, strategy: str) -> None:
    result = recs.recommend(7, k=8, strategy=strategy)
    ids = [r.product.product_id for r in result.items]
    assert len(ids) == 8 and len(set(ids)) == 8
    assert result.fallback is None
    for r in result.items:
        assert 0 <= r.relevance <= 1 and 0 <= r.confidence <= 1
        assert r.model in STRATEGIES and r.reason
        assert r.product.name and r.product.department and r.product.price is not None
    rel = [r.relevance for r in result.items if r.model != "popularity" or strategy == "popularity"]
    assert rel == sorted(rel, reverse=True)


def test_department_and_price_filters(recs: Recommenders) -> None:
    dept = recs.recommend(7, k=5).items[0].product.department
    where = recs.catalog.product_filter(department=dept.split()[0].upper(), max_price=4.0,
                                        min_price=1.0)
    result = recs.recommend(7, k=5, where=where)
    assert result.where.departments == (dept,)
    assert result.items
    for r in result.items:
        assert r.product.department == dept
        assert r.product.price is not None and 1.0 <= r.product.price <= 4.0


def test_a_name_of_several_departments_filters_to_all_of_them(recs: Recommenders) -> None:
    where = recs.catalog.product_filter(department="goods")
    assert where.departments == ("canned goods", "dry goods pasta")
    for user in (7, 987654321):  # personal and best-seller fallback
        items = recs.recommend(user, k=10, where=where).items
        assert len(items) == 10
        assert {r.product.department for r in items} <= set(where.departments)
    top = recs.popular(20, where)
    assert {p.product.department for p in top} == set(where.departments)
    assert [p.purchases for p in top] == sorted((p.purchases for p in top), reverse=True)


def test_exclude_purchased_never_returns_bought_items(recs: Recommenders) -> None:
    for user in (3, 7, 42, 100):
        result = recs.recommend(user, k=10, exclude_purchased=True)
        assert len(result.items) == 10
        assert not {r.product.product_id for r in result.items} & _bought(recs, user)


def test_repeat_reasons_speak_of_history(recs: Recommenders) -> None:
    result = recs.recommend(7, k=5, strategy="repeat")
    assert any(r.reason.startswith("bought ") and " times" in r.reason for r in result.items)


def test_item_cf_reason_names_a_bought_product(recs: Recommenders) -> None:
    result = recs.recommend(7, k=5, strategy="item_cf", exclude_purchased=True)
    names = set(recs.catalog.names)
    reasons = [r.reason for r in result.items if r.reason.startswith("often bought")]
    assert reasons
    assert all(r.split("who buy ", 1)[1] in names for r in reasons)


def test_unknown_user_gets_flagged_best_sellers(recs: Recommenders) -> None:
    result = recs.recommend(987654321, k=5)
    assert result.fallback == "unknown_user"
    assert len(result.items) == 5
    assert all(r.model == "popularity" for r in result.items)
    assert [r.product for r in result.items] == [p.product for p in recs.popular(5)]


def _catalog(recs: Recommenders, extra_users: list[int] | None = None) -> Catalog:
    """The service's catalogue again, with ``extra_users`` as shoppers without purchases."""
    c = recs.catalog
    products = pd.DataFrame({"product_id": c.ids, "product_name": c.names, "aisle": c.aisles,
                             "department": c.departments, "price": c.prices})
    return Catalog(products, np.append(c.user_ids, extra_users or []), c.currency)


def _with(recs: Recommenders, engine: Engine) -> Recommenders:
    return Recommenders(recs.catalog, recs.x, engine)


def test_history_less_user_is_not_unknown(recs: Recommenders) -> None:
    fresh = Recommenders(_catalog(recs, [5_000_000]), recs.x, recs.engine)
    assert fresh.recommend(5_000_000, k=3).fallback == "no_history"
    assert fresh.similar_users(5_000_000) == []
    with pytest.raises(UnknownUser):
        fresh.similar_users(5_000_001)


def test_a_catalogue_of_other_products_is_a_store_error(recs: Recommenders) -> None:
    c = recs.catalog
    other = pd.DataFrame({"product_id": c.ids[1:], "product_name": c.names[1:],
                          "aisle": c.aisles[1:], "department": c.departments[1:],
                          "price": c.prices[1:]})
    with pytest.raises(StoreError, match="rebuild"):
        Recommenders(Catalog(other, c.user_ids), recs.x, recs.engine)


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [({"k": 0}, "k"), ({"k": 101}, "k"), ({"strategy": "magic"}, "strategy"),
     ({"department": "spaceships"}, "department"), ({"max_price": -1.0}, "max_price"),
     ({"min_price": 5.0, "max_price": 2.0}, "min_price")],
)
def test_bad_arguments_name_the_argument(recs: Recommenders, kwargs: dict, argument: str
                                         ) -> None:
    filters = {n: kwargs.pop(n) for n in ("department", "min_price", "max_price")
               if n in kwargs}
    with pytest.raises(InvalidArgument) as info:
        # the one meaning of the filter arguments: the catalogue checks them
        recs.recommend(7, where=recs.catalog.product_filter(**filters), **kwargs)
    assert info.value.argument == argument


def test_similar_items_and_unknown_product(recs: Recommenders) -> None:
    pid = recs.popular(1)[0].product.product_id
    sims = recs.similar_items(pid, k=5)
    assert 0 < len(sims) <= 5 and pid not in {s.product.product_id for s in sims}
    assert all(0 < s.score <= 1 for s in sims)
    assert len(recs.similar_items(pid, k=3, strategy="als")) == 3
    with pytest.raises(UnknownProduct):
        recs.similar_items(99_999_999)


def test_similar_users_share_products(recs: Recommenders) -> None:
    users = recs.similar_users(7, k=4)
    assert len(users) == 4 and 7 not in {u.user_id for u in users}
    assert all(u.shared_products >= 0 for u in users)


def test_popular_per_department(recs: Recommenders) -> None:
    top = recs.popular(5, recs.catalog.product_filter(department="produce"))
    assert top and all(p.product.department == "produce" for p in top)
    assert [p.purchases for p in top] == sorted((p.purchases for p in top), reverse=True)


def test_budget_knob_demotes_new_pricey_items(recs: Recommenders) -> None:
    strict = _with(recs, _engine_with(recs, over_budget_weight=0.0, budget_tolerance=1.0))
    row = recs.x.user_row(7)
    avg = recs.x.user_avg_price[row]
    result = strict.recommend(7, k=10, exclude_purchased=True)
    assert all(r.product.price is not None and r.product.price <= avg + 1e-6
               for r in result.items if r.model != "popularity")


def test_upsell_knob_raises_prices(recs: Recommenders) -> None:
    plain = _with(recs, _engine_with(recs)).recommend(7, k=10, exclude_purchased=True)
    up = _with(recs, _engine_with(recs, upsell=5.0)).recommend(7, k=10, exclude_purchased=True)
    mean = lambda rs: np.mean([r.product.price for r in rs.items])  # noqa: E731
    assert mean(up) > mean(plain)


def test_cycle_knob_skips_items_not_due(recs: Recommenders) -> None:
    from cartwise.recsys.rerank import cycle_info

    strict = _with(recs, _engine_with(recs, cycle_tolerance=100.0, min_purchases_for_cycle=2))
    result = strict.recommend(7, k=10, strategy="repeat")
    assert result.items
    row = recs.x.user_row(7)
    cols = np.array([recs.catalog.row(r.product.product_id) for r in result.items])
    counts, interval, since = cycle_info(recs.x, row, cols)
    due = since + recs.x.user_gap[row]
    regular = counts >= 2
    assert not np.any(regular & (due < 100.0 * interval))


def test_cycle_rule_off_is_explicit(recs: Recommenders) -> None:
    from cartwise.recsys.rerank import TuningConfig

    with pytest.raises(ValueError, match="cycle_rule"):
        TuningConfig(cycle_tolerance=0.0)
    strict = _engine_with(recs, cycle_tolerance=100.0, min_purchases_for_cycle=2)
    off = _engine_with(recs, cycle_tolerance=100.0, min_purchases_for_cycle=2, cycle_rule=False)

    def ids(engine: Engine) -> set[int]:
        items = _with(recs, engine).recommend(7, k=20, strategy="repeat").items
        return {r.product.product_id for r in items}

    kept, every = ids(strict), ids(off)
    assert kept != every  # with the rule on, regular items not due yet are skipped


def test_confidence_weighs_the_evidence(recs: Recommenders) -> None:
    """One purchase is weak evidence: an item bought once is never as sure as a staple, and
    nothing reaches confidence 1."""
    from cartwise.recsys.rerank import cycle_info, evidence_weight

    row = recs.x.user_row(7)
    assert row is not None
    result = recs.recommend(7, k=10, strategy="repeat")
    cols = np.array([recs.catalog.row(r.product.product_id) for r in result.items])
    counts, _, _ = cycle_info(recs.x, row, cols)
    conf = np.array([r.confidence for r in result.items])
    assert conf.max() < 1.0
    weight = evidence_weight(recs.x, row, cols, recs.tuning.confidence_prior)
    assert np.all(conf <= weight + 1e-4)
    assert evidence_weight(recs.x, row, cols[:1], 2.0)[0] == pytest.approx(
        counts[0] / (counts[0] + 2))
    once = [r for r, c in zip(result.items, counts, strict=True) if c == 1]
    for r in once:
        assert r.confidence <= 1 / 3 + 1e-4 and "bought once" in r.reason


def test_list_says_how_many_orders_it_rests_on(recs: Recommenders) -> None:
    row = recs.x.user_row(7)
    assert recs.recommend(7, k=3).orders == int(recs.x.user_orders[row]) > 0
    assert recs.recommend(987654321, k=3).orders == 0  # best sellers rest on no history


def test_never_bought_recommendations_stay_personal(recs: Recommenders) -> None:
    """With "never bought", a repeat-only blend has nothing left: the list is filled from the
    discovery models (ALS, item-CF) before best sellers."""
    repeat_only = Engine(recs.x, recs.engine.models, {"repeat": 1.0}, recs.tuning)
    result = _with(recs, repeat_only).recommend(7, k=10, exclude_purchased=True)
    models = {r.model for r in result.items}
    assert len(result.items) == 10 and models & {"als", "item_cf"}, models
    assert not {r.product.product_id for r in result.items} & _bought(recs, 7)


def _engine_with(recs: Recommenders, **knobs: float) -> Engine:
    """The store's models with other knobs, blending ALS and popularity (which suggest new
    items, where the budget and upsell knobs act)."""
    return Engine(recs.x, recs.engine.models, {"als": 0.5, "popularity": 0.5},
                  replace(recs.tuning, **knobs))


def test_tuning_is_read_only(recs: Recommenders) -> None:
    with pytest.raises(AttributeError):
        recs.tuning.pool = 5  # type: ignore[misc]
    assert recs.tuning.to_dict()["pool"] == 200
    assert sum(recs.weights.values()) == pytest.approx(1.0)
