"""The HTTP edge of the exception hierarchy: project errors and failed tool results become
status codes with a JSON body.

Every error body has one shape, ``{"error": {"type", "message", "request_id"}}``
(:func:`~cartwise.server.middleware.error_body`), with the fields clients read before kept
beside it (``detail`` always; ``error_type`` where it was):

* unknown user / product -> 404 ``{"detail": Failure}``: the tool's not-found result
  (:class:`~cartwise.tools.results.Failure`: ``error_type``, ``subject``, ``user_id`` or
  ``product``, ``closest``, ``error``, ``summary``), whether a tool or a route found it missing
* invalid argument -> 422 ``{"detail": [{"loc": [where, argument], "msg", "type"}]}`` (the
  shape of FastAPI's own validation errors, so clients read one format)
* store not built / unreadable -> 503 (a part still loading after the bounded wait: 503 with
  ``Retry-After``); configuration errors -> 500 with the message.
* a request FastAPI cannot validate -> 422 in FastAPI's shape, its echoed inputs made
  JSON-safe (a body may hold NaN, Infinity or lone surrogates).
* an ``HTTPException`` (a route's, or routing's own 404 / 405) -> its status, headers and
  ``detail``.
* anything else -> a JSON 500, logged with its traceback
  (:class:`~cartwise.server.middleware.RequestContext`).

``error.type`` is ``not_found``, ``invalid_request`` (FastAPI's validation),
``invalid_argument``, ``method_not_allowed``, ``payload_too_large``, ``rate_limited``,
``unauthorized``, ``forbidden``, ``conflict``, ``warming_up``, ``store``, ``config``,
``internal_error``, or the snake_case name of another project error / HTTP status.
"""

from __future__ import annotations

import logging
import math
import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from cartwise.errors import (
    CartwiseError,
    ConfigError,
    InvalidArgument,
    NotFoundError,
    SessionBusy,
    StoreError,
    UnknownProduct,
    UnknownUser,
    WarmingUp,
)
from cartwise.server.middleware import error_body
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


#: ``error.type`` of an ``HTTPException`` by status (others: the status's phrase).
_STATUS_TYPES = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large",
                 422: "invalid_argument", 429: "rate_limited"}


def status_type(status: int) -> str:
    """The ``error.type`` of an HTTP status: ``404 -> "not_found"``, ``429 ->
    "rate_limited"``, ``401 -> "unauthorized"``, ... (``"error"`` for an unknown status)."""
    if status in _STATUS_TYPES:
        return _STATUS_TYPES[status]
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "error"


def error_type_of(exc: BaseException) -> str:
    """The ``error.type`` of a project error: its class name in snake_case without ``Error``
    (``ConfigError -> "config"``, ``WarmingUp -> "warming_up"``)."""
    name = type(exc).__name__
    name = name.removesuffix("Error") or name
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def message_of(detail: Any) -> str:
    """A one-line message for people from an error ``detail``: the text itself, a tool
    failure's ``summary`` / ``error``, or the first validation error's ``msg`` (with how many
    more there are)."""
    if isinstance(detail, str):
        return detail
    if isinstance(detail, dict):
        return str(detail.get("summary") or detail.get("error") or detail.get("msg") or detail)
    if isinstance(detail, list) and detail:
        first = detail[0]
        text = message_of(first)
        if isinstance(first, dict) and first.get("loc"):
            loc = [str(p) for p in first["loc"]]
            text = f"{'.'.join(loc)}: {text.removeprefix(f'{loc[-1]}: ')}"
        return text + (f" (and {len(detail) - 1} more)" if len(detail) > 1 else "")
    return str(detail)


def install_error_handlers(app: FastAPI) -> None:
    """Translate the project's exceptions everywhere in ``app`` into the one error shape."""

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own handler echoes each bad input; Python's JSON parser accepts NaN,
        # Infinity and lone surrogates, which the response cannot encode (a 500 otherwise)
        detail = json_safe(jsonable_encoder(exc.errors()))
        return JSONResponse(error_body("invalid_request", message_of(detail), detail=detail),
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        # routes' own HTTPExceptions, and routing's 404 (no such path) / 405 (no such method)
        if exc.status_code in (204, 304):  # no body allowed
            return Response(status_code=exc.status_code, headers=exc.headers)
        detail = exc.detail
        kind = (detail.get("error_type") if isinstance(detail, dict) else None) or (
            status_type(exc.status_code))
        return JSONResponse(error_body(str(kind), message_of(detail), detail=detail),
                            status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(NotFoundError)
    async def _not_found(request: Request, exc: NotFoundError) -> JSONResponse:
        if isinstance(exc, UnknownUser | UnknownProduct):
            body = failure_of(exc).model_dump(mode="json")
        else:
            body = Failure(error_type="not_found", found=False, error=str(exc),
                           summary=f"{str(exc)[:1].upper()}{str(exc)[1:]}.").model_dump(
                               mode="json")
        return JSONResponse(error_body("not_found", message_of(body), detail=body),
                            status_code=404)

    @app.exception_handler(InvalidArgument)
    async def _invalid(request: Request, exc: InvalidArgument) -> JSONResponse:
        where = "body" if request.method in ("POST", "PUT", "PATCH") else "query"
        detail = invalid_detail(exc.argument, str(exc), where)
        return JSONResponse(error_body("invalid_argument", message_of(detail), detail=detail),
                            status_code=422)

    @app.exception_handler(SessionBusy)
    async def _busy(request: Request, exc: SessionBusy) -> JSONResponse:
        return JSONResponse(error_body("session_busy", str(exc), detail=str(exc)),
                            status_code=409, headers={"Retry-After": "1"})

    @app.exception_handler(StoreError)
    async def _store(request: Request, exc: StoreError) -> JSONResponse:
        if isinstance(exc, WarmingUp):  # still loading after the bounded wait: retry shortly
            return JSONResponse(error_body("warming_up", str(exc), detail=str(exc),
                                           error_type="warming_up", part=exc.part),
                                status_code=503, headers={"Retry-After": "5"})
        return JSONResponse(error_body("store", str(exc), detail=str(exc), error_type="store"),
                            status_code=503)

    @app.exception_handler(CartwiseError)
    async def _other(request: Request, exc: CartwiseError) -> JSONResponse:
        status = 500 if isinstance(exc, ConfigError) else 400
        log.warning("%s on %s %s: %s", type(exc).__name__, request.method, request.url.path,
                    exc)
        return JSONResponse(error_body(error_type_of(exc), str(exc), detail=str(exc),
                                       error_type=type(exc).__name__), status_code=status)
