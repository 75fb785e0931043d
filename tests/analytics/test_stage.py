"""The analytics build stage: written atomically, skipped when up to date, served fast."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cartwise.analytics import Analytics, AnalyticsParams, build_analytics_stage, load_analytics
from cartwise.analytics.stage import FORMAT_VERSION, STAGE
from cartwise.catalog import Catalog, load_catalog
from cartwise.config import get_settings
from cartwise.data.load import resolve_source
from cartwise.data.stage import build_data_stage, load_data
from cartwise.errors import InvalidArgument, StoreError, UnknownUser
from cartwise.store import Store
from tests.analytics.factories import canonical


def _store(tmp_path: Path, data_dir: Path) -> Store:
    store = Store(tmp_path / "store")
    with store.lock():
        build_data_stage(store, resolve_source(data_dir))
    return store


def test_build_skip_and_rebuild(tmp_path: Path, demo_dir: Path) -> None:
    store = _store(tmp_path, demo_dir)
    with store.lock():
        first = build_analytics_stage(store)
        again = build_analytics_stage(store)
        changed = build_analytics_stage(store, params=AnalyticsParams(top_partners=5))
        forced = build_analytics_stage(store, params=AnalyticsParams(top_partners=5), force=True)
    assert first.rebuilt and not again.rebuilt and changed.rebuilt and forced.rebuilt
    assert again.manifest["input_hash"] == first.manifest["input_hash"]
    assert changed.manifest["input_hash"] != first.manifest["input_hash"]
    m = store.manifest(STAGE)
    assert m is not None and m["format_version"] == FORMAT_VERSION
    assert m["params"]["top_partners"] == 5
    assert first.summary["shoppers"] == 300 and first.summary["bought-together links"] > 0
    assert all(isinstance(v, int) for v in first.summary.values())  # the CLI prints {v:,}
    assert any("K-means" in line for line in first.details)
    assert any(line.startswith("lifetime value and churn: BG/NBD") for line in first.details)
    assert again.summary == first.summary and again.details == first.details
    assert "affinity" in first.timings and not again.timings
    folder = store.stage_dir(STAGE).resolve()
    names = {p.name for p in folder.iterdir()}
    assert {"users.parquet", "products.parquet", "favourites.npz", "partners.npz",
            "results.json", "context.json", "manifest.json"} <= names
    json.loads((folder / "results.json").read_text())  # plain JSON, no NaN


def test_served_results_equal_on_demand_results(tmp_path: Path, demo_dir: Path) -> None:
    store = _store(tmp_path, demo_dir)
    with store.lock():
        build_analytics_stage(store)
    served = load_analytics(store, load_catalog(store))
    fresh = Analytics.on_demand(load_data(store))
    users = [1, 17, 250]
    for u in users:
        assert served.user_profile(u) == fresh.user_profile(u)
        assert served.churn_risk(u) == fresh.churn_risk(u)
        assert served.lifetime_value(u) == fresh.lifetime_value(u)
    for p in (1, 5, 42):
        assert served.product_details(p) == fresh.product_details(p)
        assert served.frequently_bought_together(p, 5) == fresh.frequently_bought_together(p, 5)
    assert served.churn_risk(k=7) == fresh.churn_risk(k=7)
    assert served.churn_risk(k=7)["method"] == "bg_nbd+gamma_gamma"  # the fit is in the stage
    assert served.lifetime_value(k=7) == fresh.lifetime_value(k=7)
    assert served.customer_segments() == fresh.customer_segments()
    assert served.customer_journey() == fresh.customer_journey()
    for by in ("dow", "hour", "day", "week", "month"):
        assert served.order_trends(by) == fresh.order_trends(by)
    assert served.funnel_analysis(by="device") == fresh.funnel_analysis(by="device")
    # a filtered funnel was not precomputed: computed from the (small) funnel tables
    assert served.funnel_analysis(device="mobile") == fresh.funnel_analysis(device="mobile")
    with pytest.raises(UnknownUser):
        served.user_profile(10_000)
    # the sales tools: precomputed calls, and calls computed from the mapped order ledger
    for by in ("month", "week", "day", "dow", "department", "aisle"):
        assert served.sales.sales_summary(by) == fresh.sales.sales_summary(by)
    window = {"by": "week", "start": "2025-03-01", "end": "2025-04-15", "compare": False}
    assert served.sales.sales_summary(**window) == fresh.sales.sales_summary(**window)
    for u in users:
        assert served.sales.purchase_history(u, 3) == fresh.sales.purchase_history(u, 3)
    assert served.sales.cohort_retention("week", 9) == fresh.sales.cohort_retention("week", 9)
    for metric in ("orders", "aov"):
        assert (served.sales.detect_anomalies(metric, "day", 4)
                == fresh.sales.detect_anomalies(metric, "day", 4))
    assert served.business_insights("week") == fresh.business_insights("week")


def test_settings_reach_the_stage(tmp_path: Path, instacart_dir: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARTWISE_ANALYTICS_MIN_PAIR_COUNT", "1")
    monkeypatch.setenv("CARTWISE_ANALYTICS_MIN_PAIR_SHOPPERS", "1")
    monkeypatch.setenv("CARTWISE_ANALYTICS_PAIR_FDR", "1")
    monkeypatch.setenv("CARTWISE_ANALYTICS_LTV_HORIZON_DAYS", "90")
    settings = get_settings()
    params = AnalyticsParams.from_settings(settings)
    assert (params.min_pair_count, params.min_pair_shoppers, params.pair_fdr) == (1, 1, 1.0)
    store = _store(tmp_path, instacart_dir)
    with store.lock():
        out = build_analytics_stage(store, settings)
    assert out.manifest["params"]["ltv_horizon_days"] == 90
    a = load_analytics(store, load_catalog(store))
    assert a.lifetime_value(1)["horizon_days"] == 90
    # the tiny Instacart set has no calendar: the snapshot assumption, and no week trends
    assert a.user_profile(1)["time_note"].startswith("no calendar dates")
    assert a.order_trends()["by"] == "dow"
    # nor sales by month, cohorts or anomalies; departments, a history in days and a digest
    assert a.sales.sales_summary()["by"] == "department"
    for call in (lambda: a.sales.sales_summary("month"), a.sales.cohort_retention,
                 a.sales.detect_anomalies):
        with pytest.raises(InvalidArgument):
            call()
    history = a.sales.purchase_history(1, 2)
    assert history["orders"][0]["ordered_at"] is None and history["orders"][0]["days_ago"] == 0
    assert a.business_insights()["points"][0]["topic"] == "sales"
    # banana and yogurt share one basket: enough with one basket, one shopper and no test
    assert a.frequently_bought_together(10)["items"]


def test_bad_settings_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    from cartwise.errors import ConfigError

    monkeypatch.setenv("CARTWISE_ANALYTICS_KMEANS_MIN_K", "5")
    monkeypatch.setenv("CARTWISE_ANALYTICS_KMEANS_MAX_K", "3")
    with pytest.raises(ConfigError, match="kmeans_min_k"):
        get_settings()


def test_missing_or_stale_stage_is_a_clear_error(tmp_path: Path, instacart_dir: Path) -> None:
    store = Store(tmp_path / "empty")
    with store.lock(), pytest.raises(StoreError, match="no data stage"):
        build_analytics_stage(store)
    store = _store(tmp_path, instacart_dir)
    with pytest.raises(StoreError, match="no 'analytics' stage"):
        load_analytics(store, load_catalog(store))
    with store.lock():
        build_analytics_stage(store)
    load_analytics(store, load_catalog(store))
    # a catalogue of other products (or shoppers) than the stage's: rebuild
    other = Catalog.from_data(canonical([[1, 2]], users=[1]))
    with pytest.raises(StoreError, match="other products.*rebuild"):
        load_analytics(store, other)
    products = load_data(store, tables=("products",)).products
    with pytest.raises(StoreError, match="other shoppers.*rebuild"):
        load_analytics(store, Catalog(products, user_ids=[1, 2, 3, 99]))
    # the data changes and only the data stage is rebuilt: the analytics stage is stale
    (instacart_dir / "orders.csv").write_text(
        (instacart_dir / "orders.csv").read_text().replace("102,1,train,3,5,18,14.0",
                                                           "102,1,train,3,5,18,15.0"))
    with store.lock():
        assert build_data_stage(store, resolve_source(instacart_dir)).rebuilt
    with pytest.raises(StoreError, match="other data"):
        load_analytics(store, load_catalog(store))
    with store.lock():
        assert build_analytics_stage(store).rebuilt
    served = load_analytics(store, load_catalog(store))
    assert served.churn_risk(1)["days_since_last_order"] == 15.0


def test_the_service_does_not_import_the_stage() -> None:
    """No import circle: the stage builds on the service, never the other way round."""
    import ast

    import cartwise.analytics.service as service

    tree = ast.parse(Path(service.__file__).read_text(encoding="utf-8"))
    names = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    names |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert "cartwise.analytics.stage" not in names
    assert not any(isinstance(n, ast.ImportFrom) and n.module == "cartwise.analytics"
                   and any(a.name == "stage" for a in n.names) for n in ast.walk(tree))
