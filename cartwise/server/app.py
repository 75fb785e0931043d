"""The FastAPI app factory: the chat API, REST over the tools, operational routes, the Gradio UI
at ``/ui`` and the Slack bot at ``/slack/events``, all over one :class:`~cartwise.runtime.Runtime`.

``create_app(settings)`` opens the store (checked at once: a missing stage fails here) and
serves at once while a background thread loads the services and the chat model (``/health``
says which parts are still warming; a request that needs one waits for it, up to
``Settings.warm_wait`` seconds); the app's lifespan closes them at shutdown. Prometheus
metrics, in the app's own registry, are at ``/metrics`` (:mod:`cartwise.server.metrics`).
``create_app(settings, runtime)`` serves a runtime the caller owns (tests). Nothing is
built at import.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, RedirectResponse, Response

from cartwise.config import Settings
from cartwise.runtime import Runtime
from cartwise.server import routes_chat, routes_meta, routes_tools
from cartwise.server.docs import install_offline_docs
from cartwise.server.errors import install_error_handlers
from cartwise.server.metrics import count_rate_limited, install_metrics
from cartwise.server.middleware import RateLimiter, RequestContext, error_body
from cartwise.server.slack_route import mount_slack

log = logging.getLogger(__name__)


def _version() -> str:
    try:
        return version("cartwise")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0"


def create_app(settings: Settings, runtime: Runtime | None = None, *, ui: bool = True,
               slack: bool = True) -> FastAPI:
    """The Cartwise HTTP app.

    Args:
        settings: the settings (server, chat, Slack, CORS, rate limit, admin token).
        runtime: the runtime to serve (as it is: nothing is warmed); None = open one for
            ``settings``, warmed in the background, and close it when the app shuts down.
        ui: mount the Gradio chat UI at ``/ui``.
        slack: mount the Slack bot at ``/slack/events`` when its token and signing secret are
            set.

    Raises:
        StoreError: the store is not built (``cartwise build`` or ``cartwise serve`` builds it).
    """
    owned = runtime is None
    rt = runtime or Runtime.open(settings, warm="background")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log.info("Cartwise serving %s with the %s chat model", rt.services.store.root,
                 rt.model_info.provider)
        yield
        if owned:
            rt.close()

    app = FastAPI(title="Cartwise", version=_version(), lifespan=lifespan,
                  docs_url=None, redoc_url=None,  # served from local assets below
                  description="A conversational agent over a shop's recommendation, search and "
                              "analytics tools: chat, REST over the tools, and operations.")
    app.state.runtime = rt
    app.state.rate_limiter = count_rate_limited(RateLimiter(settings.chat_rate_limit))
    install_error_handlers(app)
    install_offline_docs(app)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["*"], allow_headers=["*"],
                           expose_headers=["X-Request-ID"])
    app.add_middleware(RequestContext)
    install_metrics(app, lambda: app.state.runtime)  # outermost: counts the 413s too

    app.include_router(routes_chat.router)
    app.include_router(routes_tools.router)
    app.include_router(routes_meta.router)

    @app.get("/", include_in_schema=False)
    def root() -> Response:
        return RedirectResponse("/ui/" if ui else "/docs")

    if slack and settings.slack_bot_token and settings.slack_signing_secret:
        mount_slack(app, settings, rt)
    elif slack:
        _explain_slack(app, settings)
    if ui:
        import gradio as gr

        from cartwise.ui.gradio_app import FOOTER_LINKS, UI_CSS, build_ui

        app = gr.mount_gradio_app(app, build_ui(rt), path="/ui", css=UI_CSS,
                                 footer_links=FOOTER_LINKS)
    return app


def _explain_slack(app: FastAPI, settings: Settings) -> None:
    """``POST /slack/events`` while the bot is not configured: a JSON 503 naming the settings
    that are missing (HTTP mode needs the bot token and the signing secret)."""
    from cartwise.ui.slack_setup import NEEDS, env_name

    missing = [env_name(name) for name in NEEDS["http"] if not getattr(settings, name)]

    @app.post("/slack/events", include_in_schema=False)
    def slack_not_configured() -> JSONResponse:
        detail = (f"The Slack bot is not configured here: set {' and '.join(missing)} "
                  "(see the README's Slack section) and restart.")
        return JSONResponse(status_code=503, content=error_body(
            "slack_not_configured", detail, detail=detail, missing=missing))
