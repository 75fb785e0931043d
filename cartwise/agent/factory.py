"""Builds the chat stack from settings: tools over the services, the chat model, the agent graph
with its session store, and the :class:`~cartwise.agent.chat.ChatService` on top."""

from __future__ import annotations

import logging

from langchain_core.language_models import BaseChatModel

from cartwise.agent.chat import ChatService
from cartwise.agent.graph import GroundingCheck, build_agent
from cartwise.agent.memory import Sessions, open_sessions
from cartwise.agent.models import ChatModelInfo, build_chat_model
from cartwise.config import Settings
from cartwise.services import Services
from cartwise.tools.langchain import build_tools

log = logging.getLogger(__name__)


def build_chat_service(settings: Settings, services: Services,
                       sessions: Sessions | None = None,
                       model: tuple[BaseChatModel, ChatModelInfo] | None = None) -> ChatService:
    """The ChatService for ``services``.

    Args:
        sessions: where sessions are kept (default: :func:`~cartwise.agent.memory.open_sessions`
            for the settings; the caller closes it).
        model: a chat model and its description to use instead of the settings' one (tests).

    Raises:
        ConfigError: the settings' chat provider lacks its key or base URL.
    """
    chat_model, info = model or build_chat_model(settings, services)
    sessions = sessions or open_sessions(settings)
    grounding = None
    if info.is_llm and settings.chat_grounding != "off":
        grounding = GroundingCheck(services.catalog.vocabulary().product_names,
                                   mode=settings.chat_grounding)
    agent = build_agent(chat_model, build_tools(services), sessions.saver,
                        context_messages=settings.chat_context_messages,
                        keep_messages=settings.chat_keep_messages, grounding=grounding)
    log.info("chat: %s model %s, sessions in %s %s", info.provider, info.model, sessions.kind,
             sessions.where)
    return ChatService(agent, info, max_chars=settings.chat_max_chars,
                       stream_text=grounding is None, feedback=sessions.feedback,
                       prune=sessions.prune, turn_wait=settings.chat_turn_wait)
