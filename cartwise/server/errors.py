"""The HTTP edge of the exception hierarchy: project errors and failed tool results become
status codes with a JSON body.

* unknown user / product -> 404 ``{"detail": Failure}``: the tool's not-found result
  (:class:`~cartwise.tools.results.Failure`: ``error_type``, ``subject``, ``user_id`` or
  ``product``, ``closest``, ``error``, ``summary``), whether a tool or a route found it missing
* invalid argument -> 422 ``{"detail": [{"loc": [where, argument], "msg", "type"}]}`` (the
  shape of FastAPI's own validation errors, so clients read one format)
* store not built / unreadable -> 503 (a part still loading after the bounded wait: 503 with
  ``Retry-After``); configuration errors -> 500 with the message.
* a request FastAPI cannot validate -> 422 in FastAPI's shape, its echoed inputs made
  JSON-safe (a body may hold NaN, Infinity or lone surrogates).
"""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from cartwise.errors import (
    CartwiseError,
    ConfigError,
    InvalidArgument,
    NotFoundError,
    StoreError,
    UnknownProduct,
    UnknownUser,
    WarmingUp,
)
from cartwise.tools.results import Failure, ToolResult, failure_of

log = logging.getLogger(__name__)


def invalid_detail(argument: str, message: str, where: str = "query") -> list[dict[str, Any]]:
    return [{"loc": [where, argument], "msg": message, "type": "invalid_argument"}]


def not_found(failure: Failure) -> HTTPException:
    """The 404 of a not-found failure: ``{"detail": <the Failure as JSON>}``."""
    return HTTPException(404, detail=failure.model_dump(mode="json"))


def raise_for_result(result: ToolResult, where: str = "query") -> ToolResult:
    """``result`` when it is a success; a tool's not-found result raises a 404, an
    invalid-argument result a 422 naming the argument."""
    if isinstance(result, Failure):
        if result.error_type == "not_found":
            raise not_found(result)
        raise HTTPException(422, detail=invalid_detail(str(result.argument), result.error,
                                                       where))
    return result


def json_safe(value: Any) -> Any:
    """``value`` (JSON-like) with what strict JSON cannot carry made printable: non-finite floats
    as ``"nan"`` / ``"inf"`` / ``"-inf"``, lone surrogates in strings backslash-escaped."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {json_safe(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def install_error_handlers(app: FastAPI) -> None:
    """Translate the project's exceptions everywhere in ``app``."""

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own handler echoes each bad input; Python's JSON parser accepts NaN,
        # Infinity and lone surrogates, which the response cannot encode (a 500 otherwise)
        return JSONResponse({"detail": json_safe(jsonable_encoder(exc.errors()))},
                            status_code=422)

    @app.exception_handler(NotFoundError)
    async def _not_found(request: Request, exc: NotFoundError) -> JSONResponse:
        if isinstance(exc, UnknownUser | UnknownProduct):
            body = failure_of(exc).model_dump(mode="json")
        else:
            body = Failure(error_type="not_found", found=False, error=str(exc),
                           summary=f"{str(exc)[:1].upper()}{str(exc)[1:]}.").model_dump(
                               mode="json")
        return JSONResponse({"detail": body}, status_code=404)

    @app.exception_handler(InvalidArgument)
    async def _invalid(request: Request, exc: InvalidArgument) -> JSONResponse:
        where = "body" if request.method in ("POST", "PUT", "PATCH") else "query"
        return JSONResponse({"detail": invalid_detail(exc.argument, str(exc), where)},
                            status_code=422)

    @app.exception_handler(StoreError)
    async def _store(request: Request, exc: StoreError) -> JSONResponse:
        if isinstance(exc, WarmingUp):  # still loading after the bounded wait: retry shortly
            return JSONResponse({"detail": str(exc), "error_type": "warming_up",
                                 "part": exc.part}, status_code=503,
                                headers={"Retry-After": "5"})
        return JSONResponse({"detail": str(exc), "error_type": "store"}, status_code=503)

    @app.exception_handler(CartwiseError)
    async def _other(request: Request, exc: CartwiseError) -> JSONResponse:
        status = 500 if isinstance(exc, ConfigError) else 400
        log.warning("%s on %s %s: %s", type(exc).__name__, request.method, request.url.path,
                    exc)
        return JSONResponse({"detail": str(exc), "error_type": type(exc).__name__},
                            status_code=status)
