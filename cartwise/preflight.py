"""Settings checked before anything is loaded: the chat provider's key and base URL, the Qdrant
URL, the Slack settings a command needs and the store folder. Each problem is one sentence that
names the setting (its environment variable), so that a command with a bad setting fails in
milliseconds instead of after loading the models. Imports nothing heavy.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from cartwise.config import Settings
from cartwise.errors import ConfigError
from cartwise.ui.slack_setup import Mode, setting_problems

#: What a command needs of the store: ``built`` (every stage there: ``cartwise tool``) or
#: ``buildable`` (built first when missing: ``serve``, ``chat``, ``slack``).
StoreNeed = Literal["built", "buildable"]


def _url_problem(value: str | None, env: str) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"{env}={value!r} is not an http(s) URL (e.g. http://127.0.0.1:11434/v1)"
    return None


def chat_problems(settings: Settings) -> list[str]:
    """What keeps the settings' chat provider from starting: ``openai`` without a key,
    ``openai_compatible`` without a base URL, a base URL that is not an http(s) URL."""
    provider = settings.chat_provider
    if provider == "offline":
        return []
    problems = []
    key = settings.openai_api_key.get_secret_value().strip() if settings.openai_api_key else ""
    if provider == "openai" and not key:
        problems.append("chat_provider=openai needs OPENAI_API_KEY (or CARTWISE_OPENAI_API_KEY); "
                        "the offline provider needs none")
    if provider == "openai_compatible" and not settings.openai_base_url:
        problems.append("chat_provider=openai_compatible needs CARTWISE_OPENAI_BASE_URL, e.g. "
                        "http://127.0.0.1:11434/v1 for Ollama")
    bad_url = _url_problem(settings.openai_base_url, "CARTWISE_OPENAI_BASE_URL")
    if bad_url:
        problems.append(bad_url)
    return problems


def retrieval_problems(settings: Settings) -> list[str]:
    """The product index's settings: a Qdrant server needs a well-formed URL."""
    if settings.vector_store == "qdrant_server" and not settings.qdrant_url:
        return ["CARTWISE_VECTOR_STORE=qdrant_server needs CARTWISE_QDRANT_URL"]
    bad_url = _url_problem(settings.qdrant_url, "CARTWISE_QDRANT_URL")
    return [bad_url] if bad_url else []


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
