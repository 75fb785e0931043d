"""Screenshots of the real Cartwise UI for the README: the chat answering with an inline chart,
and the analytics tab.

By default it starts ``cartwise serve`` (the store of ``CARTWISE_HOME``, or the project's
``.cartwise`` folder, built on first use) on a free loopback port, waits until every part is
loaded, drives Debian's headless Chromium through Playwright and writes

* ``docs/images/chat.png``: "show the conversion funnel by device", answered with its charts;
* ``docs/images/analytics.png``: the analytics tab's sales by month.

    .venv/bin/python scripts/screenshots.py [--url http://127.0.0.1:8000] [--out docs/images]

``--url`` uses a Cartwise that is already running instead. Needs ``/usr/bin/chromium``
(``apt-get install -y chromium``) and the ``playwright`` package (the ``dev`` extra); Playwright's
own browser download is never used.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHAT_QUESTION = "show the conversion funnel by device"
VIEWPORT = {"width": 1280, "height": 900}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_ready(url: str, timeout: float = 600.0) -> None:
    """Wait until ``GET {url}/health`` answers 200 with status ``ok`` (every part loaded).

    Raises:
        TimeoutError: it did not within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            r = httpx.get(f"{url}/health", timeout=5)
            if r.status_code == 200 and r.json().get("status") == "ok":
                return
            last = f"{r.status_code} {r.text[:200]}"
        except httpx.HTTPError as exc:
            last = str(exc)
        time.sleep(0.5)
    raise TimeoutError(f"{url}/health not ok after {timeout:.0f} s: {last}")


@contextlib.contextmanager
def cartwise_serve() -> Iterator[str]:
    """``cartwise serve`` (this environment's) on a free loopback port; yields its base URL."""
    port = _free_port()
    command = [str(Path(sys.executable).with_name("cartwise")), "serve", "--host", "127.0.0.1",
               "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=dict(os.environ))
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(url)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def take(url: str, out: Path) -> list[Path]:
    """Draw the chat answering :data:`CHAT_QUESTION` and the analytics tab of the Cartwise UI
    at ``url`` (its base URL, the UI at ``/ui/``); returns the PNG files written to ``out``.

    Raises:
        AssertionError: the answer's charts or the analytics chart did not appear.
    """
    from playwright.sync_api import expect, sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    chat_png, analytics_png = out / "chat.png", out / "analytics.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=["--no-sandbox", "--disable-gpu",
                                          "--disable-background-networking"])
        try:
            page = browser.new_page(viewport=VIEWPORT, device_scale_factor=1)
            page.goto(f"{url}/ui/")
            box = page.locator("#cartwise-input textarea")
            expect(box).to_be_visible(timeout=30_000)
            box.fill(CHAT_QUESTION)
            box.press("Enter")
            chat = page.locator("#cartwise-chat")
            expect(chat.locator("svg.marks").first).to_be_visible(timeout=60_000)
            expect(page.get_by_role("button", name="Send")).to_be_visible(timeout=60_000)
            expect(page.locator("#cartwise-conversations").get_by_text(CHAT_QUESTION)
                   ).to_be_visible(timeout=30_000)  # listed in the sidebar
            page.wait_for_timeout(500)  # the last chart's transition
            last_chart = chat.locator("svg.marks").last  # the last chart above the reply
            last_chart.evaluate("e => e.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(300)
            page.screenshot(path=str(chat_png))

            page.get_by_role("tab", name="Analytics").click()
            page.get_by_role("tab", name="Sales").click()
            panel = page.locator("svg.marks:visible")
            expect(panel.first).to_be_visible(timeout=60_000)
            page.wait_for_timeout(500)
            page.screenshot(path=str(analytics_png))
        finally:
            browser.close()
    return [chat_png, analytics_png]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running Cartwise (default: start cartwise serve)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images",
                        help="folder for the PNG files (default: docs/images)")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"error: {CHROMIUM} is missing (apt-get install -y chromium)", file=sys.stderr)
        return 2
    with contextlib.ExitStack() as stack:
        url = args.url or stack.enter_context(cartwise_serve())
        if args.url:
            wait_until_ready(url)
        for path in take(url, args.out):
            print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
