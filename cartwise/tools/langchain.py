"""The catalogue as LangChain tools, for the agent graph.

Each tool's JSON schema is its argument model (:mod:`.schemas`) and its description the tool
function's docstring. A call returns ``(content, artifact)``: ``content`` is the compact JSON a
chat model reads (:func:`~cartwise.tools.render.for_model`), ``artifact``
``{"result": the full result as JSON (charts included), "ms": milliseconds}`` for traces and
front ends. Bad arguments and unknown ids are results, so the model can read what went wrong
and the graph never raises. A tool working on earlier lists (``refine_results``) is given the
session's messages by the graph (LangChain's injected ``ToolRuntime``: not part of the schema a
model sees) and reads its :class:`~cartwise.tools.memory.ResultMemory` from them.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from langchain.tools import ToolRuntime
from langchain_core.tools import BaseTool, InjectedToolArg, StructuredTool
from pydantic import BaseModel, Field, ValidationError, create_model
from pydantic.json_schema import SkipJsonSchema

from cartwise.services import Services
from cartwise.tools.memory import ResultMemory
from cartwise.tools.registry import TOOLS, ToolSpec, parse_tool_result, run_tool
from cartwise.tools.render import for_model
from cartwise.tools.results import invalid_arguments


def _with_runtime(args: type[BaseModel]) -> type[BaseModel]:
    """``args`` plus the graph's injected ``runtime`` (LangChain validates a call's input, the
    injected runtime included, against the schema; the schema a model sees leaves it out)."""
    return create_model(f"{args.__name__}WithRuntime", __base__=args,
                        runtime=(Annotated[Any, InjectedToolArg, SkipJsonSchema()],
                                 Field(None, exclude=True)))


def _make_tool(services: Services, spec: ToolSpec) -> BaseTool:
    def run(kwargs: dict[str, Any], memory: ResultMemory | None) -> tuple[str, dict[str, Any]]:
        t0 = time.perf_counter()
        result = run_tool(services, spec.name, kwargs, memory)
        return for_model(result), {"result": result.model_dump(mode="json"),
                                   "ms": round((time.perf_counter() - t0) * 1000, 2)}

    def call(**kwargs: Any) -> tuple[str, dict[str, Any]]:
        return run(kwargs, None)

    def call_with_memory(runtime: ToolRuntime, **kwargs: Any) -> tuple[str, dict[str, Any]]:
        # the session's messages so far (the graph injects its state; the model never sees it)
        messages = (runtime.state or {}).get("messages", [])
        return run(kwargs, ResultMemory.from_messages(messages, parse_tool_result))

    def on_invalid(exc: ValidationError) -> str:
        return for_model(invalid_arguments(exc))

    return StructuredTool.from_function(
        func=call_with_memory if spec.uses_memory else call,
        name=spec.name,
        description=spec.description,
        args_schema=_with_runtime(spec.args) if spec.uses_memory else spec.args,
        response_format="content_and_artifact",
        handle_validation_error=on_invalid,  # type: ignore[arg-type]
    )


def build_tools(services: Services, names: list[str] | None = None) -> list[BaseTool]:
    """LangChain tools for the catalogue (or the tools ``names``), bound to ``services``."""
    return [_make_tool(services, TOOLS[n]) for n in (names or list(TOOLS))]
