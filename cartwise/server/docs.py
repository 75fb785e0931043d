"""API docs that work offline: Swagger UI at ``/docs`` and ReDoc at ``/redoc`` from local assets.

FastAPI's default docs pages load Swagger UI and ReDoc from a CDN, so they are blank without
internet. Here the same pages (FastAPI's ``get_swagger_ui_html`` / ``get_redoc_html``) point at
the JavaScript and CSS files shipped by the ``fastapi-offline`` package (MIT, depends on FastAPI
only, assets kept current by its releases), served by the app under :data:`ASSETS`. Only its
files are used, not its ``FastAPI`` subclass, so the app factory stays plain FastAPI.
(``swagger-ui-bundle`` was the other candidate: it ships Swagger UI 4 only, without ReDoc.)
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"
"""Where the Swagger UI and ReDoc files are served."""

POLICY = ("default-src 'self'; script-src 'self' 'unsafe-inline'; "
          "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
          "worker-src 'self' blob:")
"""The pages' Content-Security-Policy: everything from this server (ReDoc's bundle would fetch
its "powered by" logo from Redocly's CDN; the policy stops that request in the browser)."""

FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png")
"""The asset files the pages load (all in the package's ``static`` folder)."""


def assets_dir() -> Path:
    """The folder of the installed Swagger UI and ReDoc files.

    Raises:
        FileNotFoundError: the ``fastapi-offline`` package lacks one of :data:`FILES`.
    """
    folder = Path(str(files("fastapi_offline") / "static"))
    missing = [f for f in FILES if not (folder / f).is_file()]
    if missing:
        raise FileNotFoundError(f"{folder}: the API docs assets {', '.join(missing)} are missing "
                                "(reinstall fastapi-offline)")
    return folder


def install_offline_docs(app: FastAPI) -> None:
    """Serve ``/docs`` (Swagger UI), its OAuth2 redirect and ``/redoc`` from local assets, with
    a policy that keeps the browser on this server.

    The app must be created with ``docs_url=None, redoc_url=None`` (FastAPI's CDN pages off).
    """
    app.mount(ASSETS, StaticFiles(directory=assets_dir()), name="docs-assets")
    title = f"{app.title} API"
    openapi_url = app.openapi_url or "/openapi.json"
    oauth2 = "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return _local(get_swagger_ui_html(
            openapi_url=openapi_url, title=title, oauth2_redirect_url=oauth2,
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon.png"))

    @app.get(oauth2, include_in_schema=False)
    def swagger_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return _local(get_redoc_html(openapi_url=openapi_url, title=title,
                                     redoc_js_url=f"{ASSETS}/redoc.standalone.js",
                                     redoc_favicon_url=f"{ASSETS}/favicon.png",
                                     with_google_fonts=False))


def _local(page: HTMLResponse) -> HTMLResponse:
    """``page`` with :data:`POLICY` set."""
    page.headers["Content-Security-Policy"] = POLICY
    return page
