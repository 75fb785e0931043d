"""The HTTP edge of the exception hierarchy: project errors and failed tool results become
status codes with a JSON body.

* unknown user / product -> 404 ``{"detail": message, "error_type": "not_found", ...}``
* invalid argument -> 422 ``{"detail": [{"loc": [where, argument], "msg", "type"}]}`` (the
  shape of FastAPI's own validation errors, so clients read one format)
* store not built / unreadable -> 503; configuration errors -> 500 with the message.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, HTTPException, Request
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


def install_error_handlers(app: FastAPI) -> None:
    """Translate the project's exceptions everywhere in ``app``."""

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
