"""Settings checked before anything is loaded: the chat provider's key and base URL, the Qdrant
URL, the Slack settings a command needs and the store folder. Each problem is one sentence that
names the setting (its environment variable), so that a command with a bad setting fails in
milliseconds instead of after loading the models. Imports nothing heavy.
"""

from __future__ import annotations

from typing import Literal

from cartwise.config import Settings
from cartwise.errors import ConfigError
from cartwise.setting_checks import chat_problems, retrieval_problems
from cartwise.ui.slack_setup import Mode, setting_problems

#: What a command needs of the store: ``built`` (every stage there: ``cartwise tool``) or
#: ``buildable`` (built first when missing: ``serve``, ``chat``, ``slack``).
StoreNeed = Literal["built", "buildable"]


def store_problems(settings: Settings, need: StoreNeed) -> list[str]:
    """The store folder: it must be a folder (or, when it may be built, creatable)."""
    path = settings.store_path
    env = "CARTWISE_STORE_DIR (--store)"
    if path.exists() and not path.is_dir():
        return [f"{env}: the store {path} is a file, not a folder"]
    if need == "buildable" and not path.exists():
        parent = next((p for p in path.parents if p.exists()), None)
        if parent is not None and not parent.is_dir():
            return [f"{env}: the store {path} cannot be created ({parent} is a file)"]
    return []


def check_settings(settings: Settings, *, chat: bool = False, slack: Mode | None = None,
                   store: StoreNeed | None = None, retrieval: bool = True) -> None:
    """Check what a command needs before it loads anything.

    Args:
        chat: the command runs the chat model (its key and base URL).
        slack: the command runs the Slack bot this way (its tokens; ``None``: not at all).
        store: what the command needs of the store folder (``None``: nothing).
        retrieval: the command may open the product index (the Qdrant settings).

    Raises:
        ConfigError: one message listing every problem, each naming its setting.
    """
    problems: list[str] = []
    if chat:
        problems += chat_problems(settings)
    if slack is not None:
        problems += setting_problems(settings, slack)
    if retrieval:
        problems += retrieval_problems(settings)
    if store is not None:
        problems += store_problems(settings, store)
    if problems:
        raise ConfigError("; ".join(problems))
