"""The offline chat model: the embedded planner as a LangChain tool-calling chat model.

:class:`OfflineChatModel` needs no network and no key. Given a conversation ending in a user
message it emits the planner's tool calls (or a direct reply); given a conversation ending in
tool results it composes the reply from those results alone. It supports ``bind_tools`` like an
LLM, so the one agent graph runs it exactly as it runs OpenAI's models.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolCall,
    ToolMessage,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict, Field

from cartwise.agent.planner import Plan, PlannedCall, Planner, Turn
from cartwise.agent.planner.references import read_result
from cartwise.tools.results import ToolResult

log = logging.getLogger(__name__)

_PIECES = re.compile(r"\S+\s*|\s+")


def text_of(message: BaseMessage) -> str:
    """A message's text (string content, or the text parts of a content list)."""
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)


def to_turns(messages: Sequence[BaseMessage]) -> list[Turn]:
    """LangChain messages as planner turns: user and assistant texts, and each tool result with
    the name and arguments of the call it answers. System messages are skipped."""
    calls: dict[str, ToolCall] = {}
    turns: list[Turn] = []
    for m in messages:
        if isinstance(m, HumanMessage):
            turns.append(Turn("user", text_of(m)))
        elif isinstance(m, AIMessage):
            for call in m.tool_calls:
                calls[str(call.get("id"))] = call
            if text_of(m).strip():
                options = tuple(m.response_metadata.get("options") or ())
                turns.append(Turn("assistant", text_of(m), options=options))
        elif isinstance(m, ToolMessage):
            call = calls.get(str(m.tool_call_id))
            turns.append(Turn("tool", text_of(m), call["name"] if call else m.name,
                              dict(call["args"]) if call else {}))
    return turns


def _pending_results(messages: Sequence[BaseMessage]
                     ) -> tuple[list[PlannedCall], list[ToolResult | None]] | None:
    """The last AI message's tool calls and their results (typed; None where a call has no
    readable result) when the conversation ends in tool results (the graph asking for the
    reply), else None."""
    if not messages or not isinstance(messages[-1], ToolMessage):
        return None
    i = len(messages) - 1
    while i >= 0 and isinstance(messages[i], ToolMessage):
        i -= 1
    if i < 0 or not isinstance(messages[i], AIMessage):
        return None
    ai = messages[i]
    assert isinstance(ai, AIMessage)
    by_id = {str(m.tool_call_id): m for m in messages[i + 1:] if isinstance(m, ToolMessage)}
    calls: list[PlannedCall] = []
    results: list[ToolResult | None] = []
    for call in ai.tool_calls:
        planned = PlannedCall(call["name"], dict(call["args"]))
        calls.append(planned)
        msg = by_id.get(str(call.get("id")))
        results.append(read_result(Turn("tool", text_of(msg), planned.name, planned.args))
                       if msg is not None else None)
    return calls, results


def _tool_name(tool: Any) -> str:
    """A bound tool's name (a tool object's own; other forms through the OpenAI conversion,
    which the agent would otherwise pay on every model call)."""
    if isinstance(tool, BaseTool):
        return tool.name
    return str(convert_to_openai_tool(tool)["function"]["name"])


class OfflineChatModel(BaseChatModel):
    """The embedded planner (:class:`~cartwise.agent.planner.Planner`) as a chat model.

    ``bind_tools`` restricts the calls to the bound tools' names (a planned call to a tool not
    bound is answered with a "cannot do" reply). The response metadata carries the plan's
    ``intent``, ``confidence`` and ``notes`` for traces.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    planner: Planner
    tool_names: tuple[str, ...] | None = Field(default=None)

    @property
    def _llm_type(self) -> str:
        return "cartwise-offline"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": "cartwise-offline-planner"}

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: Any = None,
                   **kwargs: Any) -> Runnable[Any, BaseMessage]:
        names = tuple(_tool_name(t) for t in tools)
        return self.model_copy(update={"tool_names": names})

    # ------------------------------------------------------------------------ answering

    def respond(self, messages: Sequence[BaseMessage]) -> AIMessage:
        """The next AI message: tool calls for a new user message, or the reply composed from
        the tool results the conversation ends with."""
        pending = _pending_results(messages)
        if pending is not None:
            calls, results = pending
            turns = to_turns(messages)
            user = next((t.text for t in reversed(turns) if t.role == "user"), "")
            text = self.planner.compose(turns, user, calls, results)
            return AIMessage(content=text, response_metadata={"model_name": "offline"})
        turns = to_turns(messages)
        last = next((i for i in range(len(turns) - 1, -1, -1) if turns[i].role == "user"), None)
        if last is None:
            plan = self.planner.plan([], "")
        else:
            plan = self.planner.plan(turns[:last], turns[last].text)
        return self._message(plan)

    def _message(self, plan: Plan) -> AIMessage:
        meta = {"model_name": "offline", "intent": plan.intent,
                "confidence": round(plan.confidence, 3), "notes": list(plan.notes)}
        if plan.options:
            meta["options"] = list(plan.options)  # what a clarifying question offered
        calls = list(plan.calls)
        if self.tool_names is not None:
            missing = [c.name for c in calls if c.name not in self.tool_names]
            if missing:
                return AIMessage(content=(f"Sorry, I can't do that here: the "
                                          f"{', '.join(missing)} tool is not available."),
                                 response_metadata=meta)
        if not calls:
            return AIMessage(content=plan.reply or "", response_metadata=meta)
        tool_calls = [ToolCall(name=c.name, args=dict(c.args), id=f"call_{uuid.uuid4().hex[:12]}",
                               type="tool_call") for c in calls]
        return AIMessage(content="", tool_calls=tool_calls, response_metadata=meta)

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None,
                  **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self.respond(messages))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None,
                **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        """The same answer as :meth:`_generate`, the text in word-sized chunks (tool calls in
        one chunk)."""
        message = self.respond(messages)
        if message.tool_calls:
            chunk = AIMessageChunk(content="", tool_call_chunks=[
                {"name": c["name"], "args": json.dumps(c["args"]), "id": c["id"], "index": i,
                 "type": "tool_call_chunk"} for i, c in enumerate(message.tool_calls)],
                response_metadata=message.response_metadata)
            yield ChatGenerationChunk(message=chunk)
            return
        pieces = _PIECES.findall(text_of(message)) or [""]
        for i, piece in enumerate(pieces):
            meta = message.response_metadata if i == len(pieces) - 1 else {}
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece,
                                                               response_metadata=meta))
            if run_manager is not None:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
