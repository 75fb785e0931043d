"""A scripted tool-calling chat model: it replays queued AI messages and records what it read,
so the real agent graph runs offline and deterministically (a fake, not a mock)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolCall
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
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


class SlowTextModel(BaseChatModel):
    """Writes ``text`` word by word, ``delay`` seconds per word, and never calls a tool: a
    long-running answer for stopping a turn mid-stream."""

    text: str = "one two three"
    delay: float = 0.3

    @property
    def _llm_type(self) -> str:
        return "slow-text"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Runnable[Any, BaseMessage]:
        return self

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: Any = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        for word in self.text.split():
            time.sleep(self.delay)
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=word + " "))
            if run_manager is not None:
                run_manager.on_llm_new_token(word + " ", chunk=chunk)
            yield chunk

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: Any = None, **kwargs: Any) -> ChatResult:
        text = "".join(c.message.text for c in self._stream(messages))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])


class FailingChatModel(ScriptedChatModel):
    """Answers with its queued script like :class:`ScriptedChatModel`, then raises ``error``
    (a ``RuntimeError``: no provider error the chat service would turn into a polite reply) at
    the next call: a turn that fails midway, after its tool calls ran."""

    error: str = "the model broke"

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: Any = None, **kwargs: Any) -> ChatResult:
        if not self.script:
            self.history.append(list(messages))
            raise RuntimeError(self.error)
        return super()._generate(messages, stop, run_manager, **kwargs)
