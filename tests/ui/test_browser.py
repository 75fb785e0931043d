"""The Gradio UI in a real browser: the server app (``create_app``, the UI at ``/ui``) served by
uvicorn on a free port, driven by headless Chromium through Playwright.

Needs Debian's Chromium (``apt-get install -y chromium``) and the ``playwright`` Python package
(the ``dev`` extra); Playwright's own browser download is never used.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


def _browser(p: Any) -> Any:
    return p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                             args=["--no-sandbox"])


def _ask(page: Any, text: str) -> None:
    box = page.locator("#cartwise-input textarea")
    box.fill(text)
    box.press("Enter")


def test_chat_in_the_browser(ui_url: str, demo_runtime: Runtime, tmp_path: Path) -> None:
    """A chart answer drawn inline with the tool's numbers; a reload that keeps the
    conversation; retry; a new conversation with the old one still in the sidebar."""
    from cartwise.formatting import fmt_pct
    from cartwise.tools.registry import run_tool

    expect = sync_api.expect
    funnel = run_tool(demo_runtime.services, "funnel_analysis", {"by": "device"})
    with sync_api.sync_playwright() as p:
        browser = _browser(p)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(ui_url)
            expect(page.get_by_text("offline planner")).to_be_visible(timeout=15_000)
            _ask(page, "show the conversion funnel by device")
            chat = page.locator("#cartwise-chat")
            expect(chat.get_by_text(funnel.summary[:40]).last).to_be_visible(timeout=15_000)
            expect(chat.get_by_text("funnel_analysis")).to_be_visible()
            charts = chat.locator("svg.marks")
            expect(charts).to_have_count(3, timeout=15_000)
            labels = charts.first.locator("text").all_text_contents()
            for step in funnel.steps:  # each step's visitors, as the chart labels them
                assert any(t.startswith(f"{step.users:,} (") for t in labels), labels
            conversion = charts.nth(2).locator("text").all_text_contents()
            for group in funnel.groups:  # each device's conversion, as the reply writes it
                assert fmt_pct(group.overall_conversion) in conversion, conversion
            expect(page.locator("#cartwise-input textarea")).to_have_value("")
            shot = tmp_path / "ui-chat.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot: {shot}")

            page.reload()  # the conversation comes back from the session store
            expect(chat.get_by_text(funnel.summary[:40]).last).to_be_visible(timeout=15_000)
            expect(chat.locator("svg.marks")).to_have_count(3, timeout=15_000)
            sidebar = page.locator("#cartwise-conversations")
            expect(sidebar.get_by_text("show the conversion funnel by device")).to_be_visible()

            chat.get_by_role("button", name="Retry").last.click()
            expect(chat.get_by_text("show the conversion funnel by device")).to_have_count(
                1, timeout=15_000)  # asked again in place, not added
            expect(chat.locator("svg.marks")).to_have_count(3, timeout=15_000)
            expect(chat.get_by_text(funnel.summary[:40]).last).to_be_visible()

            expect(page.get_by_role("button", name="Send")).to_be_visible(timeout=15_000)
            page.get_by_role("button", name="New conversation").click()
            expect(chat.get_by_text(funnel.summary[:40])).to_have_count(0, timeout=5_000)
            expect(sidebar.get_by_text("show the conversion funnel by device")).to_be_visible()
            sidebar.get_by_text("show the conversion funnel by device").click()
            expect(chat.get_by_text(funnel.summary[:40]).last).to_be_visible(timeout=15_000)
        finally:
            browser.close()
    assert shot.stat().st_size > 10_000
    sid = next(iter(_sessions(demo_runtime)))
    assert [m["role"] for m in demo_runtime.chat.history(sid)].count("user") == 1  # retried


def _sessions(runtime: Runtime) -> set[str]:
    saver = runtime.sessions.saver
    return {c.config["configurable"]["thread_id"] for c in saver.list(None)}


@pytest.fixture()
def slow_ui_url(demo_settings: Settings, demo_services: Any) -> Iterator[tuple[str, Runtime]]:
    """The server app over a chat model that writes one word every 0.4 s."""
    from langgraph.checkpoint.memory import InMemorySaver

    from cartwise.agent.memory import Sessions
    from cartwise.agent.models import ChatModelInfo
    from cartwise.server.app import create_app
    from tests.agent.fakes import SlowTextModel

    settings = demo_settings.model_copy(update={"chat_grounding": "off"})
    model = SlowTextModel(text="Thinking about it " + "very " * 40 + "slowly.", delay=0.4)
    runtime = Runtime(settings, demo_services, Sessions(InMemorySaver(), "memory", ""),
                      model=(model, ChatModelInfo("openai_compatible", "slow-text")))
    with serving(create_app(settings, runtime, slack=False)) as url:
        yield f"{url}/ui/", runtime


def test_stop_in_the_browser(slow_ui_url: tuple[str, Runtime]) -> None:
    """A long answer streams in chunks and stops when asked: the page says so, and the
    rest of the answer never arrives."""
    url, _ = slow_ui_url
    expect = sync_api.expect
    with sync_api.sync_playwright() as p:
        browser = _browser(p)
        try:
            page = browser.new_page()
            page.goto(url)
            expect(page.get_by_text("slow-text")).to_be_visible(timeout=15_000)
            _ask(page, "tell me everything")
            chat = page.locator("#cartwise-chat")
            expect(chat.get_by_text("Thinking about it")).to_be_visible(timeout=15_000)
            page.get_by_role("button", name="Stop").click()
            expect(chat.get_by_text("Stopped.")).to_be_visible(timeout=5_000)
            page.wait_for_timeout(1_500)
            assert chat.get_by_text("slowly.").count() == 0
            expect(page.get_by_role("button", name="Send")).to_be_visible()
        finally:
            browser.close()


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


def test_readme_screenshots_script(ui_url: str, tmp_path: Path) -> None:
    """scripts/screenshots.py (the README's pictures) still finds the chat's charts and the
    analytics tab's chart in the real app."""
    import importlib.util

    script = Path(__file__).resolve().parents[2] / "scripts" / "screenshots.py"
    spec = importlib.util.spec_from_file_location("screenshots", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.take(ui_url.removesuffix("/ui/"), tmp_path)
    assert [p.name for p in written] == ["chat.png", "analytics.png"]
    assert all(p.stat().st_size > 20_000 for p in written)
