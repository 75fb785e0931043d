"""The HTTP edge of the exception hierarchy: project errors and failed tool results become
status codes with a JSON body.

* unknown user / product -> 404 ``{"detail": message, "error_type": "not_found", ...}``
* invalid argument -> 422 ``{"detail": [{"loc": [where, argument], "msg", "type"}]}`` (the
  shape of FastAPI's own validation errors, so clients read one format)
* store not built / unreadable -> 503; configuration errors -> 500 with the message.
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
)

log = logging.getLogger(__name__)


def invalid_detail(argument: str, message: str, where: str = "query") -> list[dict[str, Any]]:
    return [{"loc": [where, argument], "msg": message, "type": "invalid_argument"}]


def raise_for_result(result: dict[str, Any], where: str = "query") -> dict[str, Any]:
    """``result`` when it is a success; a tool's not-found result raises a 404, an
    invalid-argument result a 422 naming the argument."""
    kind = result.get("error_type")
    if kind == "not_found":
        raise HTTPException(404, detail={k: v for k, v in result.items()
                                         if k not in ("found",)})
    if kind == "invalid_argument":
        raise HTTPException(422, detail=invalid_detail(str(result.get("argument")),
                                                       str(result.get("error")), where))
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
        return JSONResponse({"detail": str(exc), "error_type": "not_found"}, status_code=404)

    @app.exception_handler(InvalidArgument)
    async def _invalid(request: Request, exc: InvalidArgument) -> JSONResponse:
        where = "body" if request.method in ("POST", "PUT", "PATCH") else "query"
        return JSONResponse({"detail": invalid_detail(exc.argument, str(exc), where)},
                            status_code=422)

    @app.exception_handler(StoreError)
    async def _store(request: Request, exc: StoreError) -> JSONResponse:
        return JSONResponse({"detail": str(exc), "error_type": "store"}, status_code=503)

    @app.exception_handler(CartwiseError)
    async def _other(request: Request, exc: CartwiseError) -> JSONResponse:
        status = 500 if isinstance(exc, ConfigError) else 400
        log.warning("%s on %s %s: %s", type(exc).__name__, request.method, request.url.path,
                    exc)
        return JSONResponse({"detail": str(exc), "error_type": type(exc).__name__},
                            status_code=status)
