"""Agent benchmark: per-turn time of the offline chat model, the tools, and what the agent graph
and its checkpointer add, over the shared dev conversations and the open-world cases
(several requests, refusals, list operations, corrections) on the demo store.

Each conversation runs turn by turn through ``ChatService.reply`` (the real graph, the real
tools, the offline model sharing the product index's sentence model). Per turn:

* model = time inside the offline model (planning the calls, composing the reply), with the
  planner's message cache cleared before each turn so every message is embedded;
* tools = time inside the tools (from the trace);
* graph + checkpointer = the turn's wall time minus model and tools: LangGraph, the
  middleware, message conversion and the session store (in memory, and a SQLite file).

Targets (issues 6, 13): offline model <= 30 ms per turn at the median excluding tool time,
turns with several calls included (also reported on their own); graph and checkpointer add
<= 10 ms per turn.

    python benchmarks/bench_agent.py [--home DIR] [--cases FILE] [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import loaded_services, percentiles, table, write_report  # noqa: E402
from langgraph.checkpoint.memory import InMemorySaver  # noqa: E402

from cartwise.agent.factory import build_chat_service  # noqa: E402
from cartwise.agent.memory import Sessions, sqlite_sessions  # noqa: E402
from cartwise.agent.models import ChatModelInfo, build_chat_model  # noqa: E402
from cartwise.agent.offline import OfflineChatModel  # noqa: E402
from cartwise.config import get_settings  # noqa: E402

DEFAULT_CASES = [
    Path(__file__).resolve().parents[2] / "shared" / "eval" / "conversations_dev.jsonl",
    Path(__file__).resolve().parents[1] / "tests" / "agent" / "cases" / "openworld_dev.jsonl",
]


class TimedOffline(OfflineChatModel):
    """The offline model, adding the time spent in each answer to ``spent`` (a shared list)."""

    spent: list[float]

    def respond(self, messages: Sequence[Any]) -> Any:
        self.planner._cache.clear()
        t0 = time.perf_counter()
        try:
            return super().respond(messages)
        finally:
            self.spent.append((time.perf_counter() - t0) * 1000)


def run(chat: Any, spent: list[float], cases: list[dict[str, Any]], repeats: int
        ) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"turn": [], "model": [], "tools": [], "graph": [],
                                   "model_multi": []}
    for rep in range(repeats):
        for case in cases:
            sid = f"bench-{rep}-{case['id']}"
            for turn in case["turns"]:
                spent.clear()
                t0 = time.perf_counter()
                r = chat.reply(sid, turn["user"])
                total = (time.perf_counter() - t0) * 1000
                model = sum(spent)
                tools = sum(s.ms or 0.0 for s in r.tool_calls)
                out["turn"].append(total)
                out["model"].append(model)
                out["tools"].append(tools)
                out["graph"].append(total - model - tools)
                if len(r.tool_calls) > 1:
                    out["model_multi"].append(model)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="Cartwise home with a demo store (default: a "
                                                  "new temporary one, built first)")
    parser.add_argument("--cases", type=Path, action="append",
                        help="a cases file (repeatable; default: the shared dev cases and the "
                             "open-world dev cases)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from cartwise.agent.evaluate import load_cases

    cases = [c for path in (args.cases or DEFAULT_CASES) for c in load_cases(path)]
    home = args.home or Path(tempfile.mkdtemp(prefix="cw-bench-agent-"))
    settings = get_settings(home=home, sessions="memory")
    services, build_s, load_s = loaded_services(settings)
    t0 = time.perf_counter()
    base, _ = build_chat_model(settings, services)
    assert isinstance(base, OfflineChatModel)
    warm_s = time.perf_counter() - t0
    model = TimedOffline(planner=base.planner, spent=[])
    spent = model.spent  # pydantic copied the list given: use the model's own
    info = ChatModelInfo("offline", "cartwise-offline-planner")
    rows = []
    results = {}
    with (Sessions(InMemorySaver(), "memory", "") as mem,
          sqlite_sessions(home / "bench-sessions.sqlite") as sql):
        for label, sessions in (("in memory", mem), ("SQLite file", sql)):
            chat = build_chat_service(settings, services, sessions=sessions, model=(model, info))
            run(chat, spent, cases[:3], 1)  # warm the graph and the caches
            results[label] = run(chat, spent, cases, args.repeats)
    services.close()
    turns = len(results["in memory"]["turn"])
    for label, res in results.items():
        rows += [
            (f"whole turn ({label})", percentiles(res["turn"], 1)),
            (f"  offline model: plan + compose ({label})", percentiles(res["model"], 1)),
            (f"    of it, turns with several calls ({label})",
             percentiles(res["model_multi"], 1) if res["model_multi"] else "none"),
            (f"  tools ({label})", percentiles(res["tools"], 1)),
            (f"  graph + checkpointer ({label})", percentiles(res["graph"], 1)),
        ]
    model_p50 = float(np.percentile(results["in memory"]["model"], 50))
    multi = results["in memory"]["model_multi"]
    multi_note = (f"turns with several calls {float(np.percentile(multi, 50)):.1f} ms" if multi
                  else "no turn with several calls")
    graph_p50 = max(float(np.percentile(r["graph"], 50)) for r in results.values())
    body = (
        f"Demo store: {home} (build or check {build_s:.1f} s; services loaded in {load_s:.1f} s; "
        f"offline model warm-up {warm_s:.1f} s). {turns} turns per session store "
        f"({len(cases)} conversations x {args.repeats}), every message embedded anew.\n\n"
        + table(["per turn", "p50 / p95 / p99 (ms)"], rows)
        + "\n\n## Targets\n\n"
        f"- offline model <= 30 ms per turn (p50, excluding tools): "
        f"{'met' if model_p50 <= 30 else 'MISSED'} ({model_p50:.1f} ms; "
        f"{multi_note})\n"
        f"- graph + checkpointer <= 10 ms per turn (p50, worst store): "
        f"{'met' if graph_p50 <= 10 else 'MISSED'} ({graph_p50:.1f} ms)\n"
    )
    write_report("agent", "Agent benchmark", body)


if __name__ == "__main__":
    main()
