"""``cartwise eval recsys``: the evaluation protocol over a built store, as a table or JSON."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cartwise.config import Settings
from cartwise.data.stage import load_data
from cartwise.recsys.evaluate import HYBRID_MODELS, StrategyResult, evaluate
from cartwise.recsys.rerank import TuningConfig
from cartwise.recsys.stage import FORMAT_VERSION, STAGE, recsys_config
from cartwise.store import Store


@dataclass
class EvaluationReport:
    """Results per strategy and baseline, with the settings they were computed with."""

    results: dict[str, StrategyResult]
    ks: tuple[int, ...]
    weights: dict[str, float]
    users: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """One object with a key per strategy and baseline (metric name -> value), plus
        ``_meta`` (cut-offs, weights, users evaluated, seconds)."""
        out: dict[str, Any] = {name: {k: round(v, 6) for k, v in r.metrics.items()}
                               for name, r in self.results.items()}
        out["_meta"] = {"ks": list(self.ks), "weights": self.weights, "users": self.users,
                        "seconds": round(self.seconds, 2)}
        return out

    def table(self) -> str:
        """A Markdown table: one row per strategy or baseline."""
        cols = [f"{m}@{k}" for k in self.ks for m in ("recall", "ndcg", "hit_rate", "precision",
                                                      "coverage")]
        lines = ["| strategy | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
        for name, r in self.results.items():
            lines.append(f"| {name} | " + " | ".join(f"{r.metrics[c]:.4f}" for c in cols) + " |")
        lines.append("")
        lines.append(f"{self.users:,} users evaluated; hybrid weights {self.weights}; "
                     f"{self.seconds:.1f} s")
        return "\n".join(lines)


def run_evaluation(settings: Settings, ks: Sequence[int] = (10, 20),
                   max_users: int | None = None,
                   progress: Callable[[str], None] | None = None) -> EvaluationReport:
    """Evaluate every strategy on the store at ``settings.store_path``.

    The hybrid weights are those of the built recsys stage (chosen on the validation split, one
    basket earlier than the test baskets); without one, the configured or equal weights.
    """
    t0 = time.perf_counter()
    store = Store(settings.store_path)
    config = recsys_config(settings)
    data = load_data(store, tables=("products", "orders", "order_lines", "users"))
    manifest = store.manifest(STAGE)
    if manifest is not None and manifest.get("format_version") == FORMAT_VERSION:
        stored = manifest["config"]  # the settings chosen on the validation split at build time
        weights, params = manifest["weights"], stored["params"]
        tuning = TuningConfig(**stored["tuning"])
    else:
        weights = config.weights or dict.fromkeys(HYBRID_MODELS, 0.25)
        params, tuning = config.params, config.tuning
    results = evaluate(data, weights, ks, model_params=params, tuning=tuning,
                       max_users=max_users, seed=config.seed, progress=progress)
    users = next(iter(results.values())).users if results else 0
    return EvaluationReport(results, tuple(ks), weights, users, time.perf_counter() - t0)
