"""Checks of single settings that the chat model and the product index need (a key, a base URL,
a Qdrant URL), one sentence per problem naming the environment variable. Imports nothing but the
settings, so that the start-up check (:mod:`cartwise.preflight`) and the parts that build from
these settings (:mod:`cartwise.agent.models`) say the same thing.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from cartwise.config import Settings


def url_problem(value: str | None, env: str) -> str | None:
    """Why ``value`` (the setting ``env``) is not an http(s) URL; None when it is, or unset."""
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
    bad_url = url_problem(settings.openai_base_url, "CARTWISE_OPENAI_BASE_URL")
    if bad_url:
        problems.append(bad_url)
    return problems


def retrieval_problems(settings: Settings) -> list[str]:
    """The product index's settings: a Qdrant server needs a well-formed URL."""
    if settings.vector_store == "qdrant_server" and not settings.qdrant_url:
        return ["CARTWISE_VECTOR_STORE=qdrant_server needs CARTWISE_QDRANT_URL"]
    bad_url = url_problem(settings.qdrant_url, "CARTWISE_QDRANT_URL")
    return [bad_url] if bad_url else []
