"""Start-up benchmark: wall time of each command until it is useful, on the demo store.

Each command runs in a fresh process (``python -m cartwise.cli``), several times:
``cartwise tool recommend_products`` and ``search_products`` to their result, ``cartwise chat``
to its prompt and to its first answer (driven through a pipe), ``cartwise serve`` to its first
``/health`` 200 and to every part ok, ``cartwise slack`` without tokens and ``cartwise chat``
with a missing OpenAI key to their errors. ``--source DIR`` runs another checkout's code (its
``cartwise`` package first on ``PYTHONPATH``) with the same script, for a before / after.

    python benchmarks/bench_startup.py [--home DIR] [--runs 3] [--source DIR]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import table, write_report  # noqa: E402


def _env(home: Path, source: Path | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not (k.startswith("CARTWISE_") or k == "OPENAI_API_KEY")}
    env.update(CARTWISE_HOME=str(home), CARTWISE_SESSIONS="memory", **extra)
    if source is not None:
        env["PYTHONPATH"] = str(source)
    return env


#: Where the commands run: an empty folder, so that ``python -m`` (which puts the working
#: folder first on the path) imports the installed or ``--source`` package, not a checkout here.
CWD = Path(tempfile.mkdtemp(prefix="cw-startup-cwd-"))


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "cartwise.cli", *args]


def _once(cmd: list[str], env: dict[str, str], ok: Callable[[int], bool]) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False,
                          timeout=600, cwd=CWD)
    seconds = time.perf_counter() - t0
    if not ok(done.returncode):
        raise RuntimeError(f"{cmd} exited {done.returncode}: {done.stderr[-2000:]}")
    return seconds


def _read_until(proc: subprocess.Popen[bytes], marker: bytes, seen: bytearray) -> None:
    assert proc.stdout is not None
    while marker not in seen:
        chunk = os.read(proc.stdout.fileno(), 4096)
        if not chunk:
            raise RuntimeError(f"the chat ended before {marker!r}: {bytes(seen)[-2000:]!r}")
        seen += chunk


def _chat(env: dict[str, str]) -> tuple[float, float]:
    """Seconds to the first prompt and to the end of the first answer (its next prompt)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(_cli("chat"), env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, cwd=CWD)
    assert proc.stdin is not None
    seen = bytearray()
    try:
        _read_until(proc, b"you> ", seen)
        prompt = time.perf_counter() - t0
        proc.stdin.write(b"what should user 42 buy next?\n")
        proc.stdin.flush()
        del seen[:]
        _read_until(proc, b"you> ", seen)
        answer = time.perf_counter() - t0
        proc.stdin.write(b"/quit\n")
        proc.stdin.flush()
        proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
    return prompt, answer


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(env: dict[str, str], *options: str) -> tuple[float, float]:
    """Seconds to the first /health 200 and to /health saying every part is ok."""
    port = _free_port()
    t0 = time.perf_counter()
    proc = subprocess.Popen(_cli("serve", "--port", str(port), *options), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=CWD)
    first = None
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"cartwise serve exited {proc.returncode}")
            if time.perf_counter() - t0 > 300:
                raise RuntimeError("cartwise serve was not ready in 300 s")
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
            except httpx.TransportError:
                time.sleep(0.05)
                continue
            now = time.perf_counter() - t0
            if r.status_code == 200 and first is None:
                first = now
            if r.json().get("status") == "ok":
                return first or now, now
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def _summary(values: list[float]) -> str:
    return (f"{statistics.median(values):.2f} ({min(values):.2f} - {max(values):.2f})"
            if values else "-")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="a Cartwise home with the demo store built "
                                                  "(default: built in a temporary folder)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--source", type=Path, help="run this checkout's cartwise package")
    parser.add_argument("--name", default="startup", help="report name (reports/NAME.md)")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="cw-startup-"))
    env = _env(home, args.source)
    if not (home / "store" / "retrieval").exists():
        print(f"building the demo store in {home} ...", flush=True)
        subprocess.run(_cli("build"), env=env, check=True, stdout=subprocess.DEVNULL, cwd=CWD)
    # one unmeasured run of each path fills the caches a first run creates (exported query
    # encoder, planner examples) so that every measured run is a later start
    _once(_cli("tool", "search_products", '{"query": "milk"}'), env, lambda c: c == 0)
    _chat(env)

    rows: list[tuple[str, str, list[float]]] = []

    def measure(label: str, command: str, fn: Callable[[], float | tuple[float, ...]],
                labels: tuple[str, ...] = ()) -> None:
        results = [fn() for _ in range(args.runs)]
        if labels:
            for i, sub in enumerate(labels):
                rows.append((f"{label} {sub}", command, [r[i] for r in results]))  # type: ignore[index]
        else:
            rows.append((label, command, results))  # type: ignore[arg-type]
        print(f"{label}: {[r for r in results]}", flush=True)

    measure("tool recommend_products", "`cartwise tool recommend_products '{\"user_id\": 42}'`",
            lambda: _once(_cli("tool", "recommend_products", '{"user_id": 42}'), env,
                          lambda c: c == 0))
    measure("tool search_products", "`cartwise tool search_products '{\"query\": \"almond "
            "milk\"}'`", lambda: _once(_cli("tool", "search_products",
                                            '{"query": "almond milk"}'), env, lambda c: c == 0))
    measure("chat", "`cartwise chat` (through a pipe; first question: what should user 42 buy "
            "next?)", lambda: _chat(env), ("to its prompt", "to its first answer"))
    measure("serve", "`cartwise serve` (with the UI), polling /health every 50 ms",
            lambda: _serve(env), ("to its first /health 200", "to every part ok"))
    measure("serve --no-ui", "`cartwise serve --no-ui`, polling /health every 50 ms",
            lambda: _serve(env, "--no-ui"), ("to its first /health 200", "to every part ok"))
    measure("slack without tokens", "`cartwise slack` (no CARTWISE_SLACK_* set)",
            lambda: _once(_cli("slack"), env, lambda c: c == 2))
    no_key = _env(home, args.source, CARTWISE_CHAT_PROVIDER="openai")
    measure("chat with a missing OpenAI key", "`CARTWISE_CHAT_PROVIDER=openai cartwise chat`",
            lambda: _once(_cli("chat"), no_key, lambda c: c == 2))

    got = {label: statistics.median(v) for label, _, v in rows}
    targets = [
        ("tool recommend_products", 5.0, "loads no embedding model or index (issue 16: 34 s)"),
        ("chat to its prompt", 5.0, "a few seconds on the demo store (issue 16: about 40 s)"),
        ("serve to its first /health 200", 10.0, "health at once, parts warm afterwards"),
        ("slack without tokens", 1.0, "settings checked before loading (issue 16: 25 s)"),
        ("chat with a missing OpenAI key", 1.0, "settings checked before loading"),
    ]
    target_rows = [(label, f"< {limit:g} s", f"{got[label]:.2f} s",
                    "yes" if got[label] < limit else "no", why)
                   for label, limit, why in targets]
    code = f" of `{args.source}`" if args.source else ""
    body = "\n".join([
        f"Demo store (2,000 shoppers x 3,000 products), {args.runs} runs of each command{code} "
        "in a fresh process after one unmeasured run (so caches a first run writes, the "
        "exported query encoder and the planner's example embeddings, exist). Wall seconds, "
        "median (min - max); the machine's 2 cores are shared, so expect spread.\n",
        table(["until", "command", "seconds"],
              [(label, cmd, _summary(v)) for label, cmd, v in rows]),
        "\n## Targets (median wall time)\n",
        table(["until", "target", "measured", "met", "why"], target_rows),
    ])
    write_report(args.name, "Start-up benchmark", body)


if __name__ == "__main__":
    main()
