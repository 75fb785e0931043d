"""What the Slack bot needs from Slack and from the settings, checked without loading anything.

The bot (:mod:`cartwise.ui.slack`) listens to ``app_mention`` and to ``message`` events in direct
messages and posts answers with ``chat.postMessage``; :data:`BOT_SCOPES` and :data:`BOT_EVENTS`
are what its Slack app must grant and subscribe to (``slack/manifest.yml`` in the repository
declares exactly these; a test keeps the two in step). :func:`setting_problems` checks the
settings' presence and shapes (token prefixes, the signing secret's form) without contacting
Slack, so ``cartwise slack`` and ``cartwise slack --check`` can say what is wrong at once.
"""

from __future__ import annotations

import re
from typing import Literal

from cartwise.config import Settings

BOT_SCOPES = ("app_mentions:read", "chat:write", "im:history")
"""Bot token scopes: read mentions, post answers, read direct messages."""

BOT_EVENTS = ("app_mention", "message.im")
"""Bot events the app subscribes to."""

APP_TOKEN_SCOPES = ("connections:write",)
"""The app-level token's scope for Socket Mode."""

Mode = Literal["http", "socket"]

NEEDS: dict[str, tuple[str, ...]] = {
    "http": ("slack_bot_token", "slack_signing_secret"),
    "socket": ("slack_bot_token", "slack_app_token"),
}
"""The settings each way of receiving events needs: HTTP (``cartwise serve``, Slack posts to
``/slack/events``, requests signed) or Socket Mode (``cartwise slack``, an outgoing websocket)."""

_SHAPES: dict[str, tuple[re.Pattern[str], str]] = {
    "slack_bot_token": (re.compile(r"xoxb-[A-Za-z0-9-]+"),
                        "a bot token starts with xoxb- (OAuth & Permissions > Bot User OAuth "
                        "Token)"),
    "slack_app_token": (re.compile(r"xapp-[A-Za-z0-9-]+"),
                        "an app-level token starts with xapp- (Basic Information > App-Level "
                        "Tokens, scope connections:write)"),
    "slack_signing_secret": (re.compile(r"[0-9a-f]{32}"),
                             "a signing secret is 32 hexadecimal characters (Basic Information > "
                             "App Credentials > Signing Secret)"),
}


def env_name(setting: str) -> str:
    """The environment variable of a setting: ``slack_bot_token`` ->
    ``CARTWISE_SLACK_BOT_TOKEN``."""
    return f"CARTWISE_{setting.upper()}"


def setting_problems(settings: Settings, mode: Mode) -> list[str]:
    """What keeps the bot from running in ``mode``: one sentence per missing or malformed setting
    (empty when the settings look right; Slack itself may still reject a token)."""
    problems = []
    for name in NEEDS[mode]:
        secret = getattr(settings, name)
        value = secret.get_secret_value().strip() if secret is not None else ""
        if not value:
            problems.append(f"{env_name(name)} is not set")
            continue
        shape, hint = _SHAPES[name]
        if not shape.fullmatch(value):
            problems.append(f"{env_name(name)} does not look right: {hint}")
    return problems
