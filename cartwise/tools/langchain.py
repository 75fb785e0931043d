"""The catalogue as LangChain tools, for the agent graph.

Each tool's JSON schema is its argument model (:mod:`.schemas`) and its description the tool
function's docstring. A call returns ``(content, artifact)``: ``content`` is the compact JSON a
chat model reads (:func:`~cartwise.tools.render.for_model`), ``artifact``
``{"result": the full result as JSON (charts included), "ms": milliseconds}`` for traces and
front ends. Bad arguments and unknown ids are results, so the model can read what went wrong
and the graph never raises.
"""

from __future__ import annotations

import time
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import ValidationError

from cartwise.services import Services
from cartwise.tools.registry import TOOLS, ToolSpec, run_tool
from cartwise.tools.render import for_model
from cartwise.tools.results import invalid_arguments


def _make_tool(services: Services, spec: ToolSpec) -> BaseTool:
    def call(**kwargs: Any) -> tuple[str, dict[str, Any]]:
        t0 = time.perf_counter()
        result = run_tool(services, spec.name, kwargs)
        return for_model(result), {"result": result.model_dump(mode="json"),
                                   "ms": round((time.perf_counter() - t0) * 1000, 2)}

    def on_invalid(exc: ValidationError) -> str:
        return for_model(invalid_arguments(exc))

    return StructuredTool.from_function(
        func=call,
        name=spec.name,
        description=spec.description,
        args_schema=spec.args,
        response_format="content_and_artifact",
        handle_validation_error=on_invalid,  # type: ignore[arg-type]
    )


def build_tools(services: Services, names: list[str] | None = None) -> list[BaseTool]:
    """LangChain tools for the catalogue (or the tools ``names``), bound to ``services``."""
    return [_make_tool(services, TOOLS[n]) for n in (names or list(TOOLS))]
