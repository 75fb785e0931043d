"""Setting up the Slack bot: the manifest, the settings check and the early exits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pydantic import SecretStr
from typer.testing import CliRunner

from cartwise.cli import app
from cartwise.config import Settings
from cartwise.ui.slack_setup import BOT_EVENTS, BOT_SCOPES, setting_problems

ROOT = Path(__file__).resolve().parents[2]
BOT = "xoxb-1234-5678-abcdef"
APP = "xapp-1-A0123-4567-abcdef"
SIGNING = "0123456789abcdef0123456789abcdef"
SLACK_ENV = ("CARTWISE_SLACK_BOT_TOKEN", "CARTWISE_SLACK_APP_TOKEN",
             "CARTWISE_SLACK_SIGNING_SECRET")


def _settings(tmp_path: Path, **secrets: str) -> Settings:
    return Settings(home=tmp_path, **{k: SecretStr(v) for k, v in secrets.items()})


def test_manifest_grants_what_the_bot_uses() -> None:
    manifest = yaml.safe_load((ROOT / "slack" / "manifest.yml").read_text(encoding="utf-8"))
    assert tuple(manifest["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES
    events = manifest["settings"]["event_subscriptions"]
    assert tuple(events["bot_events"]) == BOT_EVENTS
    assert events["request_url"].startswith("https://") and events["request_url"].endswith(
        "/slack/events")
    assert manifest["features"]["bot_user"]["display_name"]


def test_setting_problems_name_what_is_missing_or_malformed(tmp_path: Path) -> None:
    assert setting_problems(_settings(tmp_path, slack_bot_token=BOT, slack_app_token=APP),
                            "socket") == []
    assert setting_problems(_settings(tmp_path, slack_bot_token=BOT,
                                      slack_signing_secret=SIGNING), "http") == []
    missing = setting_problems(_settings(tmp_path), "socket")
    assert missing == ["CARTWISE_SLACK_BOT_TOKEN is not set",
                       "CARTWISE_SLACK_APP_TOKEN is not set"]
    swapped = setting_problems(_settings(tmp_path, slack_bot_token=APP, slack_app_token=BOT),
                               "socket")
    assert "starts with xoxb-" in swapped[0] and "starts with xapp-" in swapped[1]
    bad_secret = setting_problems(_settings(tmp_path, slack_bot_token=BOT,
                                            slack_signing_secret="not-hex"), "http")
    assert len(bad_secret) == 1 and "32 hexadecimal" in bad_secret[0]


@pytest.fixture()
def no_slack_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in SLACK_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CARTWISE_HOME", str(tmp_path))
    return monkeypatch


def test_check_reports_each_way(no_slack_env: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    none = runner.invoke(app, ["slack", "--check"])
    assert none.exit_code == 2
    assert "Socket Mode (cartwise slack): not ready" in none.output
    assert "CARTWISE_SLACK_SIGNING_SECRET is not set" in none.output
    no_slack_env.setenv("CARTWISE_SLACK_BOT_TOKEN", BOT)
    no_slack_env.setenv("CARTWISE_SLACK_SIGNING_SECRET", SIGNING)
    http = runner.invoke(app, ["slack", "--check"])
    assert http.exit_code == 0, http.output
    assert "HTTP (cartwise serve, POST /slack/events): ok" in http.output
    assert "CARTWISE_SLACK_APP_TOKEN is not set" in http.output


def test_slack_without_tokens_stops_before_loading(tmp_path: Path) -> None:
    """`cartwise slack` without tokens names them and exits before any store, model or bot
    module is loaded (it used to load for 25 s first)."""
    env = {k: v for k, v in os.environ.items() if k not in SLACK_ENV}
    env["CARTWISE_HOME"] = str(tmp_path)
    code = ("import sys\n"
            "from cartwise.cli import app\n"
            "try:\n"
            "    app(['slack'])\n"
            "except SystemExit as e:\n"
            "    print('exit', e.code)\n"
            "heavy = [m for m in ('cartwise.runtime', 'cartwise.ui.slack', 'torch',\n"
            "                     'sentence_transformers') if m in sys.modules]\n"
            "print('loaded', heavy)\n")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert "exit 2" in done.stdout, done.stderr
    assert "loaded []" in done.stdout
    assert "CARTWISE_SLACK_APP_TOKEN is not set" in done.stderr
    assert not list(tmp_path.iterdir())  # nothing generated or built
