"""Serving benchmark: the whole store build stage by stage (time and peak memory of each), every
tool's latency, and ``/chat`` over HTTP under load.

1. ``build_store`` on an Instacart-layout folder; a sampler thread records the resident memory
   while each stage runs (data, recsys, analytics, retrieval = the product index build).
2. Every tool of the catalogue through ``run_tool`` on the loaded services: p50 / p95 / p99 over
   varied arguments (users, products, queries).
3. ``cartwise serve`` in its own process (offline chat model, SQLite sessions); N concurrent
   clients send chat turns over HTTP for D seconds (a user's question, then follow-ups in the
   same session); latency p50 / p95 / p99, throughput, errors; afterwards every turn must be in
   its session's history (``GET /sessions/{id}``).

    python benchmarks/bench_serving.py --data /tmp/cw_full [--clients 16] [--duration 60]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import loaded_services, peak_rss_mb, percentiles, table, write_report  # noqa: E402
from bench_tools import tool_args  # noqa: E402

from cartwise.build import build_store  # noqa: E402
from cartwise.config import get_settings  # noqa: E402
from cartwise.tools.registry import TOOLS, run_tool  # noqa: E402
from cartwise.tools.results import is_failure  # noqa: E402

TURNS = ["What should user {u} buy next?", "only the cheap ones, under 5 dollars",
         "make it 10", "what goes with the first one?", "tell me about user {u}",
         "is user {u} likely to churn?", "top 5 best sellers in produce"]


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class StagePeaks:
    """Samples this process's resident memory every 50 ms and keeps the peak per stage label
    (the label is set from the build's log records)."""

    def __init__(self) -> None:
        self.label = "start"
        self.peaks: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peaks[self.label] = max(self.peaks.get(self.label, 0.0), rss_mb())

    def __enter__(self) -> StagePeaks:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def build(settings: Any) -> tuple[list[tuple[str, str, str]], float]:
    """Build every stage; rows (stage, seconds, peak MiB) and the whole build's seconds."""
    import logging

    peaks = StagePeaks()

    class Follow(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            name = record.name
            for stage in ("recsys", "analytics", "retrieval"):
                if f"cartwise.{stage}" in name:
                    peaks.label = stage
                    return
            if name.startswith("cartwise.data"):
                peaks.label = "data"

    handler = Follow(level=logging.DEBUG)
    root = logging.getLogger("cartwise")
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    t0 = time.perf_counter()
    with peaks:
        outcome = build_store(settings, force=True)
    seconds = time.perf_counter() - t0
    root.removeHandler(handler)
    rows = [(s.name, f"{s.seconds:.1f}", f"{peaks.peaks.get(s.name, float('nan')):,.0f}")
            for s in outcome.stages]
    return rows, seconds


def bench_tools(services: Any, calls: int) -> list[tuple[str, int, str, int]]:
    rng = random.Random(7)
    gens = tool_args(services, rng)
    rows = []
    for name in TOOLS:
        ms, failures = [], 0
        run_tool(services, name, gens[name]())  # warm-up
        for _ in range(calls):
            args = gens[name]()
            t0 = time.perf_counter()
            result = run_tool(services, name, args)
            ms.append((time.perf_counter() - t0) * 1000)
            failures += is_failure(result)
        rows.append((name, calls, percentiles(ms), failures))
    return rows


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load_test(settings: Any, user_ids: list[int], clients: int, duration: float
              ) -> dict[str, Any]:
    """``cartwise serve`` in a child process and ``clients`` threads chatting for
    ``duration`` seconds."""
    port = free_port()
    env = {**os.environ, "CARTWISE_STORE_DIR": str(settings.store_path),
           "CARTWISE_DATA_DIR": str(settings.data_path), "CARTWISE_PORT": str(port),
           "CARTWISE_CHAT_RATE_LIMIT": "0", "CARTWISE_LOG_LEVEL": "WARNING",
           "CARTWISE_SESSIONS_PATH": str(settings.store_path.parent / "bench-sessions.sqlite")}
    t0 = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "cartwise.cli", "serve", "--no-ui"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            if server.poll() is not None:
                raise RuntimeError("the server exited: " + (server.stderr.read() if server.stderr
                                                            else ""))
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        startup = time.perf_counter() - t0
        lock = threading.Lock()
        latencies: list[float] = []
        errors: list[str] = []
        sessions: dict[str, int] = {}
        stop_at = time.monotonic() + duration

        def client(n: int) -> None:
            rng = random.Random(n)
            with httpx.Client(base_url=base, timeout=60) as http:
                while time.monotonic() < stop_at:
                    sid = f"load-{n}-{rng.randrange(10**9)}"
                    user = rng.choice(user_ids)
                    sent = 0
                    for turn in TURNS:
                        if time.monotonic() >= stop_at:
                            break
                        t = time.perf_counter()
                        try:
                            r = http.post("/chat", json={"message": turn.format(u=user),
                                                         "session_id": sid})
                            ok = r.status_code == 200
                        except httpx.HTTPError as exc:
                            ok, r = False, exc  # type: ignore[assignment]
                        ms = (time.perf_counter() - t) * 1000
                        with lock:
                            if ok:
                                latencies.append(ms)
                                sent += 1
                            else:
                                errors.append(str(getattr(r, "status_code", r)))
                    with lock:
                        sessions[sid] = sent

        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        t_start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t_start
        missing = 0
        with httpx.Client(base_url=base, timeout=60) as http:
            for sid, sent in sessions.items():
                msgs = http.get(f"/sessions/{sid}").json()["messages"]
                missing += max(0, sent - sum(m["role"] == "user" for m in msgs))
        return {"startup_s": startup, "turns": len(latencies), "errors": len(errors),
                "error_kinds": sorted(set(errors))[:5], "wall_s": wall,
                "throughput": len(latencies) / wall, "latency": percentiles(latencies) if latencies
                else "-", "sessions": len(sessions), "missing_turns": missing}
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True,
                        help="Instacart-layout data folder (e.g. from bench_generate.py)")
    parser.add_argument("--work", type=Path, help="folder for the store (default: temporary)")
    parser.add_argument("--calls", type=int, default=200, help="timed calls per tool")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of chat load")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="cw-bench-serving-"))
    settings = get_settings(data_dir=args.data, store_dir=work / "store", sessions="memory")
    stage_rows, build_s = build(settings)
    services, _, load_s = loaded_services(settings, build=False)
    tool_rows = bench_tools(services, args.calls)
    users = [int(u) for u in services.recommenders.x.user_ids[:: max(1, services.recommenders.x
                                                                     .n_users // 5000)]]
    services.close()
    load = load_test(settings, users, args.clients, args.duration)
    body = "\n\n".join([
        f"Data: `{args.data}`. Store: `{work / 'store'}`.",
        "## Build, stage by stage\n\n" + table(
            ["stage", "seconds", "peak RSS while it ran (MiB)"],
            [*stage_rows, ("whole build", f"{build_s:.1f}", f"{peak_rss_mb():,.0f} (process "
                                                              "peak)")]),
        f"Loading the services for serving: {load_s:.1f} s.",
        f"## Every tool ({args.calls} calls each, varied arguments)\n\n" + table(
            ["tool", "calls", "p50 / p95 / p99 (ms)", "not-found / invalid results"],
            tool_rows),
        f"## /chat over HTTP: {args.clients} clients for {args.duration:.0f} s (offline model, "
        "SQLite sessions, `cartwise serve` in its own process)\n\n" + table(
            ["measure", "value"], [
                ("server start-up (load + warm-up)", f"{load['startup_s']:.1f} s"),
                ("turns answered", f"{load['turns']:,}"),
                ("throughput", f"{load['throughput']:.1f} turns/s"),
                ("latency p50 / p95 / p99", f"{load['latency']} ms"),
                ("errors", f"{load['errors']} {load['error_kinds'] or ''}"),
                ("sessions", f"{load['sessions']:,}"),
                ("turns missing from their session's history afterwards",
                 load["missing_turns"]),
            ]),
        "## Targets\n\n"
        f"- /chat under load without errors: {'met' if not load['errors'] else 'MISSED'} "
        f"({load['errors']} errors in {load['turns']:,} turns)\n"
        f"- every turn in its session's history: "
        f"{'met' if not load['missing_turns'] else 'MISSED'} ({load['missing_turns']} missing)\n"
        f"- tools served <= 50 ms p99 (analytics target; recommendations <= 20 ms p99): "
        f"worst p99 {max(float(r[2].split(' / ')[2]) for r in tool_rows):.1f} ms "
        f"({max(tool_rows, key=lambda r: float(r[2].split(' / ')[2]))[0]})",
    ])
    write_report("serving", "Serving benchmark", body)


if __name__ == "__main__":
    main()
