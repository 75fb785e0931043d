"""The chat models, chosen by ``Settings.chat_provider``:

* ``offline`` (default): the embedded planner (:class:`~cartwise.agent.offline.OfflineChatModel`),
  no network, no key; it shares the product index's sentence model;
* ``openai``: OpenAI's API through ``langchain_openai.ChatOpenAI`` with ``OPENAI_API_KEY``;
* ``openai_compatible``: any server speaking the OpenAI chat-completions protocol with tool
  calling (Ollama, vLLM, llama.cpp server) at ``openai_base_url``, key optional.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel

from cartwise.config import Settings
from cartwise.errors import ConfigError
from cartwise.services import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChatModelInfo:
    """Which chat model answers: ``provider`` (a ``chat_provider`` value), ``model`` (its
    name) and ``base_url`` (None for OpenAI itself and the offline model)."""

    provider: str
    model: str
    base_url: str | None = None

    @property
    def is_llm(self) -> bool:
        return self.provider != "offline"

    def to_dict(self) -> dict[str, object]:
        return {"provider": self.provider, "model": self.model, "base_url": self.base_url}


def offline_model(services: Services) -> BaseChatModel:
    """The offline planner over the shop's vocabulary, its example embeddings cached in the
    store, sharing the product index's query embedder (loaded without opening the index);
    warmed up."""
    from cartwise.agent.offline import OfflineChatModel
    from cartwise.agent.planner import Planner, QueryEmbedderEncoder

    planner = Planner(services.catalog.vocabulary(),
                      QueryEmbedderEncoder(services.embedder),
                      cache_dir=services.store.cache_dir("planner"))
    planner.warm_up()
    return OfflineChatModel(planner=planner)


def openai_model(settings: Settings, *, base_url: str | None = None,
                 api_key: str | None = None) -> BaseChatModel:
    """``ChatOpenAI`` for ``settings.chat_model`` (temperature 0, ``chat_timeout``)."""
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(model=settings.chat_model, base_url=base_url, api_key=api_key,
                      temperature=0, timeout=settings.chat_timeout, max_retries=1)


def chat_model_info(settings: Settings) -> ChatModelInfo:
    """Which chat model the settings ask for, without building it.

    Raises:
        ConfigError: ``openai`` without a key, ``openai_compatible`` without a base URL, a base
            URL that is not an http(s) URL.
    """
    from cartwise.setting_checks import chat_problems

    problems = chat_problems(settings)
    if problems:
        raise ConfigError("; ".join(problems))
    if settings.chat_provider == "offline":
        return ChatModelInfo("offline", "cartwise-offline-planner")
    return ChatModelInfo(settings.chat_provider, settings.chat_model, settings.openai_base_url)


def build_chat_model(settings: Settings, services: Services) -> tuple[BaseChatModel,
                                                                      ChatModelInfo]:
    """The chat model the settings ask for, with what it is.

    Raises:
        ConfigError: as :func:`chat_model_info`.
    """
    info = chat_model_info(settings)
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    if info.provider == "offline":
        return offline_model(services), info
    if info.provider == "openai":
        return openai_model(settings, api_key=key, base_url=settings.openai_base_url), info
    return openai_model(settings, base_url=settings.openai_base_url, api_key=key or "none"), info
