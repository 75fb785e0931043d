"""Every benchmark in one run, on one generated data set, composed into BENCHMARKS.md.

Generates Instacart-layout demo data at the chosen scale (or uses ``--data``), then runs, each
in its own process: generation, loading, the recommenders (training per model, ALS against
`implicit`, latency, memory, quality), the analytics, the serving benchmark (the store built
stage by stage with peak memory, every tool's latency, ``/chat`` over HTTP under load), every
tool's latency at three depths (service, tool layer, REST over HTTP) and ``/health``, each
command's start-up on the demo store, the agent's per-turn overhead and, when
``../shared/data`` is there, product retrieval on the real Instacart catalogue, lifetime value
and churn and the recommenders on the real Online Retail II years. Each writes
``benchmarks/reports/NAME.md``; BENCHMARKS.md gets the machine, the command, the date, every
report's targets, and the reports themselves.

    python benchmarks/run_all.py --scale small      # 20k users x 5k products, minutes
    python benchmarks/run_all.py --scale full       # 200k x 50k (~3.4M orders), ~30 minutes
"""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import REPORTS, machine  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCALES = {"tiny": (2_000, 3_000), "small": (20_000, 5_000), "full": (200_000, 50_000)}
SHARED_CATALOG = ROOT.parent / "shared" / "data" / "instacart_catalog"
SHARED_RETAIL = ROOT.parent / "shared" / "data" / "online_retail_ii"


def run(script: str, *args: object) -> float:
    """Run one benchmark script; its seconds. Raises on failure."""
    cmd = [sys.executable, str(HERE / script), *map(str, args)]
    print(f"\n=== {' '.join(shlex.quote(c) for c in cmd)}", flush=True)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT)
    return time.perf_counter() - t0


def _targets(text: str) -> str | None:
    m = re.search(r"^## Targets[^\n]*\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    return m.group(1).strip() if m else None


def compose(reports: list[tuple[str, str]], command: str, seconds: float, scale: str) -> str:
    """BENCHMARKS.md from the reports (name, title)."""
    parts = [
        "# Benchmarks\n",
        f"- machine: {machine()}",
        f"- command: `{command}` (scale {scale}; {seconds / 60:.1f} minutes in all)",
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n",
        "Written by `cartwise bench` (`benchmarks/run_all.py`); each section below is a report "
        "in [benchmarks/reports/](benchmarks/reports/) with its own command. Times are wall "
        "times on this machine; a report notes when the machine was busy.\n",
        "## Targets\n",
    ]
    bodies = []
    for name, title in reports:
        path = REPORTS / f"{name}.md"
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        targets = _targets(text)
        if targets:
            parts.append(f"### {title} ({name}.md)\n\n{targets}\n")
        body = re.sub(r"^(#+) ", lambda m: "#" + m.group(1) + " ", text, flags=re.M)
        bodies.append(body.strip() + "\n")
    return "\n".join(parts) + "\n## Reports\n\n" + "\n".join(bodies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--data", type=Path, help="an existing Instacart-layout folder "
                                                  "(skips generation)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent /chat clients")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of /chat load")
    parser.add_argument("--eval-users", type=int, default=20_000,
                        help="users in the recommendation quality evaluation")
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    command = "cartwise bench " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    t0 = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="cw-bench-"))
    data = args.data
    reports: list[tuple[str, str]] = []
    if data is None:
        users, products = SCALES[args.scale]
        data = work / "data"
        run("bench_generate.py", "--users", users, "--products", products, "--out", data,
            "--no-progress")
        reports.append(("generate", "Demo data generation"))
    run("bench_load.py", "--data", data)
    reports.append(("load-data", "Loading"))
    run("bench_recsys.py", "--data", data, "--eval-users", args.eval_users)
    reports.append(("recsys-data", "Recommenders"))
    run("bench_analytics.py", "--data", data)
    reports.append(("analytics", "Analytics"))
    if SHARED_RETAIL.is_dir():
        run("bench_affinity.py", "--full", data)
        reports.append(("affinity", "Bought together: evidence and speed"))
        run("bench_clv.py", "--full", data)
        reports.append(("clv", "Lifetime value and churn"))
        run("bench_recsys_real.py", "--work", work / "recsys-real")
        reports.append(("recsys-real", "Recommenders on the real Online Retail II years"))
    else:
        print("skipping the bought-together, lifetime value and real-year recommender "
              f"benchmarks: {SHARED_RETAIL} is absent", flush=True)
    run("bench_serving.py", "--data", data, "--work", work / "serving", "--clients",
        args.clients, "--duration", args.duration)
    reports.append(("serving", "Serving: build, tools, /chat under load"))
    run("bench_tools.py", "--data", data, "--work", work / "serving")  # the store just built
    reports.append(("tools", "Tool latency: service, tool layer, HTTP"))
    run("bench_startup.py")
    reports.append(("startup", "Start-up"))
    run("bench_agent.py")
    reports.append(("agent", "The agent"))
    if SHARED_CATALOG.is_dir():
        run("bench_retrieval.py", "--backends", "edge,numpy")
        reports.append(("retrieval", "Product retrieval"))
    else:
        print(f"skipping the retrieval benchmark: {SHARED_CATALOG} is absent", flush=True)
    text = compose(reports, command, time.perf_counter() - t0, args.scale)
    args.out.write_text(text, encoding="utf-8")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
