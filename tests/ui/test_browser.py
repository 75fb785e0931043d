"""The Gradio UI in a real browser: the server app (``create_app``, the UI at ``/ui``) served by
uvicorn on a free port, driven by headless Chromium through Playwright.

Needs Debian's Chromium (``apt-get install -y chromium``) and the ``playwright`` Python package
(the ``dev`` extra); Playwright's own browser download is never used.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cartwise.config import Settings
from cartwise.runtime import Runtime
from tests.http import serving

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::ResourceWarning"),  # Gradio's own event loops
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"{CHROMIUM} is missing: apt-get install -y chromium"),
]
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing: pip install playwright")


@pytest.fixture()
def ui_url(demo_settings: Settings, demo_runtime: Runtime) -> Iterator[str]:
    """``http://127.0.0.1:<port>/ui/`` of the real server app (``create_app``), in a thread."""
    from cartwise.server.app import create_app

    with serving(create_app(demo_settings, demo_runtime)) as url:
        yield f"{url}/ui/"


def test_chat_in_the_browser(ui_url: str, tmp_path: Path) -> None:
    expect = sync_api.expect
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(ui_url)
            expect(page.get_by_text("offline planner")).to_be_visible(timeout=15_000)
            box = page.locator("#cartwise-input textarea")
            box.fill("What should user 42 buy next?")
            box.press("Enter")
            chat = page.locator("#cartwise-chat")
            expect(chat.get_by_text("picks for user 42")).to_be_visible(timeout=15_000)
            expect(chat.get_by_text("recommend_products")).to_be_visible()
            expect(box).to_have_value("")
            shot = tmp_path / "ui-chat.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot: {shot}")

            page.get_by_role("button", name="New conversation").click()
            expect(chat.get_by_text("picks for user 42")).to_have_count(0, timeout=5_000)
        finally:
            browser.close()
    assert shot.stat().st_size > 10_000


@pytest.fixture()
def api_url(demo_settings: Settings, demo_runtime: Runtime) -> Iterator[str]:
    """The real server app without the UI, in a thread."""
    from cartwise.server.app import create_app

    with serving(create_app(demo_settings, demo_runtime, ui=False)) as url:
        yield url


def test_api_docs_render_offline(api_url: str) -> None:
    """Swagger UI and ReDoc draw the API with every request kept on loopback (a CDN request
    is aborted and recorded, and would leave the pages blank)."""
    from urllib.parse import urlparse

    expect = sync_api.expect
    outside: list[str] = []

    def only_loopback(route: sync_api.Route) -> None:
        if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.route("**/*", only_loopback)
            page.goto(f"{api_url}/docs")
            expect(page.locator(".opblock-summary-path", has_text="/chat").first
                   ).to_be_visible(timeout=15_000)
            page.goto(f"{api_url}/redoc")
            expect(page.get_by_text("/chat").first).to_be_attached(timeout=15_000)
            expect(page.locator("h1", has_text="Cartwise")).to_be_visible()
        finally:
            browser.close()
    assert outside == []
