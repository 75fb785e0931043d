"""Session-scoped data sets for the analytics tests (loaded once: they are read-only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cartwise.analytics import Analytics, Calculator
from cartwise.catalog import Catalog
from cartwise.data.schema import CanonicalData
from tests.conftest import SHARED_DATA

RETAIL_2009 = "online_retail_ii/online_retail_ii_2009_2010.csv"


def _shared(relative: str) -> Path:
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"shared data {path} is absent (it sits beside the repo in CI)")
    return path


@pytest.fixture(scope="session")
def retail_data() -> CanonicalData:
    """Online Retail II 2009-10 (the development year) as canonical tables."""
    from cartwise.data.transactions import load_transactions

    return load_transactions([_shared(RETAIL_2009)])


@pytest.fixture(scope="session")
def retail_calculator(retail_data: CanonicalData) -> Calculator:
    """The on-demand calculator over the Online Retail log (its shopper table and context)."""
    return Calculator(retail_data)


@pytest.fixture(scope="session")
def retail(retail_calculator: Calculator, retail_data: CanonicalData) -> Analytics:
    """Analytics computed on demand over the Online Retail log (shared: results are cached)."""
    return Analytics(retail_calculator, Catalog.from_data(retail_data))


@pytest.fixture(scope="session")
def funnel_tables() -> tuple:
    """The real Kaggle funnel tables: (funnel_users, funnel_events)."""
    from cartwise.data.funnel import load_funnel

    return load_funnel(_shared("ecommerce_funnel"))


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated demo data set (Instacart layout with prices, timestamps, funnel)."""
    from cartwise.data.generate import generate_demo

    out = tmp_path_factory.mktemp("demo") / "data"
    generate_demo(out, users=300, products=200, seed=3, progress=False)
    return out


@pytest.fixture(scope="session")
def demo_data(demo_dir: Path) -> CanonicalData:
    from cartwise.data.load import load_source, resolve_source

    return load_source(resolve_source(demo_dir))
