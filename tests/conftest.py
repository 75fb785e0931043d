"""Shared fixtures: isolated settings, the shared real data, a tiny Instacart data set, and the
default demo store with its loaded services (built once per test session)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.factories import write_instacart

if TYPE_CHECKING:
    from cartwise.config import Settings
    from cartwise.runtime import Runtime
    from cartwise.services import Services

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point every Cartwise setting at tmp_path and ignore the developer's environment and .env."""
    for key in list(os.environ):
        if key.startswith("CARTWISE_") or key == "OPENAI_API_KEY":
            monkeypatch.delenv(key)
    monkeypatch.setenv("CARTWISE_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public data beside the repository (``../shared/data``); skip if it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data folder {SHARED_DATA} is absent (it sits beside the repo in CI)")
    return SHARED_DATA


@pytest.fixture()
def instacart_dir(tmp_path: Path) -> Path:
    """A tiny valid Instacart-layout folder (see tests.factories.write_instacart)."""
    return write_instacart(tmp_path / "instacart")


@pytest.fixture(scope="session")
def demo_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of a store built on the demo defaults (2,000 shoppers x 3,000 products, the data
    the shared evaluation cases assume), in a session-wide temporary home; sessions in memory."""
    from cartwise.build import build_store
    from cartwise.config import get_settings

    home = tmp_path_factory.mktemp("demo-home")
    settings = get_settings(home=home, sessions="memory", chat_provider="offline")
    build_store(settings)
    return settings


@pytest.fixture(scope="session")
def demo_services(demo_settings: Settings) -> Iterator[Services]:
    """The services of the demo store, loaded once."""
    from cartwise.services import build_services

    services = build_services(demo_settings)
    yield services
    services.close()


@pytest.fixture(scope="session")
def demo_runtime(demo_settings: Settings, demo_services: Services) -> Runtime:
    """A serving runtime over the demo services: the offline model, sessions in memory. Not
    closed (the services belong to ``demo_services``)."""
    from langgraph.checkpoint.memory import InMemorySaver

    from cartwise.agent.memory import Sessions
    from cartwise.runtime import Runtime

    return Runtime(demo_settings, demo_services, Sessions(InMemorySaver(), "memory", ""))
