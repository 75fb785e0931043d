"""A scripted tool-calling chat model: it replays queued AI messages and records what it read,
so the real agent graph runs offline and deterministically (a fake, not a mock)."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, ToolCall
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from pydantic import ConfigDict, Field


class ScriptedChatModel(BaseChatModel):
    """Answers each call with the next queued message (``enqueue``); with an empty queue it
    answers ``"(no script)"``. ``history`` holds the messages of every call, ``bound`` the tool
    names bound last."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    script: deque[AIMessage] = Field(default_factory=deque)
    history: list[list[BaseMessage]] = Field(default_factory=list)
    bound: list[str] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def enqueue(self, *messages: AIMessage) -> None:
        self.script.extend(messages)

    def enqueue_call(self, name: str, **args: Any) -> None:
        """Queue one tool call of ``name`` with ``args``."""
        n = sum(len(m.tool_calls) for m in self.script) + len(self.history)
        self.script.append(AIMessage(content="", tool_calls=[
            ToolCall(name=name, args=args, id=f"call_{n}", type="tool_call")]))

    def enqueue_text(self, text: str) -> None:
        self.script.append(AIMessage(content=text))

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Runnable[Any, BaseMessage]:
        self.bound[:] = [getattr(t, "name", str(t)) for t in tools]
        return self

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: Any = None, **kwargs: Any) -> ChatResult:
        self.history.append(list(messages))
        message = self.script.popleft() if self.script else AIMessage(content="(no script)")
        return ChatResult(generations=[ChatGeneration(message=message)])
