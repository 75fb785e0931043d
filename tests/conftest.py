"""Shared fixtures: isolated settings, the shared real data, a tiny Instacart data set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.factories import write_instacart

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
