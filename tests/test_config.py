"""Settings: defaults, environment, .env, secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from cartwise.config import Settings, get_settings
from cartwise.errors import ConfigError


def test_defaults_live_under_one_home(tmp_path: Path) -> None:
    s = get_settings()
    assert s.home == tmp_path / "home"
    assert s.data_path == s.home / "demo"
    assert s.store_path == s.home / "store"
    assert s.chat_provider == "offline"
    assert s.layout == "auto"


def test_environment_and_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARTWISE_STORE_DIR", "/srv/store")
    monkeypatch.setenv("CARTWISE_DEMO_USERS", "77")
    s = get_settings(demo_seed=5)
    assert s.store_path == Path("/srv/store")
    assert s.demo_users == 77
    assert s.demo_seed == 5


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("CARTWISE_LAYOUT=transactions\nCARTWISE_DEMO_SEED=9\n")
    s = get_settings()
    assert s.layout == "transactions"
    assert s.demo_seed == 9


def test_secrets_are_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-very-secret")
    s = get_settings()
    assert s.openai_api_key is not None
    assert s.openai_api_key.get_secret_value() == "sk-very-secret"
    assert "sk-very-secret" not in repr(s)
    assert "sk-very-secret" not in str(s.model_dump())


def test_bad_values_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARTWISE_LAYOUT", "excel")
    with pytest.raises(ValidationError, match="layout"):
        Settings()
    with pytest.raises(ConfigError, match="invalid setting.*layout"):
        get_settings()


def test_env_example_lists_every_setting() -> None:
    example = (Path(__file__).resolve().parents[1] / ".env.example").read_text()
    for name in Settings.model_fields:
        assert f"CARTWISE_{name.upper()}=" in example, name
