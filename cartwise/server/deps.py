"""Typed dependencies of the routes: the runtime, its services and its chat service, read from
the app's state on every request (a retrain swaps them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from cartwise.agent.chat import ChatService
from cartwise.runtime import Runtime
from cartwise.services import Services


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_services(request: Request) -> Services:
    return get_runtime(request).services


def get_chat(request: Request) -> ChatService:
    return get_runtime(request).chat


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
ServicesDep = Annotated[Services, Depends(get_services)]
ChatDep = Annotated[ChatService, Depends(get_chat)]
