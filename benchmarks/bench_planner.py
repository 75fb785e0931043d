"""Offline planner benchmark: plan() latency over the shared dev conversation turns.

Every message is embedded (the planner's message cache is cleared before each call); the history
holds the earlier user turns of the same conversation. Tool time is not part of plan().

Target (issue 6): <= 30 ms per turn at the median, excluding tool time.

    python benchmarks/bench_planner.py [--cases ../shared/eval/conversations_dev.jsonl]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import table, write_report  # noqa: E402

from cartwise.agent.planner import CatalogVocabulary, Planner, Turn  # noqa: E402

DEFAULT_CASES = Path(__file__).resolve().parents[2] / "shared" / "eval" / "conversations_dev.jsonl"
DEPARTMENTS = ("produce", "dairy eggs", "snacks", "beverages", "frozen", "pantry", "bakery",
               "canned goods", "deli", "dry goods pasta", "breakfast", "meat seafood",
               "household", "personal care", "babies", "international", "alcohol", "pets",
               "bulk", "other")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    cases = [json.loads(line) for line in args.cases.read_text().splitlines() if line.strip()]
    planner = Planner(CatalogVocabulary(departments=DEPARTMENTS, aisles=()))
    t0 = time.perf_counter()
    planner.warm_up()
    warm_s = time.perf_counter() - t0
    times = []
    for _ in range(args.repeats):
        for case in cases:
            history: list[Turn] = []
            for turn in case["turns"]:
                planner._cache.clear()  # embed every message: no cached encodings
                t = time.perf_counter()
                planner.plan(history, turn["user"])
                times.append((time.perf_counter() - t) * 1000)
                history.append(Turn("user", turn["user"]))
    a = np.asarray(times)
    p50 = float(np.percentile(a, 50))
    body = table(["measure", "value"], [
        ("warm-up (model load + intent examples)", f"{warm_s:.1f} s"),
        ("plan() calls", len(times)),
        ("plan() p50 / p95 / p99", " / ".join(f"{np.percentile(a, q):.1f} ms"
                                               for q in (50, 95, 99))),
        ("target p50 <= 30 ms", "met" if p50 <= 30 else "MISSED"),
    ])
    write_report("planner", "Offline planner benchmark", body)


if __name__ == "__main__":
    main()
