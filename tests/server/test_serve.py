"""The main job end to end: `cartwise serve` on an empty home generates the demo data, builds
the store, serves the API and the UI, and says where; `cartwise chat` in the terminal."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from cartwise.cli import app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_builds_what_is_missing_and_serves(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "CARTWISE_HOME": str(tmp_path / "home"), "CARTWISE_DEMO_USERS": "120",
           "CARTWISE_DEMO_PRODUCTS": "150", "CARTWISE_PORT": str(port)}
    proc = subprocess.Popen([sys.executable, "-m", "cartwise.cli", "serve"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=tmp_path)
    try:
        deadline = time.monotonic() + 240
        while True:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                if r.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not come up"
            time.sleep(0.5)
        assert r.json()["components"]["chat_model"]["provider"] == "offline"
        chat = httpx.post(f"http://127.0.0.1:{port}/chat", timeout=30,
                          json={"message": "what should user 7 buy next?"}).json()
        assert chat["tool_calls"][0]["name"] == "recommend_products"
        assert httpx.get(f"http://127.0.0.1:{port}/ui/", timeout=10).status_code == 200
        assert (tmp_path / "home" / "store" / "sessions.sqlite").is_file()
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    assert f"chat UI http://127.0.0.1:{port}/ui/" in out
    assert "building the store" in out


def test_terminal_chat(demo_settings) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(
        app, ["chat", "--store", str(demo_settings.store_path), "--session", "term-1"],
        input="What should user 42 buy next?\nmake it 10\n/history\n/new\n/quit\n")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "-> recommend_products" in out and "Top 5 picks for user 42" in out
    assert "Top 10 picks for user 42" in out
    assert "you> make it 10" in out and "new session" in out
